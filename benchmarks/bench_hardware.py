"""What `plan --gpu` adds to a plan: the hardware columns on 100,000 budgets, and loading an accelerator file.

Runs alternate in one process with a plain reference run and the script prints median time ratios, never an
absolute-time assertion. Reference for the columns: `plan_compute` on the same budgets (closed form).
Reference for the file: loading one law preset (`load_preset`), which every `plan` does anyway.
Run: python benchmarks/bench_hardware.py
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from _alternating import alternating

from scalecalc import plan as planner
from scalecalc.hardware import accelerators as hw
from scalecalc.presets import load_preset
from scalecalc.presets.hardware import load_accelerator

ROWS = 100_000
REPEATS = 9


def ratio(candidate: Callable[[], object], reference: Callable[[], object]) -> float:
    return alternating(candidate, reference, REPEATS)[0]


def main() -> None:
    law = load_preset("epoch-2024")
    budgets = np.geomspace(1e19, 1e26, ROWS)
    hardware = hw.HardwarePlan(load_accelerator("h100"), n_gpus=1024)
    result = planner.plan_compute(law, budgets)

    def reference() -> object:
        return planner.plan_compute(law, budgets)

    def columns() -> object:
        return hw.hardware_columns(result.columns["flops"], result.columns["params"], hardware)

    def plan_with_gpu() -> object:
        plan = planner.plan_compute(law, budgets)
        return hw.hardware_columns(plan.columns["flops"], plan.columns["params"], hardware)

    print(f"{ROWS} budgets, median of {REPEATS} alternating runs")
    print(f"hardware columns alone / plan_compute:        {ratio(columns, reference):6.2f}x")
    print(f"plan_compute + hardware columns / plan_compute: {ratio(plan_with_gpu, reference):6.2f}x")
    print(
        "load_accelerator('h100') / load_preset('epoch-2024'): "
        f"{ratio(lambda: load_accelerator('h100'), lambda: load_preset('epoch-2024')):6.2f}x"
    )
    print(
        "load_accelerator('trillium') (alias: reads every file) / load_preset: "
        f"{ratio(lambda: load_accelerator('trillium'), lambda: load_preset('epoch-2024')):6.2f}x"
    )


if __name__ == "__main__":
    main()
