"""Questions about one training run or budget under a preset, each answered as a :class:`Plan`.

- ``frontier``: the compute-optimal frontier (a budget, a size, tokens, a loss) and runs off it.
- ``data_constrained``: only so many unique tokens exist (Muennighoff et al. 2023).
- ``inference``: training plus lifetime inference compute or dollars (Sardana et al. 2024).
- ``smaller``: a model of a given size at a target loss (de Vries 2023).
- ``request``: :class:`PlanRequest` and :func:`answer`, the one place that decides which question was asked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scalecalc._lazy import lazy_exports

# Names load on first use (PEP 562): `plan --flops` needs the frontier alone, not the data-constrained,
# inference-aware and smaller-model planners (the cold start of `scalecalc plan` is benchmarked).
_HOMES = {
    **dict.fromkeys(
        ("DataConstrainedLaw", "RepetitionDecay", "plan_data_constrained", "plan_data_constrained_loss",
         "repetition_decay"),
        "data_constrained",
    ),
    **dict.fromkeys(
        ("Plan", "compute_for_loss", "plan_compute", "plan_fixed_size", "plan_loss", "plan_params", "plan_run",
         "plan_tokens"),
        "frontier",
    ),
    **dict.fromkeys(("CostModel", "cost_from_options", "least_total_compute", "plan_inference_aware"), "inference"),
    **dict.fromkeys(("PlanRequest", "answer"), "request"),
    "plan_smaller_model": "smaller",
}  # fmt: skip

if TYPE_CHECKING:
    from scalecalc.plan.data_constrained import (
        DataConstrainedLaw,
        RepetitionDecay,
        plan_data_constrained,
        plan_data_constrained_loss,
        repetition_decay,
    )
    from scalecalc.plan.frontier import (
        Plan,
        compute_for_loss,
        plan_compute,
        plan_fixed_size,
        plan_loss,
        plan_params,
        plan_run,
        plan_tokens,
    )
    from scalecalc.plan.inference import CostModel, cost_from_options, least_total_compute, plan_inference_aware
    from scalecalc.plan.request import PlanRequest, answer
    from scalecalc.plan.smaller import plan_smaller_model


__getattr__ = lazy_exports(__name__, _HOMES)


__all__ = [
    "CostModel",
    "DataConstrainedLaw",
    "Plan",
    "PlanRequest",
    "RepetitionDecay",
    "answer",
    "compute_for_loss",
    "cost_from_options",
    "least_total_compute",
    "plan_compute",
    "plan_data_constrained",
    "plan_data_constrained_loss",
    "plan_fixed_size",
    "plan_inference_aware",
    "plan_loss",
    "plan_params",
    "plan_run",
    "plan_smaller_model",
    "plan_tokens",
    "repetition_decay",
]
