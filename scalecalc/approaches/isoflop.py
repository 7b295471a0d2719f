"""IsoFLOP analysis: Chinchilla's Approach 2 (Hoffmann et al. 2022, arXiv:2203.15556, Sec. 3.2).

Runs are grouped by training-compute budget C. Within one budget (an *isoFLOP profile*) the loss is a valley in
x = log10 N; each budget's minimum gives a compute-optimal (N_opt, D_opt = C / 6 N_opt, L_min). A line through
log10 N_opt against log10 C gives the allocation law N_opt = k_N C^a and its D_opt and D/N laws
(:mod:`scalecalc.approaches.allocation_fit`, shared with Approach 1).

How the minimum of one profile is found (``METHODS``):

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

Budgets with too few distinct sizes, whose lowest loss is at the smallest or largest size tried, or whose
fitted minimum falls outside the sizes tried, are reported and left out of the power-law fit with a warning.
Intervals come from a bootstrap over runs (runs resampled with replacement within each budget, every step
repeated on each resample); percentile intervals at ``level``.

Everything here is pure: arrays in, a frozen :class:`IsoflopResult` out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from scalecalc._numeric import percentile_interval
from scalecalc.approaches.allocation_fit import (
    AllocationFit,
    allocation_laws,
    batch_line_fit,
    check_level,
    extrapolation_warning,
    line_fit,
    predict,
)
from scalecalc.errors import FitError, InputError
from scalecalc.laws import FLOPS_PER_PARAM_TOKEN

METHODS = ("parabola", "parabola-d", "cubic", "akima")
DEFAULT_METHOD = "parabola"
# The fewest distinct sizes each method can place a minimum with (a parabola has 3 coefficients, a cubic 4;
# an Akima spline needs 4 knots to differ from a piecewise parabola).
MIN_SIZES = {"parabola": 3, "parabola-d": 3, "cubic": 4, "akima": 4}
DEFAULT_SNAP = 0.1  # runs whose compute differs by less than 10% belong to one budget
AKIMA_GRID = 401  # points per profile at which an Akima spline is searched for its minimum

STATUS_OK = "ok"
STATUS_FEW = "too-few-sizes"
STATUS_EDGE = "edge-minimum"
STATUS_NO_MINIMUM = "no-minimum"


# --- grouping runs by budget ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grouping:
    """Each run's budget: ``budgets[index[i]]`` is the nominal budget of run ``i``."""

    budgets: np.ndarray
    index: np.ndarray
    max_deviation: float  # largest |C_run / C_budget - 1| over all runs
    description: str
    left_out: str = ""  # a warning when runs fit no --budgets value (their index is -1)


def group_budgets(
    compute_flops: np.ndarray,
    *,
    tolerance: float = DEFAULT_SNAP,
    nominal: Sequence[float] | None = None,
    locations: Sequence[str] = (),
) -> Grouping:
    """Group runs into compute budgets.

    With ``nominal`` budgets each run joins the nearest one (in log space) if it lies within ``tolerance`` of
    it; runs farther from every budget get index -1 (left out, and ``description`` says so). Without, runs are
    clustered: sorted by compute, a budget collects runs up to ``tolerance`` above its first run, and the next
    run beyond starts a new one (so a budget never spans more than ``tolerance``, however densely runs fill
    the gaps). A cluster whose runs all carry the same value keeps it (a column of nominal budgets is used as
    it is); a scattered cluster is named by its geometric mean rounded to two significant digits.
    """
    compute = np.asarray(compute_flops, dtype=float)
    if tolerance < 0:
        raise InputError(f"{tolerance} must be zero or a positive fraction such as 0.1", param="tolerance")
    log_c = np.log10(compute)
    gap = math.log10(1 + tolerance) + 1e-12
    if nominal is not None:
        given = np.unique(np.asarray(nominal, dtype=float))
        distance = np.abs(log_c[:, None] - np.log10(given)[None, :])
        nearest = np.argmin(distance, axis=1)
        inside = distance[np.arange(len(compute)), nearest] <= gap
        if not inside.any():
            worst = 0
            where = locations[worst] if locations else f"run {worst + 1}"
            raise InputError(
                f"{where}: compute {compute[worst]:.4g} is not within {tolerance:.0%} of any budget in --budgets "
                f"(nearest {given[nearest[worst]]:.3g}), nor is any other run; check the budgets or widen --snap"
            )
        used = np.unique(nearest[inside])
        remap = np.full(len(given), -1)
        remap[used] = np.arange(len(used))
        index = np.where(inside, remap[nearest], -1)
        deviation = float(np.max(np.abs(compute[inside] / given[nearest[inside]] - 1)))
        description = (
            f"runs snapped to the nearest of the {len(given)} budgets given with --budgets "
            f"(largest deviation {deviation:.1%})"
        )
        outside = np.flatnonzero(~inside)
        left_out = ""
        if len(outside):
            first = int(outside[0])
            where = locations[first] if locations else f"run {first + 1}"
            left_out = (
                f"{len(outside)} runs farther than {tolerance:.0%} from every budget in --budgets left out (the "
                f"first: {where}, compute {compute[first]:.4g}); add their budget or widen --snap"
            )
        return Grouping(given[used], index, deviation, description, left_out)
    order = np.argsort(log_c, kind="stable")
    cluster = np.empty(len(compute), dtype=int)
    current, start = -1, -math.inf
    for position in order:
        if log_c[position] - start > gap:
            current, start = current + 1, log_c[position]
        cluster[position] = current
    budgets = np.empty(current + 1)
    scattered = 0
    for k in range(len(budgets)):
        members = compute[cluster == k]
        if np.all(members == members[0]):
            budgets[k] = members[0]
        else:
            scattered += 1
            budgets[k] = float(f"{np.exp(np.mean(np.log(members))):.2g}")
    deviation = float(np.max(np.abs(compute / budgets[cluster] - 1)))
    if scattered == 0:
        description = f"{len(budgets)} budgets read as given (every run of a budget has the same compute)"
    else:
        description = (
            f"measured compute of {len(compute)} runs snapped to {len(budgets)} budgets: each budget takes the runs "
            f"up to {tolerance:.0%} above its smallest, named by their geometric mean to 2 significant digits "
            f"(largest deviation {deviation:.1%}; set with --snap, or give the budgets with --budgets)"
        )
    return Grouping(budgets, cluster, deviation, description)


# --- one isoFLOP profile ----------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class BudgetFit:
    """The compute-optimal point of one isoFLOP profile; ``status`` says whether it enters the power law."""

    flops: float
    runs: int
    sizes: int
    params_min: float
    params_max: float
    status: str
    params: float = math.nan
    tokens: float = math.nan
    loss: float = math.nan
    params_low: float = math.nan
    params_high: float = math.nan
    loss_low: float = math.nan
    loss_high: float = math.nan

    @property
    def included(self) -> bool:
        return self.status == STATUS_OK

    @property
    def tokens_low(self) -> float:
        return self.flops / (FLOPS_PER_PARAM_TOKEN * self.params_high)

    @property
    def tokens_high(self) -> float:
        return self.flops / (FLOPS_PER_PARAM_TOKEN * self.params_low)


def fit_budget(flops: float, n_params: np.ndarray, n_tokens: np.ndarray, loss: np.ndarray, method: str) -> BudgetFit:
    """Find one budget's optimum and classify it (ok, too few sizes, edge minimum, no minimum)."""
    sizes = np.unique(n_params)
    common: dict[str, Any] = {
        "flops": float(flops),
        "runs": len(loss),
        "sizes": len(sizes),
        "params_min": float(sizes[0]),
        "params_max": float(sizes[-1]),
    }
    if len(sizes) < MIN_SIZES[method]:
        return BudgetFit(**common, status=STATUS_FEW)
    x_opt, loss_min = _budget_optimum(flops, n_params, n_tokens, loss, method)
    log_n = np.log10(n_params)
    lowest_at = n_params[int(np.argmin(loss))]
    if lowest_at in (sizes[0], sizes[-1]):
        status = STATUS_EDGE
    elif not math.isfinite(x_opt):
        status = STATUS_NO_MINIMUM
    elif not log_n.min() <= x_opt <= log_n.max():
        status = STATUS_EDGE
    else:
        status = STATUS_OK
    params = 10**x_opt if math.isfinite(x_opt) else math.nan
    return BudgetFit(
        **common,
        status=status,
        params=params,
        tokens=flops / (FLOPS_PER_PARAM_TOKEN * params),
        loss=loss_min,
    )


def _budget_optimum(
    flops: float, n_params: np.ndarray, n_tokens: np.ndarray, loss: np.ndarray, method: str
) -> tuple[float, float]:
    """(log10 N_opt, L_min) of one budget by ``method``."""
    if method == "parabola-d":
        x_d, loss_min = profile_minimum(np.log10(n_tokens), loss, method)
        if not math.isfinite(x_d):
            return math.nan, math.nan
        return math.log10(flops / FLOPS_PER_PARAM_TOKEN) - x_d, loss_min
    return profile_minimum(np.log10(n_params), loss, method)


# --- the whole analysis -------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class IsoflopResult(AllocationFit):
    """Approach 2 over every budget; ``budgets`` in increasing compute, ``grouping`` says how runs were grouped."""

    method: str
    budgets: tuple[BudgetFit, ...]
    grouping: str

    @property
    def included(self) -> tuple[BudgetFit, ...]:
        return tuple(b for b in self.budgets if b.included)

    def budget_columns(self) -> dict[str, list]:
        names = (
            "flops", "runs", "sizes", "params_min", "params_max", "status", "params", "params_low", "params_high",
            "tokens", "tokens_low", "tokens_high", "tokens_per_param", "loss", "loss_low", "loss_high",
        )  # fmt: skip
        columns: dict[str, list] = {name: [] for name in names}
        for budget in self.budgets:
            for name in names:
                if name == "tokens_per_param":
                    columns[name].append(budget.tokens / budget.params)
                else:
                    columns[name].append(getattr(budget, name))
        return columns


def fit_isoflops(
    n_params: np.ndarray,
    n_tokens: np.ndarray,
    compute_flops: np.ndarray,
    loss: np.ndarray,
    *,
    method: str = DEFAULT_METHOD,
    snap: float = DEFAULT_SNAP,
    nominal_budgets: Sequence[float] | None = None,
    targets: np.ndarray | None = None,
    bootstrap: int = 200,
    level: float = 0.95,
    seed: int = 0,
    include_edges: bool = False,
    best_per_size: bool = False,
    source: str = "the input",
    locations: Sequence[str] = (),
) -> IsoflopResult:
    """Approach 2: per-budget minima, then N_opt = k_N C^a (and D_opt, D/N) with bootstrap intervals."""
    check_method(method)
    check_level(level, bootstrap)
    n_params, n_tokens, compute_flops, loss = (
        np.asarray(a, dtype=float) for a in (n_params, n_tokens, compute_flops, loss)
    )
    grouping = group_budgets(compute_flops, tolerance=snap, nominal=nominal_budgets, locations=locations)
    keep = lowest_loss_per_size(grouping.index, n_params, loss)
    replicated = len(loss) - int(keep.sum())
    members = [
        np.flatnonzero((grouping.index == k) & (keep | (not best_per_size))) for k in range(len(grouping.budgets))
    ]
    warnings_in = [grouping.left_out] if grouping.left_out else []
    fits = [
        fit_budget(budget, n_params[m], n_tokens[m], loss[m], method)
        for budget, m in zip(grouping.budgets, members, strict=True)
    ]
    accepted = {STATUS_OK, STATUS_EDGE} if include_edges else {STATUS_OK}
    use = [i for i, f in enumerate(fits) if f.status in accepted and math.isfinite(f.params)]
    warnings = warnings_in + _budget_warnings(fits, method, include_edges)
    if len(use) < 2:
        summary = ", ".join(f"{f.flops:.3g} ({f.status}, {f.sizes} sizes)" for f in fits)
        raise FitError(
            f"{source}: {len(use)} of {len(fits)} budgets have an interior minimum, and the power law needs 2; "
            f"budgets: {summary}; train sizes on both sides of each minimum"
            + ("" if include_edges else " (or add --include-edges)")
        )
    if include_edges:
        fits = [replace(f, status=STATUS_OK) if i in use else f for i, f in enumerate(fits)]
    log_c = np.log10([fits[i].flops for i in use])
    log_n = np.log10([fits[i].params for i in use])
    exponent, intercept = line_fit(log_c, log_n)

    draws, per_budget = _bootstrap(
        [(grouping.budgets[i], n_params[members[i]], n_tokens[members[i]], loss[members[i]]) for i in use],
        method, bootstrap, seed,
    )  # fmt: skip
    for position, i in enumerate(use):
        column = per_budget[:, position, :] if len(per_budget) else np.empty((0, 2))
        finite = column[np.isfinite(column[:, 0])]
        if len(finite) >= 2:
            p_low, p_high = (float(v) for v in percentile_interval(10 ** finite[:, 0], level))
            l_low, l_high = (float(v) for v in percentile_interval(finite[:, 1], level))
            fits[i] = replace(fits[i], params_low=p_low, params_high=p_high, loss_low=l_low, loss_high=l_high)
    params_law, tokens_law, ratio_law = allocation_laws(exponent, intercept, draws, level)
    notes = [grouping.description]
    if replicated and best_per_size:
        notes.append(f"kept the lowest loss of each size within a budget (--best-per-size): {replicated} runs dropped")
    elif replicated:
        warnings.append(
            f"{replicated} runs repeat a size already run at the same budget (seeds or a learning-rate sweep?); all "
            "are fitted as they are; --best-per-size keeps only the lowest loss of each size"
        )
    if bootstrap:
        failed = bootstrap - len(draws)
        if failed > 0.1 * bootstrap:
            warnings.append(
                f"{failed} of {bootstrap} bootstrap resamples could not be fitted (too few budgets with a minimum); "
                "the intervals rest on the rest"
            )
    if len(use) == 2:
        warnings.append("only 2 budgets enter the power law: the line passes through both exactly; train more budgets")
    if grouping.max_deviation > 5e-4:
        notes.append(f"power laws use nominal budgets; runs deviate from them by up to {grouping.max_deviation:.1%}")
    prediction = None
    if targets is not None and len(targets):
        prediction = predict(np.asarray(targets, dtype=float), exponent, intercept, draws, level)
        message = extrapolation_warning(prediction.flops, 10**log_c)
        if message:
            warnings.append(message)
    fitted_params = [fits[i].params for i in use]
    return IsoflopResult(
        method=method,
        level=level,
        budgets=tuple(fits),
        params_law=params_law,
        tokens_law=tokens_law,
        ratio_law=ratio_law,
        prediction=prediction,
        bootstrap=bootstrap,
        bootstrap_used=len(draws),
        grouping=grouping.description,
        warnings=tuple(warnings),
        notes=tuple(notes),
        fitted_flops=(min(fits[i].flops for i in use), max(fits[i].flops for i in use)),
        fitted_params=(float(min(fitted_params)), float(max(fitted_params))),
        line_draws=draws,
    )


def lowest_loss_per_size(groups: np.ndarray, n_params: np.ndarray, loss: np.ndarray) -> np.ndarray:
    """Mask keeping, for each (group, size), the one row with the lowest loss (the first of equal ones)."""
    order = np.lexsort((loss, n_params, groups))  # by group, then size, then loss
    g, n = groups[order], n_params[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (g[1:] != g[:-1]) | (n[1:] != n[:-1])
    keep = np.zeros(len(order), dtype=bool)
    keep[order[first]] = True
    return keep


def _budget_warnings(fits: Sequence[BudgetFit], method: str, include_edges: bool) -> list[str]:
    warnings = []
    for status, text in (
        (STATUS_FEW, f"fewer than {MIN_SIZES[method]} distinct sizes (the {method} method needs {MIN_SIZES[method]})"),
        (STATUS_EDGE, "the lowest loss at the smallest or largest size tried (the true minimum may lie beyond)"),
        (STATUS_NO_MINIMUM, f"no interior minimum in the {method} fit (the profile is not a valley)"),
    ):
        hit = [f for f in fits if f.status == status]
        if not hit:
            continue
        listed = ", ".join(f"{f.flops:.3g}" for f in hit)
        kept = status == STATUS_EDGE and include_edges
        action = "kept because of --include-edges" if kept else "left out of the power-law fit"
        warnings.append(f"{len(hit)} budget{'s' if len(hit) > 1 else ''} with {text}: {listed}; {action}")
    return warnings


def _bootstrap(
    budgets: Sequence[tuple[float, np.ndarray, np.ndarray, np.ndarray]], method: str, draws: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Resample runs within each budget; return the (slope, intercept) of each usable resample and the
    per-budget (log10 N_opt, L_min) of every resample (NaN where a resample has no interior minimum)."""
    if draws == 0:
        return np.empty((0, 2)), np.empty((0, len(budgets), 2))
    rng = np.random.default_rng(seed)
    per_budget = np.full((draws, len(budgets), 2), np.nan)
    for j, (flops, n_params, n_tokens, loss) in enumerate(budgets):
        picks = rng.integers(0, len(loss), size=(draws, len(loss)))
        log_n = np.log10(n_params)
        if method in ("parabola", "parabola-d"):
            x = np.log10(n_tokens) if method == "parabola-d" else log_n
            x_opt, loss_min = parabola_vertices(x, loss, picks)
            if method == "parabola-d":
                x_opt = math.log10(flops / FLOPS_PER_PARAM_TOKEN) - x_opt
            sample_n = log_n[picks]
            inside = (x_opt >= sample_n.min(axis=1)) & (x_opt <= sample_n.max(axis=1))
            per_budget[inside, j] = np.column_stack([x_opt, loss_min])[inside]
            continue
        for r in range(draws):
            pick = picks[r]
            sample_n = log_n[pick]
            if len(np.unique(sample_n)) < MIN_SIZES[method]:
                continue
            x_one, loss_one = _budget_optimum(flops, n_params[pick], n_tokens[pick], loss[pick], method)
            if math.isfinite(x_one) and sample_n.min() <= x_one <= sample_n.max():
                per_budget[r, j] = (x_one, loss_one)
    log_c = np.log10([b[0] for b in budgets])
    lines = batch_line_fit(log_c, per_budget[:, :, 0])
    return lines[np.isfinite(lines[:, 0])], per_budget


def parabola_vertices(x: np.ndarray, y: np.ndarray, picks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vertex (x*, L(x*)) of the least-squares parabola through (x[p], y[p]) for each row p of ``picks``,
    all resamples at once through their 3x3 normal equations; NaN where a resample has fewer than three
    distinct x or opens downwards. Agrees with :func:`profile_minimum` (tested)."""
    centre = float(np.mean(x))
    u, v = x[picks] - centre, y[picks]
    powers = u[:, :, None] ** np.arange(5)  # u^0 .. u^4
    moments = powers.sum(axis=1)  # (draws, 5)
    normal = moments[:, [[0, 1, 2], [1, 2, 3], [2, 3, 4]]]  # (draws, 3, 3)
    right = np.einsum("rn,rnk->rk", v, powers[:, :, :3])
    ordered = np.sort(u, axis=1)
    distinct = 1 + (np.diff(ordered, axis=1) > 1e-12).sum(axis=1)
    good = distinct >= 3
    normal[~good] = np.eye(3)
    coefficients = np.linalg.solve(normal, right[:, :, None])[:, :, 0]
    c0, c1, c2 = coefficients.T
    good &= c2 > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        vertex = np.where(good, -c1 / (2 * c2), np.nan)
    return vertex + centre, c0 + c1 * vertex + c2 * vertex**2


