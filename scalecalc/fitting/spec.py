"""What to fit, and the fit's problem built from it: the form, the logs of the data, the constraints, and the
checks that the data can identify what is left free. Every refusal names the option (``param=``) it is about.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from scalecalc.errors import FitError
from scalecalc.fitting.forms import FitData, Form, make_form
from scalecalc.fitting.objective import DEFAULT_DELTA, OBJECTIVES, Constraints, build_constraints
from scalecalc.runs import Observations

FORMS = ("chinchilla", "kaplan", "power", "broken", "sigmoid")
ONE_VARIABLE = ("power", "broken", "sigmoid")
SIZES = ("params", "tokens", "flops")
GRIDS = ("projected", "full")
SATURATION_FRACTION = 0.01  # x_saturation: where one more 10x buys less than 1% of the loss


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


def form_for(spec: FitSpec) -> Form:
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


def fit_data(observations: Observations, form: Form) -> FitData:
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
    return FitData(log_n, log_d, log_loss, log_x)


def constraints_for(form: Form, spec: FitSpec) -> Constraints:
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


def check_identifiable(observations: Observations, data: FitData, form: Form, constraints: Constraints) -> None:
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
