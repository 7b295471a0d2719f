"""What the hyperparameter columns (batch size, learning rate, steps) add to `plan`'s per-row time.

In one process, 100,000 budgets through the plan core (``answer``) and its table, with and without
``--hparams deepseek-2024 --seq-len 4096``, timed alternately; the script prints the median ratio with/without.
Target (issue 15): the columns cost less than 20% of plan's per-row time, i.e. a ratio below 1.20. Two plans: the
default preset (whose loss interval from 1000 covariance draws dominates a row) and chinchilla (no interval: the
cheapest plan row, so the strictest comparison).

Run: OPENBLAS_NUM_THREADS=1 python benchmarks/bench_hyperparameters.py [--repeats N] [--rows N]
"""

from __future__ import annotations

import argparse

import numpy as np
from _alternating import alternating

from scalecalc.cli.plan import plan_table
from scalecalc.plan import PlanRequest, answer
from scalecalc.presets import load_preset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    budgets = np.geomspace(1e19, 1e26, args.rows)
    laws = load_preset("deepseek-2024")
    for name in ("epoch-2024", "chinchilla"):
        preset = load_preset(name)
        plain = PlanRequest(compute_flops=budgets)
        with_columns = PlanRequest(compute_flops=budgets, hyperparameters=laws, seq_len=4096.0)

        def reference(preset=preset, request=plain) -> object:
            return plan_table(answer(preset, request)).records()

        def candidate(preset=preset, request=with_columns) -> object:
            return plan_table(answer(preset, request)).records()

        ratio, seconds = alternating(candidate, reference, args.repeats)
        print(
            f"{name}: {args.rows} rows, with hyperparameter columns {seconds:.3f} s; "
            f"with / without = {ratio:.3f} (target < 1.20)"
        )


if __name__ == "__main__":
    main()
