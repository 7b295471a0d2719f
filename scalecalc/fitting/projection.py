"""Variable projection for the starting points: for fixed exponents each law is linear in its scale constants, so
a weighted non-negative least-squares solve gives the best scale constants for many exponent settings at once
(the forms' ``seeds``)."""

from __future__ import annotations

import itertools

import numpy as np

LOG_FLOOR = -60.0  # a scale constant the projection sets to zero starts here (exp(-60) ~ 1e-26)


def nnls_small(gram: np.ndarray, rhs: np.ndarray, target_ss: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Non-negative least squares for many tiny problems at once (k <= 3 unknowns), by trying every
    active set: for each problem the feasible subset solution with the least weighted residual wins.

    ``gram`` (G, k, k) = X^T W X, ``rhs`` (G, k) = X^T W y, ``target_ss`` (G,) = y^T W y.
    """
    g, k = rhs.shape
    best = np.zeros((g, k))
    best_sse = target_ss.copy()  # the all-zero solution
    scale = np.einsum("gii->g", gram) / k
    for size in range(1, k + 1):
        for subset in itertools.combinations(range(k), size):
            idx = np.array(subset)
            sub = gram[:, idx[:, None], idx[None, :]] + 1e-12 * scale[:, None, None] * np.eye(size)
            with np.errstate(all="ignore"):
                try:
                    coef = np.linalg.solve(sub, rhs[:, idx, None])[..., 0]
                except np.linalg.LinAlgError:
                    continue
                sse = target_ss - np.einsum("gi,gi->g", coef, rhs[:, idx])
            ok = np.all(coef >= 0, axis=1) & np.isfinite(sse) & (sse < best_sse)
            best_sse = np.where(ok, sse, best_sse)
            full = np.zeros((g, k))
            full[:, idx] = coef
            best = np.where(ok[:, None], full, best)
    return best, best_sse


def project(columns: np.ndarray, target: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted NNLS of ``target`` (G, n) or (n,) on ``columns`` (G, n, k): coefficients (G, k) and the
    weighted residual sum of squares (G,)."""
    weighted = columns * weights[..., None]
    gram = np.einsum("gni,gnj->gij", weighted, columns)
    target = np.broadcast_to(target, columns.shape[:2])
    rhs = np.einsum("gni,gn->gi", weighted, target)
    return nnls_small(gram, rhs, np.einsum("gn,gn->g", target * weights, target))


def safe_log(values: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.maximum(np.log(values), LOG_FLOOR)
