"""Hoffmann's Approaches 1 and 2 drawn: the training-curve envelope and isoFLOP profiles, each beside the
allocation law N_opt = k C^a fitted to their optima, extrapolated to the target budgets with its bootstrap band.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from scalecalc.plotting.builders._common import (
    COMPUTE_AXIS,
    LOSS_AXIS,
    as_tuple,
    log_grid,
    params_opt_panel,
    percentile_band,
    split_by_range,
)
from scalecalc.plotting.spec import Axis, Band, Curve, Figure, Group, Law, Marker, Panel, Points, tick_label

if TYPE_CHECKING:
    from scalecalc.approaches.allocation_fit import Prediction
    from scalecalc.approaches.envelope import EnvelopeResult
    from scalecalc.approaches.isoflop import IsoflopResult
    from scalecalc.runs import Observations

    AllocationResult = IsoflopResult | EnvelopeResult


def isoflop_figure(
    result: IsoflopResult,
    observations: Observations | None = None,
    best_per_size: bool = False,
    **_: object,
) -> Figure:
    """Left: each budget's runs (loss against N), its fitted profile and its minimum. Right: the minima
    against compute with the fitted N_opt = k C^a, extrapolated (dashed) to the target budgets with the
    bootstrap interval of the prediction there.

    ``observations`` (the runs that were fitted) supply the points; each run is drawn with the budget nearest
    to its compute in log space, as the analysis grouped it. With ``best_per_size`` the profiles are
    fitted, as the analysis fitted them, to the lowest loss of each size.
    """
    budgets = list(result.budgets)
    groups = tuple(Group(f"C={tick_label(b.flops, 'flops')}", float(b.flops)) for b in budgets)
    points: list[Points] = []
    curves: list[Curve] = []
    optima: list[Points] = []
    if observations is not None:
        budget_flops = np.array([b.flops for b in budgets], dtype=float)
        compute = np.asarray(observations.compute_flops, dtype=float)
        nearest = np.argmin(np.abs(np.log(compute)[:, None] - np.log(budget_flops)[None, :]), axis=1)
        for index, budget in enumerate(budgets):
            member = nearest == index
            n = np.asarray(observations.n_params, dtype=float)[member]
            d = np.asarray(observations.n_tokens, dtype=float)[member]
            loss = np.asarray(observations.loss, dtype=float)[member]
            if not member.any():
                continue
            label = groups[index].label if budget.included else f"{groups[index].label} (left out: {budget.status})"
            points.append(Points(label, as_tuple(n), as_tuple(loss), index, "data" if budget.included else "excluded"))
            if best_per_size:
                lowest = np.array([loss[n == size].min() == value for size, value in zip(n, loss, strict=True)])
                n, d, loss = n[lowest], d[lowest], loss[lowest]
            profile = profile_curve(result.method, n, d, loss, budget.flops)
            if profile is not None:
                curves.append(Curve("", as_tuple(profile[0]), as_tuple(profile[1]), index, "fit"))
    for index, budget in enumerate(budgets):
        if budget.included and math.isfinite(budget.params):
            optima.append(Points("fitted minimum", (budget.params,), (budget.loss,), index, "optimum"))
    profiles = Panel(
        f"isoFLOP profiles ({result.method})",
        Axis("model size N", "parameters", "count"),
        replace(LOSS_AXIS, log=False),
        points=(*points, *optima),
        curves=tuple(curves),
    )
    minima = [
        Points("fitted minimum", (b.flops,), (b.params,), i, "optimum") for i, b in enumerate(budgets) if b.included
    ]
    allocation = _allocation_panel(result, minima, result.fitted_flops)
    return Figure(
        name="isoflop",
        title=f"isoFLOP analysis (Approach 2, {result.method})",
        panels=(profiles, allocation),
        groups=groups,
        group_scale="log",
        group_title="compute budget C (FLOPs)",
        laws=_allocation_laws(result, "Approach 2"),
        notes=_interval_notes(result),
    )


def envelope_figure(result: EnvelopeResult, observations: Observations | None = None, **_: object) -> Figure:
    """Left: every run's loss against compute, coloured by model size, and their lower envelope. Right: the
    size that wins each compute level, the fitted N_opt = k C^a and its extrapolation."""
    sizes = np.unique(np.asarray(observations.n_params, dtype=float)) if observations is not None else np.array([])
    groups = tuple(Group(f"N={tick_label(n, 'count')}", float(n)) for n in sizes)
    points: list[Points] = []
    if observations is not None:
        n_all = np.asarray(observations.n_params, dtype=float)
        for index, size in enumerate(sizes):
            member = n_all == size
            points.append(
                Points(
                    groups[index].label,
                    as_tuple(np.asarray(observations.compute_flops)[member]),
                    as_tuple(np.asarray(observations.loss)[member]),
                    index,
                )
            )
    finite = np.isfinite(result.loss)
    envelope = Curve(
        "lowest loss (envelope)", as_tuple(result.flops[finite]), as_tuple(result.loss[finite]), None, "frontier"
    )
    curves_panel = Panel(
        "training curves and their envelope",
        COMPUTE_AXIS,
        LOSS_AXIS,
        points=tuple(points),
        curves=(envelope,),
    )
    included = np.asarray(result.included, dtype=bool) & np.isfinite(result.params)
    size_index = {float(n): i for i, n in enumerate(sizes)}
    winners = [
        Points("envelope winner", (float(c),), (float(n),), size_index.get(float(n)), "data")
        for c, n in zip(result.flops[included], result.params[included], strict=True)
    ]
    allocation = _allocation_panel(result, winners, result.fitted_flops)
    return Figure(
        name="envelope",
        title="training-curve envelope (Approach 1)",
        panels=(curves_panel, allocation),
        groups=groups,
        group_scale="log",
        group_title="model size N (parameters)",
        laws=_allocation_laws(result, "Approach 1"),
        notes=_interval_notes(result),
    )


def profile_curve(
    method: str, n_params: np.ndarray, n_tokens: np.ndarray, loss: np.ndarray, flops: float
) -> tuple[np.ndarray, np.ndarray] | None:
    """The fitted isoFLOP profile of one budget over the sizes tried, as :mod:`scalecalc.approaches.isoflop` fits it:
    a parabola (or cubic) in log10 N, a parabola in log10 D, or an Akima spline through the lowest loss at
    each size. None when the sizes cannot determine it."""
    x = np.log10(n_params)
    sizes = np.unique(x)
    if len(sizes) < 3:
        return None
    grid = np.linspace(sizes[0], sizes[-1], 60)
    if method == "akima":
        from scipy.interpolate import Akima1DInterpolator

        lowest = np.array([loss[x == size].min() for size in sizes])
        return 10**grid, Akima1DInterpolator(sizes, lowest)(grid)
    degree = 3 if method == "cubic" else 2
    if len(sizes) <= degree:
        return None
    if method == "parabola-d":
        u = np.log10(n_tokens)
        coefficients = np.polyfit(u - u.mean(), loss, degree)
        u_grid = math.log10(flops / 6.0) - grid  # D = C / 6N along the profile
        return 10**grid, np.polyval(coefficients, u_grid - u.mean())
    coefficients = np.polyfit(x - x.mean(), loss, degree)
    return 10**grid, np.polyval(coefficients, grid - x.mean())


def _allocation_panel(result: AllocationResult, optima: list[Points], fitted: tuple[float, float]) -> Panel:
    """N_opt against C: the optima, the fitted power law (solid over the fitted budgets, dashed out to the
    targets), the bootstrap band of the law along the whole range and the interval at each target."""
    law = result.params_law
    low, high = fitted
    prediction = result.prediction
    targets = np.asarray(prediction.flops, dtype=float) if prediction is not None else np.array([])
    span_low, span_high = min([low, *targets.tolist()]), max([high, *targets.tolist()])
    curves = split_by_range(
        f"N_opt = {law.coefficient:.3g} C^{law.exponent:.3f}",
        log_grid(span_low, span_high),
        law(log_grid(span_low, span_high)),
        None,
        (low, high),
        solid="frontier",
    )
    bands: list[Band] = []
    points = list(optima)
    markers: list[Marker] = []
    level = int(round(100 * result.level))
    draws = result.line_draws
    if len(draws) >= 2:
        # the bootstrap lines' pointwise percentiles, along the whole drawn range of the extrapolation
        grid = log_grid(span_low, span_high)
        drawn = 10 ** (draws[:, 1][:, None] + draws[:, 0][:, None] * np.log10(grid)[None, :])
        bands.append(percentile_band(grid, drawn, result.level, f"{level}% bootstrap band"))
    if prediction is not None and len(targets):
        finite = np.isfinite(prediction.params_low) & np.isfinite(prediction.params_high)
        if finite.sum() >= 2 and len(draws) < 2:
            bands.append(_prediction_band(prediction, finite, f"{level}% bootstrap band"))
        interval = (as_tuple(prediction.params_low), as_tuple(prediction.params_high)) if finite.all() else ((), ())
        label = f"prediction at --flops ({level}% bootstrap interval)" if finite.all() else "prediction at --flops"
        points.append(Points(label, as_tuple(targets), as_tuple(prediction.params), None, "prediction", *interval))
        markers += [Marker(float(c), f"target {tick_label(float(c), 'flops')}") for c in targets]
    return params_opt_panel(points, curves, bands, markers)


def _prediction_band(prediction: Prediction, finite: np.ndarray, label: str) -> Band:
    """The pointwise intervals at two or more targets, joined (linearly in log-log) into a band between them."""
    x = np.asarray(prediction.flops, dtype=float)[finite]
    low = np.asarray(prediction.params_low, dtype=float)[finite]
    high = np.asarray(prediction.params_high, dtype=float)[finite]
    order = np.argsort(x)
    return Band(label, as_tuple(x[order]), as_tuple(low[order]), as_tuple(high[order]))


def _allocation_laws(result: AllocationResult, name: str) -> tuple[Law, ...]:
    params, tokens = result.params_law, result.tokens_law
    return (
        Law(name, "N_opt = k_N C^a", (("k_N", params.coefficient), ("a", params.exponent))),
        Law(name, "D_opt = k_D C^b", (("k_D", tokens.coefficient), ("b", tokens.exponent))),
    )


def _interval_notes(result: AllocationResult) -> tuple[str, ...]:
    law = result.params_law
    if not (math.isfinite(law.exponent_low) and math.isfinite(law.exponent_high)):
        return ()
    level = int(round(100 * result.level))
    return (
        f"a = {law.exponent:.3f} [{law.exponent_low:.3f}, {law.exponent_high:.3f}] ({level}% bootstrap, "
        f"{result.bootstrap_used} resamples)",
    )
