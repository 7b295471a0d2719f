"""Cold start of `scalecalc plan --flops 1e24` against `python -c "import numpy"`.

Both commands run alternately in the same script, so machine load affects them alike; the script prints the
median ratio of wall time and of CPU time (user + sys of the child), never an absolute-time assertion.
Target (issue 2): a ratio of at most 2x. The console script is used when it is on PATH (after `pip install .`),
else `python -m scalecalc`.

Run: python benchmarks/bench_startup.py [--repeats N] [--no-pyc]. By default both sides run with .pyc files, as
an installed copy does (written by the warm-up under a temporary PYTHONPYCACHEPREFIX); --no-pyc keeps the
environment's PYTHONDONTWRITEBYTECODE, so that a checkout under it compiles scalecalc's source on every run.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._peak import with_installed_bytecode  # noqa: E402

TARGET = 2.0


def measure(command: list[str]) -> tuple[float, float]:
    """Wall seconds and child CPU seconds (user + sys) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument(
        "--no-pyc", action="store_true", help="keep the environment's PYTHONDONTWRITEBYTECODE (compile on every run)"
    )
    args = parser.parse_args()
    if not args.no_pyc:
        with_installed_bytecode()  # the warm-up below writes them

    script = shutil.which("scalecalc")
    launcher = [script] if script else [sys.executable, "-m", "scalecalc"]
    candidates = {
        "scalecalc plan --flops 1e24": [*launcher, "plan", "--flops", "1e24"],
        "python -c 'import scalecalc.cli' (imports only)": [sys.executable, "-c", "import scalecalc.cli"],
        # the floor set by the dependencies alone (pydantic too where an installed typer >= 0.29 pulls it in)
        "python -c 'import numpy, typer, yaml' (dependency floor)": [
            sys.executable,
            "-c",
            "import numpy, typer, yaml, importlib.util as u; u.find_spec('pydantic') and __import__('pydantic')",
        ],
    }
    reference = [sys.executable, "-c", "import numpy"]
    os.environ.pop("SCALECALC_FORMAT", None)

    for command in (reference, *candidates.values()):  # warm the file cache: we measure cold interpreters, not disks
        measure(command)

    ratios: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in candidates}
    reference_times: list[tuple[float, float]] = []
    for _ in range(args.repeats):
        for name, command in candidates.items():
            base = measure(reference)
            run = measure(command)
            reference_times.append(base)
            ratios[name][0].append(run[0] / base[0])
            ratios[name][1].append(run[1] / base[1] if base[1] > 0 else float("nan"))

    compiled = "compiling on every run" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "with .pyc files"
    print(
        f"launcher: {' '.join(launcher)}; reference: python -c 'import numpy'; {args.repeats} alternating runs each, "
        f"{compiled}"
    )
    print(
        f"reference median: {statistics.median(t[0] for t in reference_times) * 1e3:.0f} ms wall, "
        f"{statistics.median(t[1] for t in reference_times) * 1e3:.0f} ms CPU"
    )
    for name, (wall, cpu) in ratios.items():
        print(f"{name}: median ratio {statistics.median(wall):.2f}x wall, {statistics.median(cpu):.2f}x CPU")
    headline = statistics.median(ratios["scalecalc plan --flops 1e24"][0])
    verdict = "meets" if headline <= TARGET else "misses"
    print(f"startup ratio {headline:.2f}x {verdict} the target of {TARGET:.1f}x")


if __name__ == "__main__":
    main()
