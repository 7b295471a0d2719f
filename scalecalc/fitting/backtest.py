"""Backtests: fit on the smaller runs, score the prediction of the largest (``Holdout``), and the pieces that
rank several forms on the same data by held-out error (else AIC).

A scaling law is only as good as its extrapolation: the runs held out are the largest by compute for a
two-variable law (N and D) and by the law's own variable for a one-variable law.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from scalecalc.errors import FitError
from scalecalc.fitting.filters import select
from scalecalc.fitting.result import Backtest, FitResult, FormScore
from scalecalc.runs import Observations

if TYPE_CHECKING:
    from scalecalc.fitting.forms import Form
    from scalecalc.fitting.spec import FitSpec


@dataclass(frozen=True)
class Holdout:
    """Which runs a backtest holds out: the ``largest`` runs, or those above ``above``. Runs are ranked by
    compute for a two-variable law and by the law's variable for a one-variable law."""

    largest: int = 0
    above: float | None = None

    def __bool__(self) -> bool:
        return self.largest > 0 or self.above is not None


def ranking_size(observations: Observations, form: Form) -> tuple[str, np.ndarray]:
    """What ranks the runs for a hold-out: compute for a two-variable law, the law's variable otherwise."""
    if form.variable is None:
        return "flops", observations.compute_flops
    if observations.x is not None:
        return form.variable, observations.x
    return form.variable, {"params": observations.n_params, "tokens": observations.n_tokens}.get(
        form.variable, observations.compute_flops
    )


def split(observations: Observations, form: Form, holdout: Holdout) -> tuple[Observations, Observations]:
    if not holdout:
        return observations, observations
    name, size = ranking_size(observations, form)
    if holdout.largest < 0:
        raise FitError(f"is {holdout.largest}; give a count of runs such as 3", param="holdout_largest")
    if holdout.above is not None:
        held = size > holdout.above
    else:
        held = np.zeros(len(size), dtype=bool)
        held[np.argsort(size, kind="stable")[len(size) - holdout.largest :]] = True
    if not held.any():
        raise FitError(
            f"no run lies above {holdout.above:.4g} {name} (the largest is {np.max(size):.4g}); lower the threshold",
            param="holdout_above",
        )
    if held.all():
        raise FitError(
            f"holding out {int(held.sum())} runs leaves none of the {len(size)} to fit; hold out fewer",
            param="holdout_above" if holdout.above is not None else "holdout_largest",
        )
    return select(observations, ~held), select(observations, held)


def predict_held_out(result: FitResult, form: Form, observations: Observations) -> np.ndarray:
    law = result.law
    if form.variable is None:
        return np.asarray(law.loss(observations.n_params, observations.n_tokens), dtype=float)
    return np.asarray(law.value(ranking_size(observations, form)[1]), dtype=float)


def backtest(result: FitResult, form: Form, held: Observations, holdout: Holdout) -> Backtest:
    name, size = ranking_size(held, form)
    order = np.argsort(size, kind="stable")
    rule = (
        f"runs above {holdout.above:.4g} {name}"
        if holdout.above is not None
        else f"the {holdout.largest} largest by {name}"
    )
    return Backtest(
        rule=rule,
        x_name=name,
        fitted_points=result.n_points,
        x=tuple(float(v) for v in size[order]),
        actual=tuple(float(v) for v in held.loss[order]),
        predicted=tuple(float(v) for v in predict_held_out(result, form, held)[order]),
    )


def comparable_forms(observations: Observations, spec: FitSpec) -> tuple[str, ...]:
    """Loss forms the data allow: every form for runs with N and D; one-variable forms for a curve."""
    if observations.x is None and np.all(np.isfinite(observations.n_params) & np.isfinite(observations.n_tokens)):
        forms = ["chinchilla", "kaplan", "power", "broken"]
    else:
        forms = ["power", "broken"]
    if spec.form not in forms:
        forms.append(spec.form)
    return tuple(forms)


def rank_key(score: FormScore, holdout: Holdout) -> float:
    if holdout and score.held_out_rmse is not None:
        return score.held_out_rmse
    return score.aic
