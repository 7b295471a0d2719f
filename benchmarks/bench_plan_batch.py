"""100,000 budgets through `scalecalc plan --flops -` against start-up alone (`plan --flops 1e24`).

The batch run and the single-budget run alternate in the same script; the script prints the median compute
beyond start-up (batch minus single, in wall and CPU seconds) and the median ratio batch / single. Target
(issue 2): 100,000 budgets in well under a second of compute beyond start-up. Two inputs: plain numbers
(`1.234560e+22`, the vectorised fast path) and suffixed values (`12.3P`, parsed one by one).

Run: python benchmarks/bench_plan_batch.py [--repeats N] [--rows N]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def measure(command: list[str], stdin: bytes | None = None) -> tuple[float, float, int]:
    """Wall seconds, child CPU seconds (user + sys) and bytes written to stdout for one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(command, input=stdin, capture_output=True, check=True, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, len(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()

    script = shutil.which("scalecalc")
    launcher = [script] if script else [sys.executable, "-m", "scalecalc"]
    budgets = np.geomspace(1e19, 1e26, args.rows)
    inputs = {
        "plain numbers": "".join(f"{c:.6e}\n" for c in budgets).encode(),
        "suffixed (12.3P)": "".join(f"{c / 1e15:.4g}P\n" for c in budgets).encode(),
    }
    single = [*launcher, "plan", "--flops", "1e24", "--format", "tsv"]
    batch = [*launcher, "plan", "--flops", "-", "--format", "tsv"]

    measure(single)  # warm the file cache
    rows_out = measure(batch, inputs["plain numbers"])[2]
    print(
        f"launcher: {' '.join(launcher)}; {args.rows} budgets -> {rows_out / 1e6:.1f} MB of TSV; "
        f"{args.repeats} alternating runs"
    )
    for name, stdin in inputs.items():
        extra_wall, extra_cpu, ratios = [], [], []
        for _ in range(args.repeats):
            base = measure(single)
            run = measure(batch, stdin)
            extra_wall.append(run[0] - base[0])
            extra_cpu.append(run[1] - base[1])
            ratios.append(run[0] / base[0])
        print(
            f"{name}: beyond start-up {statistics.median(extra_wall):.3f} s wall, "
            f"{statistics.median(extra_cpu):.3f} s CPU; batch / start-up {statistics.median(ratios):.2f}x"
        )


if __name__ == "__main__":
    main()
