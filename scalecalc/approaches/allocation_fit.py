"""The allocation law that Hoffmann et al.'s Approaches 1 and 2 both produce, and what it predicts.

Both approaches find compute-optimal model sizes N_opt at several compute budgets C (isoFLOP minima, or the
winners of the training-curve envelope) and fit a least-squares line of log10 N_opt on log10 C:

    N_opt = k_N C^a,    D_opt = C / (6 N_opt) = k_D C^b   with  b = 1 - a,  k_D = 1 / (6 k_N),

and the compute-optimal tokens per parameter D_opt / N_opt = k_D / k_N C^(b - a) = C^(1 - 2a) / (6 k_N^2).
A bootstrap gives (slope, intercept) draws of the line; intervals are their percentiles at ``level``.
:class:`AllocationFit` is the part of the result the two approaches share.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from scalecalc._numeric import percentile_interval
from scalecalc.defaults import MAX_BOOTSTRAP
from scalecalc.errors import InputError
from scalecalc.laws import FLOPS_PER_PARAM_TOKEN
from scalecalc.units import require_seed

EXTRAPOLATION_FACTOR = 10.0  # warn beyond ten times the largest (or a tenth of the smallest) budget fitted


@dataclass(frozen=True)
class AllocationLaw:
    """``variable`` = coefficient * C^exponent (C in FLOPs), with percentile intervals from the bootstrap."""

    variable: str
    coefficient: float
    exponent: float
    coefficient_low: float = math.nan
    coefficient_high: float = math.nan
    exponent_low: float = math.nan
    exponent_high: float = math.nan

    def __call__(self, compute_flops: np.ndarray | float) -> np.ndarray:
        return self.coefficient * np.asarray(compute_flops, dtype=float) ** self.exponent


def line_fit(log_c: np.ndarray, log_y: np.ndarray) -> tuple[float, float]:
    """Least-squares (slope, intercept) of log_y on log_c."""
    slope, intercept = np.polyfit(log_c, log_y, 1)
    return float(slope), float(intercept)


def allocation_laws(
    exponent: float, log_coefficient: float, draws: np.ndarray | None, level: float
) -> tuple[AllocationLaw, AllocationLaw, AllocationLaw]:
    """N_opt, D_opt and D_opt/N_opt laws from the N_opt line; ``draws`` holds bootstrap (slope, intercept)."""
    k = 10**log_coefficient
    laws = [
        AllocationLaw("params", k, exponent),
        AllocationLaw("tokens", 1 / (FLOPS_PER_PARAM_TOKEN * k), 1 - exponent),
        AllocationLaw("tokens_per_param", 1 / (FLOPS_PER_PARAM_TOKEN * k * k), 1 - 2 * exponent),
    ]
    if draws is None or len(draws) == 0:
        return laws[0], laws[1], laws[2]
    slopes, intercepts = draws[:, 0], draws[:, 1]
    ks = 10**intercepts
    samples = [
        (ks, slopes),
        (1 / (FLOPS_PER_PARAM_TOKEN * ks), 1 - slopes),
        (1 / (FLOPS_PER_PARAM_TOKEN * ks * ks), 1 - 2 * slopes),
    ]
    result = []
    for law, (coefficients, exponents) in zip(laws, samples, strict=True):
        c_low, c_high = (float(v) for v in percentile_interval(coefficients, level))
        e_low, e_high = (float(v) for v in percentile_interval(exponents, level))
        result.append(
            replace(law, coefficient_low=c_low, coefficient_high=c_high, exponent_low=e_low, exponent_high=e_high)
        )
    return result[0], result[1], result[2]


def batch_line_fit(log_c: np.ndarray, log_y: np.ndarray) -> np.ndarray:
    """(slope, intercept) of log_y[r] on log_c over the finite entries of each row; NaN rows with < 2 points."""
    mask = np.isfinite(log_y)
    y = np.where(mask, log_y, 0.0)
    x = np.where(mask, log_c[None, :], 0.0)
    count = mask.sum(axis=1)
    sx, sy = x.sum(axis=1), y.sum(axis=1)
    sxx, sxy = (x * x).sum(axis=1), (x * y).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        denominator = count * sxx - sx * sx
        slope = (count * sxy - sx * sy) / denominator
        intercept = (sy - slope * sx) / count
    bad = (count < 2) | ~(np.abs(denominator) > 1e-12)
    slope[bad] = np.nan
    intercept[bad] = np.nan
    return np.column_stack([slope, intercept])


@dataclass(frozen=True)
class Prediction:
    """Compute-optimal allocation at requested budgets, with pointwise bootstrap intervals."""

    flops: np.ndarray
    params: np.ndarray
    params_low: np.ndarray
    params_high: np.ndarray

    @property
    def tokens(self) -> np.ndarray:
        return self.flops / (FLOPS_PER_PARAM_TOKEN * self.params)

    @property
    def tokens_low(self) -> np.ndarray:
        return self.flops / (FLOPS_PER_PARAM_TOKEN * self.params_high)

    @property
    def tokens_high(self) -> np.ndarray:
        return self.flops / (FLOPS_PER_PARAM_TOKEN * self.params_low)

    @property
    def tokens_per_param(self) -> np.ndarray:
        return self.tokens / self.params

    def columns(self) -> dict[str, np.ndarray]:
        return {
            "flops": self.flops,
            "params": self.params,
            "params_low": self.params_low,
            "params_high": self.params_high,
            "tokens": self.tokens,
            "tokens_low": self.tokens_low,
            "tokens_high": self.tokens_high,
            "tokens_per_param": self.tokens_per_param,
        }


def predict(
    targets: np.ndarray, exponent: float, log_coefficient: float, draws: np.ndarray | None, level: float
) -> Prediction:
    targets = np.asarray(targets, dtype=float)
    params = 10 ** (log_coefficient + exponent * np.log10(targets))
    if draws is None or len(draws) == 0:
        nan = np.full(len(targets), np.nan)
        return Prediction(targets, params, nan, nan.copy())
    log_draws = draws[:, 1][:, None] + draws[:, 0][:, None] * np.log10(targets)[None, :]
    low, high = percentile_interval(10**log_draws, level, axis=0)
    return Prediction(targets, params, low, high)


def extrapolation_warning(targets: np.ndarray | None, fitted: np.ndarray) -> str | None:
    if targets is None or len(targets) == 0:
        return None
    low, high = float(np.min(fitted)), float(np.max(fitted))
    outside = targets[(targets > EXTRAPOLATION_FACTOR * high) | (targets < low / EXTRAPOLATION_FACTOR)]
    if len(outside) == 0:
        return None
    shown = ", ".join(f"{c:.3g}" for c in outside[:4]) + (" ..." if len(outside) > 4 else "")
    return (
        f"`targets` {shown}: more than ten times outside the budgets fitted ({low:.3g} to {high:.3g} FLOPs); "
        "treat these as extrapolations (the interval covers only the scatter of the fitted budgets)"
    )


def check_level(level: float, bootstrap: int, seed: int = 0) -> None:
    """Check the interval level, the number of bootstrap resamples and the seed of an allocation fit."""
    require_seed(seed)
    if not 0 < level < 1:
        raise InputError(f"{level} must be a fraction between 0 and 1, such as 0.95", param="level")
    if not 0 <= bootstrap <= MAX_BOOTSTRAP:
        raise InputError(
            f"{bootstrap} must be 0 (no intervals) or a number of resamples such as 200 (at most {MAX_BOOTSTRAP})",
            param="bootstrap",
        )


@dataclass(frozen=True, kw_only=True)
class AllocationFit:
    """What Approaches 1 and 2 share: the three allocation laws with their intervals at ``level``, predictions at
    the requested budgets, the bootstrap that gave the intervals, and the range fitted (for a preset's
    ``fitted_range``). ``warnings`` are for the CLI to print."""

    level: float
    params_law: AllocationLaw
    tokens_law: AllocationLaw
    ratio_law: AllocationLaw
    prediction: Prediction | None
    bootstrap: int
    bootstrap_used: int
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    fitted_flops: tuple[float, float] = (math.nan, math.nan)
    fitted_params: tuple[float, float] = (math.nan, math.nan)
    # bootstrap (slope, intercept) of log10 N_opt on log10 C, one row per resample: the band of any extrapolation
    line_draws: np.ndarray = field(default_factory=lambda: np.empty((0, 2)))

    @property
    def laws(self) -> tuple[AllocationLaw, AllocationLaw, AllocationLaw]:
        """N_opt, D_opt and D_opt / N_opt as functions of C."""
        return self.params_law, self.tokens_law, self.ratio_law

    @property
    def quality_reasons(self) -> tuple[str, ...]:
        """Why the allocation does not look like a compute-optimal frontier (empty when it does).

        Poor when N_opt does not grow with compute, or D_opt shrinks with it (the exponent a of N_opt = k C^a
        outside (0, 1)), or when the optimum over the fitted budgets has a tokens-per-parameter ratio outside
        the sane range the fit's quality gate uses (:data:`scalecalc.fitting.diagnostics.TOKENS_PER_PARAM_RANGE`).
        """
        from scalecalc.fitting.diagnostics import TOKENS_PER_PARAM_RANGE

        reasons = []
        exponent = self.params_law.exponent
        if not 0 < exponent < 1:
            growth = "does not grow" if not exponent > 0 else "grows faster than compute, so D_opt shrinks"
            reasons.append(f"N_opt {growth} (N_opt ~ C^{exponent:.3g})")
        low, high = TOKENS_PER_PARAM_RANGE
        ratios = self.ratio_law(np.array(self.fitted_flops))
        if np.all(np.isfinite(ratios)) and not (np.all(ratios >= low) and np.all(ratios <= high)):
            reasons.append(
                f"the optima have {np.min(ratios):.3g} to {np.max(ratios):.3g} tokens per parameter, "
                f"outside [{low:g}, {high:g}]"
            )
        return tuple(reasons)

    @property
    def quality(self) -> str:
        """good, or poor when there are ``quality_reasons`` (then the allocation is no recommendation)."""
        return "poor" if self.quality_reasons else "good"


def law_document(law: AllocationLaw, level: float) -> Mapping[str, object]:
    """The JSON form of one allocation law with its interval at ``level``."""
    return {
        "coefficient": law.coefficient,
        "exponent": law.exponent,
        "coefficient_interval": [law.coefficient_low, law.coefficient_high],
        "exponent_interval": [law.exponent_low, law.exponent_high],
        "level": level,
    }
