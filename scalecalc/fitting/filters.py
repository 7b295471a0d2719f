"""Filters real sweeps need before a fit: the best run per (N, D), dropping the worst runs, a compute range.

Each takes and returns :class:`~scalecalc.runs.Observations` plus a one-line note saying what it did.
"""

from __future__ import annotations

import numpy as np

from scalecalc.errors import FitError
from scalecalc.runs import Observations


def select(observations: Observations, keep: np.ndarray) -> Observations:
    """The rows where ``keep`` (a boolean mask or index array) holds, in their original order."""
    index = np.flatnonzero(keep) if np.asarray(keep).dtype == bool else np.sort(np.asarray(keep))
    locations = [observations.locations[int(i)] for i in index] if len(observations.locations) else []
    return Observations(
        source=observations.source,
        n_params=observations.n_params[index],
        n_tokens=observations.n_tokens[index],
        compute_flops=observations.compute_flops[index],
        loss=observations.loss[index],
        columns=observations.columns,
        derived=observations.derived,
        locations=locations,
        x=None if observations.x is None else observations.x[index],
    )


def best_per_group(observations: Observations) -> tuple[Observations, str]:
    """Keep the lowest-loss row of each (N, D) pair, as after a learning-rate sweep. Sizes are compared
    to 9 significant digits so that values written with different precision still group."""
    keys = np.column_stack([_round_significant(observations.n_params), _round_significant(observations.n_tokens)])
    order = np.lexsort((observations.loss, keys[:, 1], keys[:, 0]))
    sorted_keys = keys[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = np.any(sorted_keys[1:] != sorted_keys[:-1], axis=1)
    kept = select(observations, order[first])
    dropped = len(observations) - len(kept)
    return (
        kept,
        f"kept the lowest-loss run of each (N, D) pair: {len(kept)} of {len(observations)} runs ({dropped} dropped)",
    )


def drop_highest(observations: Observations, count: int) -> tuple[Observations, str]:
    """Drop the ``count`` runs with the highest loss (Besiroglu et al. 2024 drop 5 of Hoffmann's 245)."""
    if count < 0:
        raise FitError(f"is {count}; give a count of zero or more", param="count")
    if count >= len(observations):
        raise FitError(f"{count}: the data hold only {len(observations)} runs", param="count")
    if count == 0:
        return observations, ""
    keep = np.argsort(observations.loss, kind="stable")[: len(observations) - count]
    worst = np.sort(observations.loss)[-count:]
    return select(observations, keep), f"dropped the {count} highest-loss runs (loss {worst[0]:.4g} to {worst[-1]:.4g})"


def compute_range(observations: Observations, low: float | None, high: float | None) -> tuple[Observations, str]:
    """Keep runs with low <= C <= high (either bound may be None)."""
    if low is None and high is None:
        return observations, ""
    if low is not None and high is not None and low > high:
        raise FitError(f"{low:g} is above the upper end {high:g}", param="low")
    c = observations.compute_flops
    keep = np.ones(len(c), dtype=bool)
    if low is not None:
        keep &= c >= low * (1 - 1e-12)
    if high is not None:
        keep &= c <= high * (1 + 1e-12)
    if not np.any(keep):
        raise FitError(
            f"no run lies in the compute range [{low or 0:g}, {high or np.inf:g}] FLOPs; the data span "
            f"{np.min(c):.3g} to {np.max(c):.3g}"
        )
    span = f"[{'-' if low is None else f'{low:.3g}'}, {'-' if high is None else f'{high:.3g}'}]"
    return select(observations, keep), f"kept {int(np.sum(keep))} of {len(c)} runs with compute in {span} FLOPs"


def _round_significant(values: np.ndarray, digits: int = 9) -> np.ndarray:
    exponent = np.floor(np.log10(np.abs(values)))
    return np.round(values / 10.0**exponent, digits - 1) * 10.0**exponent
