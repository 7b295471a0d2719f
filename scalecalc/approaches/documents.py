"""Preset documents from an allocation fit (``--save``) and the JSON form of one law.

(To join the other preset documents in one module when the presets package exists.)
"""

from __future__ import annotations

from collections.abc import Mapping

from scalecalc.approaches.allocation_fit import AllocationLaw


def allocation_preset(
    name: str,
    params_law: AllocationLaw,
    *,
    title: str,
    citation: str,
    source: str,
    params_convention: str,
    loss_description: str,
    fitted_flops: tuple[float, float],
    fitted_params: tuple[float, float],
    notes: str = "",
) -> dict:
    """A preset document (schema in presets.py) holding the fitted allocation N_opt = k_N C^a."""
    document: dict = {
        "schema_version": 1,
        "name": name,
        "title": title,
        "citation": citation,
    }
    if notes:
        document["notes"] = notes
    document["conventions"] = {"params": params_convention, "compute": "flops", "loss": loss_description}
    document["fitted_range"] = {"flops": [float(v) for v in fitted_flops], "params": [float(v) for v in fitted_params]}
    document["allocation"] = {
        "form": "power",
        "variable": "params",
        "compute_unit": "flops",
        "coefficient": {"value": float(params_law.coefficient), "source": source},
        "exponent": {"value": float(params_law.exponent), "source": source},
    }
    return document


def law_document(law: AllocationLaw, level: float) -> Mapping[str, object]:
    return {
        "coefficient": law.coefficient,
        "exponent": law.exponent,
        "coefficient_interval": [law.coefficient_low, law.coefficient_high],
        "exponent_interval": [law.exponent_low, law.exponent_high],
        "level": level,
    }
