"""A thin batched adapter over the fitting engine, for :mod:`scalecalc.study`: fit the Chinchilla form, as
`scalecalc fit` does, to MANY sets of losses observed at the same runs, all in one batched minimiser call.

``fit_law`` (scalecalc.fitting) fits one data set per call, with ~40 starts. A simulated study refits hundreds
of noisy copies of one design, and a bootstrap of each; this module gives every row of one batched
Levenberg-Marquardt run (scalecalc.fitting.optimize.minimise) its own losses and point weights. The objective,
penalty (Huber, delta 1e-3 on log loss, Hoffmann et al. 2022 App. D.2), bounds and Jacobians are the
engine's own; only the data a row sees differ. The engine's internals are imported inside the functions, so
importing this module (and the CLI) stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from scalecalc.laws import ChinchillaLaw

BATCH_ELEMENTS = 300_000  # rows x points x parameters per minimiser call: ~1,000 rows of 54 points (fastest measured)


def at_target(constants: Mapping[str, np.ndarray], target: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    law = ChinchillaLaw.from_constants(constants)
    with np.errstate(all="ignore"):
        n, d = law.allocate(target)
        loss = law.loss(n, d)
    return tuple(np.where(np.isfinite(v), v, np.nan) for v in (n, d, loss))  # type: ignore[return-value]


class TrialFits:
    """Adapter over the fitting engine: the Chinchilla form of `fit` (Huber, delta 1e-3, default bounds) on a
    fixed set of runs, minimised for many rows at once where each row has its OWN losses and point weights.

    The engine's minimiser passes its ``weights`` argument through untouched (row-subset as starts finish), so
    the adapter hands it a (rows, 2, points) array of [log losses, weights] and a problem that reads both.
    """

    def __init__(self, n_params: np.ndarray, n_tokens: np.ndarray, compute_flops: np.ndarray) -> None:
        from scalecalc.fitting.forms import FitData, make_form
        from scalecalc.fitting.objective import DEFAULT_DELTA, Penalty, build_constraints

        self.form = make_form("chinchilla", None, 1)
        self.constraints = build_constraints(self.form.internal, self.form.lower, self.form.upper, {}, [])
        data = FitData(np.log(n_params), np.log(n_tokens), np.log(compute_flops), np.zeros(len(n_params)))
        self.problem = _make_trials_problem(self.form, self.constraints, data, Penalty("huber", DEFAULT_DELTA))
        self.points = len(n_params)

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
        """Minimise each row's objective from its row of ``z0``; returns (z, converged)."""
        from scalecalc.fitting.optimize import minimise

        rows = len(log_loss)
        weights = np.ones_like(log_loss) if weights is None else weights
        packed = np.stack([log_loss, weights], axis=1)
        size = max(1, BATCH_ELEMENTS // max(1, self.points * self.constraints.n_free))
        z_out = np.empty_like(z0)
        converged = np.zeros(rows, dtype=bool)
        for start in range(0, rows, size):
            part = slice(start, min(rows, start + size))
            solution = minimise(self.problem, z0[part], weights=packed[part], max_iter=max_iter)
            z_out[part] = solution.z
            converged[part] = solution.converged & np.isfinite(solution.objective)
            if progress is not None:
                progress(part.stop - part.start)
        return z_out, converged


def _make_trials_problem(form, constraints, data, penalty):
    """The engine's Problem with per-row losses (imported here: the fitting engine loads only when used)."""
    from scalecalc.fitting.optimize import Problem

    class TrialsProblem(Problem):
        """A Problem whose ``weights`` argument is (rows, 2, points): each row's log losses and weights."""

        def objective(self, z, weights=None):
            log_loss, w = weights[:, 0], weights[:, 1]
            pred, _ = self.form.predict(self.constraints.expand(z), self.data, jac=False)
            with np.errstate(over="ignore", invalid="ignore"):
                rho = self.penalty.value(pred - log_loss)
            values = np.sum(w * rho, axis=-1)
            return np.where(np.isfinite(values), values, np.inf)

        def derivatives(self, z, weights=None, irls=None):
            log_loss, w = weights[:, 0], weights[:, 1]
            with np.errstate(over="ignore", invalid="ignore"):
                pred, jac = self.form.predict(self.constraints.expand(z), self.data, jac=True)
                rho, psi, reweighted, exact = self.penalty.terms(pred - log_loss)
            curvature = reweighted if irls is None else exact + irls[:, None] * (reweighted - exact)
            rho, psi, curvature = rho * w, psi * w, curvature * w
            jz = jac @ self.matrix
            f = np.sum(rho, axis=-1)
            g = np.einsum("snf,sn->sf", jz, psi)
            h = np.matmul(np.swapaxes(jz * curvature[..., None], 1, 2), jz)
            return f, g, h

    return TrialsProblem(form, constraints, data, penalty)
