"""One planning request, and the one place that decides which question it asks.

A :class:`PlanRequest` names what is known: a budget, a model size, training tokens, a target loss, the unique tokens
that exist, the lifetime inference demand, decay constants for repeated data, and what each side of a run costs.
:func:`answer` picks the question these parameters ask (the compute-optimal frontier, a run off it, data-constrained,
inference-aware or smaller-than-optimal) and returns its :class:`~scalecalc.plan.frontier.Plan`.

A combination that asks no question, or several at once, raises :class:`~scalecalc.errors.InputError` naming the
parameters. Messages spell each parameter as ``names`` maps it (the CLI passes the options that set them), else by
its own name: the core never spells a command-line flag.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from scalecalc.errors import InputError
from scalecalc.laws.base import Array
from scalecalc.plan.frontier import (
    Plan,
    plan_compute,
    plan_fixed_size,
    plan_loss,
    plan_params,
    plan_run,
    plan_tokens,
)
from scalecalc.plan.intervals import interval_note, loss_interval
from scalecalc.presets import Preset

if TYPE_CHECKING:  # the planners beyond the frontier load only when a question asks for them (cold start)
    from scalecalc.plan.data_constrained import RepetitionDecay
    from scalecalc.plan.inference import CostModel


@dataclass(frozen=True)
class PlanRequest:
    """What a planning question gives. Arrays are one row per value; arrays of equal length pair up row by row, and
    a single value serves every row. The cost fields price inference against training (Sardana et al. 2024):
    ``inference_mfu`` and ``inference_price`` ask for it; a known training GPU (``peak_flops``) prices it whenever
    ``inference_tokens`` is given. ``hyperparameters`` names a preset whose batch-size and learning-rate laws
    add their columns to every row (batch in sequences of ``seq_len`` tokens, when given)."""

    compute_flops: Array | None = None
    n_params: Array | None = None
    n_tokens: Array | None = None
    loss: Array | None = None
    unique_tokens: Array | None = None
    inference_tokens: Array | None = None
    r_d_star: float | None = None
    r_n_star: float | None = None
    inference_mfu: float | None = None
    inference_price: float | None = None
    train_mfu: float | None = None
    train_price: float | None = None
    peak_flops: float | None = None
    hyperparameters: Preset | None = None
    seq_len: float | None = None


def answer(preset: Preset, request: PlanRequest, *, names: Mapping[str, str] | None = None) -> Plan:
    """The plan for the one question that ``request`` asks under ``preset``; ``names`` spells the request's
    parameters in error messages, warnings and notes (default: the parameter names)."""
    say = _speller(names)
    cost = _cost_model(request)
    if request.unique_tokens is None and (request.r_d_star is not None or request.r_n_star is not None):
        raise InputError(f"{say('r_d_star')} and {say('r_n_star')} apply to repeated data; add {say('unique_tokens')}")
    if cost is not None and request.inference_tokens is None:
        raise InputError(
            f"the inference cost options ({say('inference_mfu')}, {say('inference_price')}) need "
            f"{say('inference_tokens')}"
        )
    if request.seq_len is not None and request.hyperparameters is None:
        raise InputError(f"{say('seq_len')} sizes the batch in sequences; add {say('hyperparameters')}")
    decay: RepetitionDecay | None = None
    warnings: tuple[str, ...] = ()
    if request.unique_tokens is not None:
        from scalecalc.plan.data_constrained import repetition_decay

        decay, warnings = repetition_decay(preset, request.r_d_star, request.r_n_star, names=names)
    beyond = (
        request.unique_tokens is not None
        or request.inference_tokens is not None
        or (request.loss is not None and request.n_params is not None)
    )
    if not beyond:
        result = _on_the_frontier(preset, request, names)
    else:
        result = _beyond_compute_optimal(preset, request, cost, decay, names)
        if warnings:
            result = replace(result, warnings=warnings + result.warnings)
    result = _with_loss_interval(preset, result, decay)
    if request.hyperparameters is not None:
        from scalecalc.plan.hyperparameters import with_hyperparameters

        result = with_hyperparameters(result, request.hyperparameters, request.seq_len)
    return result


def _with_loss_interval(preset: Preset, plan: Plan, decay: RepetitionDecay | None) -> Plan:
    """``plan`` with loss_low and loss_high after its loss, where the preset's constants have draws."""
    unique = plan.columns.get("unique_tokens")
    interval = loss_interval(preset, plan.columns["params"], plan.columns["tokens"], unique, decay)
    if interval is None:
        return plan
    columns: dict[str, Array] = {}
    for key, values in plan.columns.items():
        columns[key] = values
        if key == "loss":
            columns["loss_low"], columns["loss_high"] = interval
            columns["interval_source"] = np.full(len(plan), preset.interval_source)
    return replace(plan, columns=columns, notes=(*plan.notes, interval_note(preset)))


def _on_the_frontier(preset: Preset, request: PlanRequest, names: Mapping[str, str] | None) -> Plan:
    """The compute-optimal questions: one of budget, size, tokens or loss, or a run of a given size."""
    say = _speller(names)
    given = {
        name: values
        for name, values in (
            ("compute_flops", request.compute_flops),
            ("n_params", request.n_params),
            ("n_tokens", request.n_tokens),
            ("loss", request.loss),
        )
        if values is not None
    }
    questions: dict[tuple[str, ...], Callable[..., Plan]] = {
        ("compute_flops",): plan_compute,
        ("n_params",): plan_params,
        ("n_tokens",): plan_tokens,
        ("loss",): plan_loss,
        ("compute_flops", "n_params"): plan_fixed_size,
        ("n_params", "n_tokens"): plan_run,
    }
    question = questions.get(tuple(given))
    if question is not None:
        return question(preset, *paired(names, *given.items()))
    raise InputError(
        f"give one of {say('compute_flops')}, {say('n_params')}, {say('n_tokens')} or {say('loss')}, or the pairs "
        f"{say('compute_flops')} with {say('n_params')}, or {say('n_params')} with {say('n_tokens')}"
    )


def _beyond_compute_optimal(
    preset: Preset,
    request: PlanRequest,
    cost: CostModel | None,
    decay: RepetitionDecay | None,
    names: Mapping[str, str] | None,
) -> Plan:
    """Repeated data, inference demand, or a model size at a target loss."""
    from scalecalc.plan.data_constrained import (
        plan_data_constrained,
        plan_data_constrained_loss,
        plan_data_constrained_run,
    )
    from scalecalc.plan.inference import plan_inference_aware
    from scalecalc.plan.smaller import plan_smaller_model

    say = _speller(names)
    unique = ("unique_tokens", request.unique_tokens)
    if request.n_tokens is not None:
        run_given = request.n_params is not None and request.unique_tokens is not None
        if run_given and request.compute_flops is None and request.loss is None and request.inference_tokens is None:
            n_params, n_tokens, available = paired(
                names, ("n_params", request.n_params), ("n_tokens", request.n_tokens), unique
            )
            return plan_data_constrained_run(preset, n_params, n_tokens, available, decay)
        raise InputError(
            f"{say('n_tokens')} combines with {say('unique_tokens')} only as a given run ({say('n_params')}, "
            f"{say('n_tokens')} and {say('unique_tokens')}); not with {say('inference_tokens')}, or "
            f"{say('loss')} with {say('n_params')}"
        )
    budget, size, target = request.compute_flops is not None, request.n_params is not None, request.loss is not None
    if request.inference_tokens is not None:
        inference = ("inference_tokens", request.inference_tokens)
        if size or budget == target:
            raise InputError(
                f"give {say('inference_tokens')} with either {say('compute_flops')} or {say('loss')} "
                f"(not {say('n_params')})"
            )
        if budget:
            compute, demand, available = paired(names, ("compute_flops", request.compute_flops), inference, unique)
            result = plan_inference_aware(
                preset, demand, compute_flops=compute, unique_tokens=available, decay=decay, cost=cost
            )
        else:
            loss, demand, available = paired(names, ("loss", request.loss), inference, unique)
            result = plan_inference_aware(preset, demand, loss=loss, unique_tokens=available, decay=decay, cost=cost)
    elif target and size:
        if budget:
            raise InputError(
                f"{say('loss')} with {say('n_params')} asks for the tokens and compute; drop {say('compute_flops')}"
            )
        loss, n_params, available = paired(names, ("loss", request.loss), ("n_params", request.n_params), unique)
        result = plan_smaller_model(preset, loss, n_params, unique_tokens=available, decay=decay)
    elif budget and not size and not target:
        compute, available = paired(names, ("compute_flops", request.compute_flops), unique)
        result = plan_data_constrained(preset, compute, available, decay)
    elif target and not size and not budget:
        loss, available = paired(names, ("loss", request.loss), unique)
        result = plan_data_constrained_loss(preset, loss, available, decay)
    else:
        raise InputError(
            f"{say('unique_tokens')} goes with {say('compute_flops')}, {say('loss')}, {say('loss')} and "
            f"{say('n_params')}, or {say('inference_tokens')}"
        )
    return result


def _cost_model(request: PlanRequest) -> CostModel | None:
    """Dollars per FLOP on each side, when inference is priced: asked for, or implied by a known training GPU."""
    asked = request.inference_mfu is not None or request.inference_price is not None
    if not asked and (request.peak_flops is None or request.inference_tokens is None):
        return None
    from scalecalc.plan.inference import cost_from_options

    return cost_from_options(
        inference_mfu=request.inference_mfu,
        inference_price=request.inference_price,
        train_mfu=request.train_mfu,
        train_price=request.train_price,
        peak_flops=request.peak_flops,
    )


def paired(names: Mapping[str, str] | None, *named: tuple[str, Array | None]) -> list:
    """The given (parameter, values) broadcast against each other: equal counts, or one value for all rows; None
    stays None. ``names`` spells the parameters in the error, as in :func:`answer`."""
    say = _speller(names)
    present = [(name, values) for name, values in named if values is not None]
    lengths = {len(values) for _, values in present}
    if len(lengths - {1}) > 1:
        (first, first_values), *rest = present
        others = [f"{say(name)} {len(values)}" for name, values in rest]
        listed = f", {', '.join(others[:-1])} and {others[-1]}" if len(others) > 1 else f" and {others[0]}"
        either = "one of either" if len(present) == 2 else "one value of any of them"
        raise InputError(f"{say(first)} has {len(first_values)} values{listed}; give equal counts or {either}")
    size = max(lengths, default=1)
    return [
        None if values is None else np.broadcast_to(np.asarray(values, dtype=np.float64), (size,))
        for _, values in named
    ]


def _speller(names: Mapping[str, str] | None) -> Callable[[str], str]:
    said = dict(names or {})
    return lambda param: said.get(param, param)
