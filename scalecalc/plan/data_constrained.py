"""Data-constrained planning: a budget, or a target loss, when only U unique tokens exist.

Muennighoff et al. 2023, "Scaling Data-Constrained Language Models", arXiv 2305.16264, Eq. 5 and App. A (the
datablations README restates the code), for any preset whose loss law has the Chinchilla form
L(N, D) = E + A/N^alpha + B/D^beta. With U unique tokens seen for D total tokens, the repeated tokens are worth
less and less:
    R_D = max(D/U - 1, 0)                                 (epochs beyond the first)
    D'  = U_D + U_D R_D* (1 - exp(-R_D / R_D*)),          U_D = min(D, U)
and parameters beyond those that U unique tokens can use compute-optimally are worth less likewise:
    U_N = min(N, N_opt(U)),  N_opt(D) = G (D G)^(beta/alpha)   (the law's own frontier, D -> N)
    R_N = max(N/U_N - 1, 0),  N' = U_N + U_N R_N* (1 - exp(-R_N / R_N*))
and the loss is L(N', D'). D' saturates at U (1 + R_D*) (about 16x U with R_D* = 15.4) and N' at
U_N (1 + R_N*), so a loss below E + A/(U_N (1 + R_N*))^alpha + B/(U (1 + R_D*))^beta is out of reach.

The optima are one-variable searches in log N: a coarse grid, then golden-section refinement (:func:`_minimise`).
Requests no allocation can meet raise :class:`~scalecalc.errors.InfeasiblePlanError` saying what would be feasible.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from scalecalc._numeric import bisect
from scalecalc.errors import InfeasiblePlanError
from scalecalc.laws import FLOPS_PER_PARAM_TOKEN, ChinchillaLaw
from scalecalc.laws.base import Array, as_array
from scalecalc.plan.frontier import (
    Plan,
    check_loss_above_floor,
    chinchilla_law,
    extrapolation_warnings,
    guarded,
    run_columns,
)
from scalecalc.presets import Preset

# Muennighoff et al. 2023, Eq. 5 fit as printed by the datablations README ("Parametric Fit"); the paper rounds
# them to R_D* = 15.4 and R_N* = 5.3. Used when neither the preset nor the caller gives decay constants.
MUENNIGHOFF_R_D_STAR = 15.387756
MUENNIGHOFF_R_N_STAR = 5.309743

_GRID_POINTS = 97  # coarse grid before the golden-section refinement (one point every 0.25 in log N)
_GOLDEN_STEPS = 90  # shrinks a bracket by 0.618^90 ~ 1e-19: below float resolution in log N
# 120 halvings of a bracket of at most 92 nats in a log variable reach float resolution with room to spare
# (more would change no result, only cost time in the batched questions).
SEARCH_STEPS = 120


# -- inputs ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RepetitionDecay:
    """Decay constants of Muennighoff et al. 2023 Eq. 5 and where they came from."""

    r_d_star: float  # R_D*: how many repeated epochs' worth of data keep most of their value
    r_n_star: float  # R_N*: the same for parameters beyond what the unique data can use
    source: str


def repetition_decay(
    preset: Preset,
    r_d_star: float | None = None,
    r_n_star: float | None = None,
    *,
    names: Mapping[str, str] | None = None,
) -> tuple[RepetitionDecay, tuple[str, ...]]:
    """Decay constants as given, else the preset's ``data_constrained`` section, else Muennighoff's fit (with a
    warning, since those were fitted together with another loss law). ``names`` spells the parameters ``r_d_star``
    and ``r_n_star`` in the sources and the warning as the caller knows them (the CLI: its options)."""
    section = preset.data_constrained
    said = dict(names or {})
    r_d_name, r_n_name = said.get("r_d_star", "r_d_star"), said.get("r_n_star", "r_n_star")
    warnings: tuple[str, ...] = ()
    sources = []
    values = []
    for given, key, published, name in (
        (r_d_star, "R_D_star", MUENNIGHOFF_R_D_STAR, r_d_name),
        (r_n_star, "R_N_star", MUENNIGHOFF_R_N_STAR, r_n_name),
    ):
        if given is not None:
            values.append(float(given))
            sources.append(f"{key} from {name}")
        elif key in section:
            values.append(section[key].value)
            sources.append(f"{key} from preset {preset.name}")
        else:
            values.append(published)
            sources.append(f"{key} from Muennighoff et al. 2023")
            warnings = (
                f"preset {preset.name} has no data_constrained section; using Muennighoff et al. 2023's decay "
                f"constants R_D* = {MUENNIGHOFF_R_D_STAR:g}, R_N* = {MUENNIGHOFF_R_N_STAR:g} "
                "(fitted with their own C4 law); "
                f"set {r_d_name}/{r_n_name} to override",
            )
    return RepetitionDecay(values[0], values[1], "; ".join(sources)), warnings


# -- the data-constrained law ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataConstrainedLaw:
    """A Chinchilla-form law evaluated on effective data D' and effective parameters N' (Muennighoff Eq. 5)."""

    law: ChinchillaLaw
    unique_tokens: Array
    decay: RepetitionDecay

    @property
    def unique_params(self) -> Array:
        """U_N: the size that is compute-optimal for U tokens, N_opt(U) = G (U G)^(beta/alpha) (datablations
        README, D_to_N)."""
        g = self.law.frontier_coefficient
        return g * (self.unique_tokens * g) ** (self.law.beta / self.law.alpha)

    def effective_tokens(self, n_tokens: ArrayLike) -> Array:
        return _effective(as_array(n_tokens), self.unique_tokens, self.decay.r_d_star)

    def effective_params(self, n_params: ArrayLike) -> Array:
        return _effective(as_array(n_params), self.unique_params, self.decay.r_n_star)

    def loss(self, n_params: ArrayLike, n_tokens: ArrayLike) -> Array:
        return self.law.loss(self.effective_params(n_params), self.effective_tokens(n_tokens))

    @property
    def max_effective_tokens(self) -> Array:
        return self.unique_tokens * (1 + self.decay.r_d_star)

    @property
    def max_effective_params(self) -> Array:
        return self.unique_params * (1 + self.decay.r_n_star)

    def loss_floor(self) -> Array:
        """The least loss any size and any number of epochs reach with these unique tokens (an infimum)."""
        return self.law.loss(self.max_effective_params, self.max_effective_tokens)

    def tokens_for_effective(self, effective_tokens: ArrayLike) -> Array:
        """Inverse of :meth:`effective_tokens`: total tokens whose effective value is ``effective_tokens``;
        NaN at or beyond the ceiling U (1 + R_D*)."""
        wanted, unique = np.broadcast_arrays(as_array(effective_tokens), self.unique_tokens)
        r_star = self.decay.r_d_star
        fraction = (wanted / unique - 1) / r_star  # = 1 - exp(-R_D / R_D*)
        with np.errstate(invalid="ignore", divide="ignore"):
            repeats = -r_star * np.log1p(-np.minimum(fraction, 1.0))
            tokens = np.where(wanted <= unique, wanted, unique * (1 + repeats))
        return np.where(fraction < 1, tokens, np.nan)

    def tokens_for_loss(self, n_params: ArrayLike, loss: ArrayLike) -> Array:
        """Total tokens (with repeats) a model of ``n_params`` needs to reach ``loss``; NaN where it cannot."""
        needed = self.law.tokens_for_loss(self.effective_params(n_params), loss)
        return self.tokens_for_effective(needed)


def _effective(amount: Array, unique: Array, r_star: float) -> Array:
    """U + U R* (1 - exp(-R / R*)) with R = amount/U - 1 beyond one pass, amount itself below it."""
    used = np.minimum(amount, unique)
    repeats = np.maximum(amount / unique - 1, 0.0)
    return used - used * r_star * np.expm1(-repeats / r_star)


# -- data-constrained budget -------------------------------------------------------------------------------------


@guarded("compute_flops")
def plan_data_constrained(
    preset: Preset, compute_flops: ArrayLike, unique_tokens: ArrayLike, decay: RepetitionDecay | None = None
) -> Plan:
    """The loss-minimising (N, D) for each budget when only ``unique_tokens`` distinct tokens exist, with its
    epochs, effective tokens and parameters, and what repetition costs against the unconstrained optimum."""
    law = chinchilla_law(preset, "unique_tokens")
    decay, warnings = (decay, ()) if decay is not None else repetition_decay(preset)
    compute, unique = np.broadcast_arrays(as_array(compute_flops), as_array(unique_tokens))
    constrained = DataConstrainedLaw(law, unique, decay)
    free_params, free_tokens = law.allocate(compute)
    n_params = optimal_params_for_budget(constrained, compute, free_params)
    n_tokens = compute / (FLOPS_PER_PARAM_TOKEN * n_params)
    loss = constrained.loss(n_params, n_tokens)
    free_loss = law.loss(free_params, free_tokens)
    equivalent = law.compute_for_loss(loss)
    columns = run_columns(compute, n_params, n_tokens, loss, unique)
    columns |= {
        "effective_tokens": constrained.effective_tokens(n_tokens),
        "effective_params": constrained.effective_params(n_params),
        "unconstrained_params": free_params,
        "unconstrained_tokens": free_tokens,
        "unconstrained_loss": free_loss,
        "repetition_loss_penalty": loss - free_loss,
        "repetition_overhead": compute / equivalent - 1,
    }
    notes: tuple[str, ...] = (
        f"data-constrained optimum (Muennighoff et al. 2023, Eq. 5): {decay.source} "
        f"(R_D* = {decay.r_d_star:g}, R_N* = {decay.r_n_star:g})",
        "repetition_loss_penalty: loss above the unconstrained compute-optimal run of the same budget; "
        "repetition_overhead: extra compute over the unconstrained compute-optimal run that reaches the same loss",
    )
    return Plan(
        preset.name, "flops+unique_tokens", columns, warnings + extrapolation_warnings(preset, compute, n_params), notes
    )


@guarded("loss")
def plan_data_constrained_loss(
    preset: Preset, loss: ArrayLike, unique_tokens: ArrayLike, decay: RepetitionDecay | None = None
) -> Plan:
    """The least compute that reaches ``loss`` with only ``unique_tokens`` distinct tokens, against the
    unconstrained compute-optimal run to the same loss."""
    law = chinchilla_law(preset, "unique_tokens")
    decay, warnings = (decay, ()) if decay is not None else repetition_decay(preset)
    target, unique = np.broadcast_arrays(as_array(loss), as_array(unique_tokens))
    check_loss_above_floor(law.E, target, preset.name)
    constrained = DataConstrainedLaw(law, unique, decay)
    check_data_can_reach(constrained, target, preset.name)
    n_params, n_tokens = least_total_compute_constrained(constrained, target, np.zeros_like(target))
    compute = FLOPS_PER_PARAM_TOKEN * n_params * n_tokens
    free_compute = law.compute_for_loss(target)
    free_params, free_tokens = law.allocate(free_compute)
    columns = run_columns(compute, n_params, n_tokens, target, unique)
    columns |= {
        "effective_tokens": constrained.effective_tokens(n_tokens),
        "effective_params": constrained.effective_params(n_params),
        "unconstrained_params": free_params,
        "unconstrained_tokens": free_tokens,
        "compute_optimal_flops": free_compute,
        "repetition_overhead": compute / free_compute - 1,
    }
    notes: tuple[str, ...] = (
        f"least compute reaching the loss with repeated data (Muennighoff et al. 2023, Eq. 5): {decay.source}",
        "repetition_overhead: extra compute over the unconstrained compute-optimal run to the same loss "
        "(compute_optimal_flops)",
    )
    return Plan(
        preset.name, "loss+unique_tokens", columns, warnings + extrapolation_warnings(preset, compute, n_params), notes
    )


@guarded("n_params")
def plan_data_constrained_run(
    preset: Preset,
    n_params: ArrayLike,
    n_tokens: ArrayLike,
    unique_tokens: ArrayLike,
    decay: RepetitionDecay | None = None,
) -> Plan:
    """A given run of ``n_params`` on ``n_tokens`` drawn from only ``unique_tokens`` distinct tokens: its loss on
    effective parameters and data, its epochs, and the loss repetition costs against the same run on fresh data.
    The datablations README's worked examples are this function (L(6.34e9, 242e9, 25e9) = 2.2256)."""
    law = chinchilla_law(preset, "unique_tokens")
    decay, warnings = (decay, ()) if decay is not None else repetition_decay(preset)
    n, d, unique = np.broadcast_arrays(as_array(n_params), as_array(n_tokens), as_array(unique_tokens))
    constrained = DataConstrainedLaw(law, unique, decay)
    compute = FLOPS_PER_PARAM_TOKEN * n * d
    loss = constrained.loss(n, d)
    fresh_loss = law.loss(n, d)
    columns = run_columns(compute, n, d, loss, unique)
    columns |= {
        "effective_tokens": constrained.effective_tokens(d),
        "effective_params": constrained.effective_params(n),
        "unconstrained_loss": fresh_loss,
        "repetition_loss_penalty": loss - fresh_loss,
    }
    notes: tuple[str, ...] = (
        f"loss on effective parameters and data (Muennighoff et al. 2023, Eq. 5): {decay.source} "
        f"(R_D* = {decay.r_d_star:g}, R_N* = {decay.r_n_star:g})",
        "repetition_loss_penalty: loss above the same run on unique data (unconstrained_loss)",
    )
    warnings += extrapolation_warnings(preset, compute, n)
    return Plan(preset.name, "params+tokens+unique_tokens", columns, warnings, notes)


def optimal_params_for_budget(constrained: DataConstrainedLaw, compute: Array, start: Array) -> Array:
    """argmin over N of L(N', D') with D = C / 6N: a grid over 24 nats of log N around the unconstrained optimum,
    then golden-section search in the best grid cell."""

    def objective(log_n: Array, index: np.ndarray) -> Array:
        n = np.exp(log_n)
        c = compute[index][:, None] if log_n.ndim == 2 else compute[index]
        sub = DataConstrainedLaw(
            constrained.law, _rows(constrained.unique_tokens, index, log_n.ndim), constrained.decay
        )
        return sub.loss(n, c / (FLOPS_PER_PARAM_TOKEN * n))

    centre = np.log(start)
    return np.exp(_minimise(objective, centre - 12.0, centre + 12.0))


def _rows(values: Array, index: np.ndarray, ndim: int) -> Array:
    chosen = values[index]
    return chosen[:, None] if ndim == 2 else chosen


def _minimise(objective: Callable[[Array, np.ndarray], Array], low: Array, high: Array) -> Array:
    """Per-row minimum of a 1-D function on [low, high]: a coarse grid, then golden-section search on the two grid
    cells around the best grid point; the better of the refined and the grid point is returned."""
    rows = np.arange(low.size)
    grid = low[:, None] + (high - low)[:, None] * np.linspace(0.0, 1.0, _GRID_POINTS)[None, :]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        values = objective(grid, rows)
    values = np.where(np.isfinite(values), values, np.inf)
    best = np.argmin(values, axis=1)
    step = (high - low) / (_GRID_POINTS - 1)
    grid_best = grid[rows, best]
    a = np.maximum(grid_best - step, low)
    b = np.minimum(grid_best + step, high)
    ratio = (np.sqrt(5.0) - 1) / 2
    x1 = b - ratio * (b - a)
    x2 = a + ratio * (b - a)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        f1, f2 = objective(x1, rows), objective(x2, rows)
        for _ in range(_GOLDEN_STEPS):
            left = f1 <= f2  # the minimum lies in [a, x2]
            b = np.where(left, x2, b)
            a = np.where(left, a, x1)
            new_x1 = b - ratio * (b - a)
            new_x2 = a + ratio * (b - a)
            x2, f2, x1, f1 = (
                np.where(left, x1, new_x2),
                np.where(left, f1, objective(new_x2, rows)),
                np.where(left, new_x1, x2),
                np.where(left, objective(new_x1, rows), f2),
            )
        refined = 0.5 * (a + b)
        refined_value = objective(refined, rows)
    return np.where(refined_value <= values[rows, best], refined, grid_best)


def least_total_compute_constrained(
    constrained: DataConstrainedLaw, loss: Array, serving_flops_per_param: Array
) -> tuple[Array, Array]:
    """(N, D) reaching ``loss`` on the data-constrained loss surface at the least 6 N D + N s, where s is what each
    parameter costs beyond training (2 I to serve I inference tokens; 0 for the least training compute). A
    golden-section search over log N between the smallest size that can reach the loss with unlimited epochs and
    1e6 times the unconstrained optimum's size (beyond which the objective only grows)."""
    law = constrained.law
    target, serving = np.broadcast_arrays(loss, serving_flops_per_param)
    unique = constrained.unique_tokens

    def objective(log_n: Array, index: np.ndarray) -> Array:
        n = np.exp(log_n)
        sub = DataConstrainedLaw(law, _rows(unique, index, log_n.ndim), constrained.decay)
        d = sub.tokens_for_loss(n, _rows(target, index, log_n.ndim))
        total = FLOPS_PER_PARAM_TOKEN * n * d + n * _rows(serving, index, log_n.ndim)
        return np.where(np.isfinite(total), total, np.inf)

    smallest = smallest_params(constrained, target)
    free_params, _ = law.allocate(law.compute_for_loss(target))
    low = np.log(smallest) + 1e-9
    high = np.maximum(np.log(free_params) + np.log(1e6), low + 1.0)
    n_params = np.exp(_minimise(objective, low, high))
    return n_params, constrained.tokens_for_loss(n_params, target)


def smallest_params(constrained: DataConstrainedLaw, loss: Array) -> Array:
    """The least N whose effective size leaves room for the data term at the most effective data the unique
    tokens give: A/N'^alpha = l - E - B/(U (1 + R_D*))^beta, inverted through N'(N) by bisection in log N."""
    law = constrained.law
    room = loss - law.E - law.B / constrained.max_effective_tokens**law.beta
    with np.errstate(divide="ignore", invalid="ignore"):
        needed_effective = (law.A / room) ** (1 / law.alpha)
    unique_params = constrained.unique_params

    def enough(log_n: Array) -> np.ndarray:
        return _effective(np.exp(log_n), unique_params, constrained.decay.r_n_star) >= needed_effective

    low = np.log(needed_effective)  # N >= N' always
    _, high = bisect(enough, low, low + 40.0, SEARCH_STEPS)
    return np.exp(high)


# -- what the unique tokens can reach ------------------------------------------------------------------------------


def check_data_can_reach(constrained: DataConstrainedLaw, loss: Array, name: str) -> None:
    """Raise if some loss is at or below what the unique tokens allow at any size and any number of epochs,
    naming the least reachable loss and the unique tokens the requested loss would need."""
    floor = constrained.loss_floor()
    short = loss <= floor
    if not np.any(short):
        return
    i = int(np.argmax(short))
    needed = unique_tokens_for_loss(constrained.law, constrained.decay, float(loss.flat[i]))
    raise InfeasiblePlanError(
        f"with {float(constrained.unique_tokens.flat[i]):.3g} unique tokens no model reaches loss "
        f"{float(loss.flat[i]):g} under preset {name}: repeating data is worth at most "
        f"{1 + constrained.decay.r_d_star:.3g}x the unique tokens, "
        f"so the best reachable loss is {float(floor.flat[i]):.4g} (at unlimited compute); ask for a loss above that, "
        f"or give more than {needed:.3g} unique tokens"
    )


def unique_tokens_for_loss(law: ChinchillaLaw, decay: RepetitionDecay, loss: float) -> float:
    """The unique tokens whose loss floor equals ``loss`` (the floor falls monotonically with U): bisection in
    log U."""

    def reached(log_u: Array) -> np.ndarray:
        return ~(DataConstrainedLaw(law, np.exp(log_u), decay).loss_floor() > loss)

    _, high = bisect(reached, np.log(1.0), np.log(1e40), SEARCH_STEPS)
    return float(np.exp(high))
