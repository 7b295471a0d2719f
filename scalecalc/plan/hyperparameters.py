"""The batch size and peak learning rate to train a run with, from the published laws of presets that have them.

A preset's ``hyperparameters`` section (:class:`~scalecalc.laws.hyperparameters.HyperparameterLaws`) gives the
optimal batch size in tokens and the peak learning rate as power laws of C = 6ND, N and D. For a run of N
parameters on D tokens this module gives both, the batch in sequences of a given length, and the optimizer steps
D / B; :func:`with_hyperparameters` adds them to a plan's rows and :func:`recommend_hyperparameters` answers for
several laws at once, with their spread. Every law was fitted on small runs: a run outside its fitted range
draws a warning, since the exponents are then extrapolated (often by orders of magnitude).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from scalecalc.errors import InputError
from scalecalc.laws import FLOPS_PER_PARAM_TOKEN
from scalecalc.laws.base import Array, as_array
from scalecalc.laws.hyperparameters import HyperparameterLaws
from scalecalc.plan.frontier import Plan
from scalecalc.presets import Preset

HYPERPARAMETER_COLUMNS = ("batch_tokens", "batch_sequences", "learning_rate", "steps")


@dataclass(frozen=True)
class Recommendation:
    """Rows of (law, run): the preset each row's law comes from, then run and hyperparameter columns."""

    presets: list[str]
    columns: dict[str, Array]
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def hyperparameter_laws(preset: Preset, param: str = "hyperparameters") -> HyperparameterLaws:
    """The preset's hyperparameter laws, or an error naming the presets that have them."""
    if preset.hyperparameters is None:
        raise InputError(
            f"preset {preset.name} has no hyperparameter laws; use deepseek-2024 or steplaw-2025", param=param
        )
    return preset.hyperparameters


def hyperparameter_columns(
    laws: HyperparameterLaws, n_params: Array, n_tokens: Array, seq_len: float | None = None
) -> dict[str, Array]:
    """batch_tokens, batch_sequences (given ``seq_len``), learning_rate and steps = D / batch for each run."""
    batch = laws.batch_size(n_params, n_tokens)
    columns = {"batch_tokens": batch}
    if seq_len is not None:
        columns["batch_sequences"] = batch / seq_len
    columns["learning_rate"] = laws.learning_rate(n_params, n_tokens)
    columns["steps"] = as_array(n_tokens) / batch
    return columns


def range_warnings(name: str, laws: HyperparameterLaws, n_params: Array, n_tokens: Array) -> tuple[str, ...]:
    """One warning per quantity outside the range the preset's hyperparameter laws were fitted on."""
    values = {"flops": FLOPS_PER_PARAM_TOKEN * n_params * n_tokens, "params": n_params, "tokens": n_tokens}
    warnings = []
    for key, (low, high) in laws.fitted_range.items():
        given = values[key]
        largest, smallest = float(np.nanmax(given)), float(np.nanmin(given))
        outside = [f"{largest:.3g} is {largest / high:.3g}x above {high:.3g}"] if largest > high else []
        outside += [f"{smallest:.3g} is {low / smallest:.3g}x below {low:.3g}"] if smallest < low else []
        if outside:
            warnings.append(
                f"{name}'s batch size and learning rate laws were fitted on {key} {low:.3g} to {high:.3g}; "
                f"{' and '.join(outside)}: an extrapolation"
            )
    return tuple(warnings)


def _notes(name: str, laws: HyperparameterLaws) -> tuple[str, ...]:
    return (
        f"hyperparameters from {name}: batch_tokens = {laws.batch_size.formula}, learning_rate (peak) = "
        f"{laws.learning_rate.formula}, steps = tokens / batch_tokens; params as {laws.params_convention} "
        f"({laws.compute_convention})",
    )


def with_hyperparameters(plan: Plan, preset: Preset, seq_len: float | None = None) -> Plan:
    """``plan`` with the batch size, learning rate and steps of ``preset``'s laws for each of its runs."""
    laws = hyperparameter_laws(preset)
    n, d = plan.columns["params"], plan.columns["tokens"]
    columns = {**plan.columns, **hyperparameter_columns(laws, n, d, seq_len)}
    warnings = plan.warnings + range_warnings(preset.name, laws, n, d)
    return replace(plan, columns=columns, warnings=warnings, notes=plan.notes + _notes(preset.name, laws))


def recommend_hyperparameters(
    presets: Sequence[Preset], n_params: Array, n_tokens: Array, seq_len: float | None = None
) -> Recommendation:
    """One row per (preset, run): each law's batch size, learning rate and steps, and how far the laws disagree
    for each run (the spread, as `compare` shows it for allocations)."""
    n, d = np.broadcast_arrays(as_array(n_params), as_array(n_tokens))
    names: list[str] = []
    parts: list[dict[str, Array]] = []
    warnings: list[str] = []
    notes: list[str] = []
    for preset in presets:
        laws = hyperparameter_laws(preset, "presets")
        columns = {"params": n, "tokens": d, "flops": FLOPS_PER_PARAM_TOKEN * n * d}
        columns.update(hyperparameter_columns(laws, n, d, seq_len))
        parts.append(columns)
        names += [preset.name] * len(n)
        warnings += range_warnings(preset.name, laws, n, d)
        notes += _notes(preset.name, laws)
    merged = {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}
    if len(presets) >= 2:
        notes += _spread_notes(merged, len(n))
    return Recommendation(names, merged, tuple(warnings), tuple(notes))


def _spread_notes(columns: dict[str, Array], runs: int) -> list[str]:
    notes = []
    for run in range(runs):
        rows = slice(run, None, runs)  # this run's row under every law
        spans = []
        for key, label in (("batch_tokens", "batch size (tokens)"), ("learning_rate", "learning rate")):
            low, high = float(np.min(columns[key][rows])), float(np.max(columns[key][rows]))
            spans.append(f"{label} from {low:.3g} to {high:.3g} ({high / low:.1f}x)")
        where = f"{columns['params'][run]:.3g} params on {columns['tokens'][run]:.3g} tokens"
        notes.append(f"at {where} the laws range in {' and '.join(spans)}")
    return notes
