"""What the hyperparameter columns (batch size, learning rate, steps) add to `plan`'s per-row time.

In one process, 100,000 budgets through the plan core (``answer``), with and without
``--hparams deepseek-2024 --seq-len 4096``, timed alternately; the script prints the median ratio with/without.
Target (issue 15): the columns cost less than 20% of plan's per-row time, i.e. a ratio below 1.20. Two plans: the
default preset (whose intervals over 1000 covariance draws are most of a row) and chinchilla (no intervals: the
cheapest plan row, so the strictest comparison). For information it also times the rows turned into records
(what json/csv print): there each column costs about the same, so four more columns cost what they print.

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

        for stage, render in (("core", False), ("core + records", True)):

            def reference(preset=preset, request=plain, render=render) -> object:
                result = answer(preset, request)
                return plan_table(result, preset).records() if render else result

            def candidate(preset=preset, request=with_columns, render=render) -> object:
                result = answer(preset, request)
                return plan_table(result, preset).records() if render else result

            ratio, seconds = alternating(candidate, reference, args.repeats)
            target = " (target < 1.20)" if not render else ""
            print(
                f"{name}, {stage}: {args.rows} rows, with hyperparameter columns {seconds:.3f} s; "
                f"with / without = {ratio:.3f}{target}"
            )


if __name__ == "__main__":
    main()
