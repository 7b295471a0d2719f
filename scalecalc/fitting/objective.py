"""Penalties on log-space residuals and the constraint map from free to full parameter vectors.

The objective of a fit is the SUM over points of a penalty rho on the residual r_i = log L_hat_i - log L_i
(Hoffmann et al. 2022, App. D.2, Eq. 3). Summing rather than averaging matters: with delta = 1e-3 a mean
makes the gradient tiny and L-BFGS stops early (Besiroglu et al. 2024, Sec. 2), one reason published fits
could not be reproduced.

Each penalty gives three arrays of the residual's shape: the value rho(r), its derivative psi(r) and a
non-negative curvature weight c(r) for the Gauss-Newton / IRLS model of the objective, J^T diag(c) J.
For Huber, c = psi(r) / r = min(1, delta / |r|) is Huber's own iteratively reweighted least-squares weight
(Huber 1981, Sec. 7.8): the quadratic it defines lies above the penalty, so steps that minimise it descend.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from scalecalc.errors import FitError

DEFAULT_DELTA = 1e-3  # Hoffmann et al. 2022, App. D.2: Huber delta = 10^-3 on log loss
# The lower-envelope objective weighs a point below the curve (r > 0) by ENVELOPE_TAU and a point above it
# by 1 - ENVELOPE_TAU: an expectile (Newey & Powell 1987) at 1 - tau, so the curve hugs the lowest runs of a
# sweep, as the best-tuned run at each size would. 0.9 is our choice; it is reported in the output.
ENVELOPE_TAU = 0.9
OBJECTIVES = ("huber", "squares", "envelope")


@dataclass(frozen=True)
class Penalty:
    """rho(r) summed over points; ``name`` in OBJECTIVES, ``delta`` used by Huber, ``tau`` by envelope."""

    name: str = "huber"
    delta: float = DEFAULT_DELTA
    tau: float = ENVELOPE_TAU

    def __post_init__(self) -> None:
        if self.name not in OBJECTIVES:
            raise FitError(f"unknown objective {self.name!r}; use one of {', '.join(OBJECTIVES)}", param="objective")
        if not (np.isfinite(self.delta) and self.delta > 0):
            raise FitError(f"is {self.delta}; give a positive number such as 1e-3", param="delta")

    def value(self, r: np.ndarray) -> np.ndarray:
        if self.name == "huber":
            return self._huber(r)[1]
        if self.name == "squares":
            return 0.5 * r * r
        return 0.5 * np.where(r > 0, self.tau, 1 - self.tau) * r * r

    def terms(self, r: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(rho, psi, IRLS curvature weight, exact second derivative) for the residuals ``r``.

        For Huber the two curvatures differ outside [-delta, delta]: the IRLS weight delta/|r| keeps the
        model well posed far from the optimum; the exact weight 0 gives Newton's fast finish near it. For every
        penalty the exact weight is either the IRLS weight or 0, so that the blend b * IRLS + (1 - b) * exact, b in
        [0, 1], is max(b * IRLS, exact) (:meth:`scalecalc.fitting.optimize.Problem.slopes`)."""
        if self.name == "huber":
            psi, rho = self._huber(r)
            a = np.abs(r)
            # delta / max(|r|, delta) is 1 inside, delta / |r| outside: fewer passes than np.where
            return rho, psi, self.delta / np.maximum(a, self.delta), a <= self.delta  # the exact weight as 1 / 0
        if self.name == "squares":
            ones = np.ones_like(r)
            return 0.5 * r * r, r, ones, ones
        weight = np.where(r > 0, self.tau, 1 - self.tau)
        return 0.5 * weight * r * r, weight * r, weight, weight

    def _huber(self, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """psi(r) and rho(r) of Huber: psi (r - psi / 2) is r^2 / 2 inside [-delta, delta] and
        delta (|r| - delta / 2) outside, to the bit, in fewer passes over r than np.where's two branches."""
        psi = np.clip(r, -self.delta, self.delta)
        return psi, psi * (r - 0.5 * psi)

    def describe(self) -> dict[str, float | str]:
        if self.name == "huber":
            return {"name": "huber", "delta": self.delta}
        if self.name == "envelope":
            return {"name": "envelope", "tau": self.tau}
        return {"name": "squares"}


@dataclass(frozen=True)
class Constraints:
    """How the free vector z maps onto the full internal vector theta.

    ``source[j]`` is the column of z that internal parameter j takes, or -1 when it is fixed at
    ``fixed[j]`` (which may be -inf: a log-scale parameter fixed at zero, e.g. E = 0 for a pure power law).
    Tied parameters share a column. ``lower``/``upper`` bound the free columns.
    """

    source: tuple[int, ...]
    fixed: tuple[float, ...]
    lower: np.ndarray
    upper: np.ndarray

    @property
    def n_free(self) -> int:
        return len(self.lower)

    @property
    def free_mask(self) -> np.ndarray:
        return np.asarray(self.source) >= 0

    def expand(self, z: np.ndarray) -> np.ndarray:
        """Full internal vectors (..., P) from free vectors (..., F): ``z`` itself when nothing is fixed or tied."""
        if self.source == tuple(range(len(self.lower))) and len(self.source) == len(self.lower):
            return z
        source = np.asarray(self.source)
        theta = np.empty((*z.shape[:-1], len(source)))
        free = source >= 0
        theta[..., free] = z[..., source[free]]
        theta[..., ~free] = np.asarray(self.fixed)[~free]
        return theta

    def reduce(self, theta: np.ndarray) -> np.ndarray:
        """Free vectors from full ones (a tied group takes the mean of its members)."""
        z = np.zeros((*theta.shape[:-1], self.n_free))
        counts = np.zeros(self.n_free)
        for j, k in enumerate(self.source):
            if k >= 0:
                z[..., k] += theta[..., j]
                counts[k] += 1
        return z / counts

    def jacobian_matrix(self) -> np.ndarray:
        """M (P, F) with d theta / d z = M, so that the free Jacobian is J @ M."""
        matrix = np.zeros((len(self.source), self.n_free))
        for j, k in enumerate(self.source):
            if k >= 0:
                matrix[j, k] = 1.0
        return matrix


def build_constraints(
    internal: Sequence[str],
    lower: Sequence[float],
    upper: Sequence[float],
    fixed: Mapping[str, float],
    ties: Sequence[tuple[str, str]],
) -> Constraints:
    """Constraints from internal-scale fixes {name: value} and ties [(name, other)]."""
    parent = {name: name for name in internal}

    def root(name: str) -> str:
        while parent[name] != name:
            name = parent[name]
        return name

    for first, second in ties:
        parent[root(second)] = root(first)
    columns: dict[str, int] = {}
    source, fixed_values, lows, highs = [], [], [], []
    for j, name in enumerate(internal):
        group = root(name)
        members = [m for m in internal if root(m) == group]
        pinned = [fixed[m] for m in members if m in fixed]
        if pinned:
            source.append(-1)
            fixed_values.append(pinned[0])
            continue
        if group not in columns:
            columns[group] = len(columns)
            lows.append(max(lower[internal.index(m)] for m in members))
            highs.append(min(upper[internal.index(m)] for m in members))
        source.append(columns[group])
        fixed_values.append(np.nan)
        del j
    return Constraints(tuple(source), tuple(fixed_values), np.array(lows, dtype=float), np.array(highs, dtype=float))
