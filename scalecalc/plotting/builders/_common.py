"""What the figure builders share: log-spaced grids, curves split at the range a law was fitted on, percentile
bands of bootstrap draws (all as the plain tuples a spec holds), and the N_opt(C) panel three figures end with."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from scalecalc._numeric import percentile_interval
from scalecalc.plotting.spec import Axis, Band, Curve, CurveRole, Marker, Panel, Points

# Points along a drawn curve: enough for a smooth line in a file and for every terminal column.
CURVE_SAMPLES = 120

COMPUTE_AXIS = Axis("training compute C", "FLOPs", "flops")
PARAMS_OPT_AXIS = Axis("N_opt", "parameters", "count")
# Losses are cross-entropies in nats per token, the convention of every preset and of `plan --loss`.
LOSS_AXIS = Axis("loss", "nats/token", "value")
# A column the user named (a task loss, an accuracy): its unit is whatever the file's is.
FILE_UNIT = "as in the file"


def log_grid(low: float, high: float, count: int = CURVE_SAMPLES) -> np.ndarray:
    return np.geomspace(low, high, count)


def as_tuple(values: np.ndarray | Sequence[float]) -> tuple[float, ...]:
    """Values as the tuple of floats a frozen spec holds."""
    return tuple(float(v) for v in np.asarray(values, dtype=float).ravel())


def split_by_range(
    label: str,
    x: np.ndarray,
    y: np.ndarray,
    group: int | None,
    fitted: tuple[float, float] | None,
    solid: CurveRole = "law",
) -> list[Curve]:
    """One solid curve (role ``solid``) inside the fitted range, labelled, and dashed pieces outside it
    (``extrapolation``, unlabelled). Without a fitted range the whole curve is solid."""
    if fitted is None:
        return [Curve(label, as_tuple(x), as_tuple(y), group, solid)]
    low, high = fitted
    inside = (x >= low) & (x <= high)
    if not inside.any():
        return [Curve(label, as_tuple(x), as_tuple(y), group, "extrapolation")]
    curves = [Curve(label, as_tuple(x[inside]), as_tuple(y[inside]), group, solid)]
    # Each dashed piece reaches one sample into the solid one, so the line has no gap at the range's edge.
    first, last = int(np.argmax(inside)), len(x) - 1 - int(np.argmax(inside[::-1]))
    for part in (slice(0, first + 1), slice(last, len(x))):
        if len(x[part]) >= 2:
            curves.append(Curve("", as_tuple(x[part]), as_tuple(y[part]), group, "extrapolation"))
    return curves


def percentile_band(x: np.ndarray, samples: np.ndarray, level: float, label: str) -> Band:
    """The pointwise ``level`` percentile interval of ``samples`` (draws, len(x)); draws that are not finite
    are skipped, and a column with none finite gives NaN (not drawn)."""
    low, high = percentile_interval(samples, level, axis=0)
    return Band(label, as_tuple(x), as_tuple(low), as_tuple(high))


def params_opt_panel(
    points: Sequence[Points], curves: Sequence[Curve], bands: Sequence[Band], markers: Sequence[Marker]
) -> Panel:
    """The compute-optimal model size N_opt against training compute C."""
    return Panel(
        "compute-optimal parameters",
        COMPUTE_AXIS,
        PARAMS_OPT_AXIS,
        points=tuple(points),
        curves=tuple(curves),
        bands=tuple(bands),
        markers=tuple(markers),
    )
