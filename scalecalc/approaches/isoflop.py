"""IsoFLOP analysis: Chinchilla's Approach 2 (Hoffmann et al. 2022, arXiv:2203.15556, Sec. 3.2).

Runs are grouped by training-compute budget C. Within one budget (an *isoFLOP profile*) the loss is a valley in
x = log10 N; each budget's minimum gives a compute-optimal (N_opt, D_opt = C / 6 N_opt, L_min). A line through
log10 N_opt against log10 C gives the allocation law N_opt = k_N C^a and its D_opt and D/N laws
(:mod:`scalecalc.approaches.allocation_fit`, shared with Approach 1).

Runs are grouped by budgets.py; each profile's minimum is found by profiles.py (``METHODS``).

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
from scalecalc.approaches.budgets import DEFAULT_SNAP, group_budgets, lowest_loss_per_size
from scalecalc.approaches.profiles import (
    DEFAULT_METHOD,
    MIN_SIZES,
    check_method,
    profile_minimum,
    resampled_vertices,
)
from scalecalc.errors import FitError
from scalecalc.laws import FLOPS_PER_PARAM_TOKEN

STATUS_OK = "ok"
STATUS_FEW = "too-few-sizes"
STATUS_EDGE = "edge-minimum"
STATUS_NO_MINIMUM = "no-minimum"


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
    check_level(level, bootstrap, seed)
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
            + ("" if include_edges else " (or add `include_edges`)")
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
        notes.append(f"kept the lowest loss of each size within a budget (`best_per_size`): {replicated} runs dropped")
    elif replicated:
        warnings.append(
            f"{replicated} runs repeat a size already run at the same budget (seeds or a learning-rate sweep?); all "
            "are fitted as they are; `best_per_size` keeps only the lowest loss of each size"
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
        action = "kept because of `include_edges`" if kept else "left out of the power-law fit"
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
            x_opt, loss_min, inside = resampled_vertices(flops, n_params, n_tokens, loss, picks, method)
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
