"""Figure specifications: what a scaling plot shows, independent of how it is drawn.

A :class:`Figure` holds panels with log axes labelled with their units, groups of data points coloured by
compute budget or model size, fitted curves, the compute-optimal frontier, bootstrap bands and the law with
its constants. The builders in :mod:`scalecalc.plotting.builders` make one from a result; the two backends
(:mod:`~scalecalc.plotting.terminal` with plotext, :mod:`~scalecalc.plotting.files` with matplotlib) draw the
same spec, so what a test checks about the spec holds for both pictures.

Everything here is pure data: frozen dataclasses, no drawing library, no I/O. Tick positions and their labels
in human units (``1e22``, ``70B``, ``2.5``) are computed here too, so that both backends read the same.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

AxisKind = Literal["flops", "count", "value"]
GroupScale = Literal["categorical", "log"]
CurveRole = Literal["fit", "frontier", "law", "extrapolation", "data"]
PointRole = Literal["data", "optimum", "excluded", "prediction"]


@dataclass(frozen=True)
class Axis:
    """One axis: ``label`` and ``unit`` make its title; ``kind`` says how tick labels read. Every axis names its
    unit (FLOPs, parameters, tokens, nats/token), so a reader never guesses what a number counts."""

    label: str
    unit: str
    kind: AxisKind = "value"
    log: bool = True
    limits: tuple[float, float] | None = None  # data units; None: from the content

    def __post_init__(self) -> None:
        if not self.unit.strip():
            raise ValueError(f"the axis {self.label!r} needs a unit")

    @property
    def title(self) -> str:
        return f"{self.label} ({self.unit})"


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
