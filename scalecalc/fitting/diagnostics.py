"""What a fitted law implies, and how far to trust it.

Derived quantities: the compute-optimal allocation N_opt = k C^a (and D_opt, D/N) of a Chinchilla- or
Kaplan-form law at a budget. Diagnostics: constants that sit on a bound, and directions of the parameters that
the data leave unconstrained. Every function works on bootstrap draws (arrays of constants) as on one fit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from scalecalc._numeric import bisect
from scalecalc.fitting.forms import Form
from scalecalc.fitting.objective import Constraints
from scalecalc.fitting.optimize import Problem
from scalecalc.laws import FLOPS_PER_PARAM_TOKEN, ChinchillaLaw

if TYPE_CHECKING:
    from scalecalc.fitting.result import FitResult
    from scalecalc.runs import Observations

# The quality gate (issue 12). R^2 of log loss: the shipped real data sets (Epoch's Chinchilla points, Llama 3
# isoFLOPs, the misfitting runs) fit with 0.95 to 0.996 in every form; random or rising losses give 0 or less.
MIN_R2 = 0.8
# Tokens per parameter of a sane compute-optimal run: an order of magnitude beyond the published extremes on
# each side. Kaplan et al. 2020's own allocation (N_opt = 1.3e9 (C / PF-day)^0.73, Sec. 6.1) gives 0.1 at
# 1e24 FLOPs and 0.014 at 1e26; the most over-trained open models (Llama 3 8B: 15T tokens) reach ~1,900.
TOKENS_PER_PARAM_RANGE = (1e-2, 1e4)


def public_constants(form: Form, theta: np.ndarray, fixed: Mapping[str, float]) -> dict[str, np.ndarray]:
    """The paper's constants of internal parameters ``theta``; a floor fixed at E = 0 is no constant at all."""
    constants = form.public(theta)
    if fixed.get("E") == 0 and "E" in constants:
        del constants["E"]
    return constants


# -- derived quantities ---------------------------------------------------------------------------------
def derived_quantities(
    form: str, constants: Mapping[str, np.ndarray | float], at_flops: float | None
) -> dict[str, np.ndarray]:
    """Allocation exponents a (N_opt ~ C^a) and b, and the compute-optimal N and D at ``at_flops``.

    Chinchilla: a = beta / (alpha + beta) (Hoffmann et al. 2022, Eq. 4). Kaplan's L(N, D) under C = 6ND:
    minimising (N_c/N)^p + 6 D_c N / C with p = alpha_N / alpha_D gives N_opt = k C^a with
    a = 1 / (p + 1) = alpha_D / (alpha_N + alpha_D) and k = (p N_c^p / (6 D_c))^(1/(p+1)).
    """
    with np.errstate(all="ignore"):  # an exponent at its bound 0 has no finite allocation: NaN, not a warning
        values = _derived(form, constants, at_flops)
    return {k: np.where(np.isfinite(v), v, np.nan) for k, v in values.items()}


def _derived(form: str, constants: Mapping[str, np.ndarray | float], at_flops: float | None) -> dict[str, np.ndarray]:
    if form == "chinchilla":
        law = ChinchillaLaw.from_constants(constants)
        values = {"a": law.params_exponent, "b": law.tokens_exponent}
        if at_flops is not None:
            n_opt, d_opt = law.allocate(at_flops)
            values.update(params_opt=n_opt, tokens_opt=d_opt, tokens_per_param=d_opt / n_opt)
        return {k: np.asarray(v, dtype=float) for k, v in values.items()}
    if form == "kaplan":
        exponent, log_k = kaplan_allocation(constants)
        values = {"a": exponent, "b": 1 - exponent}
        if at_flops is not None:
            n_opt = np.exp(log_k + exponent * np.log(at_flops))
            d_opt = at_flops / (FLOPS_PER_PARAM_TOKEN * n_opt)
            values.update(params_opt=n_opt, tokens_opt=d_opt, tokens_per_param=d_opt / n_opt)
        return {k: np.asarray(v, dtype=float) for k, v in values.items()}
    return {}


def curve_quantities(
    form: Form, constants: Mapping[str, np.ndarray | float], at_x: float, fraction: float, x_range: tuple[float, float]
) -> dict[str, np.ndarray]:
    """Where a one-variable loss curve (power, broken) flattens, and what is left to gain at ``at_x``.

    ``x_saturation``: the smallest x at which one more 10x buys less than ``fraction`` of the loss,
    1 - L(10x) / L(x) < fraction. (Measured against the remaining *reducible* loss L - E the gain of a 10x is
    1 - 10^-alpha at every size of a power law: scale-free, it has no threshold. Against the loss itself it
    falls to zero as L approaches its floor E, which is the flattening a user sees.) NaN where the curve never
    flattens so far (no floor: E = 0) within 1e20 times the data, or where every size is already past it.
    ``loss_at_x``, ``reducible_at_x`` = L(at_x) - E and ``reducible_share_at_x`` = (L - E) / L at ``at_x``.
    Works on arrays of constants (bootstrap draws).
    """
    if form.name not in ("power", "broken"):
        return {}
    law = form.law(dict(constants))
    floor = np.asarray(constants.get("E", 0.0), dtype=float)
    loss_at = np.asarray(law.value(at_x), dtype=float)

    def gain(log_x: np.ndarray) -> np.ndarray:
        x = np.exp(log_x)
        return 1 - law.value(10 * x) / law.value(x)

    shape = np.broadcast(loss_at, floor).shape
    low = np.full(shape, np.log(x_range[0]) - 23.0)  # 1e-10 times the smallest size ...
    high = np.full(shape, np.log(x_range[1]) + 46.0)  # ... to 1e20 times the largest
    with np.errstate(all="ignore"):
        flattens = (gain(high) < fraction) & ~(gain(low) < fraction)
        _, past = bisect(lambda u: gain(u) < fraction, low, high)
        return {
            "x_saturation": np.where(flattens, np.exp(past), np.nan),
            "loss_at_x": loss_at,
            "reducible_at_x": loss_at - floor,
            "reducible_share_at_x": (loss_at - floor) / loss_at,
        }


def kaplan_allocation(constants: Mapping[str, np.ndarray | float]) -> tuple[np.ndarray, np.ndarray]:
    """(a, log k) of N_opt = k C^a for a Kaplan-form law (see :func:`derived_quantities`)."""
    a_n, a_d = np.asarray(constants["alpha_N"]), np.asarray(constants["alpha_D"])
    p = a_n / a_d
    log_k = (np.log(p) + p * np.log(constants["N_c"]) - np.log(FLOPS_PER_PARAM_TOKEN) - np.log(constants["D_c"])) / (
        p + 1
    )
    return 1 / (p + 1), log_k


# -- quality ---------------------------------------------------------------------------------------------
def quality_reasons(result: FitResult, observations: Observations) -> tuple[str, ...]:
    """Why the fit does not look like a scaling law (empty when it does); any form, from its result alone.

    Poor when: loss does not fall with compute (or with the variable of a one-variable form) across the runs
    (the least-squares slope of log loss on log x is not negative); R^2 of log loss is below ``MIN_R2``; a
    constant ended on a bound; the optimiser did not converge; the implied compute-optimal run has no finite
    size or a tokens-per-parameter ratio outside ``TOKENS_PER_PARAM_RANGE``.
    """
    reasons = []
    if observations.x is not None:  # a curve read against one column, which may be any column
        x, name = observations.x, str(result.variable)
    else:
        x = {"params": observations.n_params, "tokens": observations.n_tokens}.get(
            result.variable or "", observations.compute_flops
        )
        name = {"params": "model size", "tokens": "tokens"}.get(result.variable or "", "compute")
    with np.errstate(all="ignore"):
        log_x, log_loss = np.log(x), np.log(observations.loss)
    usable = np.isfinite(log_x) & np.isfinite(log_loss)
    # a sigmoid describes a metric that may rise (accuracy) or fall: its direction is no sign of poor data
    if result.form != "sigmoid" and np.unique(log_x[usable]).size > 1:
        slope = np.polyfit(log_x[usable], log_loss[usable], 1)[0]
        if slope >= 0:
            reasons.append(f"loss does not fall with {name} (log-log slope {slope:+.2g})")
    if not result.r2 >= MIN_R2:  # NaN too
        reasons.append(f"R^2 of log loss {result.r2:.2f} is below {MIN_R2}")
    if result.on_bounds:
        reasons.append(f"{', '.join(result.on_bounds)} ended on a bound")
    if not result.optimizer.converged:
        reasons.append("the optimiser did not converge")
    if "tokens_per_param" in result.derived:
        ratio = result.derived["tokens_per_param"]
        low, high = TOKENS_PER_PARAM_RANGE
        if not np.isfinite(ratio) or not np.isfinite(result.derived.get("params_opt", ratio)):
            reasons.append("the law implies no finite compute-optimal run")
        elif not low <= ratio <= high:
            reasons.append(f"the implied optimum has {ratio:.3g} tokens per parameter, outside [{low:g}, {high:g}]")
    return tuple(reasons)


# -- warnings -------------------------------------------------------------------------------------------
def constants_on_bounds(form: Form, constraints: Constraints, z: np.ndarray) -> list[tuple[str, str, float]]:
    """(symbol, lower|upper, bound on the paper's scale) of each free constant that ended on a bound."""
    found = []
    for j, k in enumerate(constraints.source):
        if k < 0:
            continue
        for bound, side in ((constraints.lower[k], "lower"), (constraints.upper[k], "upper")):
            if np.isfinite(bound) and abs(z[k] - bound) <= 1e-6 * (1 + abs(bound)):
                found.append((form.symbols[j], side, float(np.exp(bound) if form.log_scale[j] else bound)))
    return found


def bound_warnings(form: Form, constraints: Constraints, z: np.ndarray) -> list[str]:
    """One warning per free constant that ended on a bound of its box."""
    return [
        f"{symbol} sits on its {side} bound {value:g}: the best fit may lie beyond it "
        f"(change it with `bounds` {symbol}=LOW:HIGH, or the data may not constrain {symbol})"
        for symbol, side, value in constants_on_bounds(form, constraints, z)
    ]


def identification_warnings(problem: Problem, z: np.ndarray, form: Form, constraints: Constraints) -> list[str]:
    """Warn when the curvature of the objective leaves a direction of the parameters unconstrained: the
    IRLS curvature matrix, scaled to unit diagonal, has an eigenvalue below 1e-12 (a correlation of
    parameters beyond 0.999999)."""
    _, _, h = problem.derivatives(z[None, :], None, np.ones(1))
    h = h[0]
    d = np.sqrt(np.maximum(np.diag(h), 0))
    names = [form.symbols[form.internal.index(n)] for n in _free_names(form, constraints)]
    if np.any(d <= 0):
        flat = [names[i] for i in np.flatnonzero(d <= 0)]
        return [
            f"the data do not constrain {', '.join(flat)} at all (the objective is flat along it); fix it with `fixed`"
        ]
    scaled = h / np.outer(d, d)
    values, vectors = np.linalg.eigh(scaled)
    if values[0] > 1e-12 * values[-1]:
        return []
    involved = [names[i] for i in np.argsort(-np.abs(vectors[:, 0]))[:2]]
    return [
        f"parameters {' and '.join(involved)} are poorly identified: the data barely distinguish trading one "
        "against the other; consider `fixed` or `ties`, or more varied runs"
    ]


def _free_names(form: Form, constraints: Constraints) -> list[str]:
    names = [""] * constraints.n_free
    for name, k in zip(form.internal, constraints.source, strict=True):
        if k >= 0 and not names[k]:
            names[k] = name
    return names
