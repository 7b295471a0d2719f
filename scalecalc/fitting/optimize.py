"""A batched Levenberg-Marquardt minimiser: many starting points (or bootstrap resamples) at once.

For S parameter vectors z (one per start) the objective is f_s(z) = sum_i w_si rho(r_si(z)) with
r = log L_hat - log L. Every iteration evaluates all active starts in one set of numpy operations:

    g = J^T (w psi(r))                          the analytic gradient
    H = J^T diag(w c(r)) J                      Gauss-Newton / IRLS curvature (c = psi/r for Huber)
    (H~ + lambda I) s~ = -g~                    solved for all starts at once (positive definite systems),
                                                with H~ = D^-1 H D^-1, D = sqrt(diag H) (Marquardt scaling)

A step is kept where it lowers f (per start), and lambda shrinks; elsewhere lambda grows and the start
tries a shorter, more gradient-like step. Bounds are enforced by projecting each step onto the box.
Starts that arrive at the same point are merged while running, so the cost falls as the basins are found.
A start has converged when a kept step changes f by less than ``ftol`` relative and its scaled gradient
is below ``gtol``, or when no step can lower f any more (lambda at its ceiling: a stationary point to
machine precision).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scalecalc._numeric import solve_positive_definite
from scalecalc.fitting.forms import FitData, Form
from scalecalc.fitting.objective import Constraints, Penalty

LAMBDA_START = 1e-3
LAMBDA_CEILING = 1e10
SWITCH_GAIN = 1e-4
SWITCH_BACK_LAMBDA = 10.0
BATCH_ELEMENTS = 4_000_000  # starts x points x parameters held in memory at once
MERGE_TOL = 1e-6  # starts closer than this (relative) are on the same path and are merged
STUCK_GTOL = 1e-4  # no step lowers f and the predicted relative gain is below 1e-8: stationary
JOIN_FRACTION = 0.5  # waiting starts join a window once this fraction of it is free
EXACT_OBJECTIVE = 1e-20  # per point: an objective this small is an exact fit
# A call holding at least this many starts solves its damped systems by batched elimination, which costs ~30 us
# plus 0.05 us per system here; fewer go to LAPACK one system at a time, ~5 us plus 0.19 us each (the two cross
# near 150). The choice is the call's, never the window's: a start's path does not depend on which others iterate
# with it.
BATCHED_SOLVE_STARTS = 160
# Extrapolated steps (Schedule.accelerate): two kept steps whose directions agree to this cosine, the second
# shorter, lengthen the next by the rest of their geometric series, 1 / (1 - ratio), up to EXTRAPOLATE_LIMIT times.
EXTRAPOLATE_COSINE = 0.9
EXTRAPOLATE_RATIO = 0.95
EXTRAPOLATE_LIMIT = 2.0


@dataclass(frozen=True)
class Solution:
    """Per start: free parameters ``z`` (S, F), objective, scaled gradient, iterations and convergence.
    ``merged[s]`` is the start that start s was merged into (itself if it ran to the end)."""

    z: np.ndarray
    objective: np.ndarray
    gradient: np.ndarray
    iterations: np.ndarray
    converged: np.ndarray
    merged: np.ndarray


class Problem:
    """One form, its constraints, the data and the penalty: evaluates f, g and H for batches of z.

    Every row of z is fitted to ``data``, unless ``rows`` (a :class:`FitData` of (S, n) arrays) gives each row
    its own points and log losses (many data sets in one minimiser call: :mod:`scalecalc.fitting.batch`)."""

    def __init__(self, form: Form, constraints: Constraints, data: FitData, penalty: Penalty) -> None:
        self.form = form
        self.constraints = constraints
        self.data = data
        self.penalty = penalty
        matrix = constraints.jacobian_matrix()
        # With nothing fixed or tied d theta / d z is the identity: J @ M would only copy J (S x n x F).
        identity = matrix.shape[0] == matrix.shape[1] and np.array_equal(matrix, np.eye(matrix.shape[0]))
        self.matrix = None if identity else matrix

    def residuals(self, z: np.ndarray, rows: FitData | None = None) -> np.ndarray:
        data = self.data if rows is None else rows
        pred, _ = self.form.predict(self.constraints.expand(z), data, jac=False)
        return pred - data.log_loss

    def objective(self, z: np.ndarray, weights: np.ndarray | None = None, rows: FitData | None = None) -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore"):
            rho = self.penalty.value(self.residuals(z, rows))
        values = np.sum(rho if weights is None else weights * rho, axis=-1)
        return np.where(np.isfinite(values), values, np.inf)

    def evaluate(self, z: np.ndarray, weights: np.ndarray | None = None, rows: FitData | None = None) -> Evaluation:
        """The objective at z (S, F) and the per-point terms its derivatives are made of (see :meth:`slopes`)."""
        data = self.data if rows is None else rows
        with np.errstate(over="ignore", invalid="ignore"):
            pred, jac = self.form.predict(self.constraints.expand(z), data, jac=True)
            rho, psi, reweighted, exact = self.penalty.terms(pred - data.log_loss)
            if weights is not None:
                rho, psi = rho * weights, psi * weights
        assert jac is not None  # asked for with jac=True
        f = np.sum(rho, axis=-1)
        jz = jac if self.matrix is None else jac @ self.matrix  # (S, n, F)
        return Evaluation(np.where(np.isfinite(f), f, np.inf), jz, psi, reweighted, exact)

    def slopes(
        self, at: Evaluation, weights: np.ndarray | None = None, irls: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """g (S, F) and H (S, F, F) from an evaluation. ``irls`` (S,) in [0, 1] blends the exact curvature (0)
        with the IRLS one (1)."""
        with np.errstate(over="ignore", invalid="ignore"):
            curvature = at.reweighted if irls is None else np.maximum(irls[:, None] * at.reweighted, at.exact)
            if weights is not None:
                curvature = curvature * weights
            g = (at.psi[:, None, :] @ at.jz)[:, 0, :]  # a batched product: a third of einsum's time here
            h = np.matmul(np.swapaxes(at.jz * curvature[..., None], 1, 2), at.jz)
        return g, h

    def derivatives(
        self,
        z: np.ndarray,
        weights: np.ndarray | None = None,
        irls: np.ndarray | None = None,
        rows: FitData | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """f (S,), g (S, F), H (S, F, F) at z (S, F); ``irls`` as in :meth:`slopes`."""
        at = self.evaluate(z, weights, rows)
        return (at.f, *self.slopes(at, weights, irls))


@dataclass(frozen=True)
class Evaluation:
    """f (S,) at a batch of points, the Jacobian of the predictions (S, n, F), the weighted psi and both
    curvature weights of the penalty (S, n): a step's trial point evaluated once serves as the next start."""

    f: np.ndarray
    jz: np.ndarray
    psi: np.ndarray
    reweighted: np.ndarray
    exact: np.ndarray


@dataclass(frozen=True)
class Schedule:
    """How :func:`minimise` steps; the default (``COLD``) is a cold start's, a warm-started resample's is
    :data:`scalecalc.fitting.batch.WARM`.

    ``far_blend``: the curvature away from a minimum, as ``irls`` in :meth:`Problem.slopes`. 1 is Huber's IRLS
    weight, a majoriser: every step descends, but the approach to the minimum is linear. ``lambda_start``: the
    damping every start begins with. ``retry_lambda``: the least damping a failed step is retried with (else ten
    times the last). ``accelerate``: away from a minimum the steps shrink geometrically along one direction, and
    a step that continues the last kept one is lengthened by the rest of that series (:func:`_extrapolation`);
    if the longer step fails, the next is the plain one, with no more damping."""

    far_blend: float = 1.0
    lambda_start: float = LAMBDA_START
    retry_lambda: float = 0.0
    accelerate: bool = False


COLD = Schedule()


def minimise(
    problem: Problem,
    z0: np.ndarray,
    *,
    weights: np.ndarray | None = None,
    rows: FitData | None = None,
    max_iter: int = 1000,
    ftol: float = 1e-12,
    gtol: float = 1e-7,
    merge: bool = False,
    near: bool = False,
    schedule: Schedule = COLD,
    window: int | None = None,
) -> Solution:
    """Minimise from every row of ``z0`` at once; ``weights`` (S, n) weigh the points per start (bootstrap
    counts) and ``rows`` (a FitData of (S, n) arrays) give each start its own points and log losses (see
    :class:`Problem`). With ``merge``, starts that reach the same point (to 1e-7 relative) are merged as they go.
    ``window``: at most this many starts iterate at once (memory, and arrays that stay in cache); a start that
    finishes gives its place to the next waiting one, so no batch idles through a long tail of a few slow
    starts. Each start's path is its own, so the result does not depend on the window. ``schedule``: how it
    steps (:class:`Schedule`)."""
    lower, upper = problem.constraints.lower, problem.constraints.upper
    z = np.clip(np.array(z0, dtype=float), lower, upper)
    count, n_free = z.shape
    # f at the starts a window at a time: over every start at once its temporaries would leave the cache
    step = window or count
    objective = np.concatenate([
        problem.objective(
            z[first : first + step],
            None if weights is None else weights[first : first + step],
            None if rows is None else rows.subset(slice(first, first + step)),
        )
        for first in range(0, count, step)
    ])  # fmt: skip
    gradient = np.full(count, np.inf)
    iterations = np.zeros(count, dtype=int)
    converged = np.zeros(count, dtype=bool)
    merged = np.arange(count)
    lam = np.full(count, schedule.lambda_start)
    # each start's last kept step far from a minimum
    kept_step = np.zeros((count, n_free)) if schedule.accelerate else None
    # Phase per start: IRLS curvature (1) while far from a minimum, exact Gauss-Newton (0) near it.
    irls = np.full(count, 0.0 if near else schedule.far_blend)
    waiting = np.flatnonzero(np.isfinite(objective))
    active, waiting = waiting[: window or count], waiting[window or count :]
    on_diagonal = np.arange(n_free)
    solve = solve_positive_definite if count >= BATCHED_SOLVE_STARTS else _solve_each
    changed = True  # the active set is new: take its weights and rows
    w: np.ndarray | None = None
    t: FitData | None = None
    # f, g and H of the active starts at their current points (None: evaluate afresh). A kept step's trial
    # point was evaluated with its Jacobian, so it starts the next iteration without another evaluation.
    current: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    iteration = -1
    while active.size:
        iteration += 1
        if merge and iteration % 5 == 4 and active.size > 1:
            active = _merge(z, objective, active, merged)
            current, changed = None, True
        if changed:
            w = None if weights is None else weights[active]
            t = None if rows is None else rows.subset(active)
            changed = False
        za = z[active]
        if current is None:
            f, g, h = problem.derivatives(za, w, irls[active], t)
        else:
            f, g, h = current
        # From here to the step the start is the last axis, (F, S) and (F, F, S): numpy's loops over the short
        # parameter axis cost more than the arithmetic.
        diagonal = np.maximum(h.diagonal(axis1=1, axis2=2).T, 0.0, order="C")
        # A direction with no curvature (e.g. a term that contributes nothing yet) gets a floor, so that the
        # step along it is a damped gradient step rather than a division by zero.
        scale = np.sqrt(np.maximum(diagonal, 1e-10 * np.max(diagonal, axis=0)) + 1e-300)
        scaled_g = np.divide(g.T, scale, order="C")
        # The projected gradient: components pushing against an active bound do not count.
        at_low = (za.T <= lower[:, None]) & (g.T > 0)
        at_high = (za.T >= upper[:, None]) & (g.T < 0)
        free_g = np.where(at_low | at_high, 0.0, scaled_g)
        # sqrt of the relative decrease a Newton step would bring: small at a stationary point.
        gradient[active] = np.max(np.abs(free_g), axis=0) / np.sqrt(np.maximum(f, 1e-300))
        la = lam[active]
        with np.errstate(all="ignore"):
            system = np.divide(np.moveaxis(h, 0, -1), scale[:, None, :] * scale[None, :, :], order="C")
            system[on_diagonal, on_diagonal] += la * (1.0 + np.abs(system[on_diagonal, on_diagonal]))
            step = (solve(system, -scaled_g) / scale).T
        step = np.where(np.isfinite(step), step, 0.0)
        far = irls[active] > 0
        if kept_step is not None:
            factor = _extrapolation(step, kept_step[active], scale, far)
            step = step * factor[:, None]
        candidate = np.clip(za + step, lower, upper)
        trial = problem.evaluate(candidate, w, t)
        f_new = trial.f
        better = f_new < f
        small_change = (f - f_new) <= ftol * np.abs(f)
        done = better & small_change & (gradient[active] <= gtol)
        stuck = ~better & (la >= LAMBDA_CEILING)
        z[active] = np.where(better[:, None], candidate, za)
        objective[active] = np.where(better, f_new, f)
        retry = np.maximum(la * 10.0, schedule.retry_lambda)
        if kept_step is None:
            lam[active] = np.where(better, np.maximum(la * 0.3, 1e-12), retry)
        else:
            lam[active] = np.where(better, np.maximum(la * 0.3, 1e-12), np.where(factor > 1.0, la, retry))
            kept_step[active] = np.where((better & far)[:, None], step / factor[:, None], 0.0)
        # Near a minimum (a kept step gained little) switch to the exact curvature for a Newton finish;
        # if the exact model then fails (lambda has grown), go back to IRLS.
        before = irls[active]
        phase = np.where(better & ((f - f_new) < SWITCH_GAIN * f), 0.0, before)
        phase = np.where(~better & (la >= SWITCH_BACK_LAMBDA), schedule.far_blend, phase)
        irls[active] = phase
        iterations[active] += 1
        stopped = done | stuck
        finished = stopped | (iterations[active] >= max_iter)
        # A start that cannot move any more is converged only if its gradient says it is stationary, or if it
        # fits the data exactly (log residuals ~1e-10): there the gradient relative to sqrt(f) is rounding noise.
        exact = objective[active] <= EXACT_OBJECTIVE * len(problem.data)
        converged[active[stopped]] = done[stopped] | (gradient[active[stopped]] <= STUCK_GTOL) | exact[stopped]
        # The next iteration's f, g, H: at the trial point where the step was kept; where it was not, the same
        # as now unless the curvature changed phase (then evaluated again at the unchanged point).
        g_new, h_new = problem.slopes(trial, w, phase)
        g = np.where(better[:, None], g_new, g)
        h = np.where(better[:, None, None], h_new, h)
        f = np.where(better, f_new, f)
        rephased = np.flatnonzero(~better & (phase != before) & ~finished)
        if rephased.size:
            _, g[rephased], h[rephased] = problem.derivatives(
                za[rephased],
                None if w is None else w[rephased],
                phase[rephased],
                None if t is None else t.subset(rephased),
            )
        keep = ~finished
        current = (f[keep], g[keep], h[keep])
        active = active[keep]
        changed = not keep.all()
        room = (window or count) - active.size
        # Starts join a quarter window at a time: each joining costs an evaluation and new subsets of the data.
        if waiting.size and (room >= JOIN_FRACTION * (window or count) or room >= waiting.size):
            joining, waiting = waiting[:room], waiting[room:]
            f_in, g_in, h_in = problem.derivatives(
                z[joining],
                None if weights is None else weights[joining],
                irls[joining],
                None if rows is None else rows.subset(joining),
            )
            current = tuple(  # type: ignore[assignment]  # three arrays, as above
                np.concatenate([now, new]) for now, new in zip(current, (f_in, g_in, h_in), strict=True)
            )
            active = np.concatenate([active, joining])
            changed = True
    # A merged start ends where the start it joined ended (a chain of merges ends at its last start).
    if merge:
        while True:
            onward = merged[merged]
            if np.array_equal(onward, merged):
                break
            merged = onward
        moved = np.flatnonzero(merged != np.arange(count))
        root = merged[moved]
        z[moved], objective[moved], gradient[moved] = z[root], objective[root], gradient[root]
        converged[moved], iterations[moved] = converged[root], iterations[root]
    return Solution(z, objective, gradient, iterations, converged, merged)


def _solve_each(system: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """:func:`scalecalc._numeric.solve_positive_definite`'s x through LAPACK, one system at a time (NaN for a
    singular one, which only non-finite input makes)."""
    try:
        return np.linalg.solve(np.moveaxis(system, -1, 0), rhs.T[..., None])[..., 0].T
    except np.linalg.LinAlgError:
        return np.full_like(rhs, np.nan)


def _extrapolation(step: np.ndarray, kept: np.ndarray, scale: np.ndarray, far: np.ndarray) -> np.ndarray:
    """Per start, the factor to lengthen ``step`` (S, F) by: where the start is far from its minimum and its last
    kept step ``kept`` pointed the same way (cosine above EXTRAPOLATE_COSINE in the scaled metric, ``scale``
    (F, S)) and was longer, the steps shrink by ``ratio`` each time and the rest of the way is about
    1 / (1 - ratio) of this step (at most EXTRAPOLATE_LIMIT); elsewhere 1."""
    with np.errstate(all="ignore"):  # a huge or zero step is no series: the comparisons below are then False
        now, before = step.T * scale, kept.T * scale
        length_now, length_before = np.sqrt(np.sum(now * now, axis=0)), np.sqrt(np.sum(before * before, axis=0))
        cosine = np.sum(now * before, axis=0) / (length_now * length_before)
        ratio = length_now / length_before
    series = far & (cosine > EXTRAPOLATE_COSINE) & (ratio > 0) & (ratio < EXTRAPOLATE_RATIO)
    return np.where(series, np.minimum(1.0 / (1.0 - np.where(series, ratio, 0.0)), EXTRAPOLATE_LIMIT), 1.0)


def batch_rows(problem: Problem, elements: int = BATCH_ELEMENTS) -> int:
    """How many starts one minimise() call takes so that starts x points x parameters stays within ``elements``."""
    return max(1, elements // max(1, len(problem.data) * problem.constraints.n_free))


def _merge(z: np.ndarray, objective: np.ndarray, active: np.ndarray, merged: np.ndarray) -> np.ndarray:
    """Keep one start per point (the lowest objective); the others are marked as merged into it."""
    order = active[np.argsort(objective[active], kind="stable")]
    keys = np.round(z[order] / (MERGE_TOL * (1.0 + np.abs(z[order]))))
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    inverse = np.asarray(inverse).ravel()
    survivors = order[first]
    merged[order] = survivors[inverse]
    return np.sort(survivors)


def distinct_points(z: np.ndarray, objective: np.ndarray, tol: float = 1e-4) -> list[int]:
    """Indices of distinct end points (best first): a point within ``tol`` relative of a better one is
    the same optimum reached again."""
    order = np.argsort(objective, kind="stable")
    order = order[np.isfinite(objective[order])]
    kept: list[int] = []
    points = np.empty((len(order), z.shape[1]))
    for s in order:
        if kept:
            reference = points[: len(kept)]
            if np.min(np.max(np.abs(z[s] - reference) / (1.0 + np.abs(reference)), axis=1)) <= tol:
                continue
        points[len(kept)] = z[s]
        kept.append(int(s))
    return kept
