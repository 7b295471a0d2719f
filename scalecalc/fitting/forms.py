"""The fitted forms in log space: predictions, analytic Jacobians and starting points.

Every form predicts log L as a log-sum-exp of terms that are linear in its internal parameters, so that
predictions and Jacobians for S parameter vectors at n points are a handful of (S, n) numpy operations:

    chinchilla  log L = LSE(e, a - alpha log N, b - beta log D)          E, A, B = exp(e), exp(a), exp(b)
                (Hoffmann et al. 2022, App. D.2, Eq. 3)
    kaplan      log L = alpha_D * LSE((alpha_N / alpha_D)(n_c - log N), d_c - log D)
                N_c, D_c = exp(n_c), exp(d_c)    (Kaplan et al. 2020, Eq. 1.5)
    power       log L = LSE(e, a - alpha log x)                           E, A = exp(e), exp(a)
    broken      log L = LSE(e, b - s_0 log x - sum_i (s_i - s_{i-1}) f_i softplus((log x - log d_i) / f_i))
                (Caballero et al. 2022, Eq. 1, with c_0 = s_0 and c_i = s_i - s_{i-1})
    sigmoid     log y = LSE(l - softplus(z), h - softplus(-z)), z = k (t - t0), t = log x (sizes) or x
                y_left, y_right = exp(l), exp(h)    (the OLMo ladder's step 2, see laws/sigmoid.py)

For fixed exponents each law is linear in its scale constants ((E, A, B) for Chinchilla), so a weighted
non-negative least-squares solve gives the best scale constants for every exponent pair at once. That
"variable projection" seeds the optimiser: each of Hoffmann's 4,500 initial points shares its exponents with
179 others, and all 180 lead to the same basin as the projected point with those exponents.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from scalecalc.fitting.projection import LOG_FLOOR, nnls_small, project, safe_log
from scalecalc.laws import ChinchillaLaw, KaplanLaw
from scalecalc.laws.broken import BrokenPowerLaw
from scalecalc.laws.power import PowerLaw
from scalecalc.laws.sigmoid import SigmoidLaw, on_log_axis

# Hoffmann et al. 2022, App. D.2: the initialisation grid of the published fit.
HOFFMANN_EXPONENTS = np.arange(0.0, 2.0 + 1e-9, 0.5)  # alpha, beta in {0, 0.5, ..., 2}
HOFFMANN_E = np.arange(-1.0, 1.0 + 1e-9, 0.5)  # e in {-1, -0.5, ..., 1}
HOFFMANN_AB = np.arange(0.0, 25.0 + 1e-9, 5.0)  # a, b in {0, 5, ..., 25}
SEED_POINTS = 2000  # seeds are chosen on at most this many points (a seeded subsample of larger data)


@dataclass(frozen=True)
class FitData:
    """Logs of the observations; ``log_x`` is the variable of a one-variable form (N, D or C, or a curve's own
    column): the two-variable forms read N and D, the others ``log_x`` alone."""

    log_n: np.ndarray
    log_d: np.ndarray
    log_loss: np.ndarray
    log_x: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.log_loss)

    def subset(self, index: np.ndarray | slice) -> FitData:
        pick = lambda a: None if a is None else a[index]  # noqa: E731
        return FitData(self.log_n[index], self.log_d[index], self.log_loss[index], pick(self.log_x))


def _lse(terms: list[np.ndarray], jac: bool) -> tuple[np.ndarray, list[np.ndarray] | None]:
    """log(sum exp(terms)) and, if asked, the softmax weights d LSE / d term_k."""
    top = terms[0]
    for term in terms[1:]:
        top = np.maximum(top, term)
    exps = [np.exp(term - top) for term in terms]
    total = exps[0]
    for value in exps[1:]:
        total = total + value
    value = top + np.log(total)
    if not jac:
        return value, None
    return value, [e / total for e in exps]


class Form:
    """A fitted form: internal parameters, their map to the paper's symbols, predictions and seeds."""

    name = ""
    internal: tuple[str, ...] = ()
    symbols: tuple[str, ...] = ()
    log_scale: tuple[bool, ...] = ()  # internal j is the log of symbol j
    lower: tuple[float, ...] = ()
    upper: tuple[float, ...] = ()
    variable: str | None = None

    def predict(self, theta: np.ndarray, data: FitData, jac: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
        raise NotImplementedError

    def seeds(self, data: FitData) -> tuple[np.ndarray, np.ndarray]:
        """Candidate starting points (G, P) and a score for each (lower is better): the weighted residual
        sum of squares of the linear solve for the scale constants."""
        raise NotImplementedError

    def law(self, constants: dict[str, float | np.ndarray]):
        raise NotImplementedError

    def public(self, theta: np.ndarray) -> dict[str, np.ndarray]:
        """Paper-scale constants from internal vectors (..., P)."""
        with np.errstate(over="ignore"):
            return {
                symbol: np.exp(theta[..., j]) if is_log else theta[..., j]
                for j, (symbol, is_log) in enumerate(zip(self.symbols, self.log_scale, strict=True))
            }

    def to_internal(self, symbol: str, value: float) -> tuple[str, float]:
        j = self.symbols.index(symbol)
        if self.log_scale[j]:
            with np.errstate(divide="ignore"):
                return self.internal[j], float(np.log(value))
        return self.internal[j], float(value)


class ChinchillaForm(Form):
    name = "chinchilla"
    internal = ("e", "a", "b", "alpha", "beta")
    symbols = ("E", "A", "B", "alpha", "beta")
    log_scale = (True, True, True, False, False)
    lower = (-np.inf, -np.inf, -np.inf, 0.0, 0.0)
    upper = (np.inf, np.inf, np.inf, 10.0, 10.0)

    def predict(self, theta, data, jac=True):
        e, a, b, alpha, beta = (theta[:, j : j + 1] for j in range(5))
        t1 = a - alpha * data.log_n
        t2 = b - beta * data.log_d
        value, w = _lse([np.broadcast_to(e, t1.shape), t1, t2], jac)
        if w is None:
            return value, None
        return value, np.stack([w[0], w[1], w[2], -w[1] * data.log_n, -w[2] * data.log_d], axis=-1)

    def seeds(self, data):
        fine = np.round(np.arange(0.05, 2.0 + 1e-9, 0.05), 10)
        exponents = np.union1d(fine, HOFFMANN_EXPONENTS)
        # Centre the logs so that the columns are O(1); the constants are moved back below.
        n0, d0 = np.mean(data.log_n), np.mean(data.log_d)
        loss = np.exp(data.log_loss)
        weight = 1.0 / loss**2  # squared errors in L weighted by 1/L^2 approximate squared errors in log L
        # The columns are 1, x_i = (N/N0)^-alpha_i and y_j = (D/D0)^-beta_j; every entry of the Gram matrix of
        # a pair (i, j) is a sum over one exponent, except sum w x_i y_j: one matrix product for all pairs.
        x = np.exp(-exponents[:, None] * (data.log_n - n0))
        y = np.exp(-exponents[:, None] * (data.log_d - d0))
        wx, wy = x * weight, y * weight
        k = len(exponents)
        i, j = np.divmod(np.arange(k * k), k)
        gram = np.empty((k * k, 3, 3))
        gram[:, 0, 0] = np.sum(weight)
        gram[:, 0, 1] = gram[:, 1, 0] = np.sum(wx, axis=1)[i]
        gram[:, 0, 2] = gram[:, 2, 0] = np.sum(wy, axis=1)[j]
        gram[:, 1, 1] = np.sum(wx * x, axis=1)[i]
        gram[:, 2, 2] = np.sum(wy * y, axis=1)[j]
        gram[:, 1, 2] = gram[:, 2, 1] = (wx @ y.T).ravel()
        rhs = np.column_stack([np.full(k * k, np.sum(weight * loss)), (wx @ loss)[i], (wy @ loss)[j]])
        coef, score = nnls_small(gram, rhs, np.full(k * k, np.sum(weight * loss * loss)))
        alpha, beta = exponents[i], exponents[j]
        return np.column_stack(
            [
                safe_log(coef[:, 0]),
                safe_log(coef[:, 1]) + alpha * n0,
                safe_log(coef[:, 2]) + beta * d0,
                alpha,
                beta,
            ]
        ), score

    def hoffmann_grid(self) -> np.ndarray:
        """The 5 x 5 x 5 x 6 x 6 = 4,500 starting points of Hoffmann et al. (e, a, b, alpha, beta)."""
        e, a, b, alpha, beta = np.meshgrid(
            HOFFMANN_E, HOFFMANN_AB, HOFFMANN_AB, HOFFMANN_EXPONENTS, HOFFMANN_EXPONENTS, indexing="ij"
        )
        return np.column_stack([g.ravel() for g in (e, a, b, alpha, beta)])

    def law(self, constants):
        return ChinchillaLaw.from_constants(constants)


class KaplanForm(Form):
    name = "kaplan"
    internal = ("n_c", "d_c", "alpha_N", "alpha_D")
    symbols = ("N_c", "D_c", "alpha_N", "alpha_D")
    log_scale = (True, True, False, False)
    lower = (-np.inf, -np.inf, 1e-4, 1e-4)
    upper = (np.inf, np.inf, 5.0, 5.0)

    def predict(self, theta, data, jac=True):
        n_c, d_c, a_n, a_d = (theta[:, j : j + 1] for j in range(4))
        ratio = a_n / a_d
        gap = n_c - data.log_n
        u = ratio * gap
        v = np.broadcast_to(d_c - data.log_d, u.shape)
        s, w = _lse([u, v], jac)
        value = a_d * s
        if w is None:
            return value, None
        return value, np.stack([a_n * w[0], a_d * w[1], w[0] * gap, s - w[0] * u], axis=-1)

    def seeds(self, data):
        grid = np.arange(0.02, 0.6 + 1e-9, 0.02)
        a_n, a_d = (g.ravel() for g in np.meshgrid(grid, grid, indexing="ij"))
        keep = (a_n / a_d <= 8) & (a_d / a_n <= 8)
        a_n, a_d = a_n[keep], a_d[keep]
        p = a_n / a_d
        n0, d0 = np.mean(data.log_n), np.mean(data.log_d)
        # L^(1/alpha_D) = (N_c/N0)^p (N/N0)^-p + (D_c/D0) (D/D0)^-1: linear in the two coefficients.
        target = np.exp((data.log_loss[None, :] - np.mean(data.log_loss)) / a_d[:, None])
        x = np.exp(-p[:, None] * (data.log_n - n0))
        y = np.broadcast_to(np.exp(-(data.log_d - d0)), x.shape)
        coef, score = project(np.stack([x, y], axis=-1), target, 1.0 / target**2)
        score = score * a_d**2  # relative errors in L^(1/alpha_D) are 1/alpha_D times those in L
        shift = np.mean(data.log_loss) / a_d  # undo the division of L by its geometric mean
        return np.column_stack(
            [
                (safe_log(coef[:, 0]) + shift) / p + n0,
                safe_log(coef[:, 1]) + shift + d0,
                a_n,
                a_d,
            ]
        ), score

    def law(self, constants):
        return KaplanLaw.from_constants(constants)


class PowerForm(Form):
    """L = E + A x^-alpha in one variable x (params, tokens or flops)."""

    name = "power"
    internal = ("e", "a", "alpha")
    symbols = ("E", "A", "alpha")
    log_scale = (True, True, False)
    lower = (-np.inf, -np.inf, 0.0)
    upper = (np.inf, np.inf, 10.0)

    def __init__(self, variable: str = "params") -> None:
        self.variable = variable

    def predict(self, theta, data, jac=True):
        e, a, alpha = (theta[:, j : j + 1] for j in range(3))
        t1 = a - alpha * data.log_x
        value, w = _lse([np.broadcast_to(e, t1.shape), t1], jac)
        if w is None:
            return value, None
        return value, np.stack([w[0], w[1], -w[1] * data.log_x], axis=-1)

    def seeds(self, data):
        alpha = np.round(np.arange(0.01, 2.0 + 1e-9, 0.01), 10)
        x0 = np.mean(data.log_x)
        loss = np.exp(data.log_loss)
        x = np.exp(-alpha[:, None] * (data.log_x - x0))
        coef, score = project(np.stack([np.ones_like(x), x], axis=-1), loss, 1.0 / loss**2)
        seeds = np.column_stack([safe_log(coef[:, 0]), safe_log(coef[:, 1]) + alpha * x0, alpha])
        # With no floor the law is a line in log-log space: its least-squares fit is exact.
        slope, intercept = np.polyfit(data.log_x, data.log_loss, 1)
        return np.vstack([seeds, [LOG_FLOOR, intercept, max(-slope, 0.0)]]), np.append(score, 0.0)

    def law(self, constants):
        return PowerLaw.from_constants(constants, variable=self.variable)


class BrokenForm(Form):
    """Smoothly broken power law in one variable with ``breaks`` breaks (Caballero et al. 2022)."""

    name = "broken"

    def __init__(self, variable: str = "params", breaks: int = 1) -> None:
        self.variable = variable
        self.breaks = breaks
        per_break = [(f"s{i}", f"log_d{i}", f"log_f{i}") for i in range(1, breaks + 1)]
        self.internal = ("e", "b", "s0", *itertools.chain.from_iterable(per_break))
        self.symbols = BrokenPowerLaw.symbols_for_breaks(breaks)
        self.log_scale = (True, True, False, *([False, True, True] * breaks))
        # Segment slopes are kept non-negative (loss falls with scale); sharpness f within [1e-2, 10].
        self.lower = (-np.inf, -np.inf, 0.0, *([0.0, -np.inf, np.log(1e-2)] * breaks))
        self.upper = (np.inf, np.inf, 10.0, *([10.0, np.inf, np.log(10.0)] * breaks))

    def _unpack(self, theta: np.ndarray) -> tuple[Any, ...]:
        k = self.breaks
        e, b, s0 = theta[:, 0:1], theta[:, 1:2], theta[:, 2:3]
        slopes = [s0] + [theta[:, 3 + 3 * i : 4 + 3 * i] for i in range(k)]
        log_d = [theta[:, 4 + 3 * i : 5 + 3 * i] for i in range(k)]
        log_f = [theta[:, 5 + 3 * i : 6 + 3 * i] for i in range(k)]
        return e, b, slopes, log_d, log_f

    def predict(self, theta, data, jac=True):
        e, b, slopes, log_d, log_f = self._unpack(theta)
        lx = data.log_x
        term = b - slopes[0] * lx
        d_term_dc, d_term_dd, d_term_df = [], [], []
        for i in range(self.breaks):
            f = np.exp(log_f[i])
            z = (lx - log_d[i]) / f
            soft = np.logaddexp(0.0, z)
            c = slopes[i + 1] - slopes[i]
            term = term - c * f * soft
            if jac:
                sig = np.exp(z - soft)  # sigmoid(z), stable
                d_term_dc.append(-f * soft)
                d_term_dd.append(c * sig)
                d_term_df.append(-c * f * (soft - z * sig))
        value, w = _lse([np.broadcast_to(e, term.shape), term], jac)
        if w is None:
            return value, None
        w_term = w[1]
        # Chain rule from c_i = s_i - s_{i-1}: d/ds_k = d/dc_k - d/dc_{k+1}, with d/dc_0 = -log x.
        dc = [np.broadcast_to(-lx, term.shape), *d_term_dc]
        columns = [w[0], w_term]
        for k in range(self.breaks + 1):
            ds = dc[k] - (dc[k + 1] if k < self.breaks else 0.0)
            columns.append(w_term * ds)
            if k < self.breaks:
                columns.append(w_term * d_term_dd[k])
                columns.append(w_term * d_term_df[k])
        # Reorder to the internal layout (e, b, s0, s1, log_d1, log_f1, s2, ...).
        ordered = [columns[0], columns[1], columns[2]]
        for i in range(self.breaks):
            ordered += [columns[3 + 3 * i + 2], columns[3 + 3 * i], columns[3 + 3 * i + 1]]
        return value, np.stack(ordered, axis=-1)

    def seeds(self, data, limit: int = 3000):
        k = self.breaks
        lx = data.log_x
        quantiles = np.quantile(lx, np.linspace(0.1, 0.9, 5))
        slope_grid = np.array([0.0, 0.05, 0.15, 0.3, 0.6, 1.0])
        sharp_grid = np.log(np.array([0.1, 0.5, 1.5]))
        combos = []
        for slope_set in itertools.product(slope_grid, repeat=k + 1):
            for break_set in itertools.combinations(quantiles, k):
                for sharp_set in itertools.product(sharp_grid, repeat=k):
                    combos.append([*slope_set, *break_set, *sharp_set])
        grid = np.array(combos)
        if len(grid) > limit:
            grid = grid[np.random.default_rng(0).choice(len(grid), limit, replace=False)]
        slopes, where, sharp = grid[:, : k + 1], grid[:, k + 1 : 2 * k + 1], grid[:, 2 * k + 1 :]
        theta = np.zeros((len(grid), len(self.internal)))
        theta[:, 2] = slopes[:, 0]
        for i in range(k):
            theta[:, 3 + 3 * i] = slopes[:, i + 1]
            theta[:, 4 + 3 * i] = where[:, i]
            theta[:, 5 + 3 * i] = sharp[:, i]
        # With e = -inf and b = 0 the prediction is the log of the shape g(x); (E, B) then enter linearly.
        theta[:, 0] = -np.inf
        log_shape, _ = self.predict(theta, data, jac=False)
        shift = np.max(log_shape, axis=1, keepdims=True)
        loss = np.exp(data.log_loss)
        shape = np.exp(log_shape - shift)
        coef, score = project(np.stack([np.ones_like(shape), shape], axis=-1), loss, 1.0 / loss**2)
        theta[:, 0] = safe_log(coef[:, 0])
        theta[:, 1] = safe_log(coef[:, 1]) - shift[:, 0]
        return theta, score

    def law(self, constants):
        return BrokenPowerLaw.from_constants(constants, variable=self.variable)


class SigmoidForm(Form):
    """y = y_left + (y_right - y_left) sigmoid(k (t - t0)) in one variable (see laws/sigmoid.py)."""

    name = "sigmoid"
    symbols = ("y_left", "y_right", "k", "x0")

    def __init__(self, variable: str = "flops") -> None:
        self.variable = variable
        self.log_axis = on_log_axis(variable)
        # t0 is log x0 for a size (the internal "log_x0"), x0 itself for any other column.
        self.internal = ("l", "h", "k", "log_x0" if self.log_axis else "x0")
        self.log_scale = (True, True, False, self.log_axis)
        self.lower = (-np.inf, -np.inf, 0.0, -np.inf)
        self.upper = (np.inf, np.inf, np.inf, np.inf)

    def axis(self, data: FitData) -> np.ndarray:
        """t: log x for a size, x for any other column."""
        assert data.log_x is not None, "a one-variable form needs log_x"
        return data.log_x if self.log_axis else np.exp(data.log_x)

    def predict(self, theta, data, jac=True):
        low, high, k, t0 = (theta[:, j : j + 1] for j in range(4))
        t = self.axis(data)
        z = k * (t - t0)
        value, w = _lse([low - np.logaddexp(0.0, z), high - np.logaddexp(0.0, -z)], jac)
        if w is None:
            return value, None
        with np.errstate(over="ignore"):
            share = 1.0 / (1.0 + np.exp(-z))
        d_z = w[1] - share  # w0 (-share) + w1 (1 - share), with w0 + w1 = 1
        return value, np.stack([w[0], w[1], d_z * (t - t0), -d_z * k], axis=-1)

    def seeds(self, data):
        t = self.axis(data)
        span = max(float(np.ptp(t)), 1e-12)
        steepness = np.array([1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0]) / span
        middles = np.quantile(t, np.linspace(0.05, 0.95, 13))
        k, t0 = (g.ravel() for g in np.meshgrid(steepness, middles, indexing="ij"))
        with np.errstate(over="ignore"):
            share = 1.0 / (1.0 + np.exp(-k[:, None] * (t - t0[:, None])))
        y = np.exp(data.log_loss)
        coef, score = project(np.stack([1.0 - share, share], axis=-1), y, 1.0 / y**2)
        return np.column_stack([safe_log(coef[:, 0]), safe_log(coef[:, 1]), k, t0]), score

    def law(self, constants):
        return SigmoidLaw.from_constants(constants, variable=self.variable or "flops")


def make_form(name: str, variable: str | None = None, breaks: int = 1) -> Form:
    if name == "sigmoid":
        return SigmoidForm(variable or "flops")
    if name == "chinchilla":
        return ChinchillaForm()
    if name == "kaplan":
        return KaplanForm()
    if name == "power":
        return PowerForm(variable or "params")
    return BrokenForm(variable or "params", breaks)
