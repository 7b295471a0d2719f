"""scalecalc: a scaling-law calculator for people who train neural networks.

The library API (no printing, no exits) for notebooks::

    from scalecalc import load_preset, plan_compute
    plan = plan_compute(load_preset("epoch-2024"), [1e23, 1e24])
    plan.columns["params"], plan.columns["tokens"]

Errors are :class:`scalecalc.errors.ScalecalcError` subclasses.
"""

from __future__ import annotations

__version__ = "0.1.0"

from scalecalc.errors import (
    FitError,
    InfeasiblePlanError,
    InputError,
    PresetError,
    ScalecalcError,
)
from scalecalc.laws import ChinchillaLaw, KaplanLaw, PowerAllocation, TokensPerParam
from scalecalc.plan import (
    Plan,
    compute_for_loss,
    plan_compute,
    plan_fixed_size,
    plan_loss,
    plan_params,
    plan_run,
    plan_tokens,
)
from scalecalc.presets import Preset, load_all_presets, load_preset
from scalecalc.runs import read_observations, read_table
from scalecalc.units import format_count, format_scientific, parse_quantity

__all__ = [
    "ChinchillaLaw",
    "FitError",
    "InfeasiblePlanError",
    "InputError",
    "KaplanLaw",
    "Plan",
    "PowerAllocation",
    "Preset",
    "PresetError",
    "ScalecalcError",
    "TokensPerParam",
    "compute_for_loss",
    "format_count",
    "format_scientific",
    "load_all_presets",
    "load_preset",
    "parse_quantity",
    "plan_compute",
    "plan_fixed_size",
    "plan_loss",
    "plan_params",
    "plan_run",
    "plan_tokens",
    "read_observations",
    "read_table",
]
