"""Fitting scaling laws to runs: ``fit_law(observations, FitSpec(...)) -> FitResult``.

Modules: forms (the laws in log space, analytic Jacobians, variable-projection seeds), objective (Huber and
other penalties, constraints), optimize (batched Levenberg-Marquardt over all starts at once), spec (what to fit and
the problem built from it, with its checks), multistart (seeds and the multi-start optimum), engine (fit_law:
the whole fit), backtest (held-out runs and form comparison), bootstrap (resampled refits, their intervals and
warnings), diagnostics (the derived allocation, bound and identification warnings), batch (many data sets of
the Chinchilla form in one minimiser call, for simulated studies), filters (best run per (N, D), drop worst,
compute range), result (the frozen result and its JSON document).
"""

from scalecalc.fitting.backtest import Holdout
from scalecalc.fitting.diagnostics import derived_quantities, kaplan_allocation
from scalecalc.fitting.engine import fit_law
from scalecalc.fitting.filters import best_per_group, compute_range, drop_highest
from scalecalc.fitting.objective import DEFAULT_DELTA, OBJECTIVES
from scalecalc.fitting.result import Backtest, BootstrapSummary, Comparison, FitResult, FormScore, OptimizerReport
from scalecalc.fitting.spec import FORMS, CurveQuestions, FitSpec

__all__ = [
    "DEFAULT_DELTA",
    "FORMS",
    "OBJECTIVES",
    "Backtest",
    "BootstrapSummary",
    "Comparison",
    "CurveQuestions",
    "FitResult",
    "FitSpec",
    "FormScore",
    "Holdout",
    "OptimizerReport",
    "best_per_group",
    "compute_range",
    "derived_quantities",
    "drop_highest",
    "fit_law",
    "kaplan_allocation",
]
