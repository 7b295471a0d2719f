"""Intervals over a preset's draws: how sure it is of the loss a run reaches, and of the allocation of a budget.

The draws are a fitted preset's bootstrap (``fit --save``) or samples from a published covariance (Besiroglu et
al. 2024 for epoch-2024); :attr:`~scalecalc.presets.Preset.interval_source` says which. Each draw's law gives a
value; the interval is the central ``interval_level`` percentile interval over draws. This is the uncertainty of
the fitted constants only: not run-to-run noise, nor whether the law holds beyond its data.

Cost: a percentile over 1,000 draws per row would make a 100,000-row plan take tens of seconds. The bounds are
smooth functions of the logs of the inputs, so they are computed at the nodes of a fixed grid in those logs
(spacing ``GRID_STEP``, fixed, so a row's interval does not depend on the other rows) and interpolated
multilinearly; only the nodes around the rows are evaluated. Rows scattered so widely that they are fewer than
their nodes are evaluated themselves (exact; they differ from the interpolation by its error, ~1e-5 relative for
losses and ~2e-4 for allocations: tests/test_intervals.py compares the two).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np

from scalecalc._numeric import percentile_interval, sorted_unique
from scalecalc.laws.base import Array
from scalecalc.presets import Preset

GRID_STEP = 0.02  # in natural-log units: nodes 2% apart in each input
_ELEMENTS_PER_CHUNK = 2_000_000  # draws x nodes evaluated at once: ~16 MB


def loss_interval(
    preset: Preset, n_params: Array, n_tokens: Array, unique_tokens: Array | None = None, decay=None
) -> tuple[Array, Array] | None:
    """(low, high) of each run's loss over the preset's draws, or None where the preset has no draws. With
    ``unique_tokens`` (and the :class:`~scalecalc.plan.data_constrained.RepetitionDecay` ``decay``) the loss is
    Muennighoff et al.'s, on effective parameters and data."""
    if not preset.draws or preset.loss_law is None:
        return None
    law = draw_laws(preset)
    if unique_tokens is None:
        logs = np.log(np.broadcast_arrays(n_params, n_tokens))

        def losses(nodes: Array) -> Array:
            return law.loss(np.exp(nodes[0])[None, :], np.exp(nodes[1])[None, :])

    else:
        from scalecalc.plan.data_constrained import DataConstrainedLaw

        logs = np.log(np.broadcast_arrays(n_params, n_tokens, unique_tokens))

        def losses(nodes: Array) -> Array:
            constrained = DataConstrainedLaw(law, np.exp(nodes[2])[None, :], decay)  # type: ignore[arg-type]
            return constrained.loss(np.exp(nodes[0])[None, :], np.exp(nodes[1])[None, :])

    return grid_interval(losses, logs, preset.interval_level)


def draw_laws(preset: Preset):
    """The preset's loss law with one row of constants per draw (shape (draws, 1)), to broadcast against rows."""
    return type(preset.loss_law).from_constants({k: v[:, None] for k, v in preset.draws.items()})  # type: ignore[union-attr]


def grid_interval(evaluate: Callable[[Array], Array], logs: Array, level: float) -> tuple[Array, Array]:
    """Percentile bounds of ``evaluate`` over draws at each column of ``logs`` (inputs x rows, natural logs),
    interpolated from the surrounding nodes of the fixed grid. ``evaluate`` takes nodes (inputs x nodes) and
    returns values (draws x nodes)."""
    scaled = logs / GRID_STEP
    cells = np.floor(scaled)
    fraction = scaled - cells
    corners = [np.array(corner)[:, None] for corner in itertools.product((0, 1), repeat=len(logs))]
    lower = cells.astype(np.int64)
    origin = lower.min(axis=1, keepdims=True)
    lower -= origin
    shape = tuple(lower.max(axis=1) + 2)  # room for the upper corners
    # each node as one integer key (unique on a 1-D integer array is ~50x faster than on columns); the nodes
    # are the corners of the occupied cells, found from the cells alone so that memory stays a few arrays of rows
    occupied = np.array(np.unravel_index(sorted_unique(np.ravel_multi_index(tuple(lower), shape)), shape))
    keys = sorted_unique(np.concatenate([np.ravel_multi_index(tuple(occupied + corner), shape) for corner in corners]))
    if len(keys) >= logs.shape[1]:  # rows scattered over the grid: the rows themselves are fewer to evaluate
        return _percentiles(evaluate, logs, level)
    nodes = np.array(np.unravel_index(keys, shape)) + origin
    node_low, node_high = _percentiles(evaluate, nodes * GRID_STEP, level)
    low, high = np.zeros(logs.shape[1]), np.zeros(logs.shape[1])
    for corner in corners:
        where = np.searchsorted(keys, np.ravel_multi_index(tuple(lower + corner), shape))
        weight = np.prod([f if c else 1 - f for f, c in zip(fraction, corner[:, 0], strict=True)], axis=0)
        low += weight * node_low[where]
        high += weight * node_high[where]
    return low, high


def _percentiles(evaluate: Callable[[Array], Array], points: Array, level: float) -> tuple[Array, Array]:
    """Percentile bounds over draws of ``evaluate`` at each column of ``points``, a chunk of columns at a time."""
    low, high = np.empty(points.shape[1]), np.empty(points.shape[1])
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # a draw may blow up far from its data
        draws = int(np.shape(evaluate(points[:, :1]))[0])
        step = max(1, _ELEMENTS_PER_CHUNK // draws)
        for start in range(0, points.shape[1], step):
            part = slice(start, start + step)
            low[part], high[part] = percentile_interval(evaluate(points[:, part]), level, axis=0)
    return low, high


def interval_note(preset: Preset, name: str = "loss") -> str:
    """Where ``name``_low/``name``_high come from, for the notes under a table."""
    draws = len(next(iter(preset.draws.values())))
    return (
        f"{name}_low-{name}_high: {preset.interval_level:.0%} interval from {preset.interval_source} of "
        f"preset {preset.name}'s constants ({draws} draws); fit uncertainty only, not run-to-run noise"
    )
