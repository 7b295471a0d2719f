"""The compute-optimal frontier: allocations for a budget, a size, a token count or a loss, and runs off it.

Every function takes a :class:`~scalecalc.presets.Preset` and numpy-broadcastable inputs and returns a
:class:`Plan`: columns of equal length, so that 100,000 budgets cost a handful of vectorised operations.
Training compute is C = 6ND throughout (Kaplan et al. 2020, Sec. 2.1).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
from numpy.typing import ArrayLike

from scalecalc._numeric import bisect
from scalecalc.errors import InfeasiblePlanError, InputError
from scalecalc.laws import FLOPS_PER_PARAM_TOKEN, ChinchillaLaw
from scalecalc.laws.base import Array, as_array
from scalecalc.presets import Preset

# Columns that are counts of FLOPs, parameters or tokens: each must come out finite and above zero.
AMOUNT_COLUMNS = ("flops", "params", "tokens", "optimal_params", "optimal_tokens", "compute_optimal_flops")

PlanFunction = TypeVar("PlanFunction", bound=Callable[..., "Plan"])

# A budget more than this factor beyond the range a preset was fitted on draws a warning.
EXTRAPOLATION_WARNING_FACTOR = 10.0


@dataclass(frozen=True)
class Plan:
    """Plan rows as columns. ``question`` names what was asked (flops, params, tokens, ...)."""

    preset: str
    question: str
    columns: dict[str, Array]
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def __len__(self) -> int:
        return len(self.columns["flops"])


def check_representable(plan: Plan, param: str) -> Plan:
    """``plan`` if every amount in it is finite and above zero, and no column is infinite; else an InputError
    on ``param``: inputs so far from the preset's range that 64-bit floats under- or overflow (C = 6ND below
    1e-308, a law constant of 1e-320) must not come back as a plan of 0 or inf parameters."""
    for name, values in plan.columns.items():
        values = np.asarray(values, dtype=np.float64)
        bad = np.isinf(values) | ((values <= 0) | np.isnan(values) if name in AMOUNT_COLUMNS else False)
        if np.any(bad):
            value = float(values[np.argmax(bad)])
            raise InputError(
                f"gives {name} = {value:g} under preset {plan.preset}: beyond what floating point represents; give "
                "values nearer the range the preset was fitted on",
                param=param,
            )
    return plan


def guarded(param: str) -> Callable[[PlanFunction], PlanFunction]:
    """Run a plan function with numpy's floating-point warnings silenced (its result is checked instead, by
    :func:`check_representable`, and a failure names ``param``)."""

    def decorate(function: PlanFunction) -> PlanFunction:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Plan:
            with np.errstate(all="ignore"):
                plan = function(*args, **kwargs)
            return check_representable(plan, param)

        return wrapper  # type: ignore[return-value]

    return decorate


@guarded("compute_flops")
def plan_compute(preset: Preset, compute_flops: ArrayLike) -> Plan:
    """Compute-optimal parameters and tokens (and loss, where the law predicts it) for each budget."""
    compute = as_array(compute_flops)
    n_params, n_tokens = _allocation(preset).allocate(compute)
    return _plan(preset, "flops", compute, n_params, n_tokens)


@guarded("n_params")
def plan_params(preset: Preset, n_params: ArrayLike) -> Plan:
    """The budget and tokens for which a model of ``n_params`` is compute-optimal."""
    n = as_array(n_params)
    compute = _allocation(preset).compute_for_params(n)
    return _plan(preset, "params", compute, n, compute / (FLOPS_PER_PARAM_TOKEN * n))


@guarded("n_tokens")
def plan_tokens(preset: Preset, n_tokens: ArrayLike) -> Plan:
    """The budget and model size for which training on ``n_tokens`` is compute-optimal."""
    d = as_array(n_tokens)
    compute = _allocation(preset).compute_for_tokens(d)
    return _plan(preset, "tokens", compute, compute / (FLOPS_PER_PARAM_TOKEN * d), d)


@guarded("compute_flops")
def plan_fixed_size(preset: Preset, compute_flops: ArrayLike, n_params: ArrayLike) -> Plan:
    """Spend ``compute_flops`` on a model of ``n_params``: tokens from C = 6ND, the loss, and how much more
    compute this costs than the compute-optimal run that reaches the same loss."""
    compute, n = np.broadcast_arrays(as_array(compute_flops), as_array(n_params))
    return _plan_off_frontier(preset, "flops+params", compute, n, compute / (FLOPS_PER_PARAM_TOKEN * n))


@guarded("n_params")
def plan_run(preset: Preset, n_params: ArrayLike, n_tokens: ArrayLike) -> Plan:
    """A given run (N, D): its compute 6ND, loss, and overhead against the compute-optimal run."""
    n, d = np.broadcast_arrays(as_array(n_params), as_array(n_tokens))
    return _plan_off_frontier(preset, "params+tokens", FLOPS_PER_PARAM_TOKEN * n * d, n, d)


@guarded("loss")
def plan_loss(preset: Preset, loss: ArrayLike) -> Plan:
    """The least compute that reaches ``loss`` under the preset's loss law, and its allocation."""
    target = as_array(loss)
    law = _loss_law(preset)
    floor = getattr(law, "E", None)
    if floor is not None:
        check_loss_above_floor(floor, target, preset.name)
    if hasattr(law, "optimal_at_loss"):
        n_params, n_tokens = law.optimal_at_loss(target)
        compute = FLOPS_PER_PARAM_TOKEN * n_params * n_tokens
    else:
        compute = compute_for_loss(preset, target)
        n_params, n_tokens = _allocation(preset).allocate(compute)
    result = _plan(preset, "loss", compute, n_params, n_tokens)
    if preset.allocation is not law:
        note = (
            f"the least compute under {preset.name}'s loss law, whose own optimum differs from the preset's "
            "allocation used for `compute_flops` (see `scalecalc presets show`)"
        )
        result = Plan(result.preset, result.question, result.columns, result.warnings, (*result.notes, note))
    return result


def compute_for_loss(preset: Preset, loss: Array) -> Array:
    """Least compute reaching ``loss``: closed form where the loss law has its own frontier (Chinchilla, Kaplan
    forms), else bisection in log C along the preset's allocation (the frontier loss falls with compute)."""
    law = _loss_law(preset)
    if hasattr(law, "compute_for_loss"):
        return law.compute_for_loss(loss)
    allocation = _allocation(preset)

    def frontier(log_c: Array) -> Array:
        return law.loss(*allocation.allocate(np.exp(log_c)))

    low = np.full(loss.shape, np.log(1e0))
    high = np.full(loss.shape, np.log(1e40))
    if np.any(frontier(high) > loss):
        raise InfeasiblePlanError(
            f"preset {preset.name} does not reach a loss of {float(np.min(loss)):g} below 1e40 FLOPs; "
            "ask for a higher loss"
        )
    # the budget is past the root where the frontier loss is no longer above the target (NaN counts as past)
    low, high = bisect(lambda log_c: ~(frontier(log_c) > loss), low, high)
    return np.exp(0.5 * (low + high))


def run_columns(
    compute: Array, n_params: Array, n_tokens: Array, loss: Array, unique_tokens: Array | None = None
) -> dict[str, Array]:
    """The leading columns every plan row has, in their stable order (plus repeats, given unique tokens)."""
    columns = {"flops": compute, "params": n_params, "tokens": n_tokens, "tokens_per_param": n_tokens / n_params}
    columns["loss"] = loss
    if unique_tokens is not None:
        columns.update({"unique_tokens": unique_tokens, "epochs": n_tokens / unique_tokens})
    return columns


def _plan(preset: Preset, question: str, compute: Array, n_params: Array, n_tokens: Array) -> Plan:
    columns = run_columns(compute, n_params, n_tokens, _loss_or_nan(preset, n_params, n_tokens))
    columns.update(_intervals(preset, question, compute, n_params, n_tokens))
    return Plan(preset.name, question, columns, extrapolation_warnings(preset, compute, n_params))


def _plan_off_frontier(preset: Preset, question: str, compute: Array, n: Array, d: Array) -> Plan:
    optimal_n, optimal_d = _allocation(preset).allocate(compute)
    columns = run_columns(compute, n, d, _loss_or_nan(preset, n, d))
    columns.update({"optimal_params": optimal_n, "optimal_tokens": optimal_d})
    notes: tuple[str, ...] = ()
    if preset.loss_law is not None:
        # Overhead at equal loss: extra compute this run spends over the compute-optimal run that reaches
        # the same loss (de Vries 2023). Not the loss penalty at a fixed budget.
        optimal_compute = compute_for_loss(preset, columns["loss"])
        columns["compute_optimal_flops"] = optimal_compute
        columns["compute_overhead"] = compute / optimal_compute - 1
        notes = (
            "compute_overhead: extra compute over the compute-optimal run that reaches the same loss "
            "(compute_optimal_flops)",
        )
    else:
        notes = (f"preset {preset.name} has no loss law, so no loss or compute overhead is given",)
    warnings = extrapolation_warnings(preset, compute, n)
    return Plan(preset.name, question, columns, warnings, notes)


def _loss_or_nan(preset: Preset, n_params: Array, n_tokens: Array) -> Array:
    if preset.loss_law is None:
        return np.full(np.shape(n_params), np.nan)
    return preset.loss_law.loss(n_params, n_tokens)


def _intervals(preset: Preset, question: str, compute: Array, n_params: Array, n_tokens: Array) -> dict[str, Array]:
    """Percentile intervals over a preset's draws (bootstrap or published covariance) of the compute-optimal
    allocation of each budget, on the fixed log-compute grid of :mod:`scalecalc.plan.intervals`."""
    from scalecalc.plan.intervals import draw_laws, grid_interval

    if not preset.draws or preset.loss_law is None or question not in ("flops", "loss"):
        return {}
    law = draw_laws(preset)
    columns = {}
    for index, name in enumerate(("params", "tokens")):

        def allocation(nodes: Array, index: int = index) -> Array:
            return law.allocate(np.exp(nodes[0])[None, :])[index]

        columns[f"{name}_low"], columns[f"{name}_high"] = grid_interval(
            allocation, np.log(compute)[None, :], preset.interval_level
        )
    return columns


def _allocation(preset: Preset):
    if preset.allocation is None:  # the loader guarantees one; kept for presets built by hand
        raise InputError(f"preset {preset.name} has no allocation law")
    return preset.allocation


def _loss_law(preset: Preset):
    if preset.loss_law is None:
        raise InputError(
            f"preset {preset.name} publishes no loss law, so it cannot answer a target loss; "
            "use a preset with one (epoch-2024, chinchilla, muennighoff-2023, kaplan-2020)",
            param="loss",
        )
    return preset.loss_law


def chinchilla_law(preset: Preset, param: str) -> ChinchillaLaw:
    """The preset's loss law, which the question that ``param`` asks needs in the Chinchilla form."""
    law = preset.loss_law
    if not isinstance(law, ChinchillaLaw):
        have = "no loss law" if law is None else f"a {law.form} loss law"
        raise InputError(
            f"needs a preset with a Chinchilla-form loss law (loss.form: chinchilla); preset {preset.name} "
            "has " + have + "; use e.g. chinchilla, epoch-2024, muennighoff-2023 or a preset saved by `fit --save`",
            param=param,
        )
    return law


def check_loss_above_floor(floor: float | Array, loss: Array, name: str) -> None:
    """Raise if some target loss is at or below the law's irreducible loss E."""
    if np.any(loss <= floor):
        worst, floor = float(np.min(loss)), float(floor)
        raise InfeasiblePlanError(
            f"{worst:g} is at or below the irreducible loss E = {floor:g} of preset {name}; no model reaches it. "
            f"Ask for a loss above {floor:g}.",
            param="loss",
        )


def extrapolated(preset: Preset, compute: Array, n_params: Array) -> np.ndarray:
    """Per row: does its compute or size lie more than tenfold outside the preset's fitted range (the rows
    :func:`extrapolation_warnings` warns about, as data for scripts)?"""
    outside = np.zeros(np.broadcast(compute, n_params).shape, dtype=bool)
    for key, values in (("flops", compute), ("params", n_params)):
        if key in preset.fitted_range:
            low, high = preset.fitted_range[key]
            with np.errstate(invalid="ignore"):  # NaN (no value) is not outside
                factor = EXTRAPOLATION_WARNING_FACTOR
                outside |= (values > high * factor) | (values < low / factor)
    return outside


def extrapolation_warnings(preset: Preset, compute: Array, n_params: Array) -> tuple[str, ...]:
    """One warning per quantity that lies more than tenfold outside the preset's fitted range."""
    warnings = []
    for key, values, unit in (("flops", compute, "FLOPs"), ("params", n_params, "parameters")):
        values = values[np.isfinite(values) & (values > 0)]  # the rest is refused by check_representable
        if key not in preset.fitted_range or values.size == 0:
            continue
        low, high = preset.fitted_range[key]
        largest, smallest = float(np.max(values)), float(np.min(values))
        if largest > high * EXTRAPOLATION_WARNING_FACTOR:
            warnings.append(
                f"{largest:.3g} {unit} is {_times(largest / high)} above the largest {high:.3g} that preset "
                f"{preset.name} was fitted on; treat the result as an extrapolation"
            )
        if smallest < low / EXTRAPOLATION_WARNING_FACTOR:
            warnings.append(
                f"{smallest:.3g} {unit} is {_times(low / smallest)} below the smallest {low:.3g} that preset "
                f"{preset.name} was fitted on; treat the result as an extrapolation"
            )
    return tuple(warnings)


def _times(ratio: float) -> str:
    """A factor for a warning: ``120x``, ``3.4e+12x`` (never a 160-digit integer), or more than float holds (a
    denormal input such as 1e-320 parameters against a range of 1e8)."""
    if not math.isfinite(ratio):
        return "more than 1e308x"
    return f"{ratio:.0f}x" if ratio < 1e6 else f"{ratio:.2g}x"
