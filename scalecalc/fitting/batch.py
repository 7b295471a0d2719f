"""Many data sets in one minimiser call, for :mod:`scalecalc.study`: the Chinchilla form fitted, as `scalecalc
fit` fits it, to MANY sets of losses observed at the same runs (or each at its own runs).

``fit_law`` fits one data set per call, with ~40 starts. A simulated study refits hundreds of noisy copies of one
design, and a bootstrap of each; here every row of one batched Levenberg-Marquardt run (:func:`minimise`) gets
its own losses (the problem's ``rows``) and point weights. The objective, penalty (Huber, delta 1e-3 on log
loss, Hoffmann et al. 2022 App. D.2), bounds and Jacobians are the engine's own :class:`Problem`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from scalecalc.fitting.forms import FitData, make_form
from scalecalc.fitting.objective import DEFAULT_DELTA, Penalty, build_constraints
from scalecalc.fitting.optimize import COLD, Problem, Schedule, minimise
from scalecalc.laws import ChinchillaLaw

MALLOC_KEEP_BYTES = 32 * 2**20
# rows x points x parameters iterating at once: ~900 rows of 55 points, whose (rows, points, parameters) arrays stay
# in cache (per row-iteration 1.5 us at 500-1,000 rows, 2.1 us at 3,600, 5 us at 8,000; measured on this machine)
WINDOW_ELEMENTS = 250_000
# How a warm-started resample is refitted from its sample's optimum (minimise's Schedule), each setting measured on
# simulate's bootstrap (54 runs, 1% noise; 20,000 refits), in iterations per refit:
# - far_blend 0.5, a model half IRLS, half exact: 17.4 where IRLS alone took 22.9, to the same minima; at 0.35
#   and below some refits stopped at a different point;
# - lambda_start 1e-6 (a cold start's is 1e-3): the optimum is near, so the first steps trust the model: 15.3;
#   6 refits ended at another local minimum, 5 lower (by 1e-4 to 1.3e-3 of the objective), one higher by 2e-6;
# - accelerate (extrapolated steps): 13.6; 2 refits at another local minimum, both lower;
# - retry_lambda 1e-5: after a run of kept steps the damping is near 1e-9, and a failed step retried with ten
#   times that is nearly the same step and fails again (up to five times running): 13.0, the same minima.
WARM = Schedule(far_blend=0.5, lambda_start=1e-6, retry_lambda=1e-5, accelerate=True)
# A resample's refit stops when a kept step changes its objective by less than this (relative; a fit's own
# tolerance is 1e-12) and its scaled gradient is below 1e-7: its N_opt, D_opt and loss at the target then lie
# within 1e-5 of the tighter stop's (99% within 4e-6), far inside the bootstrap's own sampling error, and
# simulate takes 4% less CPU. The summaries of three default simulations agreed to every printed digit.
RESAMPLE_FTOL = 1e-10
# Resamples are grouped by how many distinct points they drew, in bands this wide: each band is fitted on that
# many points (the largest in it), so the padding with weight-0 points is under this many per row.
DRAWN_BAND = 4


def at_target(constants: Mapping[str, np.ndarray], target: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Compute-optimal N, D and the loss at ``target`` FLOPs of each row of Chinchilla constants (NaN if none)."""
    law = ChinchillaLaw.from_constants(constants)
    with np.errstate(all="ignore"):
        n, d = law.allocate(target)
        loss = law.loss(n, d)
    return tuple(np.where(np.isfinite(v), v, np.nan) for v in (n, d, loss))  # type: ignore[return-value]


def keep_freed_memory() -> None:
    """Ask glibc to keep freed blocks up to 32 MiB in the heap instead of returning them to the system.

    Every iteration of a batched fit allocates and frees the same few multi-megabyte temporaries; with glibc's
    defaults each is handed back to the kernel and faulted in again, page by page, on the next iteration (half
    the CPU of `suggest` went to page faults, and raising these thresholds halved one step's time). Elsewhere
    (another C library) this does nothing."""
    import ctypes.util
    import platform

    if platform.libc_ver()[0] != "glibc":
        return
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    m_trim_threshold, m_mmap_threshold = -1, -3  # from glibc's malloc.h
    libc.mallopt(m_mmap_threshold, MALLOC_KEEP_BYTES)  # the largest glibc accepts on 64-bit
    libc.mallopt(m_trim_threshold, 2 * MALLOC_KEEP_BYTES)


class TrialFits:
    """The Chinchilla form of `fit` (Huber, delta 1e-3, default bounds) on a fixed set of runs, minimised for many
    rows at once where each row has its OWN losses and point weights."""

    def __init__(self, n_params: np.ndarray, n_tokens: np.ndarray) -> None:
        keep_freed_memory()
        self.form = make_form("chinchilla", None, 1)
        self.constraints = build_constraints(self.form.internal, self.form.lower, self.form.upper, {}, [])
        data = FitData(np.log(n_params), np.log(n_tokens), np.zeros(len(n_params)))
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
        points: tuple[np.ndarray, np.ndarray] | None = None,
        max_iter: int = 500,
        ftol: float = 1e-12,
        near: bool = False,
        schedule: Schedule = COLD,
        progress: Callable[[int], None] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Minimise each row's objective (its ``log_loss`` row, weighted by its ``weights`` row) from its row of
        ``z0``; returns (z, converged). ``points`` = (log N, log D), each shaped like ``log_loss``, gives each row
        its own runs (else every row has the runs this object was made with). ``near``: every ``z0`` row is
        already close to its minimum (a Newton finish from the start); ``ftol`` and ``schedule`` as in
        :func:`minimise`."""
        rows, width = log_loss.shape
        data = self.problem.data
        if points is None:
            log_n, log_d = (np.broadcast_to(a, (rows, width)) for a in (data.log_n, data.log_d))
        else:
            log_n, log_d = points
        solution = minimise(
            self.problem,
            z0,
            weights=weights,
            rows=FitData(log_n, log_d, log_loss),
            max_iter=max_iter,
            ftol=ftol,
            near=near,
            schedule=schedule,
            window=max(1, WINDOW_ELEMENTS // (width * self.constraints.n_free)),
        )
        if progress is not None:
            progress(rows)
        return solution.z, solution.converged & np.isfinite(solution.objective)

    def fit_resamples(
        self,
        log_loss: np.ndarray,
        z0: np.ndarray,
        counts: np.ndarray,
        *,
        max_iter: int,
        sample: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Bootstrap refits: resample s weighs the losses of its sample, ``log_loss[sample[s]]``, by the
        multinomial ``counts[s]`` and starts at that sample's optimum ``z0[sample[s]]`` (``sample`` defaults to
        one resample per row); returns (z, converged) per resample, as :meth:`fit`.

        A resample leaves out about a third of the points (a share e^-1 of them draw a count of 0). Each row is
        fitted on the points it drew, in their order, so no work goes to points that weigh nothing: rows are
        grouped in bands of DRAWN_BAND by how many points they drew, and a band's shorter rows are padded with
        points of weight 0. The sums skip only zero terms, so each refit ends where the full-width one would, up
        to rounding in the order of summation.

        The refits are warm-started, step as :data:`WARM` says and stop at :data:`RESAMPLE_FTOL`."""
        if sample is None:
            sample = np.arange(len(counts))
        drawn = counts > 0
        sizes = np.sum(drawn, axis=1)
        order = np.argsort(~drawn, axis=1, kind="stable")  # each row's drawn points first, in their order
        data = self.problem.data
        z = np.empty((len(counts), z0.shape[1]))
        converged = np.empty(len(counts), dtype=bool)
        bands = sizes // DRAWN_BAND
        for band in np.unique(bands):
            rows = np.flatnonzero(bands == band)
            points = order[rows, : int(sizes[rows].max())]
            z[rows], converged[rows] = self.fit(
                log_loss[sample[rows, None], points],
                z0[sample[rows]],
                counts[rows[:, None], points],
                points=(data.log_n[points], data.log_d[points]),
                max_iter=max_iter,
                ftol=RESAMPLE_FTOL,
                schedule=WARM,
            )
        return z, converged
