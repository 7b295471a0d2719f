"""fit_law: the whole fit, from observations to a :class:`FitResult`.

1. Check the data can identify the law (enough points, more than one size per fitted exponent).
2. Seed: for a grid of exponents, solve for the scale constants by weighted non-negative least squares
   (the law is linear in them, see forms.py). The 25 exponent pairs of Hoffmann's grid are always kept;
   they stand in for all 4,500 of its starting points. The best few other grid points are added.
   ``grid="full"`` instead runs every one of Hoffmann's 4,500 points (Chinchilla form), all at once.
3. Minimise the summed penalty from all starts at once (optimize.py), merging starts that meet.
4. Report the best optimum, whether it converged, how many starts reached it, and warn about bounds and
   poorly identified parameters.
5. Optionally bootstrap (bootstrap.py): refit B resamples of the points, all at once, from the optimum.

The derived allocation and the bound and identification warnings live in diagnostics.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from scalecalc.defaults import TARGET_FACTOR
from scalecalc.errors import FitError
from scalecalc.fitting.backtest import Holdout, backtest, comparable_forms, rank_key, split
from scalecalc.fitting.bootstrap import bootstrap_fit, bootstrap_warnings, precision_notes
from scalecalc.fitting.diagnostics import (
    bound_warnings,
    constants_on_bounds,
    curve_quantities,
    derived_quantities,
    identification_warnings,
    public_constants,
    quality_reasons,
)
from scalecalc.fitting.forms import SEED_POINTS, FitData, Form, make_form
from scalecalc.fitting.objective import DEFAULT_DELTA, OBJECTIVES, Constraints, Penalty, build_constraints
from scalecalc.fitting.optimize import Problem, Solution, batch_rows, distinct_points, minimise
from scalecalc.fitting.result import Comparison, FitResult, FormScore, OptimizerReport
from scalecalc.runs import Observations
from scalecalc.units import require_seed

FORMS = ("chinchilla", "kaplan", "power", "broken", "sigmoid")
ONE_VARIABLE = ("power", "broken", "sigmoid")
SIZES = ("params", "tokens", "flops")
SATURATION_FRACTION = 0.01  # x_saturation: where one more 10x buys less than 1% of the loss
AT_X_FACTOR = 10.0  # the reducible loss left is reported at 10x the largest x in the data (set at_x)
GRIDS = ("projected", "full")
SEED_STARTS = 16  # projected-grid points, besides Hoffmann's 25 exponent pairs, that start the optimiser
STAGE_POINTS = 5000  # above this many points, starts first run on a subsample of this size
POLISH_STARTS = 4  # ... and this many distinct end points are refined on all points
SAME_OPTIMUM = 1e-9  # relative objective difference within which a start "reached the best"


@dataclass(frozen=True)
class FitSpec:
    """What to fit. ``fixed``, ``ties`` and ``bounds`` name the paper's symbols (E, A, alpha, ...)."""

    form: str = "chinchilla"
    variable: str | None = None  # params, tokens or flops for the one-variable forms
    breaks: int = 1
    objective: str = "huber"
    delta: float = DEFAULT_DELTA
    fixed: Mapping[str, float] = field(default_factory=dict)
    ties: tuple[tuple[str, str], ...] = ()
    bounds: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    grid: str = "projected"


@dataclass(frozen=True)
class CurveQuestions:
    """What to ask of a one-variable curve: the reducible loss left at ``at_x`` (default: 10x the largest x)
    and the size where one more 10x buys less than ``saturation`` of the loss."""

    at_x: float | None = None
    saturation: float = SATURATION_FRACTION


def fit_law(
    observations: Observations,
    spec: FitSpec | None = None,
    *,
    bootstrap: int = 0,
    seed: int = 0,
    level: float = 0.95,
    at_flops: float | None = None,
    compare_objectives: bool = False,
    filters: tuple[str, ...] = (),
    holdout: Holdout | None = None,
    compare_forms: bool = False,
    curve: CurveQuestions | None = None,
) -> FitResult:
    """Fit ``spec.form`` to ``observations``; see the module docstring for the steps. With a ``holdout`` the
    law is fitted without the largest runs and scored on them (``result.backtest``); ``compare_forms`` also fits
    every form the data allow and scores them alike (``result.form_scores``)."""
    spec = spec or FitSpec()
    if not 0 < level < 1:
        raise FitError(f"is {level}; give a fraction such as 0.95", param="level")
    if bootstrap < 0:
        raise FitError(f"is {bootstrap}; give a number of resamples such as 1000", param="bootstrap")
    require_seed(seed)
    holdout = holdout or Holdout()
    form = _make_form(spec)
    train, held = split(observations, form, holdout)
    result = _fit_law(train, spec, bootstrap, seed, level, at_flops, compare_objectives, filters, curve)
    if holdout:
        result = replace(result, backtest=backtest(result, form, held, holdout))
    if compare_forms:
        scores = tuple(_score_form(name, observations, spec, holdout) for name in comparable_forms(observations, spec))
        ranked = sorted(scores, key=lambda s: (bool(s.failure), rank_key(s, holdout)))
        result = replace(result, form_scores=tuple(ranked))
    return result


def _fit_law(
    observations: Observations,
    spec: FitSpec,
    bootstrap: int,
    seed: int,
    level: float,
    at_flops: float | None,
    compare_objectives: bool,
    filters: tuple[str, ...],
    curve: CurveQuestions | None,
) -> FitResult:
    form = _make_form(spec)
    data = _fit_data(observations, form)
    constraints = _constraints(form, spec)
    _check_identifiable(observations, data, form, constraints)
    penalty = Penalty(spec.objective, spec.delta)
    problem = Problem(form, constraints, data, penalty)
    z, report, _ = _solve(problem, spec.grid)
    theta = constraints.expand(z[None, :])[0]
    constants = public_constants(form, theta, spec.fixed)
    _check_shape(observations, data, form, constants)
    has_allocation = form.name in ("chinchilla", "kaplan")
    notes: list[str] = []
    if has_allocation and at_flops is None:
        at_flops = TARGET_FACTOR * float(np.max(observations.compute_flops))
        notes.append(
            f"derived quantities at {at_flops:.3g} FLOPs, {TARGET_FACTOR:g}x the largest budget in the data "
            "(set `at_flops`)"
        )
    curve = curve or CurveQuestions()
    x_range = (
        (float(np.exp(np.min(data.log_x))), float(np.exp(np.max(data.log_x)))) if data.log_x is not None else (0, 0)
    )
    at_x = curve.at_x if curve.at_x is not None else AT_X_FACTOR * x_range[1]
    if not 0 < curve.saturation < 1:
        raise FitError(f"is {curve.saturation}; give a fraction such as 0.01", param="saturation")
    if data.log_x is not None and not (np.isfinite(at_x) and at_x > 0):
        raise FitError(f"is {at_x}; give a positive size", param="at_x")

    def derive(values: Mapping[str, np.ndarray | float]) -> dict[str, np.ndarray]:
        found = derived_quantities(form.name, values, at_flops)
        if form.name in ("power", "broken"):
            found.update(curve_quantities(form, values, at_x, curve.saturation, x_range))
        return found

    derived = {k: float(v) for k, v in derive(constants).items()}
    if form.name in ("power", "broken"):
        notes.append(
            f"x_saturation: where one more 10x of {form.variable} buys less than {curve.saturation:.0%} lower loss; "
            f"reducible loss left (L - E) at {at_x:.3g} {form.variable}" + ("" if curve.at_x else " (set --at-x)")
        )
    residuals = problem.residuals(z[None, :])[0]
    log_loss = data.log_loss
    ss_total = float(np.sum((log_loss - np.mean(log_loss)) ** 2))
    r2 = 1 - float(np.sum(residuals**2)) / ss_total if ss_total > 0 else float("nan")
    warnings = bound_warnings(form, constraints, z)
    if not report.converged:
        warnings.append(
            f"the optimiser did not converge (scaled gradient {report.gradient:.2g} after {report.iterations} "
            "iterations); treat the constants with care"
        )
    warnings += identification_warnings(problem, z, form, constraints)
    summary = None
    if bootstrap:
        summary = bootstrap_fit(problem, z, form, spec.fixed, bootstrap, seed, level, derive)
        warnings += bootstrap_warnings(summary, constants)
        notes += precision_notes(summary, derived, at_flops)
    elif "params_opt" in derived:
        notes.append("run with `bootstrap` 1000 to see how precisely the data pin down the recommended size")
    comparisons: tuple[Comparison, ...] = ()
    if compare_objectives:
        comparisons = _compare(form, constraints, data, spec, at_flops)
        notes += _comparison_notes(comparisons)
    if "E" in spec.fixed and spec.fixed["E"] == 0:
        notes.append("no floor: E fixed at 0, so the law is a pure power law")
    result = FitResult(
        form=form.name,
        variable=form.variable,
        constants={k: float(v) for k, v in constants.items()},
        fixed=tuple(name for name in spec.fixed if name in constants),
        ties=tuple(spec.ties),
        objective={**penalty.describe(), "value": float(problem.objective(z[None, :])[0])},
        n_points=len(data),
        rmse=float(np.sqrt(np.mean(residuals**2))),
        r2=r2,
        ranges=_ranges(observations, form),
        derived=derived,
        at_flops=at_flops if has_allocation else None,
        optimizer=report,
        source=observations.source,
        columns=dict(observations.columns),
        derived_columns=tuple(observations.derived),
        filters=tuple(f for f in filters if f),
        bootstrap=summary,
        comparisons=comparisons,
        warnings=tuple(warnings),
        notes=tuple(notes),
        residuals=residuals,
        on_bounds=tuple(dict.fromkeys(symbol for symbol, _, _ in constants_on_bounds(form, constraints, z))),
        free_parameters=constraints.n_free,
    )
    return replace(result, quality_reasons=quality_reasons(result, observations))


def _ranges(observations: Observations, form: Form) -> dict[str, tuple[float, float]]:
    """The span of each size the data hold (a curve's file may hold one column only)."""
    columns = {"params": observations.n_params, "tokens": observations.n_tokens, "flops": observations.compute_flops}
    if observations.x is not None and form.variable is not None:
        columns[form.variable] = observations.x
    return {
        name: (float(np.min(values)), float(np.max(values)))
        for name, values in columns.items()
        if np.all(np.isfinite(values))
    }


def _check_shape(observations: Observations, data: FitData, form: Form, constants: Mapping[str, np.ndarray]) -> None:
    """A sigmoid needs a jump inside the data, a broken law its breaks inside the data: otherwise the data do
    not show what the form describes, and its midpoint or break is an extrapolation the fit cannot pin."""
    if form.name not in ("sigmoid", "broken") or data.log_x is None:
        return
    low, high = float(np.exp(np.min(data.log_x))), float(np.exp(np.max(data.log_x)))
    source, variable = observations.source, form.variable
    if form.name == "sigmoid":
        midpoint = float(constants["x0"])
        y = np.exp(data.log_loss)
        change = abs(float(constants["y_right"]) - float(constants["y_left"]))
        # Over the data a jump moves the curve at least from sigmoid(-1) to sigmoid(1) (k times the span of t
        # at least 2); a gentler sigmoid is a straight line, fitted with an arbitrarily large amplitude.
        across = float(constants["k"]) * float(np.ptp(form.axis(data)))  # type: ignore[attr-defined]
        if not low <= midpoint <= high or across < 2 or change < 0.5 * float(np.ptp(y)) or np.ptp(y) == 0:
            raise FitError(
                f"{source}: the data show no jump in {variable} {low:.4g} to {high:.4g} (the best sigmoid puts its "
                f"midpoint at {midpoint:.4g}); fit --form power, or add runs across the jump"
            )
        return
    for name, value in constants.items():
        if name.startswith("d") and name[1:].isdigit() and not low <= float(value) <= high:
            raise FitError(
                f"{source}: the fitted break {name} = {float(value):.4g} lies outside the data ({variable} {low:.4g} "
                f"to {high:.4g}), so the data show no break there; fit --form power or fewer --breaks"
            )


# -- backtests and form comparisons ---------------------------------------------------------------------
def _score_form(name: str, observations: Observations, spec: FitSpec, holdout: Holdout) -> FormScore:
    """Fit one form (the user's constraints apply to the user's form only) and score it."""
    variable = None if name in ("chinchilla", "kaplan") else (spec.variable or "flops")
    same = name == spec.form
    other = FitSpec(
        form=name,
        variable=variable,
        breaks=spec.breaks if same else 1,
        objective=spec.objective,
        delta=spec.delta,
        fixed=spec.fixed if same else {},
        ties=spec.ties if same else (),
        bounds=spec.bounds if same else {},
    )
    form = _make_form(other)
    try:
        train, held = split(observations, form, holdout)
        fitted = _fit_law(train, other, 0, 0, 0.95, None, False, (), None)
    except FitError as error:
        nan = float("nan")
        return FormScore(name, variable, 0, 0, nan, nan, nan, failure=str(error))
    n, k = fitted.n_points, fitted.free_parameters
    rss = float(np.sum(np.asarray(fitted.residuals) ** 2))
    base = n * np.log(max(rss, 1e-300) / n)
    test = backtest(fitted, form, held, holdout) if holdout else None
    return FormScore(
        form=name,
        variable=variable,
        free_parameters=k,
        points=n,
        rmse=fitted.rmse,
        aic=float(base + 2 * k),
        bic=float(base + k * np.log(n)),
        held_out_rmse=None if test is None else test.rmse,
        held_out_mean_abs_percent=None if test is None else test.mean_abs_percent,
        constants=dict(fitted.constants),
    )


# -- set-up ---------------------------------------------------------------------------------------------
def _make_form(spec: FitSpec) -> Form:
    if spec.form not in FORMS:
        raise FitError(f"unknown form {spec.form!r}; use one of {', '.join(FORMS)}", param="form")
    if spec.objective not in OBJECTIVES:
        raise FitError(f"unknown objective {spec.objective!r}; use one of {', '.join(OBJECTIVES)}", param="objective")
    if spec.grid not in GRIDS:
        raise FitError(f"unknown grid {spec.grid!r}; use one of {', '.join(GRIDS)}", param="grid")
    if spec.grid == "full" and spec.form != "chinchilla":
        raise FitError(
            "full: Hoffmann's grid belongs to the chinchilla form; other forms use the projected grid", param="grid"
        )
    one_variable = spec.form in ONE_VARIABLE
    if spec.variable is not None and not one_variable:
        raise FitError(
            f"the {spec.form} form uses both N and D; a variable applies to the power, broken or sigmoid form",
            param="variable",
        )
    if not 1 <= spec.breaks <= 4:
        raise FitError(f"is {spec.breaks}; give 1 to 4 breaks", param="breaks")
    return make_form(spec.form, spec.variable, spec.breaks)


def _fit_data(observations: Observations, form: Form) -> FitData:
    with np.errstate(divide="ignore", invalid="ignore"):
        log_n, log_d = np.log(observations.n_params), np.log(observations.n_tokens)
        log_c, log_loss = np.log(observations.compute_flops), np.log(observations.loss)
    if not np.all(np.isfinite(log_loss)):
        bad = int(np.flatnonzero(~np.isfinite(log_loss))[0])
        where = observations.locations[bad] if len(observations.locations) else f"row {bad + 1}"
        raise FitError(f"{where}: the loss must be a positive number to fit, not {observations.loss[bad]!r}")
    log_x = {"params": log_n, "tokens": log_d, "flops": log_c}.get(form.variable or "")
    if observations.x is not None:
        log_x = np.log(observations.x)
    elif form.variable is not None and form.variable not in SIZES:
        raise FitError(
            f"is {form.variable!r}; use params, tokens or flops, or read the column as a curve", param="variable"
        )
    if log_x is not None and not np.all(np.isfinite(log_x)):
        raise FitError(
            f"{observations.source}: the file holds no {form.variable} values; name the column with --x or "
            f"--{form.variable}-col"
        )
    return FitData(log_n, log_d, log_c, log_loss, log_x)


def _constraints(form: Form, spec: FitSpec) -> Constraints:
    symbols = form.symbols
    fixed: dict[str, float] = {}
    for name, value in spec.fixed.items():
        _check_symbol(form, name, "fixed")
        j = symbols.index(name)
        if not np.isfinite(value):
            raise FitError(f"{name}={value}: give a finite number", param="fixed")
        if form.log_scale[j] and value <= 0:
            if value == 0 and name == "E" and form.name in ("power", "broken"):
                fixed[form.internal[j]] = -np.inf  # log E = -inf: no floor
                continue
            raise FitError(f"{name}={value:g}: {name} must be greater than zero", param="fixed")
        internal, converted = form.to_internal(name, value)
        fixed[internal] = converted
    ties = []
    for first, second in spec.ties:
        for name in (first, second):
            _check_symbol(form, name, "ties")
        i, j = symbols.index(first), symbols.index(second)
        if form.log_scale[i] != form.log_scale[j]:
            raise FitError(f"{first}={second}: tie two exponents or two scale constants, not one of each", param="ties")
        ties.append((form.internal[i], form.internal[j]))
    lower, upper = list(form.lower), list(form.upper)
    for name, (low, high) in spec.bounds.items():
        _check_symbol(form, name, "bounds")
        j = symbols.index(name)
        if not low < high:
            raise FitError(f"{name}={low:g}:{high:g}: the lower bound must be below the upper bound", param="bounds")
        if form.log_scale[j]:
            if low < 0:
                raise FitError(
                    f"{name}={low:g}:{high:g}: {name} is positive; give bounds of zero or more", param="bounds"
                )
            with np.errstate(divide="ignore"):
                lower[j], upper[j] = float(np.log(low)), float(np.log(high))
        else:
            lower[j], upper[j] = low, high
    constraints = build_constraints(form.internal, lower, upper, fixed, ties)
    if constraints.n_free == 0:
        raise FitError(
            f"every constant of the {form.name} form is fixed, so there is nothing to fit; leave at least one free "
            "(or use `scalecalc predict` with a preset)",
            param="fixed",
        )
    return constraints


def _check_symbol(form: Form, name: str, param: str) -> None:
    if name not in form.symbols:
        raise FitError(
            f"{name!r} is not a constant of the {form.name} form; its constants: {', '.join(form.symbols)}",
            param=param,
        )


def _check_identifiable(observations: Observations, data: FitData, form: Form, constraints: Constraints) -> None:
    n = len(data)
    if n < constraints.n_free:
        raise FitError(
            f"{observations.source}: only {n} points for a {form.name} law with {constraints.n_free} free "
            "parameters; add runs, or fix or tie parameters (`fixed`, `ties`)"
        )
    free = {name for name, k in zip(form.internal, constraints.source, strict=True) if k >= 0}
    checks = {
        "chinchilla": [
            ("alpha", data.log_n, "model size", "parameters"),
            ("beta", data.log_d, "token count", "tokens"),
        ],
        "kaplan": [
            ("alpha_N", data.log_n, "model size", "parameters"),
            ("alpha_D", data.log_d, "token count", "tokens"),
        ],
    }.get(
        form.name,
        [
            (
                {"power": "alpha", "sigmoid": "k"}.get(form.name, "s0"),
                data.log_x,
                f"{form.variable} value",
                form.variable,
            )
        ],
    )
    for exponent, logs, what, unit in checks:
        if exponent in free and logs is not None and np.ptp(logs) < 1e-9:
            symbol = form.symbols[form.internal.index(exponent)]
            raise FitError(
                f"{observations.source}: all {n} points have the same {what} ({np.exp(logs[0]):.3g} {unit}), so the "
                f"exponent {symbol} cannot be identified; add runs at other sizes or fix it (`fixed` {symbol}=...)"
            )


# -- the optimum ----------------------------------------------------------------------------------------
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


def _solve(problem: Problem, grid: str) -> tuple[np.ndarray, OptimizerReport, Solution]:
    starts, label = _starts(problem, grid)
    if len(starts) == 0:
        raise FitError("no usable starting point: the fixed values or bounds leave no finite start")
    n = len(problem.data)
    if n > STAGE_POINTS:
        # Large data: every start runs on a seeded subsample; the best distinct end points are then polished
        # on all points. The cost stays linear in the number of points.
        index = np.sort(np.random.default_rng(0).choice(n, STAGE_POINTS, replace=False))
        coarse = Problem(problem.form, problem.constraints, problem.data.subset(index), problem.penalty)
        survey = _run(coarse, starts, merge=True)
        if not np.any(np.isfinite(survey.objective)):
            raise FitError("the optimiser found no finite objective from any start; check the data for outliers")
        keep = distinct_points(survey.z, survey.objective, tol=1e-3)[:POLISH_STARTS]
        solution = _run(problem, survey.z[keep], near=True)
        label += f"; run on {STAGE_POINTS:,} of the {n:,} points, the best {len(keep)} end points then refined on all"
    else:
        solution = survey = _run(problem, starts, merge=True)
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


def _run(problem: Problem, starts: np.ndarray, *, merge: bool = False, near: bool = False) -> Solution:
    """minimise() over ``starts`` in batches that keep starts x points x parameters in memory bounds."""
    batch = batch_rows(problem)
    parts = [minimise(problem, starts[i : i + batch], merge=merge, near=near) for i in range(0, len(starts), batch)]
    return Solution(*(np.concatenate([getattr(p, name) for p in parts]) for name in Solution.__dataclass_fields__))


# -- other objectives -------------------------------------------------------------------------------------
def _compare(
    form: Form, constraints: Constraints, data: FitData, spec: FitSpec, at_flops: float | None
) -> tuple[Comparison, ...]:
    results = []
    for name in OBJECTIVES:
        problem = Problem(form, constraints, data, Penalty(name, spec.delta))
        z, _, _ = _solve(problem, spec.grid)
        theta = constraints.expand(z[None, :])[0]
        constants = public_constants(form, theta, spec.fixed)
        derived = derived_quantities(form.name, constants, at_flops)
        results.append(
            Comparison(
                objective=name,
                constants={k: float(v) for k, v in constants.items()},
                derived={k: float(v) for k, v in derived.items()},
                objective_value=float(problem.objective(z[None, :])[0]),
            )
        )
    return tuple(results)


def _comparison_notes(comparisons: tuple[Comparison, ...]) -> list[str]:
    sizes = [c.derived["params_opt"] for c in comparisons if np.isfinite(c.derived.get("params_opt", np.nan))]
    if len(sizes) < 2:
        return []
    return [
        f"between objectives the compute-optimal size moves by a factor of {max(sizes) / min(sizes):.2f} "
        f"({min(sizes):.3g} to {max(sizes):.3g} parameters)"
    ]


__all__ = ["FORMS", "CurveQuestions", "FitSpec", "Holdout", "fit_law"]
