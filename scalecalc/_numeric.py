"""Numeric helpers the core shares: vectorised bisection, percentile intervals and small linear solves.

Each works on a whole array at once, so a column of budgets (or every bootstrap draw) is solved in one pass.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

Array = np.ndarray

# 200 halvings shrink any bracket used here (at most ~100 nats wide in a log variable) far below float resolution.
BISECTION_STEPS = 200


def bisect(
    past_root: Callable[[Array], Array], low: Array, high: Array, steps: int = BISECTION_STEPS
) -> tuple[Array, Array]:
    """Shrink the brackets [low, high] around the point where the monotone predicate ``past_root`` turns true.

    ``past_root(x)`` is True where the root lies at or below ``x``. Returns the final brackets; callers pick the
    midpoint or the side they need (``high`` is always past the root when the bracket held one).
    """
    low, high = np.array(low, dtype=float), np.array(high, dtype=float)
    for _ in range(steps):
        middle = 0.5 * (low + high)
        past = past_root(middle)
        high = np.where(past, middle, high)
        low = np.where(past, low, middle)
    return low, high


def solve_positive_definite(system: Array, rhs: Array) -> Array:
    """x (F, S) with system[:, :, s] @ x[:, s] = rhs[:, s] for S small symmetric positive definite systems
    (F, F, S): damped Gauss-Newton steps, the normal equations of least squares.

    Gaussian elimination without pivoting (stable for such matrices), overwriting ``system`` and ``rhs``. With the
    batch on the last axis every step is one numpy operation over all S systems: np.linalg.solve calls LAPACK
    once per 5 x 5 system, which took three times as long. A non-finite system gives a non-finite x."""
    size = len(rhs)
    for k in range(size - 1):
        factor = system[k + 1 :, k] / system[k, k]
        system[k + 1 :, k + 1 :] -= factor[:, None] * system[k, k + 1 :]
        rhs[k + 1 :] -= factor * rhs[k]
    for k in range(size - 1, -1, -1):  # back substitution, a column at a time: rhs becomes x
        rhs[k] /= system[k, k]
        rhs[:k] -= system[:k, k] * rhs[k]
    return rhs


def interval_tails(level: float) -> tuple[float, float]:
    """The percentiles (0-100) that bound a central interval holding ``level`` of the mass."""
    tail = 50 * (1 - level)
    return tail, 100 - tail


def percentile_interval(samples: ArrayLike, level: float, axis: int | None = None) -> tuple[Array, Array]:
    """The central ``level`` percentile interval of ``samples`` along ``axis``, ignoring draws that are not
    finite (a slice with no finite draw gives NaN)."""
    values = np.asarray(samples, dtype=float)
    tails = interval_tails(level)
    finite = np.isfinite(values)
    if finite.all():  # the common case, and much faster than np.nanpercentile along an axis
        low, high = _linear_percentiles(values.ravel() if axis is None else values, tails, 0 if axis is None else axis)
        return low, high
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "All-NaN slice": that slice's interval is NaN
        low, high = np.nanpercentile(np.where(finite, values, np.nan), tails, axis=axis)
    return low, high


def _linear_percentiles(values: Array, percents: tuple[float, ...], axis: int) -> list[Array]:
    """``np.percentile(values, percents, axis=axis)`` to the last bit: the linear interpolation between order
    statistics (Hyndman & Fan 1996, definition 7; numpy's default), in numpy's own arithmetic (its virtual index
    (n - 1) q and its two-sided lerp). Why not np.percentile itself: on numpy 2.x its first call imports
    numpy.ma (np.unique asks np.ma.is_masked), a tenth of the cold start of `scalecalc plan`, whose loss
    interval is one percentile over draws. tests/test_numeric.py holds the two equal."""
    count = values.shape[axis]
    corners = []
    for percent in percents:
        quantile = percent / 100
        virtual = (count - 1) * quantile
        below = min(max(math.floor(virtual), 0), count - 1)
        corners.append((virtual - below, below, min(below + 1, count - 1)))
    ordered = np.partition(values, sorted({i for _, below, above in corners for i in (below, above)}), axis=axis)
    bounds = []
    for gamma, below, above in corners:
        low, high = np.take(ordered, below, axis=axis), np.take(ordered, above, axis=axis)
        step = high - low
        bounds.append(high - step * (1 - gamma) if gamma >= 0.5 else low + step * gamma)
    return bounds


def sorted_unique(values: Array) -> Array:
    """The distinct values of a 1-D array in increasing order: ``np.unique``'s answer, without its first call
    importing numpy.ma (numpy 2.x), which the cold start of `scalecalc plan` cannot afford."""
    ordered = np.sort(values)
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))] if len(ordered) else ordered

