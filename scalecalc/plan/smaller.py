"""Smaller (or larger) than optimal: the tokens and compute a model of a given size needs to reach a loss.

Harm de Vries 2023, "Go smol or go home", for any preset whose loss law has the Chinchilla form
L(N, D) = E + A/N^alpha + B/D^beta: the tokens a model of N parameters needs to reach a loss l,
D = (B / (l - E - A/N^alpha))^(1/beta), and its compute 6 N D against the least compute that reaches l. With
k_N = N / N_opt(l) the token factor is
    k_D = [1 - (k_N^-alpha - 1) (A/B) G^-(alpha+beta)]^(-1/beta) = [1 - (beta/alpha) (k_N^-alpha - 1)]^(-1/beta)
and the overhead k_N k_D - 1 depends on alpha, beta and k_N alone. This is not the overhead of
:func:`~scalecalc.plan.frontier.plan_fixed_size`, which fixes the budget instead of the loss (so its size ratio is
relative to the budget's optimal model, a larger one): with the ``chinchilla`` preset half size costs about +21%
here and about +16% there. With unique tokens the data may repeat (``scalecalc.plan.data_constrained``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from scalecalc.errors import InfeasiblePlanError
from scalecalc.laws import FLOPS_PER_PARAM_TOKEN
from scalecalc.laws.base import as_array
from scalecalc.plan.data_constrained import (
    DataConstrainedLaw,
    RepetitionDecay,
    check_data_can_reach,
    repetition_decay,
    smallest_params,
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


@guarded("n_params")
def plan_smaller_model(
    preset: Preset,
    loss: ArrayLike,
    n_params: ArrayLike,
    *,
    unique_tokens: ArrayLike | None = None,
    decay: RepetitionDecay | None = None,
) -> Plan:
    """Tokens a model of ``n_params`` needs to reach ``loss`` (repeating ``unique_tokens`` if given) and its
    compute overhead against the compute-optimal run to the same loss (de Vries 2023)."""
    law = chinchilla_law(preset, "n_params")
    target, n = np.broadcast_arrays(as_array(loss), as_array(n_params))
    check_loss_above_floor(law.E, target, preset.name)
    warnings: tuple[str, ...] = ()
    optimal_compute = law.compute_for_loss(target)
    optimal_params, optimal_tokens = law.allocate(optimal_compute)
    if unique_tokens is None:
        smallest = (law.A / (target - law.E)) ** (1 / law.alpha)
        too_small = n <= smallest
        if np.any(too_small):
            i = int(np.argmax(too_small))
            raise InfeasiblePlanError(
                f"a model of {n[i]:.3g} parameters never reaches loss {target[i]:g} under preset {preset.name}: its "
                f"model term alone leaves no room; any size above {smallest[i]:.3g} can (with enough tokens), and the "
                f"compute-optimal size for that loss is {optimal_params[i]:.3g}"
            )
        n_tokens = law.tokens_for_loss(n, target)
        unique = None
        repeated: tuple[str, ...] = ()
    else:
        if decay is None:
            decay, warnings = repetition_decay(preset)
        unique = np.broadcast_to(as_array(unique_tokens), target.shape)
        constrained = DataConstrainedLaw(law, unique, decay)
        check_data_can_reach(constrained, target, preset.name)
        n_tokens = constrained.tokens_for_loss(n, target)
        if np.any(~np.isfinite(n_tokens)):
            i = int(np.argmax(~np.isfinite(n_tokens)))
            smallest = smallest_params(constrained, target)
            best = float(constrained.loss(n, np.inf).reshape(-1)[i])
            raise InfeasiblePlanError(
                f"a model of {n[i]:.3g} parameters with {unique[i]:.3g} unique tokens never reaches loss {target[i]:g} "
                f"under preset {preset.name} (its best, with unlimited epochs, is {best:.4g}); use more than "
                f"{smallest[i]:.3g} parameters, or more unique tokens"
            )
        repeated = (
            f"repeated data (Muennighoff et al. 2023): {decay.source}; "
            "the optimum it is compared with is unconstrained",
        )
    compute = FLOPS_PER_PARAM_TOKEN * n * n_tokens
    columns = run_columns(compute, n, n_tokens, target, unique)
    columns.update(
        {
            "optimal_params": optimal_params,
            "optimal_tokens": optimal_tokens,
            "compute_optimal_flops": optimal_compute,
            "size_ratio": n / optimal_params,
            "token_ratio": n_tokens / optimal_tokens,
            "compute_overhead": compute / optimal_compute - 1,
        }
    )
    notes: tuple[str, ...] = (
        "compute_overhead: extra compute over the compute-optimal run that reaches the same loss, for a model "
        "size_ratio times that run's size (de Vries 2023); it depends only on alpha, beta and size_ratio",
        "this is not the overhead `plan --flops C --params N` reports: that fixes the budget, not the loss, so its "
        "size is relative to the budget's (larger) optimal model (chinchilla preset, half size: +21% here, +16% there)",
        *repeated,
    )
    question = "loss+params" + ("+unique_tokens" if unique is not None else "")
    return Plan(preset.name, question, columns, warnings + extrapolation_warnings(preset, compute, n), notes)
