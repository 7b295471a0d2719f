"""The minimum of one isoFLOP profile: loss against log10 N at one compute budget (``METHODS``).

* ``parabola``   loss = c0 + c1 x + c2 x^2 by least squares, minimum at x* = -c1 / (2 c2) (Approach 2 as in
                 Hoffmann et al. and Llama Team 2024, Sec. 3.2.1). A parabola is only a second-order Taylor
                 expansion of an asymmetric valley, so its vertex is biased when the sizes tried are wide or
                 off-centre (Czech et al. 2026, arXiv:2603.22339); the bias is measured in tests/test_isoflop.py.
* ``parabola-d`` the same parabola in log10 D, N_opt = C / (6 D_opt) (Llama 3 fits in D). When every run of a
                 budget has C = 6ND exactly, log D = log(C/6) - log N and this is the same parabola reflected,
                 so it gives the same answer; it differs when measured compute scatters around the budget.
* ``cubic``      a cubic in log10 N (one more degree of freedom to follow the valley's asymmetry); its local
                 minimum inside the sizes tried. Needs four sizes.
* ``akima``      an interpolating profile: an Akima spline through the (per-size best) losses, minimised on a
                 fine grid. Unbiased on noise-free data, but it follows the noise of real runs.

:func:`parabola_vertices` solves the parabola for many bootstrap resamples of one profile at once, and
:func:`resampled_vertices` turns them into the compute-optimal size of each resample of a budget.
"""

from __future__ import annotations

import math

import numpy as np

from scalecalc._numeric import solve_positive_definite
from scalecalc.errors import InputError
from scalecalc.laws import FLOPS_PER_PARAM_TOKEN

METHODS = ("parabola", "parabola-d", "cubic", "akima")
DEFAULT_METHOD = "parabola"
# The fewest distinct sizes each method can place a minimum with (a parabola has 3 coefficients, a cubic 4;
# an Akima spline needs 4 knots to differ from a piecewise parabola).
MIN_SIZES = {"parabola": 3, "parabola-d": 3, "cubic": 4, "akima": 4}
AKIMA_GRID = 401  # points per profile at which an Akima spline is searched for its minimum


def profile_minimum(x: np.ndarray, y: np.ndarray, method: str) -> tuple[float, float]:
    """(x*, loss at x*) of one profile, x = log10 of size; NaNs when the method finds no interior minimum.

    ``x`` need not be sorted or distinct (replicates are fitted as they are, except by ``akima``, which
    interpolates the lowest loss at each size).
    """
    check_method(method)
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if method in ("parabola", "parabola-d", "cubic"):
        degree = 2 if method != "cubic" else 3
        centre = float(np.mean(x))  # centred for conditioning
        coefficients = _polyfit(x - centre, y, degree)
        if coefficients is None:
            return math.nan, math.nan
        if degree == 2:
            c0, c1, c2 = coefficients
            if not c2 > 0:
                return math.nan, math.nan
            u = -c1 / (2 * c2)
            return u + centre, c0 + c1 * u + c2 * u * u
        c0, c1, c2, c3 = coefficients
        # L'(u) = c1 + 2 c2 u + 3 c3 u^2 = 0; the root where L''(u) = 2 c2 + 6 c3 u = 2 sqrt(disc) > 0 is
        # u = (-c2 + sqrt(disc)) / (3 c3), written as -c1 / (c2 + sqrt(disc)) to stay exact as c3 -> 0.
        disc = c2 * c2 - 3 * c3 * c1
        if disc <= 0 or c2 + math.sqrt(disc) <= 0:
            return math.nan, math.nan
        u = -c1 / (c2 + math.sqrt(disc))
        if not (x.min() - centre) <= u <= (x.max() - centre):
            return math.nan, math.nan  # a cubic's other branch runs off; only trust a minimum inside the data
        return u + centre, c0 + c1 * u + c2 * u * u + c3 * u**3
    # akima
    sizes, lowest = _lowest_per_size(x, y)
    if len(sizes) < 3:
        return math.nan, math.nan
    from scipy.interpolate import Akima1DInterpolator

    spline = Akima1DInterpolator(sizes, lowest)
    grid = np.linspace(sizes[0], sizes[-1], AKIMA_GRID)
    values = spline(grid)
    best = int(np.argmin(values))
    if best in (0, len(grid) - 1):
        return math.nan, math.nan
    # refine between the neighbouring grid points with a parabola through three of them
    left, mid, right = values[best - 1 : best + 2]
    denominator = left - 2 * mid + right
    step = grid[1] - grid[0]
    shift = 0.5 * (left - right) / denominator * step if denominator > 0 else 0.0
    x_best = grid[best] + shift
    return float(x_best), float(spline(x_best))


def check_method(method: str) -> None:
    """A profile method is one of ``METHODS``."""
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}; use one of {', '.join(METHODS)}", param="method")


def _polyfit(u: np.ndarray, y: np.ndarray, degree: int) -> tuple[float, ...] | None:
    """Least-squares coefficients c0..c_degree (lowest first), or None when the sizes cannot identify them."""
    design = np.vander(u, degree + 1, increasing=True)
    coefficients, _, rank, _ = np.linalg.lstsq(design, y, rcond=None)
    if rank < degree + 1:
        return None
    return tuple(float(c) for c in coefficients)


def _lowest_per_size(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    sizes, inverse = np.unique(x, return_inverse=True)
    lowest = np.full(len(sizes), np.inf)
    np.minimum.at(lowest, inverse, y)
    return sizes, lowest


def resample_counts(picks: np.ndarray, size: int) -> np.ndarray:
    """How many times each of ``size`` points is drawn in each row of ``picks`` (draws x k indices): (draws, size)."""
    draws = len(picks)
    flat = (picks + size * np.arange(draws)[:, None]).ravel()
    return np.bincount(flat, minlength=draws * size).reshape(draws, size).astype(float)


def drawn_range(values: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The smallest and largest of ``values`` (one per point) that each row of ``counts`` draws (every row draws
    at least one point): the first and last drawn in the values' order, which numpy finds faster than a minimum
    over the few points of each of many rows."""
    order = np.argsort(values, kind="stable")
    drawn = counts[:, order] > 0
    ordered = values[order]
    return ordered[np.argmax(drawn, axis=1)], ordered[len(values) - 1 - np.argmax(drawn[:, ::-1], axis=1)]


def parabola_vertices(x: np.ndarray, y: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vertex (x*, L(x*)) of the least-squares parabola through the points (x, y) each row of ``counts`` draws,
    as often as it draws them (:func:`resample_counts`), for all resamples at once through their 3x3 normal
    equations; NaN where a resample has fewer than three distinct x or opens downwards. Agrees with
    :func:`profile_minimum` (tested). ``y`` may also hold one row of losses per resample (many trials of one
    design: :func:`scalecalc.approaches.isoflop_trials.trial_predictions`).

    A resample only repeats the profile's few points, so its sums of x^k and x^k y are its counts times the
    points' own: one matrix product over all resamples, not a gather of every draw."""
    centre = float(np.mean(x))
    powers = (x - centre)[:, None] ** np.arange(5)  # (points, 5)
    moments = counts @ powers  # (draws, 5)
    normal = moments[:, [[0, 1, 2], [1, 2, 3], [2, 3, 4]]]  # (draws, 3, 3)
    right = (counts * y) @ powers[:, :3]  # y: one row of losses, or one per resample
    # distinct x: the points grouped where sorted x steps by more than 1e-12
    order = np.argsort(powers[:, 1], kind="stable")
    group = np.empty(len(x), dtype=np.int64)
    group[order] = np.concatenate([[0], np.cumsum(np.diff(powers[order, 1]) > 1e-12)])
    distinct = ((counts @ (group[:, None] == np.arange(group.max() + 1))) > 0).sum(axis=1)
    good = distinct >= 3
    normal[~good] = np.eye(3)
    with np.errstate(all="ignore"):
        coefficients = solve_positive_definite(np.moveaxis(normal, 0, -1).copy(), right.T.copy())
    c0, c1, c2 = coefficients
    good &= c2 > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        vertex = np.where(good, -c1 / (2 * c2), np.nan)
    return vertex + centre, c0 + c1 * vertex + c2 * vertex**2


def resampled_vertices(
    flops: float, n_params: np.ndarray, n_tokens: np.ndarray, loss: np.ndarray, picks: np.ndarray, method: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """log10 N_opt and the loss at it of the parabola of each resample of one budget's runs (a row of
    ``picks``; ``loss``: the runs' losses, or one row of them per resample), and whether that optimum lies
    within the sizes the resample drew."""
    log_n = np.log10(n_params)
    counts = resample_counts(picks, len(log_n))
    x = np.log10(n_tokens) if method == "parabola-d" else log_n
    x_opt, loss_min = parabola_vertices(x, loss, counts)
    if method == "parabola-d":
        x_opt = math.log10(flops / FLOPS_PER_PARAM_TOKEN) - x_opt
    smallest, largest = drawn_range(log_n, counts)
    return x_opt, loss_min, (x_opt >= smallest) & (x_opt <= largest)
