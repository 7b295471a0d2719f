"""The results of a fit: frozen dataclasses with a stable ``to_dict()`` (the ``--format json`` document).

The document's keys are documented in README.md ("Fitting a law to your runs"); ``schema_version`` changes if a
key changes meaning.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

RESULT_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class BootstrapSummary:
    """Seeded bootstrap over the points: per-draw constants and derived quantities, their standard errors
    and percentile intervals at ``level``."""

    resamples: int
    seed: int
    level: float
    converged_fraction: float
    draws: Mapping[str, np.ndarray]  # constants and derived quantities, one value per resample
    standard_errors: Mapping[str, float]
    low: Mapping[str, float]
    high: Mapping[str, float]

    def to_dict(self, include_draws: bool = False) -> dict[str, Any]:
        document: dict[str, Any] = {
            "resamples": self.resamples,
            "seed": self.seed,
            "level": self.level,
            "converged_fraction": self.converged_fraction,
        }
        if include_draws:
            document["draws"] = {k: np.asarray(v).tolist() for k, v in self.draws.items()}
        return document


@dataclass(frozen=True)
class OptimizerReport:
    """How the optimum was found: starts run, distinct end points, how many starts reached the best."""

    method: str
    starts: int
    distinct_optima: int
    starts_at_best: int
    iterations: int
    converged: bool
    gradient: float
    second_best_objective: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "starts": self.starts,
            "distinct_optima": self.distinct_optima,
            "starts_at_best": self.starts_at_best,
            "iterations": self.iterations,
            "converged": self.converged,
            "gradient": self.gradient,
            "second_best_objective": self.second_best_objective,
        }


@dataclass(frozen=True)
class Comparison:
    """The same fit under another objective (``--compare-objectives``)."""

    objective: str
    constants: Mapping[str, float]
    derived: Mapping[str, float]
    objective_value: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "objective": self.objective,
            "objective_value": self.objective_value,
            "constants": dict(self.constants),
            "derived": dict(self.derived),
        }


@dataclass(frozen=True)
class Backtest:
    """The fit made without the largest runs, scored on them (``--holdout-largest``, ``--holdout-above``).

    ``x`` is the size that ranked the runs (compute for a two-variable law, the law's variable otherwise);
    errors are in log loss (rmse) and in percent of the actual value.
    """

    rule: str
    x_name: str
    fitted_points: int
    x: tuple[float, ...]
    actual: tuple[float, ...]
    predicted: tuple[float, ...]

    @property
    def percent_errors(self) -> np.ndarray:
        return 100 * (np.asarray(self.predicted) / np.asarray(self.actual) - 1)

    @property
    def rmse(self) -> float:
        return float(np.sqrt(np.mean(np.log(np.asarray(self.predicted) / np.asarray(self.actual)) ** 2)))

    @property
    def mean_abs_percent(self) -> float:
        return float(np.mean(np.abs(self.percent_errors)))

    @property
    def max_abs_percent(self) -> float:
        return float(np.max(np.abs(self.percent_errors)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "x_name": self.x_name,
            "fitted_points": self.fitted_points,
            "held_out_points": len(self.x),
            "rmse": self.rmse,
            "mean_abs_percent": self.mean_abs_percent,
            "max_abs_percent": self.max_abs_percent,
            "points": [
                {"x": x, "actual": a, "predicted": p, "percent_error": float(e)}
                for x, a, p, e in zip(self.x, self.actual, self.predicted, self.percent_errors, strict=True)
            ],
        }


@dataclass(frozen=True)
class FormScore:
    """One form fitted to the same data (``--compare-forms``): fit quality, information criteria and, with a
    hold-out, the error on the held-out runs. AIC = n ln(RSS/n) + 2k and BIC = n ln(RSS/n) + k ln n, with RSS
    the sum of squared log-loss residuals of the n fitted points and k the free parameters (Gaussian errors)."""

    form: str
    variable: str | None
    free_parameters: int
    points: int
    rmse: float
    aic: float
    bic: float
    held_out_rmse: float | None = None
    held_out_mean_abs_percent: float | None = None
    constants: Mapping[str, float] = field(default_factory=dict)
    failure: str = ""  # why the form could not be fitted (then every number is NaN)

    def to_dict(self) -> dict[str, Any]:
        return {
            "form": self.form,
            "variable": self.variable,
            "free_parameters": self.free_parameters,
            "points": self.points,
            "rmse": self.rmse,
            "aic": self.aic,
            "bic": self.bic,
            "held_out_rmse": self.held_out_rmse,
            "held_out_mean_abs_percent": self.held_out_mean_abs_percent,
            "constants": dict(self.constants),
            "failure": self.failure,
        }


@dataclass(frozen=True)
class FitResult:
    """A fitted law: constants on the paper's scale, fit statistics, uncertainty and provenance."""

    form: str
    variable: str | None
    constants: Mapping[str, float]
    fixed: tuple[str, ...]
    ties: tuple[tuple[str, str], ...]
    objective: Mapping[str, Any]  # {"name", "delta" | "tau", "value"}
    n_points: int
    rmse: float
    r2: float
    ranges: Mapping[str, tuple[float, float]]
    derived: Mapping[str, float]  # a, b, params_opt, tokens_opt (where the form has them)
    at_flops: float | None
    optimizer: OptimizerReport
    source: str = ""
    columns: Mapping[str, str] = field(default_factory=dict)
    derived_columns: tuple[str, ...] = ()
    filters: tuple[str, ...] = ()
    bootstrap: BootstrapSummary | None = None
    comparisons: tuple[Comparison, ...] = ()
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    residuals: np.ndarray | None = field(default=None, compare=False)
    on_bounds: tuple[str, ...] = ()  # constants that ended on a bound of the fit
    quality_reasons: tuple[str, ...] = ()  # why the data do not look like a scaling law (diagnostics.py)
    free_parameters: int = 0
    backtest: Backtest | None = None
    form_scores: tuple[FormScore, ...] = ()

    @property
    def quality(self) -> str:
        """good, or poor when there are ``quality_reasons`` (then the allocation is no recommendation)."""
        return "poor" if self.quality_reasons else "good"

    @property
    def law(self):
        """The fitted law (a one-variable law evaluates ``law.value(x)``)."""
        from scalecalc.fitting.forms import make_form

        breaks = sum(1 for key in self.constants if key.startswith("d") and key[1:].isdigit())
        form = make_form(self.form, self.variable, max(breaks, 1))
        return form.law(dict(self.constants))

    def interval(self, name: str) -> tuple[float, float, float] | None:
        """(standard error, low, high) of a constant or derived quantity, when bootstrapped."""
        if self.bootstrap is None or name not in self.bootstrap.standard_errors:
            return None
        b = self.bootstrap
        return b.standard_errors[name], b.low[name], b.high[name]

    def to_dict(self) -> dict[str, Any]:
        def entry(name: str, value: float) -> dict[str, Any]:
            spread = self.interval(name)
            return {
                "value": value,
                "se": None if spread is None else spread[0],
                "low": None if spread is None else spread[1],
                "high": None if spread is None else spread[2],
                **({"fixed": name in self.fixed} if name in self.constants else {}),
            }

        return {
            "schema_version": RESULT_SCHEMA_VERSION,
            "form": self.form,
            "variable": self.variable,
            "source": self.source,
            "columns": dict(self.columns),
            "derived_columns": list(self.derived_columns),
            "filters": list(self.filters),
            "n_points": self.n_points,
            "objective": dict(self.objective),
            "rmse": self.rmse,
            "r2": self.r2,
            "ranges": {k: list(v) for k, v in self.ranges.items()},
            "parameters": {name: entry(name, value) for name, value in self.constants.items()},
            "ties": [list(t) for t in self.ties],
            "at_flops": self.at_flops,
            "derived": {name: entry(name, value) for name, value in self.derived.items()},
            "optimizer": self.optimizer.to_dict(),
            "bootstrap": None if self.bootstrap is None else self.bootstrap.to_dict(),
            "comparisons": [c.to_dict() for c in self.comparisons],
            "quality": self.quality,
            "quality_reasons": list(self.quality_reasons),
            "backtest": None if self.backtest is None else self.backtest.to_dict(),
            "form_comparison": [score.to_dict() for score in self.form_scores],
            "warnings": list(self.warnings),
            "notes": list(self.notes),
        }
