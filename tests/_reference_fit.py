"""The straightforward reference fit: one scipy L-BFGS-B call per starting point, numerical gradients.

A test oracle, not runtime code. This is how the published notebooks fit (Hoffmann et al. 2022, App. D.2; the
Epoch AI replication). It is slow, and kept only as an independent code path for tests ("the fast engine is never
worse than this") and for benchmarks/bench_fit.py. The objective is written out again here with scipy's own
``huber`` and ``logsumexp`` rather than taken from forms.py, so the two paths share no arithmetic.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from scalecalc.fitting.forms import FitData


def reference_objective(
    form: str, data: FitData, delta: float = 1e-3, breaks: int = 1
) -> Callable[[np.ndarray], float]:
    """The summed Huber objective of ``form`` as a plain function of the internal parameter vector."""
    from scipy.special import huber, logsumexp

    log_n, log_d, log_x, log_loss = data.log_n, data.log_d, data.log_x, data.log_loss

    def chinchilla(p: np.ndarray) -> float:
        e, a, b, alpha, beta = p
        pred = logsumexp([a - alpha * log_n, b - beta * log_d, e * np.ones_like(log_n)], axis=0)
        return float(np.sum(huber(delta, pred - log_loss)))

    def kaplan(p: np.ndarray) -> float:
        n_c, d_c, a_n, a_d = p
        pred = a_d * logsumexp([(a_n / a_d) * (n_c - log_n), d_c - log_d], axis=0)
        return float(np.sum(huber(delta, pred - log_loss)))

    def power(p: np.ndarray) -> float:
        e, a, alpha = p
        pred = logsumexp([e * np.ones_like(log_x), a - alpha * log_x], axis=0)
        return float(np.sum(huber(delta, pred - log_loss)))

    def broken(p: np.ndarray) -> float:
        e, b, s0 = p[:3]
        term = b - s0 * log_x
        previous = s0
        for i in range(breaks):
            s, log_d_i, log_f = p[3 + 3 * i : 6 + 3 * i]
            f = np.exp(log_f)
            term = term - (s - previous) * f * np.log1p(np.exp((log_x - log_d_i) / f))
            previous = s
        pred = np.logaddexp(e, term)
        return float(np.sum(huber(delta, pred - log_loss)))

    return {"chinchilla": chinchilla, "kaplan": kaplan, "power": power, "broken": broken}[form]


def reference_fit(
    form: str,
    data: FitData,
    starts: np.ndarray,
    bounds: list[tuple[float | None, float | None]] | None = None,
    delta: float = 1e-3,
    breaks: int = 1,
) -> tuple[np.ndarray, float, np.ndarray]:
    """Run L-BFGS-B (numerical gradients, scipy's defaults) from every start in a Python loop; return the
    best parameters, the best objective and the objective reached from each start."""
    from scipy.optimize import minimize

    objective = reference_objective(form, data, delta, breaks)
    reached = np.full(len(starts), np.inf)
    best, best_value = np.array(starts[0], dtype=float), np.inf
    with np.errstate(all="ignore"):
        for i, start in enumerate(starts):
            result = minimize(objective, start, method="L-BFGS-B", bounds=bounds)
            value = float(result.fun) if np.isfinite(result.fun) else np.inf
            reached[i] = value
            if value < best_value:
                best, best_value = np.array(result.x, dtype=float), value
    return best, best_value, reached
