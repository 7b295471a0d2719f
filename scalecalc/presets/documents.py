"""Preset documents made from results, so that a fit (or an allocation law) can be saved and planned with.

A document follows the preset schema (:mod:`scalecalc.presets.laws`); :func:`~scalecalc.presets.laws.dump_preset`
validates it and turns it into YAML.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from scalecalc.errors import InputError
from scalecalc.presets.laws import PARAM_CONVENTIONS, RANGE_KEYS

if TYPE_CHECKING:
    from scalecalc.approaches.allocation_fit import AllocationLaw
    from scalecalc.fitting import FitResult


def from_fit(result: FitResult, *, name: str, params_convention: str) -> dict[str, Any]:
    """A preset document named ``name`` for the fit: constants with their source, the fitted data range and
    the bootstrap draws that give `plan` and `predict --then` their intervals. ``params_convention`` says
    how the runs counted parameters (one of :data:`PARAM_CONVENTIONS`). Write it with :func:`dump_preset`."""
    if params_convention not in PARAM_CONVENTIONS:
        raise InputError(
            f"is {params_convention!r}; use one of {', '.join(PARAM_CONVENTIONS)}", param="params_convention"
        )
    for symbol, value in result.constants.items():
        if not (np.isfinite(value) and value > 0):
            raise InputError(
                f"the fitted {symbol} is {value:g}; a preset holds positive constants only (fix {symbol} "
                f"at a positive value with `fixed` {symbol}=..., or keep it off zero with `bounds` {symbol}=LOW:HIGH)",
                param="result",
            )
    today = datetime.date.today().isoformat()
    objective = result.objective
    how = f"{objective['name']}" + (f" (delta {objective['delta']:g})" if "delta" in objective else "")
    origin = f"scalecalc fit of {result.source} ({result.n_points} runs, {how} on log loss, {today})"

    def source(symbol: str) -> str:
        if symbol in result.fixed:
            return f"fixed by --fix in {origin}"
        spread = result.interval(symbol)
        if spread is None or result.bootstrap is None:
            return origin
        level = f"{result.bootstrap.level:.0%}"
        return f"{origin}; bootstrap SE {spread[0]:.4g}, {level} interval {spread[1]:.4g} to {spread[2]:.4g}"

    loss: dict[str, Any] = {"form": result.form}
    if result.variable is not None:
        loss["variable"] = result.variable
    loss["constants"] = {
        symbol: {"value": float(value), "source": source(symbol)} for symbol, value in result.constants.items()
    }
    document: dict[str, Any] = {
        "schema_version": 1,
        "name": name,
        "title": f"{result.form} law fitted by scalecalc to {result.source}",
        "citation": origin,
        "conventions": {
            "params": params_convention,
            "compute": "flops",
            "loss": f"as in {result.source}, column {result.columns.get('loss', 'loss')!r}",
        },
        "fitted_range": {
            key: [float(low), float(high)] for key, (low, high) in result.ranges.items() if key in RANGE_KEYS
        },
        "loss": loss,
    }
    if result.form == "kaplan":
        from scalecalc.fitting.diagnostics import kaplan_allocation

        exponent, log_k = kaplan_allocation(result.constants)
        document["allocation"] = {
            "form": "power",
            "variable": "params",
            "compute_unit": "flops",
            "coefficient": {
                "value": float(np.exp(log_k)),
                "source": f"closed-form optimum of the fitted Kaplan law, {origin}",
            },
            "exponent": {"value": float(exponent), "source": "alpha_D / (alpha_N + alpha_D) of the fitted Kaplan law"},
        }
    if result.variable is not None and result.variable not in RANGE_KEYS:
        document["conventions"]["loss"] += f", against column {result.variable!r}"
    if result.bootstrap is not None:  # `plan` (Chinchilla form) and `predict --then` draw intervals from these
        draws = result.bootstrap.draws
        document["uncertainty"] = {
            "method": f"bootstrap over runs ({result.bootstrap.resamples} resamples, seed {result.bootstrap.seed})",
            "level": result.bootstrap.level,
            "draws": {symbol: [float(v) for v in np.asarray(draws[symbol])] for symbol in result.constants},
        }
    return document


def from_allocation(
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
    """A preset document holding a fitted allocation N_opt = k_N C^a (isoFLOP or envelope analysis, ``--save``)."""
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
