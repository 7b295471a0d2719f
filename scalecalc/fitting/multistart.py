"""The multi-start optimum: starting points from the variable-projection seeds (or Hoffmann's full grid), every
start minimised at once (optimize.py), and a report of how many starts reached the best optimum.

The 25 exponent pairs of Hoffmann's grid are always among the starts (Chinchilla form): they stand in for all
4,500 of its starting points. The best few other grid points are added. ``grid="full"`` instead runs every one of
Hoffmann's 4,500 points, all at once.
"""

from __future__ import annotations

import numpy as np

from scalecalc.errors import FitError
from scalecalc.fitting.forms import SEED_POINTS, Form
from scalecalc.fitting.optimize import Problem, Solution, batch_rows, distinct_points, minimise
from scalecalc.fitting.result import OptimizerReport

SEED_STARTS = 16  # projected-grid points, besides Hoffmann's 25 exponent pairs, that start the optimiser
STAGE_POINTS = 5000  # above this many points, starts first run on a subsample of this size
POLISH_STARTS = 4  # ... and this many distinct end points are refined on all points
SAME_OPTIMUM = 1e-9  # relative objective difference within which a start "reached the best"


def _starts(problem: Problem, grid: str) -> tuple[np.ndarray, str]:
    form, constraints, data = problem.form, problem.constraints, problem.data
    if grid == "full":
        starts = form.hoffmann_grid()  # type: ignore[attr-defined]
        return np.clip(constraints.reduce(starts), constraints.lower, constraints.upper), (
            f"Hoffmann's full grid: {len(starts)} starts"
        )
    seed_data = data
    if len(data) > SEED_POINTS:
        seed_data = data.subset(np.sort(np.random.default_rng(0).choice(len(data), SEED_POINTS, replace=False)))
    seeds, score = form.seeds(seed_data)
    anchors = _anchor_mask(form, seeds)
    order = np.argsort(np.where(anchors, np.inf, score), kind="stable")
    chosen = np.union1d(order[:SEED_STARTS], np.flatnonzero(anchors))
    z = np.clip(constraints.reduce(seeds[chosen]), constraints.lower, constraints.upper)
    z = z[np.all(np.isfinite(z), axis=1)]
    z = np.unique(np.round(z, 12), axis=0)
    label = f"projected grid: {len(seeds)} exponent settings solved for their scale constants; {len(z)} starts" + (
        " including Hoffmann's 25 exponent pairs (covering his 4,500-point grid)" if anchors.any() else ""
    )
    return z, label


def _anchor_mask(form: Form, seeds: np.ndarray) -> np.ndarray:
    if form.name != "chinchilla":
        return np.zeros(len(seeds), dtype=bool)
    hoffmann = np.array([0.0, 0.5, 1.0, 1.5, 2.0])
    return np.isin(np.round(seeds[:, 3], 9), hoffmann) & np.isin(np.round(seeds[:, 4], 9), hoffmann)


def solve(problem: Problem, grid: str) -> tuple[np.ndarray, OptimizerReport, Solution]:
    starts, label = _starts(problem, grid)
    if len(starts) == 0:
        raise FitError("no usable starting point: the fixed values or bounds leave no finite start")
    n = len(problem.data)
    if n > STAGE_POINTS:
        # Large data: every start runs on a seeded subsample; the best distinct end points are then polished
        # on all points. The cost stays linear in the number of points.
        index = np.sort(np.random.default_rng(0).choice(n, STAGE_POINTS, replace=False))
        coarse = Problem(problem.form, problem.constraints, problem.data.subset(index), problem.penalty)
        survey = run_in_batches(coarse, starts, merge=True)
        if not np.any(np.isfinite(survey.objective)):
            raise FitError("the optimiser found no finite objective from any start; check the data for outliers")
        keep = distinct_points(survey.z, survey.objective, tol=1e-3)[:POLISH_STARTS]
        solution = run_in_batches(problem, survey.z[keep], near=True)
        label += f"; run on {STAGE_POINTS:,} of the {n:,} points, the best {len(keep)} end points then refined on all"
    else:
        solution = survey = run_in_batches(problem, starts, merge=True)
    objective = solution.objective
    if not np.any(np.isfinite(objective)):
        raise FitError("the optimiser found no finite objective from any start; check the data for outliers")
    best = int(np.argmin(objective))
    distinct = distinct_points(survey.z, survey.objective)
    survey_best = float(np.min(survey.objective))
    at_best = int(np.sum(survey.objective <= survey_best * (1 + SAME_OPTIMUM) + 1e-300))
    second = next(
        (float(survey.objective[k]) for k in distinct[1:] if survey.objective[k] > survey_best * (1 + SAME_OPTIMUM)),
        None,
    )
    report = OptimizerReport(
        method=label + "; batched Levenberg-Marquardt with analytic gradients",
        starts=len(starts),
        distinct_optima=len(distinct),
        starts_at_best=at_best,
        iterations=int(np.max(solution.iterations)),
        converged=bool(solution.converged[best]),
        gradient=float(solution.gradient[best]),
        second_best_objective=second,
    )
    return solution.z[best].copy(), report, solution


def run_in_batches(problem: Problem, starts: np.ndarray, *, merge: bool = False, near: bool = False) -> Solution:
    """minimise() over ``starts`` in batches that keep starts x points x parameters in memory bounds."""
    batch = batch_rows(problem)
    parts = [minimise(problem, starts[i : i + batch], merge=merge, near=near) for i in range(0, len(starts), batch)]
    return Solution(*(np.concatenate([getattr(p, name) for p in parts]) for name in Solution.__dataclass_fields__))
