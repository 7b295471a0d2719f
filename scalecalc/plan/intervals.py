"""Loss intervals: how sure a preset is of the loss a run reaches, from draws of its loss law's constants.

The draws are a fitted preset's bootstrap (``fit --save``) or samples from a published covariance (Besiroglu et
al. 2024 for epoch-2024); :attr:`~scalecalc.presets.Preset.interval_source` says which. Each draw's law gives the
run's loss; the interval is the central ``interval_level`` percentile interval over draws. This is the
uncertainty of the fitted constants only: not run-to-run noise, nor whether the law holds beyond its data.
"""

from __future__ import annotations

import numpy as np

from scalecalc._numeric import percentile_interval
from scalecalc.laws.base import Array
from scalecalc.presets import Preset

# Rows evaluated at once: draws x rows floats stay near 16 MB however many rows a batch plan has.
_ELEMENTS_PER_CHUNK = 2_000_000


def loss_interval(
    preset: Preset, n_params: Array, n_tokens: Array, unique_tokens: Array | None = None, decay=None
) -> tuple[Array, Array] | None:
    """(low, high) of each run's loss over the preset's draws, or None where the preset has no draws. With
    ``unique_tokens`` (and the :class:`~scalecalc.plan.data_constrained.RepetitionDecay` ``decay``) the loss is
    Muennighoff et al.'s, on effective parameters and data."""
    if not preset.draws or preset.loss_law is None:
        return None
    law = type(preset.loss_law).from_constants({k: v[:, None] for k, v in preset.draws.items()})  # type: ignore[attr-defined]
    if unique_tokens is not None:
        from scalecalc.plan.data_constrained import DataConstrainedLaw

        n_params, n_tokens, unique_tokens = np.broadcast_arrays(n_params, n_tokens, unique_tokens)
    else:
        n_params, n_tokens = np.broadcast_arrays(n_params, n_tokens)
    n_draws = len(next(iter(preset.draws.values())))
    step = max(1, _ELEMENTS_PER_CHUNK // n_draws)
    low, high = np.empty(n_params.shape), np.empty(n_params.shape)
    for start in range(0, n_params.size, step):
        rows = slice(start, start + step)
        if unique_tokens is not None:
            evaluated = DataConstrainedLaw(law, unique_tokens[rows][None, :], decay)  # type: ignore[arg-type]
        else:
            evaluated = law
        with np.errstate(over="ignore", invalid="ignore"):  # a draw may overflow far outside its data: dropped
            losses = evaluated.loss(n_params[rows][None, :], n_tokens[rows][None, :])
        low[rows], high[rows] = percentile_interval(losses, preset.interval_level, axis=0)
    return low, high


def interval_note(preset: Preset, name: str = "loss") -> str:
    """Where ``name``_low/``name``_high come from, for the notes under a table."""
    draws = len(next(iter(preset.draws.values())))
    return (
        f"{name}_low-{name}_high: {preset.interval_level:.0%} interval from {preset.interval_source} of "
        f"preset {preset.name}'s constants ({draws} draws); fit uncertainty only, not run-to-run noise"
    )
