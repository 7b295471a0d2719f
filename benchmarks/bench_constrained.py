"""How much dearer the beyond-compute-optimal questions are than the closed-form `plan --flops`.

Each question runs on the same 10,000 budgets as the reference (`plan_compute`, a closed form); runs alternate
in one process and the script prints the median time ratio (question / reference) and the per-row cost, never
an absolute-time assertion. Run: python benchmarks/bench_constrained.py
"""

from __future__ import annotations

import numpy as np
from _alternating import alternating

from scalecalc.plan import (
    plan_compute,
    plan_data_constrained,
    plan_inference_aware,
    plan_smaller_model,
    repetition_decay,
)
from scalecalc.presets import load_preset

ROWS = 10_000
REPEATS = 7


def main() -> None:
    muennighoff = load_preset("muennighoff-2023")
    chinchilla = load_preset("chinchilla")
    budgets = np.geomspace(1e19, 1e26, ROWS)
    _, free_tokens = muennighoff.loss_law.allocate(budgets)
    decay, _ = repetition_decay(muennighoff)
    inference = np.full(ROWS, 2e12)
    questions = {
        "flops + unique tokens (grid + golden section)": lambda: plan_data_constrained(
            muennighoff, budgets, free_tokens / 10, decay
        ),
        "flops + inference tokens (bisection)": lambda: plan_inference_aware(
            chinchilla, inference, compute_flops=budgets
        ),
        "loss + params (closed form)": lambda: plan_smaller_model(
            chinchilla, np.full(ROWS, 2.1), np.geomspace(2e9, 1e12, ROWS)
        ),
        "flops + inference + unique tokens (two searches)": lambda: plan_inference_aware(
            muennighoff, inference, compute_flops=budgets, unique_tokens=free_tokens / 10, decay=decay
        ),
    }

    def reference() -> object:
        return plan_compute(chinchilla, budgets)

    print(f"{ROWS} rows per call, median of {REPEATS} alternating runs; reference: plan_compute (closed form)")
    for name, question in questions.items():
        ratio, seconds = alternating(question, reference, REPEATS)
        print(f"  {name:50s} {ratio:8.1f}x reference   ({seconds / ROWS * 1e6:.2f} us per row)")


if __name__ == "__main__":
    main()
