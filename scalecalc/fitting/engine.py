"""fit_law: the whole fit, from observations to a :class:`FitResult`.

1. Build the problem from the spec and check the data can identify the law (spec.py: enough points, more than
   one size per fitted exponent).
2. Seed and minimise from all starts at once (multistart.py): variable-projection seeds, whose 25 Hoffmann
   exponent pairs stand in for his 4,500-point grid, minimised together (optimize.py), merging starts that meet.
3. Report the best optimum, whether it converged, how many starts reached it, and warn about bounds and
   poorly identified parameters (diagnostics.py, with the derived allocation).
4. Optionally bootstrap (bootstrap.py): refit B resamples of the points, all at once, from the optimum.
5. Optionally hold out the largest runs and score the law on them, and compare forms (backtest.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from scalecalc.defaults import MAX_BOOTSTRAP, TARGET_FACTOR
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
from scalecalc.fitting.forms import FitData, Form
from scalecalc.fitting.multistart import solve
from scalecalc.fitting.objective import OBJECTIVES, Constraints, Penalty
from scalecalc.fitting.optimize import Problem
from scalecalc.fitting.result import Comparison, FitResult, FormScore
from scalecalc.fitting.spec import (
    CurveQuestions,
    FitSpec,
    check_identifiable,
    constraints_for,
    fit_data,
    form_for,
)
from scalecalc.runs import Observations
from scalecalc.units import require_seed

AT_X_FACTOR = 10.0  # the reducible loss left is reported at 10x the largest x in the data (set at_x)


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
    if not 0 <= bootstrap <= MAX_BOOTSTRAP:
        raise FitError(
            f"is {bootstrap}; give a number of resamples such as 1000 (at most {MAX_BOOTSTRAP})", param="bootstrap"
        )
    require_seed(seed)
    holdout = holdout or Holdout()
    form = form_for(spec)
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
    form = form_for(spec)
    data = fit_data(observations, form)
    constraints = constraints_for(form, spec)
    check_identifiable(observations, data, form, constraints)
    penalty = Penalty(spec.objective, spec.delta)
    problem = Problem(form, constraints, data, penalty)
    z, report, _ = solve(problem, spec.grid)
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
    form = form_for(other)
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


# -- other objectives -------------------------------------------------------------------------------------
def _compare(
    form: Form, constraints: Constraints, data: FitData, spec: FitSpec, at_flops: float | None
) -> tuple[Comparison, ...]:
    results = []
    for name in OBJECTIVES:
        problem = Problem(form, constraints, data, Penalty(name, spec.delta))
        z, _, _ = solve(problem, spec.grid)
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
