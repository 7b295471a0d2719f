"""What a picture costs: `scalecalc plot frontier` in the terminal and to a PNG/SVG, against `scalecalc plan`.

Each command runs alternately with the reference `scalecalc plan --flops 1e24` in the same script, so machine
load affects them alike; the script prints the median ratio of wall time (never an absolute-time assertion).
The terminal chart adds plotext's import and one render; a file adds matplotlib's import and a save.

Run: python benchmarks/bench_plotting.py [--repeats N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def measure(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, cwd=ROOT)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    script = shutil.which("scalecalc")
    launcher = [script] if script else [sys.executable, "-m", "scalecalc"]
    reference = [*launcher, "plan", "--flops", "1e24"]
    with tempfile.TemporaryDirectory() as folder:
        candidates = {
            "plot frontier (terminal, 120x30)": [*launcher, "plot", "frontier", "--plot-size", "120x30"],
            "plot frontier --plot-file .png": [
                *launcher,
                "plot",
                "frontier",
                "--plot-file",
                f"{folder}/f.png",
                "--force",
            ],
            "plot frontier --plot-file .svg": [
                *launcher,
                "plot",
                "frontier",
                "--plot-file",
                f"{folder}/f.svg",
                "--force",
            ],
        }
        for command in (reference, *candidates.values()):  # warm the file cache
            measure(command)
        ratios: dict[str, list[float]] = {name: [] for name in candidates}
        for _ in range(args.repeats):
            for name, command in candidates.items():
                base = measure(reference)
                ratios[name].append(measure(command) / base)
    print(f"reference: {' '.join(reference[-3:])}; median wall-time ratio over {args.repeats} alternating runs")
    for name, values in ratios.items():
        print(f"  {name:36s} {statistics.median(values):5.2f}x")


if __name__ == "__main__":
    main()
