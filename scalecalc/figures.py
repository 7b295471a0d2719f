"""Figure specifications: what a scaling plot shows, independent of how it is drawn.

A spec builder turns a result (published laws, a fit, an isoFLOP analysis) into a :class:`Figure`: panels
with log axes labelled with their units, groups of data points coloured by compute budget or model size,
fitted curves, the compute-optimal frontier, bootstrap bands and the law with its constants. The two
backends in :mod:`scalecalc.plotting` draw the same spec in the terminal (plotext) or to a PNG/SVG/PDF file
(matplotlib), so what a test checks about the spec holds for both pictures.

Everything here is pure: numpy only, no drawing library, no I/O. Tick positions and their labels in human
units (``1e22``, ``70B``, ``2.5``) are computed here too, so that both backends read the same.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from scalecalc.errors import InputError

AxisKind = Literal["flops", "count", "value"]
GroupScale = Literal["categorical", "log"]
CurveRole = Literal["fit", "frontier", "law", "extrapolation", "data"]
PointRole = Literal["data", "optimum", "excluded", "prediction"]

# Points along a drawn curve: enough for a smooth line in a file and for every terminal column.
CURVE_SAMPLES = 120


@dataclass(frozen=True)
class Axis:
    """One axis: ``label`` and ``unit`` make its title; ``kind`` says how tick labels read."""

    label: str
    unit: str
    kind: AxisKind = "value"
    log: bool = True
    limits: tuple[float, float] | None = None  # data units; None: from the content

    @property
    def title(self) -> str:
        return f"{self.label} ({self.unit})" if self.unit else self.label


@dataclass(frozen=True)
class Group:
    """A colour: a compute budget, a model size or a preset. ``value`` places it on a log colour scale."""

    label: str
    value: float


@dataclass(frozen=True)
class Points:
    """Observed runs (``data``), fitted optima (``optimum``), runs left out of a fit (``excluded``), or a
    law's prediction at a requested budget (``prediction``)."""

    label: str
    x: tuple[float, ...]
    y: tuple[float, ...]
    group: int | None = None  # index into Figure.groups; None: drawn in the neutral colour
    role: PointRole = "data"
    low: tuple[float, ...] = ()  # an interval in y for each point (error bars), or none
    high: tuple[float, ...] = ()


@dataclass(frozen=True)
class Curve:
    """A line: a fitted curve, the frontier, a published law, or its extrapolation (drawn dashed)."""

    label: str
    x: tuple[float, ...]
    y: tuple[float, ...]
    group: int | None = None
    role: CurveRole = "fit"


@dataclass(frozen=True)
class Band:
    """An interval around a curve (e.g. the bootstrap percentile band of the extrapolated frontier)."""

    label: str
    x: tuple[float, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    group: int | None = None


@dataclass(frozen=True)
class Marker:
    """A vertical line at ``x``: the end of the fitted range, a target budget."""

    x: float
    label: str


@dataclass(frozen=True)
class Panel:
    title: str
    x: Axis
    y: Axis
    points: tuple[Points, ...] = ()
    curves: tuple[Curve, ...] = ()
    bands: tuple[Band, ...] = ()
    markers: tuple[Marker, ...] = ()

    def extent(self, axis: Literal["x", "y"]) -> tuple[float, float]:
        """The range shown along ``axis``: its fixed limits, else the span of everything drawn (with a margin
        on log axes of 5% of the span in log space, so that points do not sit on the frame)."""
        spec = self.x if axis == "x" else self.y
        if spec.limits is not None:
            return spec.limits
        values: list[float] = []
        lines: list[Points | Curve] = [*self.points, *self.curves]
        for item in lines:
            values.extend(item.x if axis == "x" else item.y)
        for band in self.bands:
            values.extend(band.x if axis == "x" else (*band.low, *band.high))
        if axis == "y":  # error bars
            for points in self.points:
                values.extend((*points.low, *points.high))
        if axis == "x":
            values.extend(marker.x for marker in self.markers)
        data = np.array([v for v in values if math.isfinite(v) and (v > 0 or not spec.log)], dtype=float)
        if data.size == 0:
            return (1.0, 10.0) if spec.log else (0.0, 1.0)
        low, high = float(data.min()), float(data.max())
        if spec.log:
            span = max(math.log10(high / low), 0.2)
            pad = 0.05 * span
            return low / 10**pad, high * 10**pad
        pad = 0.05 * (high - low or abs(high) or 1.0)
        return low - pad, high + pad


@dataclass(frozen=True)
class Law:
    """The law a figure shows, for the legend: its form and constants on the paper's scale."""

    name: str
    formula: str  # plain text with Unicode symbols: L = E + A/N^α + B/D^β
    constants: tuple[tuple[str, float], ...] = ()

    def text(self) -> str:
        values = ", ".join(f"{symbol}={_constant_text(value)}" for symbol, value in self.constants)
        return f"{self.name}: {self.formula}" + (f"  ({values})" if values else "")


@dataclass(frozen=True)
class Figure:
    """A whole picture: panels side by side, the colour groups they share, and notes for the caption."""

    name: str  # a short stem such as "frontier" (file names, titles)
    title: str
    panels: tuple[Panel, ...]
    groups: tuple[Group, ...] = ()
    group_scale: GroupScale = "categorical"
    group_title: str = ""  # what the colours mean: "compute budget C (FLOPs)"
    laws: tuple[Law, ...] = ()
    notes: tuple[str, ...] = field(default=())


# -- ticks --------------------------------------------------------------------------------------------


def ticks(low: float, high: float, kind: AxisKind, *, log: bool = True, most: int = 6) -> tuple[list[float], list[str]]:
    """Tick positions within [low, high] and their labels in human units, at most ``most`` of them.

    On a log axis: whole decades when the range spans three or more (every second or third decade when
    there are too many), else the 1-2-5 sequence, else (a range within one decade, such as losses from 2.0
    to 3.5) evenly spaced round values.
    """
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return [], []
    positions: list[float] = []
    if log and low > 0:
        first, last = math.ceil(math.log10(low) - 1e-9), math.floor(math.log10(high) + 1e-9)
        decades = last - first + 1
        if decades >= 3:
            step = math.ceil(decades / most)
            positions = [float(f"1e{k}") for k in range(first, last + 1, step)]  # exact decades: 10.0**23 is not 1e23
        else:
            candidates = [float(f"{m}e{k}") for k in range(first - 1, last + 1) for m in (1, 2, 5)]
            positions = [p for p in candidates if low * (1 - 1e-9) <= p <= high * (1 + 1e-9)]
            if len(positions) < 3 or len(positions) > most:
                positions = _linear_ticks(low, high, min(most, 5))
    else:
        positions = _linear_ticks(low, high, most)
    return positions, [tick_label(p, kind) for p in positions]


def _linear_ticks(low: float, high: float, most: int) -> list[float]:
    raw = (high - low) / max(most - 1, 1)
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.ceil(low / step - 1e-9) * step
    count = int(math.floor((high - start) / step + 1e-9)) + 1
    return [round(start + i * step, 12) for i in range(count)]


_SHORT_SUFFIXES = (("T", 1e12), ("B", 1e9), ("M", 1e6), ("k", 1e3))


def tick_label(value: float, kind: AxisKind) -> str:
    """``1e22`` / ``3e21`` for compute, ``400M`` / ``70B`` / ``1.5T`` for counts, ``2.5`` for plain values."""
    if kind == "flops" or (kind == "count" and value >= 1e15):
        mantissa, exponent = f"{value:.2e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa}e{int(exponent)}"
    if kind == "count":
        for suffix, scale in _SHORT_SUFFIXES:
            if value >= scale:
                return f"{value / scale:.3g}{suffix}"
        return f"{value:.3g}"
    return f"{value:.3g}"


def _constant_text(value: float) -> str:
    return f"{value:.4g}"


# -- builders ------------------------------------------------------------------------------------------


def figure_for(result: object, **context: object) -> Figure:
    """The figure for a command's result: dispatch on the result's type (see ``BUILDERS``)."""
    builder = BUILDERS.get(type(result).__name__)
    if builder is None:
        raise InputError(f"--plot: no figure is defined for a {type(result).__name__}")
    return builder(result, **context)


def log_grid(low: float, high: float, count: int = CURVE_SAMPLES) -> np.ndarray:
    return np.geomspace(low, high, count)


def frontier_figure(presets: Sequence, low_flops: float, high_flops: float) -> Figure:  # Sequence[Preset]
    """Published laws' compute-optimal parameters and tokens against compute, side by side.

    Each law is drawn solid over the compute range it was fitted on and dashed beyond it (its extrapolation);
    the legend gives each law's local exponent, the slope d log N_opt / d log C at the geometric middle of
    the range (a for N_opt, b = 1 - a for D_opt under C = 6ND).
    """
    if not presets:
        raise InputError("--preset: give at least one preset")
    if not (0 < low_flops < high_flops):
        raise InputError(f"--from {low_flops:g} must be below --to {high_flops:g}")
    compute = log_grid(low_flops, high_flops)
    groups, params_curves, tokens_curves = [], [], []
    notes: list[str] = []
    conventions = set()
    for index, preset in enumerate(presets):
        if preset.allocation is None:
            raise InputError(f"--preset: {preset.name} has no compute-optimal allocation to draw")
        n_opt, d_opt = preset.allocation.allocate(compute)
        a = _local_slope(preset.allocation, low_flops, high_flops)
        groups.append(Group(preset.name, float(index)))
        fitted = fitted_compute_range(preset)
        label = f"{preset.name} (N∝C^{a:.3f}, D∝C^{1 - a:.3f})"
        params_curves += _split_by_range(label, compute, n_opt, index, fitted)
        tokens_curves += _split_by_range(label, compute, d_opt, index, fitted)
        conventions.add(preset.conventions.params)
        if fitted is None:
            notes.append(f"{preset.name}: no fitted compute range recorded; drawn solid throughout")
    notes.insert(
        0, "lines are solid within the compute range each law was fitted on, broken (dashed or dotted) beyond it"
    )
    if len(conventions) > 1:
        notes.append("parameters follow each preset's own convention (total or non-embedding), as in `compare`")
    compute_axis = Axis("training compute C", "FLOPs", "flops", limits=(low_flops, high_flops))
    panels = (
        Panel(
            "compute-optimal parameters",
            compute_axis,
            Axis("N_opt", "parameters", "count"),
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


def fitted_compute_range(preset) -> tuple[float, float] | None:
    """The compute range a preset was fitted on: ``fitted_range.flops``, else derived from its params range."""
    ranges = preset.fitted_range
    if "flops" in ranges:
        return ranges["flops"]
    allocation = preset.allocation
    for key, invert in (("params", "compute_for_params"), ("tokens", "compute_for_tokens")):
        if key in ranges and allocation is not None:
            low, high = getattr(allocation, invert)(np.array(ranges[key], dtype=float))
            return float(low), float(high)
    return None


def _local_slope(allocation, low: float, high: float) -> float:
    middle = math.sqrt(low * high)
    c = np.array([middle / 1.01, middle * 1.01])
    n, _ = allocation.allocate(c)
    return float(np.log(n[1] / n[0]) / np.log(c[1] / c[0]))


def _split_by_range(
    label: str, x: np.ndarray, y: np.ndarray, group: int | None, fitted: tuple[float, float] | None
) -> list[Curve]:
    """One solid curve inside the fitted range (labelled) and dashed pieces outside it (unlabelled)."""
    if fitted is None:
        return [Curve(label, _t(x), _t(y), group, "law")]
    low, high = fitted
    inside = (x >= low) & (x <= high)
    if not inside.any():
        return [Curve(label, _t(x), _t(y), group, "extrapolation")]
    curves = [Curve(label, _t(x[inside]), _t(y[inside]), group, "law")]
    # Each dashed piece reaches one sample into the solid one, so the line has no gap at the range's edge.
    first, last = int(np.argmax(inside)), len(x) - 1 - int(np.argmax(inside[::-1]))
    for part in (slice(0, first + 1), slice(last, len(x))):
        if len(x[part]) >= 2:
            curves.append(Curve("", _t(x[part]), _t(y[part]), group, "extrapolation"))
    return curves


def _t(values: np.ndarray | Sequence[float]) -> tuple[float, ...]:
    return tuple(float(v) for v in np.asarray(values, dtype=float).ravel())


# -- isoFLOP profiles (Approach 2) and the training-curve envelope (Approach 1) ----------------------------


def isoflop_figure(
    result,
    observations=None,
    best_per_size: bool = False,
    **_: object,
) -> Figure:
    """Left: each budget's runs (loss against N), its fitted profile and its minimum. Right: the minima
    against compute with the fitted N_opt = k C^a, extrapolated (dashed) to the ``--flops`` targets with the
    bootstrap interval of the prediction there.

    ``observations`` (the runs that were fitted) supply the points; each run is drawn with the budget nearest
    to its compute in log space, as the analysis grouped it. With ``best_per_size`` (``--best-per-size``) the
    profiles are fitted, as the analysis fitted them, to the lowest loss of each size.
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
            points.append(Points(label, _t(n), _t(loss), index, "data" if budget.included else "excluded"))
            if best_per_size:
                lowest = np.array([loss[n == size].min() == value for size, value in zip(n, loss, strict=True)])
                n, d, loss = n[lowest], d[lowest], loss[lowest]
            profile = profile_curve(result.method, n, d, loss, budget.flops)
            if profile is not None:
                curves.append(Curve("", _t(profile[0]), _t(profile[1]), index, "fit"))
    for index, budget in enumerate(budgets):
        if budget.included and math.isfinite(budget.params):
            optima.append(Points("fitted minimum", (budget.params,), (budget.loss,), index, "optimum"))
    profiles = Panel(
        f"isoFLOP profiles ({result.method})",
        Axis("model size N", "parameters", "count"),
        Axis("loss", "", "value", log=False),
        points=tuple(points),
        curves=tuple(curves),
    )
    profiles = _with_optima(profiles, optima)
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


def envelope_figure(result, observations=None, **_: object) -> Figure:
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
                    _t(np.asarray(observations.compute_flops)[member]),
                    _t(np.asarray(observations.loss)[member]),
                    index,
                )
            )
    finite = np.isfinite(result.loss)
    envelope = Curve("lowest loss (envelope)", _t(result.flops[finite]), _t(result.loss[finite]), None, "frontier")
    curves_panel = Panel(
        "training curves and their envelope",
        Axis("training compute C", "FLOPs", "flops"),
        Axis("loss", "", "value"),
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
    """The fitted isoFLOP profile of one budget over the sizes tried, as :mod:`scalecalc.isoflop` fits it:
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


def _with_optima(panel: Panel, optima: list[Points]) -> Panel:
    return replace(panel, points=(*panel.points, *optima))


def _allocation_panel(result, optima: list[Points], fitted: tuple[float, float]) -> Panel:
    """N_opt against C: the optima, the fitted power law (solid over the fitted budgets, dashed out to the
    targets), the bootstrap band of the law along the whole range and the interval at each target."""
    law = result.params_law
    low, high = fitted
    prediction = result.prediction
    targets = np.asarray(prediction.flops, dtype=float) if prediction is not None else np.array([])
    span_low, span_high = min([low, *targets.tolist()]), max([high, *targets.tolist()])
    curves = _split_by_range(
        f"N_opt = {law.coefficient:.3g} C^{law.exponent:.3f}",
        log_grid(span_low, span_high),
        law(log_grid(span_low, span_high)),
        None,
        (low, high),
    )
    curves = [replace(c, role="frontier") if c.role == "law" else c for c in curves]
    bands: list[Band] = []
    points = list(optima)
    markers: list[Marker] = []
    level = int(round(100 * result.level))
    draws = getattr(result, "line_draws", np.empty((0, 2)))
    if len(draws) >= 2:
        # the bootstrap lines' pointwise percentiles, along the whole drawn range of the extrapolation
        grid = log_grid(span_low, span_high)
        drawn = 10 ** (draws[:, 1][:, None] + draws[:, 0][:, None] * np.log10(grid)[None, :])
        bands.append(_percentile_band(grid, drawn, result.level, f"{level}% bootstrap band"))
    if prediction is not None and len(targets):
        finite = np.isfinite(prediction.params_low) & np.isfinite(prediction.params_high)
        if finite.sum() >= 2 and len(draws) < 2:
            bands.append(_prediction_band(prediction, finite, f"{level}% bootstrap band"))
        interval = (_t(prediction.params_low), _t(prediction.params_high)) if finite.all() else ((), ())
        label = f"prediction at --flops ({level}% bootstrap interval)" if finite.all() else "prediction at --flops"
        points.append(Points(label, _t(targets), _t(prediction.params), None, "prediction", *interval))
        markers += [Marker(float(c), f"target {tick_label(float(c), 'flops')}") for c in targets]
    return Panel(
        "compute-optimal parameters",
        Axis("training compute C", "FLOPs", "flops"),
        Axis("N_opt", "parameters", "count"),
        points=tuple(points),
        curves=tuple(curves),
        bands=tuple(bands),
        markers=tuple(markers),
    )


def _prediction_band(prediction, finite: np.ndarray, label: str) -> Band:
    """The pointwise intervals at two or more targets, joined (linearly in log-log) into a band between them."""
    x = np.asarray(prediction.flops, dtype=float)[finite]
    low = np.asarray(prediction.params_low, dtype=float)[finite]
    high = np.asarray(prediction.params_high, dtype=float)[finite]
    order = np.argsort(x)
    return Band(label, _t(x[order]), _t(low[order]), _t(high[order]))


def _allocation_laws(result, name: str) -> tuple[Law, ...]:
    params, tokens = result.params_law, result.tokens_law
    return (
        Law(name, "N_opt = k_N C^a", (("k_N", params.coefficient), ("a", params.exponent))),
        Law(name, "D_opt = k_D C^b", (("k_D", tokens.coefficient), ("b", tokens.exponent))),
    )


def _interval_notes(result) -> tuple[str, ...]:
    law = result.params_law
    if not (math.isfinite(law.exponent_low) and math.isfinite(law.exponent_high)):
        return ()
    level = int(round(100 * result.level))
    return (
        f"a = {law.exponent:.3f} [{law.exponent_low:.3f}, {law.exponent_high:.3f}] ({level}% bootstrap, "
        f"{result.bootstrap_used} resamples)",
    )


# -- a fitted loss law against the runs it was fitted on -------------------------------------------------

FORMULAS = {
    "chinchilla": "L = E + A/N^α + B/D^β",
    "kaplan": "L = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D",
    "power": "L = E + A x^-α",
    "broken": "L = E + smoothly broken power law in x",
}
SIZE_BINS = 6  # runs of many distinct sizes are coloured in this many log-spaced bins
EXTRAPOLATE_TO = 100.0  # without targets, the frontier runs this factor past the largest budget fitted


def loss_law_figure(
    law,
    observations,
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
    variable = getattr(law, "variable", None)
    if variable is not None:
        return _one_variable_figure(law, formula, n, d, loss, draws, level, targets_array, name, title)
    groups, member = _size_bins(n)
    points = [Points(group.label, _t(c[member == i]), _t(loss[member == i]), i) for i, group in enumerate(groups)]
    curves: list[Curve] = []
    for i, group in enumerate(groups):
        inside = c[member == i]
        if len(inside) == 0:
            continue
        grid = log_grid(inside.min(), inside.max(), 40)
        curves.append(Curve("", _t(grid), _t(law.loss(group.value, grid / (6.0 * group.value))), i, "fit"))
    bands: list[Band] = []
    markers = [Marker(float(t), f"target {tick_label(float(t), 'flops')}") for t in targets_array]
    low, high = float(c.min()), float(c.max())
    reach = float(targets_array.max()) if len(targets_array) else high * EXTRAPOLATE_TO
    panels: list[Panel] = []
    allocation: Panel | None = None
    if hasattr(law, "allocate"):
        grid = log_grid(low, max(reach, high))
        frontier = _frontier_loss(law, grid)
        curves += [
            replace(curve, role="frontier" if curve.role == "law" else curve.role)
            for curve in _split_by_range("compute-optimal frontier", grid, frontier, None, (low, high))
        ]
        sizes = law.allocate(grid)[0]
        size_curves = [
            replace(curve, role="frontier" if curve.role == "law" else curve.role)
            for curve in _split_by_range("N_opt(C) of the fit", grid, sizes, None, (low, high))
        ]
        size_bands: list[Band] = []
        if draws:
            drawn = _law_draws(law, draws)
            bands.append(_percentile_band(grid, _frontier_loss(drawn, grid), level, f"{percent}% bootstrap band"))
            size_bands.append(_percentile_band(grid, drawn.allocate(grid)[0], level, f"{percent}% bootstrap band"))
        size_points = [Points(group.label, _t(c[member == i]), _t(n[member == i]), i) for i, group in enumerate(groups)]
        allocation = Panel(
            "compute-optimal parameters",
            Axis("training compute C", "FLOPs", "flops"),
            Axis("N_opt", "parameters", "count"),
            points=tuple(size_points),
            curves=tuple(size_curves),
            bands=tuple(size_bands),
            markers=tuple(markers),
        )
    panels.append(
        Panel(
            "loss against compute",
            Axis("training compute C", "FLOPs", "flops"),
            Axis("loss", "", "value"),
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


def fit_figure(result, observations=None, **_: object) -> Figure:
    """`fit --plot`: the fitted law with the runs it was fitted on (see :func:`loss_law_figure`), extrapolated
    to ``--at-flops`` with the bootstrap band when the fit was bootstrapped."""
    if observations is None:
        raise InputError("--plot: drawing a fit needs the runs it was fitted on")
    law = result.law
    draws, level = None, 0.95
    if result.bootstrap is not None:
        level = result.bootstrap.level
        symbols = list(law.constants())
        if all(symbol in result.bootstrap.draws for symbol in symbols):
            draws = {symbol: np.asarray(result.bootstrap.draws[symbol], dtype=float) for symbol in symbols}
    targets = [result.at_flops] if result.at_flops else []
    objective = result.objective.get("name", "") if hasattr(result.objective, "get") else ""
    title = f"{result.form} law fitted to {result.n_points} runs" + (f" ({objective})" if objective else "")
    figure = loss_law_figure(law, observations, draws=draws, level=level, targets=targets, name="fit", title=title)
    if not targets or "params_opt" not in result.derived or len(figure.panels) < 2:
        return figure
    # The recommended size at --at-flops, with its bootstrap interval when there is one.
    spread = result.interval("params_opt")
    interval = ((spread[1],), (spread[2],)) if spread is not None else ((), ())
    label = f"N_opt at --at-flops ({int(round(100 * level))}% interval)" if spread else "N_opt at --at-flops"
    point = Points(
        label, (float(result.at_flops),), (float(result.derived["params_opt"]),), None, "prediction", *interval
    )
    sizes = replace(figure.panels[1], points=(*figure.panels[1].points, point))
    return replace(figure, panels=(figure.panels[0], sizes))


def _one_variable_figure(law, formula: Law, n, d, loss, draws, level, targets, name: str, title: str) -> Figure:
    from scalecalc.laws.power import variable_values

    variable = law.variable
    x = variable_values(variable, n, d)
    kind: AxisKind = "flops" if variable == "flops" else "count"
    label, unit = {"params": ("model size N", "parameters"), "tokens": ("training tokens D", "tokens"),
                   "flops": ("training compute C", "FLOPs")}[variable]  # fmt: skip
    low, high = float(x.min()), float(x.max())
    reach = float(targets.max()) if variable == "flops" and len(targets) else high * EXTRAPOLATE_TO
    grid = log_grid(low, max(reach, high))
    as_runs = {"params": (grid, np.ones_like(grid)), "tokens": (np.ones_like(grid), grid),
               "flops": (np.ones_like(grid), grid / 6.0)}[variable]  # fmt: skip
    curves = _split_by_range("fit", grid, law.loss(*as_runs), None, (low, high))
    bands = []
    if draws:
        with np.errstate(over="ignore", invalid="ignore"):
            drawn = _law_draws(law, draws).loss(*as_runs)
        bands.append(_percentile_band(grid, drawn, level, f"{int(round(100 * level))}% bootstrap band"))
    panel = Panel(
        f"loss against {label.rsplit(' ', 1)[0].removeprefix('training ')}",
        Axis(label, unit, kind),
        Axis("loss", "", "value"),
        points=(Points("runs", _t(x), _t(loss)),),
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


def _frontier_loss(law, compute: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return np.asarray(law.loss(*law.allocate(compute)), dtype=float)


def _law_draws(law, draws: Mapping[str, np.ndarray]):
    """The law with each constant an array of draws, shaped (draws, 1) to broadcast against a grid."""
    columns = {symbol: np.asarray(values, dtype=float)[:, None] for symbol, values in draws.items()}
    extra = {"variable": law.variable} if hasattr(law, "variable") else {}
    return type(law).from_constants(columns, **extra)


def _percentile_band(x: np.ndarray, samples: np.ndarray, level: float, label: str) -> Band:
    """Pointwise percentile interval of ``samples`` (draws, len(x)); draws that are not finite are skipped."""
    import warnings

    samples = np.where(np.isfinite(samples), samples, np.nan)
    tails = (100 * (1 - level) / 2, 100 * (1 + level) / 2)
    with warnings.catch_warnings():  # a column with no finite draw gives NaN (not drawn), not a warning
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanpercentile(samples, tails, axis=0)
    return Band(label, _t(x), _t(low), _t(high))


# Result type name -> spec builder; the names keep this module free of imports from the modules it draws.
BUILDERS: dict[str, Callable[..., Figure]] = {}
BUILDERS.update({"IsoflopResult": isoflop_figure, "EnvelopeResult": envelope_figure, "FitResult": fit_figure})
