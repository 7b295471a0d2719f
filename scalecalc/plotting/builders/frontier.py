"""The frontier of published laws: each preset's compute-optimal parameters and tokens against compute."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from scalecalc.errors import InputError
from scalecalc.plotting.builders._common import COMPUTE_AXIS, PARAMS_OPT_AXIS, log_grid, split_by_range
from scalecalc.plotting.spec import Axis, Curve, Figure, Group, Panel, tick_label

if TYPE_CHECKING:
    from scalecalc.laws.base import Allocation
    from scalecalc.presets import Preset


def frontier_figure(presets: Sequence[Preset], low_flops: float, high_flops: float) -> Figure:
    """Published laws' compute-optimal parameters and tokens against compute, side by side.

    Each law is drawn solid over the compute range it was fitted on and dashed beyond it (its extrapolation);
    the legend gives each law's local exponent, the slope d log N_opt / d log C at the geometric middle of
    the range (a for N_opt, b = 1 - a for D_opt under C = 6ND).
    """
    if not presets:
        raise InputError("give at least one preset", param="presets")
    if not (0 < low_flops < high_flops):
        raise InputError(f"{low_flops:g} must be positive and below high_flops {high_flops:g}", param="low_flops")
    compute = log_grid(low_flops, high_flops)
    groups: list[Group] = []
    params_curves: list[Curve] = []
    tokens_curves: list[Curve] = []
    notes: list[str] = []
    conventions: set[str] = set()
    for index, preset in enumerate(presets):
        if preset.allocation is None:
            raise InputError(f"{preset.name} has no compute-optimal allocation to draw", param="presets")
        n_opt, d_opt = preset.allocation.allocate(compute)
        a = _local_slope(preset.allocation, low_flops, high_flops)
        groups.append(Group(preset.name, float(index)))
        fitted = fitted_compute_range(preset)
        label = f"{preset.name} (N∝C^{a:.3f}, D∝C^{1 - a:.3f})"
        params_curves += split_by_range(label, compute, n_opt, index, fitted)
        tokens_curves += split_by_range(label, compute, d_opt, index, fitted)
        conventions.add(preset.conventions.params)
        if fitted is None:
            notes.append(f"{preset.name}: no fitted compute range recorded; drawn solid throughout")
    notes.insert(
        0, "lines are solid within the compute range each law was fitted on, broken (dashed or dotted) beyond it"
    )
    if len(conventions) > 1:
        notes.append("parameters follow each preset's own convention (total or non-embedding), as its paper counts")
    compute_axis = replace(COMPUTE_AXIS, limits=(low_flops, high_flops))
    panels = (
        Panel(
            "compute-optimal parameters",
            compute_axis,
            PARAMS_OPT_AXIS,
            curves=tuple(params_curves),
        ),
        Panel("compute-optimal tokens", compute_axis, Axis("D_opt", "tokens", "count"), curves=tuple(tokens_curves)),
    )
    return Figure(
        name="frontier",
        title=f"compute-optimal frontier, {tick_label(low_flops, 'flops')} to {tick_label(high_flops, 'flops')} FLOPs",
        panels=panels,
        groups=tuple(groups),
        group_scale="categorical",
        group_title="preset",
        notes=tuple(notes),
    )


def fitted_compute_range(preset: Preset) -> tuple[float, float] | None:
    """The compute range a preset was fitted on: ``fitted_range.flops``, else derived from its params (or
    tokens) range through its allocation."""
    ranges = preset.fitted_range
    if "flops" in ranges:
        return ranges["flops"]
    allocation = preset.allocation
    if allocation is None:
        return None
    for key, to_compute in (("params", allocation.compute_for_params), ("tokens", allocation.compute_for_tokens)):
        if key in ranges:
            low, high = to_compute(np.array(ranges[key], dtype=float))
            return float(low), float(high)
    return None


def _local_slope(allocation: Allocation, low: float, high: float) -> float:
    """d log N_opt / d log C at the geometric middle of [low, high]."""
    middle = math.sqrt(low * high)
    c = np.array([middle / 1.01, middle * 1.01])
    n, _ = allocation.allocate(c)
    return float(np.log(n[1] / n[0]) / np.log(c[1] / c[0]))
