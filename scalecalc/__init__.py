"""scalecalc: a scaling-law calculator for people who train neural networks.

The library API (no printing, no exits) for notebooks::

    from scalecalc import load_preset, plan_compute
    plan = plan_compute(load_preset("epoch-2024"), [1e23, 1e24])
    plan.columns["params"], plan.columns["tokens"]

Errors are :class:`scalecalc.errors.ScalecalcError` subclasses.
"""

from __future__ import annotations

__version__ = "0.1.0"

from typing import TYPE_CHECKING

from scalecalc._lazy import lazy_exports

# Names load on first use (PEP 562), so that `import scalecalc` is cheap: the command line installs its Ctrl-C
# handling before numpy and the laws are imported, and a notebook pays only for what it uses.
_HOMES = {
    **dict.fromkeys(("FitError", "InfeasiblePlanError", "InputError", "PresetError", "ScalecalcError"), "errors"),
    **dict.fromkeys(("ChinchillaLaw", "KaplanLaw", "PowerAllocation", "TokensPerParam"), "laws"),
    **dict.fromkeys(
        ("Plan", "compute_for_loss", "plan_compute", "plan_fixed_size", "plan_loss", "plan_params", "plan_run",
         "plan_tokens"),
        "plan",
    ),  # fmt: skip
    **dict.fromkeys(("Preset", "load_all_presets", "load_preset"), "presets"),
    **dict.fromkeys(("read_observations", "read_table"), "runs"),
    **dict.fromkeys(("format_count", "format_scientific", "parse_quantity"), "units"),
}

if TYPE_CHECKING:
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


__getattr__ = lazy_exports(__name__, _HOMES)


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
