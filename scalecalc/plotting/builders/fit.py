"""Approach 3 drawn: a fitted loss law against the runs it was fitted on, with its compute-optimal frontier
extrapolated to the target budgets and the bootstrap band of the extrapolation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from scalecalc.errors import InputError
from scalecalc.laws import BrokenPowerLaw, ChinchillaLaw, KaplanLaw, PowerLaw, SigmoidLaw
from scalecalc.laws.power import variable_values
from scalecalc.plotting.builders._common import (
    COMPUTE_AXIS,
    FILE_UNIT,
    LOSS_AXIS,
    as_tuple,
    log_grid,
    params_opt_panel,
    percentile_band,
    split_by_range,
)
from scalecalc.plotting.spec import Axis, AxisKind, Band, Curve, Figure, Group, Law, Marker, Panel, Points, tick_label

if TYPE_CHECKING:
    from scalecalc.fitting import FitResult
    from scalecalc.runs import Observations

FittedLaw = ChinchillaLaw | KaplanLaw | PowerLaw | BrokenPowerLaw | SigmoidLaw  # the forms `fit_law` fits
OneVariableLaw = PowerLaw | BrokenPowerLaw | SigmoidLaw

FORMULAS = {
    "chinchilla": "L = E + A/N^α + B/D^β",
    "kaplan": "L = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D",
    "power": "L = E + A x^-α",
    "broken": "L = E + smoothly broken power law in x",
    "sigmoid": "y = y_left + (y_right - y_left) / (1 + e^(-k (t - t0)))",
}
SIZE_BINS = 6  # runs of many distinct sizes are coloured in this many log-spaced bins
EXTRAPOLATE_TO = 100.0  # without targets, the frontier runs this factor past the largest budget fitted


def loss_law_figure(
    law: FittedLaw,
    observations: Observations,
    *,
    draws: Mapping[str, np.ndarray] | None = None,
    level: float = 0.95,
    targets: Sequence[float] | None = None,
    name: str = "fit",
    title: str = "fitted scaling law",
) -> Figure:
    """A fitted law with its data. Two-variable laws (L(N, D)): loss against compute with the runs coloured by
    model size, the law along each size, and its compute-optimal frontier L(N_opt(C), D_opt(C)) extrapolated
    (dashed) to the target budgets with the bootstrap band of the extrapolation; then N_opt(C) with its band.
    One-variable laws (L(x)): loss against x with the fitted curve and band.

    ``draws`` are bootstrap draws of the law's constants (one array per symbol); the band is their pointwise
    ``level`` percentile interval.
    """
    n = np.asarray(observations.n_params, dtype=float)
    d = np.asarray(observations.n_tokens, dtype=float)
    c = np.asarray(observations.compute_flops, dtype=float)
    loss = np.asarray(observations.loss, dtype=float)
    targets_array = np.asarray(targets if targets is not None else [], dtype=float)
    formula = Law(name, FORMULAS.get(law.form, law.form), tuple(law.constants().items()))
    percent = int(round(100 * level))
    if isinstance(law, OneVariableLaw):
        x = observations.x if observations.x is not None else variable_values(law.variable, n, d)
        return _one_variable_figure(
            law, formula, np.asarray(x, dtype=float), loss, draws, level, targets_array, name, title
        )
    groups, member = _size_bins(n)
    points = [
        Points(group.label, as_tuple(c[member == i]), as_tuple(loss[member == i]), i) for i, group in enumerate(groups)
    ]
    curves: list[Curve] = []
    for i, group in enumerate(groups):
        inside = c[member == i]
        if len(inside) == 0:
            continue
        grid = log_grid(inside.min(), inside.max(), 40)
        curves.append(Curve("", as_tuple(grid), as_tuple(law.loss(group.value, grid / (6.0 * group.value))), i, "fit"))
    bands: list[Band] = []
    markers = [Marker(float(t), f"target {tick_label(float(t), 'flops')}") for t in targets_array]
    low, high = float(c.min()), float(c.max())
    reach = float(targets_array.max()) if len(targets_array) else high * EXTRAPOLATE_TO
    panels: list[Panel] = []
    allocation: Panel | None = None
    if isinstance(law, ChinchillaLaw):  # the one form with a compute-optimal frontier of its own
        grid = log_grid(low, max(reach, high))
        frontier = _frontier_loss(law, grid)
        curves += split_by_range("compute-optimal frontier", grid, frontier, None, (low, high), solid="frontier")
        sizes = law.allocate(grid)[0]
        size_curves = split_by_range("N_opt(C) of the fit", grid, sizes, None, (low, high), solid="frontier")
        size_bands: list[Band] = []
        if draws:
            drawn = ChinchillaLaw.from_constants(_draw_columns(draws))
            bands.append(percentile_band(grid, _frontier_loss(drawn, grid), level, f"{percent}% bootstrap band"))
            size_bands.append(percentile_band(grid, drawn.allocate(grid)[0], level, f"{percent}% bootstrap band"))
        size_points = [
            Points(group.label, as_tuple(c[member == i]), as_tuple(n[member == i]), i) for i, group in enumerate(groups)
        ]
        allocation = params_opt_panel(size_points, size_curves, size_bands, markers)
    panels.append(
        Panel(
            "loss against compute",
            COMPUTE_AXIS,
            LOSS_AXIS,
            points=tuple(points),
            curves=tuple(curves),
            bands=tuple(bands),
            markers=tuple(markers),
        )
    )
    if allocation is not None:
        panels.append(allocation)
    notes = ["each thin curve is the fitted law at its colour's model size (the bin's geometric mean)"]
    return Figure(
        name=name,
        title=title,
        panels=tuple(panels),
        groups=groups,
        group_scale="log",
        group_title="model size N (parameters)",
        laws=(formula,),
        notes=tuple(notes),
    )


def fit_figure(result: FitResult, observations: Observations | None = None, **_: object) -> Figure:
    """A fit's figure: the fitted law with the runs it was fitted on (see :func:`loss_law_figure`), extrapolated
    to the fit's ``at_flops`` with the bootstrap band when the fit was bootstrapped."""
    if observations is None:
        raise InputError("drawing a fit needs the runs it was fitted on", param="observations")
    law: FittedLaw = result.law
    draws: dict[str, np.ndarray] | None = None
    level = 0.95
    if result.bootstrap is not None:
        level = result.bootstrap.level
        symbols = list(law.constants())
        if all(symbol in result.bootstrap.draws for symbol in symbols):
            draws = {symbol: np.asarray(result.bootstrap.draws[symbol], dtype=float) for symbol in symbols}
    targets = [result.at_flops] if result.at_flops else []
    objective = result.objective.get("name", "")
    title = f"{result.form} law fitted to {result.n_points} runs" + (f" ({objective})" if objective else "")
    figure = loss_law_figure(law, observations, draws=draws, level=level, targets=targets, name="fit", title=title)
    if isinstance(law, OneVariableLaw):
        return _curve_landmarks(result, figure)
    if not result.at_flops or "params_opt" not in result.derived or len(figure.panels) < 2:
        return figure
    # The recommended size at at_flops, with its bootstrap interval when there is one.
    spread = result.interval("params_opt")
    interval: tuple[tuple[float, ...], tuple[float, ...]] = ((spread[1],), (spread[2],)) if spread else ((), ())
    label = f"N_opt at --target-flops ({int(round(100 * level))}% interval)" if spread else "N_opt at --target-flops"
    point = Points(
        label, (float(result.at_flops),), (float(result.derived["params_opt"]),), None, "prediction", *interval
    )
    sizes = replace(figure.panels[1], points=(*figure.panels[1].points, point))
    return replace(figure, panels=(figure.panels[0], sizes))


def _curve_landmarks(result: FitResult, figure: Figure) -> Figure:
    """On a one-variable fit's panel: each break or the midpoint (with its bootstrap interval), the floor E,
    and the held-out runs of a backtest in their own marker."""
    panel = figure.panels[0]
    markers = list(panel.markers)
    for name, value in result.constants.items():
        if name == "x0" or (name.startswith("d") and name[1:].isdigit()):
            spread = result.interval(name)
            what = "midpoint" if name == "x0" else f"break {name}"
            interval = f" ({spread[1]:.3g} to {spread[2]:.3g})" if spread else ""
            markers.append(Marker(float(value), f"{what} {value:.3g}{interval}"))
    curves = list(panel.curves)
    lowest = min((y for y in panel.points[0].y if y > 0), default=0.0) if panel.points else 0.0
    # A floor far below every run (a fit with E near 0) would stretch a log axis over empty decades.
    shown = not panel.y.log or result.constants.get("E", 0.0) > 0.1 * lowest
    if "E" in result.constants and panel.curves and shown:
        grid = panel.curves[0].x + panel.curves[-1].x
        ends = (min(grid), max(grid))
        curves.append(Curve(f"floor E = {result.constants['E']:.4g}", ends, (result.constants["E"],) * 2, None, "law"))
    points = list(panel.points)
    if result.backtest is not None:
        test = result.backtest
        runs = points[0]
        held = set(zip(test.x, test.actual, strict=True))
        fitted = [(x, y) for x, y in zip(runs.x, runs.y, strict=True) if (x, y) not in held]
        points[0] = replace(runs, x=tuple(x for x, _ in fitted), y=tuple(y for _, y in fitted))
        points.append(Points(f"held out ({test.rule})", test.x, test.actual, None, "excluded"))
    return replace(figure, panels=(replace(panel, markers=tuple(markers), curves=tuple(curves), points=tuple(points)),))


def _one_variable_figure(
    law: OneVariableLaw,
    formula: Law,
    x: np.ndarray,
    loss: np.ndarray,
    draws: Mapping[str, np.ndarray] | None,
    level: float,
    targets: np.ndarray,
    name: str,
    title: str,
) -> Figure:
    variable = law.variable
    sizes = {"params": ("model size N", "parameters"), "tokens": ("training tokens D", "tokens"),
             "flops": ("training compute C", "FLOPs")}  # fmt: skip
    label, unit = sizes.get(variable, (variable, FILE_UNIT))
    kind: AxisKind = "flops" if variable == "flops" else "count" if variable in sizes else "value"
    on_log = variable in sizes  # any other column (a task loss) is drawn on its own, linear scale
    low, high = float(x.min()), float(x.max())
    if on_log:
        reach = float(targets.max()) if variable == "flops" and len(targets) else high * EXTRAPOLATE_TO
        grid = log_grid(low, max(reach, high))
    else:
        grid = np.linspace(low - 0.25 * (high - low), high + 0.25 * (high - low), 200)
    curves = split_by_range("fit", grid, law.value(grid), None, (low, high))
    bands: list[Band] = []
    if draws:
        with np.errstate(over="ignore", invalid="ignore"):
            drawn = type(law).from_constants(_draw_columns(draws), variable=law.variable).value(grid)
        bands.append(percentile_band(grid, drawn, level, f"{int(round(100 * level))}% bootstrap band"))
    metric = "loss" if law.form != "sigmoid" else "metric"
    panel = Panel(
        f"{metric} against {label.rsplit(' ', 1)[0].removeprefix('training ') if on_log else label}",
        Axis(label, unit, kind, log=on_log),
        Axis(metric, LOSS_AXIS.unit if metric == "loss" else FILE_UNIT, "value", log=law.form != "sigmoid"),
        points=(Points("runs", as_tuple(x), as_tuple(loss)),),
        curves=tuple(curves),
        bands=tuple(bands),
    )
    return Figure(name=name, title=title, panels=(panel,), laws=(formula,))


def _size_bins(n_params: np.ndarray) -> tuple[tuple[Group, ...], np.ndarray]:
    """Colour groups by model size: one per distinct size when there are few, else SIZE_BINS log-spaced bins
    (extracted or swept sizes are often all distinct). Returns the groups and each run's group index."""
    sizes = np.unique(n_params)
    if len(sizes) <= SIZE_BINS + 2:
        index = np.searchsorted(sizes, n_params)
        return tuple(Group(f"N={tick_label(v, 'count')}", float(v)) for v in sizes), index
    edges = np.geomspace(sizes[0], sizes[-1], SIZE_BINS + 1)
    index = np.clip(np.searchsorted(edges, n_params, side="right") - 1, 0, SIZE_BINS - 1)
    groups = []
    for i in range(SIZE_BINS):
        members = n_params[index == i]
        centre = float(np.exp(np.mean(np.log(members)))) if len(members) else float(np.sqrt(edges[i] * edges[i + 1]))
        groups.append(Group(f"N {tick_label(edges[i], 'count')}-{tick_label(edges[i + 1], 'count')}", centre))
    return tuple(groups), index


def _frontier_loss(law: ChinchillaLaw, compute: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return np.asarray(law.loss(*law.allocate(compute)), dtype=float)


def _draw_columns(draws: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Bootstrap draws of a law's constants shaped (draws, 1), so that a law built from them broadcasts each
    draw against a grid."""
    return {symbol: np.asarray(values, dtype=float)[:, None] for symbol, values in draws.items()}
