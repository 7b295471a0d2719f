"""IsoFLOP analysis (Approach 2) of many simulated trials of one design at once, for `scalecalc simulate`.

:func:`trial_predictions` gives, for every trial, what :func:`scalecalc.approaches.isoflop.fit_isoflops` gives
for that trial alone (N_opt at one target and its bootstrap interval), for the parabola methods: the design's
budgets are grouped once and each budget's parabolas solved for all trials and resamples together.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from scalecalc._numeric import percentile_interval
from scalecalc.approaches.allocation_fit import batch_line_fit, line_fit
from scalecalc.approaches.budgets import group_budgets
from scalecalc.approaches.profiles import MIN_SIZES, resampled_vertices
from scalecalc.errors import FitError
from scalecalc.laws import FLOPS_PER_PARAM_TOKEN

BATCHED_METHODS = ("parabola", "parabola-d")
TRIAL_BLOCK_RESAMPLES = 50_000  # bootstrap resamples (trials x draws) whose parabolas are solved in one block


def trial_predictions(
    n_params: np.ndarray,
    n_tokens: np.ndarray,
    compute_flops: np.ndarray,
    losses: np.ndarray,
    target: float,
    *,
    method: str,
    bootstrap: int,
    level: float,
    seeds: Sequence[int],
    progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """N_opt at ``target`` with its bootstrap interval (low, high) for every row of ``losses`` (trials x runs of
    one design): what ``fit_isoflops(..., targets=[target], bootstrap=bootstrap, level=level, seed=seeds[t])``
    gives for row t with its other options at their defaults, NaN where it would raise FitError.

    The parabola methods only (``BATCHED_METHODS``). Because the design is shared, grouping and each budget's
    least-squares matrix are built once; each budget's parabolas are one solve for all trials, and every
    trial's resamples (drawn from its own seed, in fit_isoflops' order) are solved a block of trials at a time.
    The arithmetic is fit_isoflops' own, element by element (tests/test_study.py checks the two agree)."""
    trials = len(losses)
    params, low, high = (np.full(trials, np.nan) for _ in range(3))
    try:
        grouping = group_budgets(compute_flops)
    except FitError:
        return params, low, high
    members = [np.flatnonzero(grouping.index == k) for k in range(len(grouping.budgets))]
    vertices = np.full((trials, len(members)), np.nan)  # log10 N_opt of each budget that enters the power law
    for k, m in enumerate(members):
        vertex, usable = _trial_vertices(grouping.budgets[k], n_params[m], n_tokens[m], losses[:, m], method)
        vertices[usable, k] = vertex[usable]
    used = np.isfinite(vertices)
    log_target = np.log10(np.array([target]))
    log_c_all = np.log10(grouping.budgets)
    block = max(1, TRIAL_BLOCK_RESAMPLES // max(1, bootstrap))
    for first in range(0, trials, block):
        part = np.arange(first, min(trials, first + block))
        fitted = part[used[part].sum(axis=1) >= 2]  # fit_isoflops raises FitError for the others
        for t in fitted:
            exponent, intercept = line_fit(log_c_all[used[t]], np.log10(10 ** vertices[t, used[t]]))
            params[t] = (10 ** (intercept + exponent * log_target))[0]
        if bootstrap and len(fitted):
            lines = _trial_bootstrap_lines(
                grouping.budgets, members, n_params, n_tokens, losses, used, fitted, method, bootstrap, seeds
            )
            with np.errstate(over="ignore", invalid="ignore"):
                draws = 10 ** (lines[:, :, 1] + lines[:, :, 0] * log_target[0])
            low[fitted], high[fitted] = percentile_interval(draws, level, axis=1)
        if progress is not None:
            progress(len(part))
    return params, low, high


def _trial_vertices(
    flops: float, n_params: np.ndarray, n_tokens: np.ndarray, losses: np.ndarray, method: str
) -> tuple[np.ndarray, np.ndarray]:
    """fit_budget for every row of ``losses`` (trials x this budget's runs): log10 N_opt of each trial's parabola
    and whether it enters the power law (status ok)."""
    trials = len(losses)
    sizes = np.unique(n_params)
    if len(sizes) < MIN_SIZES[method]:
        return np.full(trials, np.nan), np.zeros(trials, dtype=bool)
    log_n = np.log10(n_params)
    x = np.log10(n_tokens) if method == "parabola-d" else log_n
    # profile_minimum's least squares, one right-hand side per trial
    centre = float(np.mean(x))
    design = np.vander(x - centre, 3, increasing=True)
    coefficients, _, rank, _ = np.linalg.lstsq(design, losses.T, rcond=None)
    if rank < 3:
        return np.full(trials, np.nan), np.zeros(trials, dtype=bool)
    c1, c2 = coefficients[1], coefficients[2]
    with np.errstate(divide="ignore", invalid="ignore"):
        vertex = np.where(c2 > 0, -c1 / (2 * c2) + centre, np.nan)
    if method == "parabola-d":
        vertex = math.log10(flops / FLOPS_PER_PARAM_TOKEN) - vertex
    lowest_at = n_params[np.argmin(losses, axis=1)]
    edge = (lowest_at == sizes[0]) | (lowest_at == sizes[-1])
    with np.errstate(invalid="ignore"):
        inside = (log_n.min() <= vertex) & (vertex <= log_n.max())
    return vertex, ~edge & np.isfinite(vertex) & inside


def _trial_bootstrap_lines(
    budgets: np.ndarray,
    members: Sequence[np.ndarray],
    n_params: np.ndarray,
    n_tokens: np.ndarray,
    losses: np.ndarray,
    used: np.ndarray,
    fitted: np.ndarray,
    method: str,
    bootstrap: int,
    seeds: Sequence[int],
) -> np.ndarray:
    """_bootstrap for each trial in ``fitted``: (len(fitted), bootstrap, 2) (slope, intercept), NaN for a
    resample fit_isoflops would drop. Each trial's generator draws its used budgets in order, as _bootstrap does."""
    picks = [np.empty((len(fitted), bootstrap, len(m)), dtype=np.int64) for m in members]
    for row, t in enumerate(fitted.tolist()):
        rng = np.random.default_rng(seeds[t])
        for j in np.flatnonzero(used[t]).tolist():
            picks[j][row] = rng.integers(0, len(members[j]), size=(bootstrap, len(members[j])))
    per_budget = np.full((len(fitted), bootstrap, len(members)), np.nan)
    for k, m in enumerate(members):
        rows = np.flatnonzero(used[fitted, k])
        if len(rows) == 0:
            continue
        x_opt, _, inside = resampled_vertices(
            budgets[k], n_params[m], n_tokens[m], np.repeat(losses[fitted[rows]][:, m], bootstrap, axis=0),
            picks[k][rows].reshape(-1, len(m)), method,
        )  # fmt: skip
        per_budget[rows, :, k] = np.where(inside, x_opt, np.nan).reshape(len(rows), bootstrap)
    lines = np.full((len(fitted), bootstrap, 2), np.nan)
    # batch_line_fit over exactly the budgets each trial uses (grouped by that set), as _bootstrap fits them
    patterns, which = np.unique(used[fitted], axis=0, return_inverse=True)
    for p, pattern in enumerate(patterns):
        rows = np.flatnonzero(np.asarray(which).ravel() == p)
        values = per_budget[rows][:, :, pattern].reshape(-1, int(pattern.sum()))
        lines[rows] = batch_line_fit(np.log10(budgets[pattern]), values).reshape(len(rows), bootstrap, 2)
    return lines
