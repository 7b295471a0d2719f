"""The training-curve envelope: Chinchilla's Approach 1 (Hoffmann et al. 2022, arXiv:2203.15556, Sec. 3.1).

Input: training curves, several rows per run (parameters N, tokens seen so far D, loss). With C = 6ND each
curve is a loss-versus-compute path. On a grid of compute levels (log-spaced over the range the curves cover;
Hoffmann et al. used 1500) each curve's loss is interpolated linearly in (log C, log L), and the lowest loss
over all curves covering that level is the envelope. The run achieving it gives N_opt(C) and
D_opt(C) = C / (6 N_opt); a least-squares line of log N_opt on log C gives N_opt = k_N C^a, exactly as in
Approach 2 (:mod:`scalecalc.approaches.allocation_fit` builds the D and D/N laws and the predictions from it).

Compute levels whose winner is the smallest or the largest model trained are left out of the fit (a larger or
smaller model, never trained, might have won there), as are levels covered by a single curve; a warning says
how many. Intervals: a bootstrap over runs (whole curves resampled with replacement, the envelope and the line
recomputed), percentile intervals at ``level``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from scalecalc.approaches.allocation_fit import (
    AllocationFit,
    allocation_laws,
    check_level,
    extrapolation_warning,
    line_fit,
    predict,
)
from scalecalc.errors import FitError, InputError
from scalecalc.laws import FLOPS_PER_PARAM_TOKEN

DEFAULT_POINTS = 250
# Relative spread of N allowed within one run (a run keeps its size; float noise in a column is tolerated).
SIZE_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Curves:
    """Runs as curves: ``log_loss[i, j]`` is run i's interpolated log loss at ``grid[j]`` (NaN off its range)."""

    names: tuple[str, ...]
    n_params: np.ndarray
    grid: np.ndarray
    log_loss: np.ndarray
    dropped: tuple[str, ...] = ()


def build_curves(
    n_params: np.ndarray,
    compute_flops: np.ndarray,
    loss: np.ndarray,
    runs: Sequence[str] | None = None,
    *,
    points: int = DEFAULT_POINTS,
    locations: Sequence[str] = (),
    run_column: str = "run",
) -> Curves:
    """Group rows into runs (by ``runs``, else by model size) and interpolate each on a common compute grid."""
    if points < 2:
        raise InputError(
            f"{points} is too few; give at least 2 compute levels (default {DEFAULT_POINTS})", param="points"
        )
    n_params = np.asarray(n_params, dtype=float)
    compute = np.asarray(compute_flops, dtype=float)
    loss = np.asarray(loss, dtype=float)
    if runs is None:
        keys = [f"N={value:.4g}" for value in n_params]
    else:
        keys = [str(value) for value in runs]
    order: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        order.setdefault(key, []).append(i)
    names, sizes, paths, dropped = [], [], [], []
    for key, rows in order.items():
        index = np.array(rows)
        size = n_params[index]
        # Grouped by size, a "run" is every row whose size agrees to 4 digits (sizes rounded differently in one
        # file are one model); only a run the user named can change size.
        if runs is not None and np.max(size) > np.min(size) * (1 + SIZE_TOLERANCE):
            first = int(index[np.argmax(size != size[0])])
            where = locations[first] if locations else f"row {first + 1}"
            raise InputError(
                f"{where}: run {key!r} changes size from {size[0]:.4g} to {n_params[first]:.4g} parameters; "
                f"each run (column {run_column!r}) must keep one size"
            )
        c, y = compute[index], loss[index]
        sort = np.argsort(c, kind="stable")
        c, y = c[sort], y[sort]
        unique_c, first_at = np.unique(c, return_index=True)
        if len(unique_c) < 2:
            dropped.append(key)
            continue
        names.append(key)
        sizes.append(float(np.median(size)))
        paths.append((np.log10(unique_c), np.log(y[first_at])))
    if len(names) < 2:
        raise FitError(
            f"the input has {len(names)} training curve{'s' if len(names) != 1 else ''} with two or more points; "
            "the envelope needs curves of at least two runs (rows: params, tokens seen, loss; name runs with "
            "`run_column`)"
        )
    low = min(path[0][0] for path in paths)
    high = max(path[0][-1] for path in paths)
    grid = np.linspace(low, high, points)
    log_loss = np.full((len(paths), points), np.nan)
    for i, (log_c, log_y) in enumerate(paths):
        inside = (grid >= log_c[0]) & (grid <= log_c[-1])
        log_loss[i, inside] = np.interp(grid[inside], log_c, log_y)
    return Curves(tuple(names), np.array(sizes), 10**grid, log_loss, tuple(dropped))


def envelope_of(curves_log_loss: np.ndarray, n_params: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(winner index or -1, log loss, usable mask) at each grid level, for the runs given."""
    filled = np.where(np.isnan(curves_log_loss), np.inf, curves_log_loss)
    winner = np.argmin(filled, axis=0)
    best = filled[winner, np.arange(filled.shape[1])]
    covered = np.isfinite(curves_log_loss).sum(axis=0)
    winner = np.where(np.isfinite(best), winner, -1)
    sizes = n_params[np.maximum(winner, 0)]
    interior = (sizes > n_params.min()) & (sizes < n_params.max())
    usable = (winner >= 0) & (covered >= 2) & interior
    return winner, best, usable


@dataclass(frozen=True, kw_only=True)
class EnvelopeResult(AllocationFit):
    """Approach 1 on a grid of compute levels: the winning run at each level and the laws fitted through them."""

    flops: np.ndarray  # the compute grid
    params: np.ndarray  # N_opt at each level (NaN where no curve reaches it)
    loss: np.ndarray
    run: tuple[str, ...]
    included: np.ndarray  # bool: the level enters the power-law fit
    curves: int

    @property
    def tokens(self) -> np.ndarray:
        return self.flops / (FLOPS_PER_PARAM_TOKEN * self.params)

    def point_columns(self) -> dict[str, Any]:
        return {
            "flops": self.flops,
            "params": self.params,
            "tokens": self.tokens,
            "tokens_per_param": self.tokens / self.params,
            "loss": self.loss,
            "run": list(self.run),
            "included": ["yes" if flag else "no" for flag in self.included],
        }

    def segments(self) -> dict[str, list]:
        """One row per stretch of compute levels won by the same run."""
        names = ("run", "params", "flops_from", "flops_to", "levels", "included")
        columns: dict[str, list] = {name: [] for name in names}
        start = 0
        for j in range(1, len(self.run) + 1):
            if j == len(self.run) or self.run[j] != self.run[start]:
                if self.run[start]:
                    columns["run"].append(self.run[start])
                    columns["params"].append(float(self.params[start]))
                    columns["flops_from"].append(float(self.flops[start]))
                    columns["flops_to"].append(float(self.flops[j - 1]))
                    columns["levels"].append(j - start)
                    columns["included"].append("yes" if self.included[start:j].any() else "no")
                start = j
        return columns


def fit_envelope(
    n_params: np.ndarray,
    compute_flops: np.ndarray,
    loss: np.ndarray,
    runs: Sequence[str] | None = None,
    *,
    points: int = DEFAULT_POINTS,
    targets: np.ndarray | None = None,
    bootstrap: int = 200,
    level: float = 0.95,
    seed: int = 0,
    include_edges: bool = False,
    locations: Sequence[str] = (),
    run_column: str = "run",
) -> EnvelopeResult:
    """Approach 1 over training curves: the lowest-loss envelope, N_opt(C) and the allocation power laws."""
    check_level(level, bootstrap, seed)
    curves = build_curves(
        n_params, compute_flops, loss, runs, points=points, locations=locations, run_column=run_column
    )
    winner, best, usable = envelope_of(curves.log_loss, curves.n_params)
    edge = (winner >= 0) & ~usable
    if include_edges:
        usable = winner >= 0
    sizes = np.where(winner >= 0, curves.n_params[np.maximum(winner, 0)], np.nan)
    warnings: list[str] = []
    if curves.dropped:
        warnings.append(
            f"{len(curves.dropped)} run{'s' if len(curves.dropped) > 1 else ''} with a single compute level left out "
            f"(a curve needs two points): {', '.join(curves.dropped[:5])}{' ...' if len(curves.dropped) > 5 else ''}"
        )
    if edge.any():
        action = "kept because of `include_edges`" if include_edges else "left out of the power-law fit"
        warnings.append(
            f"{int(edge.sum())} of {len(winner)} compute levels are won by the smallest or largest model trained, or "
            f"reached by one curve only; {action}"
        )
    if len(np.unique(sizes[usable])) < 2:
        raise FitError(
            f"the envelope has {len(np.unique(sizes[usable]))} interior winning model size(s) (sizes: "
            f"{', '.join(f'{n:.3g}' for n in np.unique(curves.n_params))}); it needs two to fit N_opt = k C^a: "
            "train more sizes whose curves cross" + ("" if include_edges else " (or add `include_edges`)")
        )
    log_c = np.log10(curves.grid[usable])
    exponent, intercept = line_fit(log_c, np.log10(sizes[usable]))
    draws = _bootstrap(curves, bootstrap, seed, include_edges)
    params_law, tokens_law, ratio_law = allocation_laws(exponent, intercept, draws, level)
    if bootstrap and bootstrap - len(draws) > 0.1 * bootstrap:
        warnings.append(
            f"{bootstrap - len(draws)} of {bootstrap} bootstrap resamples had fewer than two winning sizes; "
            "the intervals rest on the rest"
        )
    prediction = None
    if targets is not None and len(targets):
        prediction = predict(np.asarray(targets, dtype=float), exponent, intercept, draws, level)
        message = extrapolation_warning(prediction.flops, curves.grid[usable])
        if message:
            warnings.append(message)
    grouped_by = f"runs named in {run_column!r}" if runs is not None else "one per model size"
    notes = [
        f"{len(curves.names)} curves ({grouped_by}), "
        f"{points} compute levels log-spaced from {curves.grid[0]:.3g} to {curves.grid[-1]:.3g} FLOPs; losses "
        "interpolated linearly in (log C, log L) along each curve",
    ]
    return EnvelopeResult(
        level=level,
        flops=curves.grid,
        params=sizes,
        loss=np.where(np.isfinite(best), np.exp(best), np.nan),
        run=tuple(curves.names[w] if w >= 0 else "" for w in winner),
        included=usable,
        params_law=params_law,
        tokens_law=tokens_law,
        ratio_law=ratio_law,
        prediction=prediction,
        curves=len(curves.names),
        bootstrap=bootstrap,
        bootstrap_used=len(draws),
        warnings=tuple(warnings),
        notes=tuple(notes),
        fitted_flops=(float(curves.grid[usable].min()), float(curves.grid[usable].max())),
        fitted_params=(float(sizes[usable].min()), float(sizes[usable].max())),
        line_draws=draws,
    )


def _bootstrap(curves: Curves, draws: int, seed: int, include_edges: bool) -> np.ndarray:
    """(slope, intercept) of the envelope line for resamples of whole curves."""
    rng = np.random.default_rng(seed)
    count = len(curves.names)
    log_c = np.log10(curves.grid)
    lines = []
    for _ in range(draws):
        pick = rng.integers(0, count, size=count)
        sizes_all = curves.n_params[pick]
        winner, _, usable = envelope_of(curves.log_loss[pick], sizes_all)
        if include_edges:
            usable = winner >= 0
        sizes = sizes_all[np.maximum(winner, 0)]
        if len(np.unique(sizes[usable])) < 2:
            continue
        lines.append(line_fit(log_c[usable], np.log10(sizes[usable])))
    return np.array(lines).reshape(-1, 2)
