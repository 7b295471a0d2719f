"""Inference-aware planning: the model that reaches a loss at the least training plus inference compute.

Sardana et al. 2024, "Beyond Chinchilla-Optimal", arXiv 2401.00448, Sec. 2, for any preset whose loss law has the
Chinchilla form L(N, D) = E + A/N^alpha + B/D^beta: minimise training plus inference compute 6 N D_train + 2 N I
subject to L(N, D_train) = l. Write the loss budget l - E = x + r with x = A/N^alpha (model term) and r = B/D^beta
(data term); the stationarity condition of 6 N D(N) + 2 N I along the constraint is
    3 D ((alpha x)/(beta r) - 1) = I,
which at I = 0 is the Chinchilla frontier alpha x = beta r. With t = log(x / r) the left side rises monotonically
from 0 at t0 = log(beta/alpha), so the optimum is one bracketed root in t (bisection; the paper uses Newton's
method). Under a data constraint (``scalecalc.plan.data_constrained``) the same objective is minimised over log N
directly. The cost variant weighs the two terms by dollars per FLOP (price / (peak FLOP/s x MFU x 3600)), which only
rescales I: cost = c_train (6 N D + 2 N I c_inference / c_train).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from scalecalc import defaults
from scalecalc._numeric import bisect
from scalecalc.errors import InputError
from scalecalc.laws import FLOPS_PER_PARAM_TOKEN, ChinchillaLaw
from scalecalc.laws.base import Array, as_array
from scalecalc.plan.data_constrained import (
    SEARCH_STEPS,
    DataConstrainedLaw,
    RepetitionDecay,
    check_data_can_reach,
    least_total_compute_constrained,
    optimal_params_for_budget,
    repetition_decay,
)
from scalecalc.plan.frontier import (
    Plan,
    check_loss_above_floor,
    chinchilla_law,
    extrapolation_warnings,
    guarded,
    run_columns,
)
from scalecalc.presets import Preset
from scalecalc.units import SECONDS_PER_HOUR

# Inference costs 2 FLOPs per parameter per token, the forward pass (Kaplan et al. 2020, Table 1, C_forward ~ 2N;
# Sardana et al. 2024, Sec. 2, objective 6 N D_tr + 2 N D_inf).
INFERENCE_FLOPS_PER_PARAM_TOKEN = 2.0



# -- the cost model ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CostModel:
    """Dollars per FLOP for training and for inference (Sardana et al. 2024, Sec. 3: separate MFU and prices).
    ``absolute`` is False when no accelerator peak is known: the ratio of the two (all the optimum depends on)
    is right, but the scale is not, so no dollar figures are reported."""

    train_dollars_per_flop: float
    inference_dollars_per_flop: float
    absolute: bool = True
    description: str = ""

    @classmethod
    def from_hardware(
        cls,
        *,
        train_peak_flops: float,
        train_mfu: float,
        train_price_per_hour: float,
        inference_mfu: float,
        inference_price_per_hour: float,
        inference_peak_flops: float | None = None,
    ) -> CostModel:
        """Per-GPU peak FLOP/s, utilisation (0-1] and price per GPU-hour; inference on the training GPU unless
        ``inference_peak_flops`` is given."""
        for name, value in (("training MFU", train_mfu), ("inference MFU", inference_mfu)):
            if not 0 < value <= 1:
                raise InputError(f"{name} is {value:g}; give a fraction between 0 and 1 (0.4 for 40%)")
        inference_peak = train_peak_flops if inference_peak_flops is None else inference_peak_flops
        return cls(
            train_price_per_hour / (SECONDS_PER_HOUR * train_peak_flops * train_mfu),
            inference_price_per_hour / (SECONDS_PER_HOUR * inference_peak * inference_mfu),
        )

    @property
    def inference_weight(self) -> float:
        """How many training FLOPs one inference FLOP costs as much as."""
        return self.inference_dollars_per_flop / self.train_dollars_per_flop


def cost_from_options(
    *,
    inference_mfu: float | None = None,
    inference_price: float | None = None,
    train_mfu: float | None = None,
    train_price: float | None = None,
    peak_flops: float | None = None,
) -> CostModel:
    """A cost model from what is known of the two sides: MFU (0-1], price per GPU-hour and the training GPU's peak
    FLOP/s. A missing MFU falls back to the other side's (training: ``defaults.MFU``), a missing price likewise;
    without a peak FLOP/s only relative costs (cost_saving) are reported."""
    train_mfu = defaults.MFU if train_mfu is None else train_mfu
    inference_mfu = train_mfu if inference_mfu is None else inference_mfu
    known_price = train_price is not None or inference_price is not None
    train_price = train_price if train_price is not None else (inference_price if inference_price is not None else 1.0)
    inference_price = inference_price if inference_price is not None else train_price
    model = CostModel.from_hardware(
        train_peak_flops=1.0 if peak_flops is None else peak_flops,
        train_mfu=train_mfu,
        train_price_per_hour=train_price,
        inference_mfu=inference_mfu,
        inference_price_per_hour=inference_price,
    )
    description = (
        f"training at {100 * train_mfu:.0f}% MFU and ${train_price:g}/GPU-h, inference at {100 * inference_mfu:.0f}% "
        f"MFU and ${inference_price:g}/GPU-h: an inference FLOP costs {model.inference_weight:.3g} training FLOPs"
    )
    return CostModel(
        model.train_dollars_per_flop,
        model.inference_dollars_per_flop,
        absolute=peak_flops is not None and known_price,
        description=description,
    )


# -- inference-aware ---------------------------------------------------------------------------------------------


@guarded("inference_tokens")
def plan_inference_aware(
    preset: Preset,
    inference_tokens: ArrayLike,
    *,
    compute_flops: ArrayLike | None = None,
    loss: ArrayLike | None = None,
    unique_tokens: ArrayLike | None = None,
    decay: RepetitionDecay | None = None,
    cost: CostModel | None = None,
) -> Plan:
    """The model that reaches a loss at the least training plus inference compute (or dollars, with ``cost``)
    over ``inference_tokens`` lifetime tokens. The loss is the compute-optimal model's for ``compute_flops`` (the
    data-constrained optimum's, with ``unique_tokens``) or ``loss``; the saving is against that model."""
    law = chinchilla_law(preset, "inference_tokens")
    asked = [values for values in (compute_flops, loss) if values is not None]
    if len(asked) != 1:
        raise InputError("give either compute_flops or loss", param="inference_tokens")
    given, inference = np.broadcast_arrays(as_array(asked[0]), as_array(inference_tokens))
    warnings: tuple[str, ...] = ()
    constrained: DataConstrainedLaw | None = None
    unique = None
    if unique_tokens is not None:
        if decay is None:
            decay, warnings = repetition_decay(preset)
        unique = np.broadcast_to(as_array(unique_tokens), given.shape)
        constrained = DataConstrainedLaw(law, unique, decay)
    # the reference: the (data-constrained) compute-optimal model for the budget, or for the loss
    if compute_flops is not None:
        compute = given
        if constrained is not None:
            free_params, _ = law.allocate(compute)
            reference_params = optimal_params_for_budget(constrained, compute, free_params)
            reference_tokens = compute / (FLOPS_PER_PARAM_TOKEN * reference_params)
            target = constrained.loss(reference_params, reference_tokens)
        else:
            reference_params, reference_tokens = law.allocate(compute)
            target = law.loss(reference_params, reference_tokens)
    else:
        target = given
        check_loss_above_floor(law.E, target, preset.name)
        if constrained is not None:
            check_data_can_reach(constrained, target, preset.name)
            reference_params, reference_tokens = least_total_compute_constrained(
                constrained, target, np.zeros_like(target)
            )
        else:
            reference_params, reference_tokens = law.allocate(law.compute_for_loss(target))
    weight = 1.0 if cost is None else cost.inference_weight
    if constrained is not None:
        serving = INFERENCE_FLOPS_PER_PARAM_TOKEN * (inference * weight)
        n_params, n_tokens = least_total_compute_constrained(constrained, target, serving)
    else:
        n_params, n_tokens = least_total_compute(law, target, inference * weight)
    train = FLOPS_PER_PARAM_TOKEN * n_params * n_tokens
    serve = INFERENCE_FLOPS_PER_PARAM_TOKEN * n_params * inference
    reference_train = FLOPS_PER_PARAM_TOKEN * reference_params * reference_tokens
    reference_total = reference_train + INFERENCE_FLOPS_PER_PARAM_TOKEN * reference_params * inference
    columns = run_columns(train, n_params, n_tokens, target, unique)
    columns.update(
        {
            "inference_tokens": inference,
            "inference_flops": serve,
            "total_flops": train + serve,
            "compute_optimal_params": reference_params,
            "compute_optimal_tokens": reference_tokens,
            "compute_optimal_total_flops": reference_total,
            "saved_flops": reference_total - (train + serve),
            "total_saving": 1 - (train + serve) / reference_total,
        }
    )
    what = "training plus inference compute, 6 N D + 2 N I"
    if cost is not None:
        what = "training plus inference dollars"
        train_cost = train * cost.train_dollars_per_flop
        serve_cost = serve * cost.inference_dollars_per_flop
        reference_cost = (
            reference_train * cost.train_dollars_per_flop
            + INFERENCE_FLOPS_PER_PARAM_TOKEN * reference_params * inference * cost.inference_dollars_per_flop
        )
        if cost.absolute:
            columns.update(
                {
                    "train_cost": train_cost,
                    "inference_cost": serve_cost,
                    "total_cost": train_cost + serve_cost,
                    "compute_optimal_total_cost": reference_cost,
                }
            )
        columns["cost_saving"] = 1 - (train_cost + serve_cost) / reference_cost
    reference = "data-constrained compute-optimal" if unique is not None else "compute-optimal"
    notes: tuple[str, ...] = (
        f"inference-aware optimum (Sardana et al. 2024): the model reaching the same loss at the least {what}; "
        f"compute_optimal_*: the {reference} model for that loss, serving the same inference tokens",
        "flops is training compute; total_saving is the fraction of total FLOPs saved against the compute-optimal "
        "model",
    )
    if cost is not None:
        notes += (f"cost: {cost.description}" + ("" if cost.absolute else " (no GPU peak given: relative costs only)"),)
    if constrained is not None:
        notes += (f"repeated data (Muennighoff et al. 2023): {constrained.decay.source}",)
    question = ("flops" if compute_flops is not None else "loss") + "+inference_tokens"
    if unique is not None:
        question += "+unique_tokens"
    return Plan(preset.name, question, columns, warnings + extrapolation_warnings(preset, train, n_params), notes)


def least_total_compute(law: ChinchillaLaw, loss: Array, inference_tokens: Array) -> tuple[Array, Array]:
    """(N, D_train) minimising 6 N D + 2 N I on L(N, D) = loss, by bisection on t = log(x/r) (module docstring):
    g(t) = log 3 + log D(t) + log((alpha/beta) e^t - 1) - log I rises monotonically through zero."""
    loss, inference = np.broadcast_arrays(as_array(loss), as_array(inference_tokens))
    alpha, beta = float(law.alpha), float(law.beta)
    reducible = loss - law.E
    start = np.log(beta / alpha)  # the Chinchilla point, where the inference term vanishes

    def log_tokens(t: Array) -> Array:
        # r = reducible / (1 + e^t) so log D = (log B - log r) / beta
        return (np.log(law.B) - np.log(reducible) + np.logaddexp(0.0, t)) / beta

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_inference = np.log(inference)

        def past_root(t: Array) -> np.ndarray:
            return np.log(3.0) + log_tokens(t) + np.log(np.expm1(t - start)) - log_inference > 0

        low = np.full(loss.shape, start)
        low, high = bisect(past_root, low, low + 80.0, SEARCH_STEPS)
        t = np.where(inference > 0, 0.5 * (low + high), start)
        model_term = reducible / (1 + np.exp(-t))  # x = (l - E) e^t / (1 + e^t)
        n_params = (law.A / model_term) ** (1 / alpha)
        n_tokens = np.exp(log_tokens(t))
    return n_params, n_tokens
