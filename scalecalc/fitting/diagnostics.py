"""What a fitted law implies, and how far to trust it.

Derived quantities: the compute-optimal allocation N_opt = k C^a (and D_opt, D/N) of a Chinchilla- or
Kaplan-form law at a budget. Diagnostics: constants that sit on a bound, and directions of the parameters that
the data leave unconstrained. Every function works on bootstrap draws (arrays of constants) as on one fit.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from scalecalc.fitting.forms import Form
from scalecalc.fitting.objective import Constraints
from scalecalc.fitting.optimize import Problem
from scalecalc.laws import FLOPS_PER_PARAM_TOKEN, ChinchillaLaw


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


def kaplan_allocation(constants: Mapping[str, np.ndarray | float]) -> tuple[np.ndarray, np.ndarray]:
    """(a, log k) of N_opt = k C^a for a Kaplan-form law (see :func:`derived_quantities`)."""
    a_n, a_d = np.asarray(constants["alpha_N"]), np.asarray(constants["alpha_D"])
    p = a_n / a_d
    log_k = (np.log(p) + p * np.log(constants["N_c"]) - np.log(FLOPS_PER_PARAM_TOKEN) - np.log(constants["D_c"])) / (
        p + 1
    )
    return 1 / (p + 1), log_k


# -- warnings -------------------------------------------------------------------------------------------
def bound_warnings(form: Form, constraints: Constraints, z: np.ndarray) -> list[str]:
    """One warning per free constant that ended on a bound of its box."""
    messages = []
    for j, k in enumerate(constraints.source):
        if k < 0:
            continue
        symbol = form.symbols[j]
        for bound, side in ((constraints.lower[k], "lower"), (constraints.upper[k], "upper")):
            if np.isfinite(bound) and abs(z[k] - bound) <= 1e-6 * (1 + abs(bound)):
                value = np.exp(bound) if form.log_scale[j] else bound
                messages.append(
                    f"{symbol} sits on its {side} bound {value:g}: the best fit may lie beyond it "
                    f"(change it with `bounds` {symbol}=LOW:HIGH, or the data may not constrain {symbol})"
                )
    return messages


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
