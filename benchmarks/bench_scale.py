"""Files of a million runs (issue 16): reading against numpy.loadtxt, and the peak memory of fit, predict and
`plan --flops -` on 10^6 rows.

Reading: ``read_observations(read_table(path))`` on 10^6 plain numeric CSV rows against ``numpy.loadtxt`` on the
same file, alternating in one process (target: at most 2x). Memory: each command in its own process, peak
resident set from getrusage (targets: fit and predict under 400 MB, plan in every format under 600 MB).
BLAS is pinned to one thread on both sides. Run from the project root: python -m benchmarks.bench_scale
"""

from __future__ import annotations

import argparse
import os
import tempfile

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

from benchmarks._alternating import alternating
from benchmarks._peak import peak_mib
from scalecalc.laws import ChinchillaLaw
from scalecalc.runs import read_observations, read_table

LAW = ChinchillaLaw(E=1.8172, A=482.01, B=2085.43, alpha=0.3478, beta=0.3658)  # Besiroglu et al. 2024, Eq. 4


def write_runs(path: str, rows: int) -> None:
    rng = np.random.default_rng(0)
    n, d = 10 ** rng.uniform(7, 10, rows), 10 ** rng.uniform(9, 12, rows)
    loss = LAW.loss(n, d) * np.exp(0.01 * rng.standard_normal(rows))
    with open(path, "w") as out:
        out.write("params,tokens,loss\n")
        out.writelines(f"{a!r},{b!r},{c!r}\n" for a, b, c in zip(n.tolist(), d.tolist(), loss.tolist(), strict=True))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10**6)
    parser.add_argument("--repeats", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        runs, budgets = os.path.join(folder, "runs.csv"), os.path.join(folder, "budgets.txt")
        write_runs(runs, options.rows)
        with open(budgets, "w") as out:
            out.writelines(f"{c!r}\n" for c in np.geomspace(1e18, 1e25, options.rows).tolist())
        ratio, seconds = alternating(
            lambda: read_observations(read_table(runs)),
            lambda: np.loadtxt(runs, delimiter=",", skiprows=1),
            options.repeats,
        )
        print(f"read {options.rows} plain CSV rows: {seconds:.2f} s, {ratio:.2f}x numpy.loadtxt (target <= 2x)")
        for label, args, stdin, limit in [
            ("fit", ["fit", runs, "--format", "json"], "", 400),
            ("predict", ["predict", runs, "--format", "tsv"], "", 400),
            *[(f"plan --flops - ({fmt})", ["plan", "--flops", "-", "--format", fmt], budgets, 600)
              for fmt in ("json", "jsonl", "csv", "tsv")],
        ]:  # fmt: skip
            code, peak = peak_mib(args, stdin)
            verdict = "ok" if peak < limit else "OVER"
            print(f"{label:26s} exit {code}  peak {peak:6.0f} MiB  (target < {limit} MB: {verdict})")


if __name__ == "__main__":
    main()
