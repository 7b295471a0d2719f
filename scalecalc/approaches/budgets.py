"""Grouping runs into compute budgets, the first step of an isoFLOP analysis (Approach 2).

Runs of one budget share a nominal compute C; measured compute scatters around it, so runs within ``tolerance``
(10% by default) are one budget, or each run joins the nearest of the budgets the user names.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scalecalc.errors import InputError

DEFAULT_SNAP = 0.1  # runs whose compute differs by less than 10% belong to one budget


@dataclass(frozen=True)
class Grouping:
    """Each run's budget: ``budgets[index[i]]`` is the nominal budget of run ``i``."""

    budgets: np.ndarray
    index: np.ndarray
    max_deviation: float  # largest |C_run / C_budget - 1| over all runs
    description: str
    left_out: str = ""  # a warning when runs fit no --budgets value (their index is -1)


def group_budgets(
    compute_flops: np.ndarray,
    *,
    tolerance: float = DEFAULT_SNAP,
    nominal: Sequence[float] | None = None,
    locations: Sequence[str] = (),
) -> Grouping:
    """Group runs into compute budgets.

    With ``nominal`` budgets each run joins the nearest one (in log space) if it lies within ``tolerance`` of
    it; runs farther from every budget get index -1 (left out, and ``description`` says so). Without, runs are
    clustered: sorted by compute, a budget collects runs up to ``tolerance`` above its first run, and the next
    run beyond starts a new one (so a budget never spans more than ``tolerance``, however densely runs fill
    the gaps). A cluster whose runs all carry the same value keeps it (a column of nominal budgets is used as
    it is); a scattered cluster is named by its geometric mean rounded to two significant digits.
    """
    compute = np.asarray(compute_flops, dtype=float)
    if not 0 <= tolerance < math.inf:  # also refuses NaN
        raise InputError(f"{tolerance} must be zero or a positive fraction such as 0.1", param="tolerance")
    log_c = np.log10(compute)
    gap = math.log10(1 + tolerance) + 1e-12
    if nominal is not None:
        given = np.unique(np.asarray(nominal, dtype=float))
        distance = np.abs(log_c[:, None] - np.log10(given)[None, :])
        nearest = np.argmin(distance, axis=1)
        inside = distance[np.arange(len(compute)), nearest] <= gap
        if not inside.any():
            worst = 0
            where = locations[worst] if locations else f"run {worst + 1}"
            raise InputError(
                f"{where}: compute {compute[worst]:.4g} is not within {tolerance:.0%} of any budget in "
                f"`nominal_budgets` (nearest {given[nearest[worst]]:.3g}), nor is any other run; check the budgets "
                "or widen `snap`"
            )
        used = np.unique(nearest[inside])
        remap = np.full(len(given), -1)
        remap[used] = np.arange(len(used))
        index = np.where(inside, remap[nearest], -1)
        deviation = float(np.max(np.abs(compute[inside] / given[nearest[inside]] - 1)))
        description = (
            f"runs snapped to the nearest of the {len(given)} budgets given with `nominal_budgets` "
            f"(largest deviation {deviation:.1%})"
        )
        outside = np.flatnonzero(~inside)
        left_out = ""
        if len(outside):
            first = int(outside[0])
            where = locations[first] if locations else f"run {first + 1}"
            left_out = (
                f"{len(outside)} runs farther than {tolerance:.0%} from every budget in `nominal_budgets` left out "
                f"(the first: {where}, compute {compute[first]:.4g}); add their budget or widen `snap`"
            )
        return Grouping(given[used], index, deviation, description, left_out)
    order = np.argsort(log_c, kind="stable")
    cluster = np.empty(len(compute), dtype=int)
    current, start = -1, -math.inf
    for position in order:
        if log_c[position] - start > gap:
            current, start = current + 1, log_c[position]
        cluster[position] = current
    budgets = np.empty(current + 1)
    scattered = 0
    for k in range(len(budgets)):
        members = compute[cluster == k]
        if np.all(members == members[0]):
            budgets[k] = members[0]
        else:
            scattered += 1
            budgets[k] = float(f"{np.exp(np.mean(np.log(members))):.2g}")
    deviation = float(np.max(np.abs(compute / budgets[cluster] - 1)))
    if scattered == 0:
        description = f"{len(budgets)} budgets read as given (every run of a budget has the same compute)"
    else:
        description = (
            f"measured compute of {len(compute)} runs snapped to {len(budgets)} budgets: each budget takes the runs "
            f"up to {tolerance:.0%} above its smallest, named by their geometric mean to 2 significant digits "
            f"(largest deviation {deviation:.1%}; set with `snap`, or give the budgets with `nominal_budgets`)"
        )
    return Grouping(budgets, cluster, deviation, description)


def lowest_loss_per_size(groups: np.ndarray, n_params: np.ndarray, loss: np.ndarray) -> np.ndarray:
    """Mask keeping, for each (group, size), the one row with the lowest loss (the first of equal ones)."""
    order = np.lexsort((loss, n_params, groups))  # by group, then size, then loss
    g, n = groups[order], n_params[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (g[1:] != g[:-1]) | (n[1:] != n[:-1])
    keep = np.zeros(len(order), dtype=bool)
    keep[order[first]] = True
    return keep
