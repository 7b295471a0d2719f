"""Many data sets in one minimiser call, for :mod:`scalecalc.study`: the Chinchilla form fitted, as `scalecalc
fit` fits it, to MANY sets of losses observed at the same runs.

``fit_law`` fits one data set per call, with ~40 starts. A simulated study refits hundreds of noisy copies of one
design, and a bootstrap of each; here every row of one batched Levenberg-Marquardt run (:func:`minimise`) gets
its own losses (the problem's ``targets``) and point weights. The objective, penalty (Huber, delta 1e-3 on log
loss, Hoffmann et al. 2022 App. D.2), bounds and Jacobians are the engine's own :class:`Problem`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from scalecalc.fitting.forms import FitData, make_form
from scalecalc.fitting.objective import DEFAULT_DELTA, Penalty, build_constraints
from scalecalc.fitting.optimize import Problem, batch_rows, minimise
from scalecalc.laws import ChinchillaLaw

BATCH_ELEMENTS = 300_000  # rows x points x parameters per minimiser call: ~1,000 rows of 54 points (fastest measured)


def at_target(constants: Mapping[str, np.ndarray], target: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Compute-optimal N, D and the loss at ``target`` FLOPs of each row of Chinchilla constants (NaN if none)."""
    law = ChinchillaLaw.from_constants(constants)
    with np.errstate(all="ignore"):
        n, d = law.allocate(target)
        loss = law.loss(n, d)
    return tuple(np.where(np.isfinite(v), v, np.nan) for v in (n, d, loss))  # type: ignore[return-value]


class TrialFits:
    """The Chinchilla form of `fit` (Huber, delta 1e-3, default bounds) on a fixed set of runs, minimised for many
    rows at once where each row has its OWN losses and point weights."""

    def __init__(self, n_params: np.ndarray, n_tokens: np.ndarray, compute_flops: np.ndarray) -> None:
        self.form = make_form("chinchilla", None, 1)
        self.constraints = build_constraints(self.form.internal, self.form.lower, self.form.upper, {}, [])
        data = FitData(np.log(n_params), np.log(n_tokens), np.log(compute_flops), np.zeros(len(n_params)))
        self.problem = Problem(self.form, self.constraints, data, Penalty("huber", DEFAULT_DELTA))

    def internal(self, constants: Mapping[str, float]) -> np.ndarray:
        theta = np.array([self.form.to_internal(s, constants[s])[1] for s in self.form.symbols])
        return self.constraints.reduce(theta[None, :])[0]

    def constants(self, z: np.ndarray) -> dict[str, np.ndarray]:
        return self.form.public(self.constraints.expand(z))

    def fit(
        self,
        log_loss: np.ndarray,
        z0: np.ndarray,
        weights: np.ndarray | None,
        *,
        max_iter: int = 500,
        progress: Callable[[int], None] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Minimise each row's objective (its ``log_loss`` row, weighted by its ``weights`` row) from its row of
        ``z0``; returns (z, converged)."""
        rows = len(log_loss)
        size = batch_rows(self.problem, BATCH_ELEMENTS)
        z_out = np.empty_like(z0)
        converged = np.zeros(rows, dtype=bool)
        for start in range(0, rows, size):
            part = slice(start, min(rows, start + size))
            solution = minimise(
                self.problem,
                z0[part],
                weights=None if weights is None else weights[part],
                targets=log_loss[part],
                max_iter=max_iter,
            )
            z_out[part] = solution.z
            converged[part] = solution.converged & np.isfinite(solution.objective)
            if progress is not None:
                progress(part.stop - part.start)
        return z_out, converged
