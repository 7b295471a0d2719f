"""Simulate a scaling study many times: how well does a design pin down the extrapolated optimum?

:func:`simulate_study` gives each trial losses log L_i = log L(N_i, D_i) + noise * eps_i, eps_i ~ N(0, 1)
(multiplicative, log-space noise) drawn from the preset's law, refits them as `scalecalc fit` does (Approach 3:
the Chinchilla form, Huber delta 1e-3 on log loss, Hoffmann et al. 2022 App. D.2) and as `scalecalc isoflop`
does (Approach 2: parabolas per budget, a line through the minima; both in :mod:`scalecalc.study.trials`), and
extrapolates N_opt, D_opt and the loss to ``target_flops``. Across trials it reports the spread, the bias
against the truth, and how often each trial's own bootstrap interval covers the truth.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from scalecalc._numeric import percentile_interval
from scalecalc.defaults import MAX_BOOTSTRAP, STUDY_BOOTSTRAP, STUDY_LEVEL, STUDY_NOISE, STUDY_TRIALS
from scalecalc.errors import InputError, PresetError
from scalecalc.laws import ChinchillaLaw
from scalecalc.study.trials import Estimates, SimulatedTrials, fit_trials, isoflop_trials
from scalecalc.units import require_seed

APPROACHES = ("fit", "isoflop")
FIT_MODES = ("warm", "full")


@dataclass(frozen=True)
class SummaryRow:
    approach: str
    quantity: str
    truth: float
    median: float
    bias: float  # median / truth - 1
    low: float  # across-trial percentiles at the level
    high: float
    spread: float  # (high - low) / truth: the width of the band the estimates fall in, relative to the truth
    log_sd: float  # sd of log10(estimate) across trials, winsorised at 2.5% each side (see log_spread)
    coverage: float  # fraction of trials whose own interval contains the truth
    coverage_se: float  # the binomial sd that fraction would have if the intervals were exact
    interval_width: float  # median over trials of (interval high - low) / truth
    trials: int  # trials that produced an estimate


@dataclass(frozen=True)
class SimulationResult:
    target_flops: float
    noise: float
    trials: int
    seed: int
    level: float
    bootstrap: int
    fit_mode: str
    runs: int
    budgets: int
    study_flops: float
    truth: Mapping[str, float]
    estimates: Mapping[str, Estimates]
    summary: tuple[SummaryRow, ...]
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def summary_columns(self) -> dict[str, list]:
        names = list(SummaryRow.__dataclass_fields__)
        return {name: [getattr(row, name) for row in self.summary] for name in names}


def chinchilla_truth(loss_law, preset_name: str) -> ChinchillaLaw:
    """The preset's law as the simulation's truth: it must be a Chinchilla-form loss law."""
    if not isinstance(loss_law, ChinchillaLaw):
        kind = "no loss law" if loss_law is None else f"a {loss_law.form}-form loss law"
        raise PresetError(
            f"{preset_name} has {kind}; simulation draws losses from a Chinchilla-form law "
            "L = E + A/N^alpha + B/D^beta (e.g. `preset` epoch-2024)",
            param="preset",
        )
    return loss_law


def check_simulation_options(
    noise: float, trials: int, seed: int, level: float = STUDY_LEVEL, bootstrap: int = 0
) -> None:
    """The options every simulation shares (``suggest_runs`` has no interval level and no bootstrap)."""
    if not (math.isfinite(noise) and noise > 0):
        raise InputError(f"is {noise:g}; give a positive log-space standard deviation such as 0.01 (1%)", param="noise")
    if noise > 1:
        raise InputError(f"is {noise:g}; it is the sd of log loss, so 0.01 means 1% (give at most 1)", param="noise")
    if not 1 <= trials <= 1_000_000:
        raise InputError(f"is {trials}; give a number of simulated studies such as 500", param="trials")
    require_seed(seed)
    if not 0 < level < 1:
        raise InputError(f"is {level:g}; give a fraction such as 0.9", param="level")
    if bootstrap < 0 or bootstrap == 1 or bootstrap > MAX_BOOTSTRAP:
        raise InputError(
            f"is {bootstrap}; give 0 (no intervals) or resamples per trial, such as 100 (at most {MAX_BOOTSTRAP})",
            param="bootstrap",
        )


def simulate_study(
    law: ChinchillaLaw,
    n_params: np.ndarray,
    n_tokens: np.ndarray,
    compute_flops: np.ndarray,
    *,
    target_flops: float,
    noise: float = STUDY_NOISE,
    trials: int = STUDY_TRIALS,
    seed: int = 0,
    level: float = STUDY_LEVEL,
    bootstrap: int = STUDY_BOOTSTRAP,
    approaches: Sequence[str] = APPROACHES,
    method: str = "parabola",
    fit_mode: str = "warm",
    source: str = "the runs",
    progress: Callable[[int], None] | None = None,
) -> SimulationResult:
    """Simulate ``trials`` studies of the design (N_i, D_i, C_i) under ``law``; see the module docstring.

    ``progress(k)`` is called with the number of trials just finished (for a progress bar)."""
    check_simulation_options(noise, trials, seed, level, bootstrap)
    if not (math.isfinite(target_flops) and target_flops > 0):
        raise InputError(f"is {target_flops:g}; give a positive budget such as 1e24", param="target_flops")
    for approach in approaches:
        if approach not in APPROACHES:
            raise InputError(f"unknown {approach!r}; use one of {', '.join(APPROACHES)}", param="approaches")
    if fit_mode not in FIT_MODES:
        raise InputError(f"unknown {fit_mode!r}; use one of {', '.join(FIT_MODES)}", param="fit_mode")
    n_params, n_tokens, compute_flops = (np.asarray(a, dtype=float) for a in (n_params, n_tokens, compute_flops))
    if "fit" in approaches:
        check_design(n_params, n_tokens, source)
    n_true, d_true = (float(v) for v in law.allocate(target_flops))
    truth = {"params": n_true, "tokens": d_true, "loss": float(law.loss(n_true, d_true))}
    log_loss = simulated_log_losses(law, n_params, n_tokens, noise, trials, seed)
    estimates: dict[str, Estimates] = {}
    warnings: list[str] = []
    study = SimulatedTrials(n_params, n_tokens, compute_flops, log_loss, target_flops, bootstrap, seed, level)
    for approach in approaches:
        if approach == "fit":
            estimates["fit"] = fit_trials(study, fit_mode, progress)
        else:
            estimates["isoflop"] = isoflop_trials(study, method, progress)
    summary: list[SummaryRow] = []
    for approach, found in estimates.items():
        for quantity in ("params", "tokens", "loss"):
            values = getattr(found, quantity)
            if not np.any(np.isfinite(values)):
                continue
            summary.append(
                _summarise(
                    approach,
                    quantity,
                    truth[quantity],
                    values,
                    getattr(found, f"{quantity}_low"),
                    getattr(found, f"{quantity}_high"),
                    level,
                )  # fmt: skip
            )
        if found.failed:
            why = " (fewer than two budgets with an interior minimum)" if approach == "isoflop" else ""
            rest = "no summary for it" if found.failed == trials else "the summary rests on the rest"
            warnings.append(f"{approach}: {found.failed} of {trials} trials gave no estimate{why}; {rest}")
        unconverged = int(np.sum(~found.converged & np.isfinite(found.params)))
        if unconverged > 0.05 * trials:
            warnings.append(f"{approach}: the optimiser did not converge in {unconverged} of {trials} trials")
    budgets = np.unique(compute_flops)
    largest = float(budgets.max())
    notes = [
        f"truth from the preset at {target_flops:.3g} FLOPs: N_opt {n_true:.4g}, D_opt {d_true:.4g}, "
        f"loss {truth['loss']:.4g}",
        f"{trials} simulated studies of {len(n_params)} runs with {noise:g} log-space noise (seed {seed}); "
        f"band low/high: the central {level:.0%} of the trials' estimates; coverage: how often each trial's "
        f"own {level:.0%} bootstrap interval ({bootstrap} resamples) holds the truth"
        + ("" if bootstrap else " (no bootstrap: no coverage)"),
    ]
    if "fit" in estimates:
        notes.append(
            "fit (Approach 3): first trial fitted by fit_law; all trials then refitted at once from that optimum"
            if fit_mode == "warm" else "fit (Approach 3): every trial fitted by fit_law with all its starts"
        )  # fmt: skip
    if "isoflop" in estimates:
        notes.append(f"isoflop (Approach 2, {method}): estimates no loss at the target (an allocation law only)")
    if target_flops > 10 * largest:
        notes.append(f"the target is {target_flops / largest:.3g}x the largest budget of the sweep: an extrapolation")
    return SimulationResult(
        target_flops=float(target_flops),
        noise=float(noise),
        trials=trials,
        seed=seed,
        level=level,
        bootstrap=bootstrap,
        fit_mode=fit_mode,
        runs=len(n_params),
        budgets=len(budgets),
        study_flops=float(np.sum(compute_flops)),
        truth=truth,
        estimates=estimates,
        summary=tuple(summary),
        warnings=tuple(warnings),
        notes=tuple(notes),
    )


def check_design(n_params: np.ndarray, n_tokens: np.ndarray, source: str) -> None:
    """A Chinchilla fit needs at least 5 runs (E, A, B, alpha, beta) and more than one N and one D."""
    if len(n_params) < 5:
        raise InputError(
            f"{source}: {len(n_params)} runs; fitting the Chinchilla form (5 constants) needs at least 5, and a "
            "useful study many more (see `scalecalc sweep`)"
        )
    for values, what in ((n_params, "model size"), (n_tokens, "token count")):
        if np.ptp(np.log(values)) < 1e-9:
            raise InputError(f"{source}: every run has the same {what}; vary it, or the law cannot be identified")


def simulated_log_losses(
    law: ChinchillaLaw,
    n_params: np.ndarray,
    n_tokens: np.ndarray,
    noise: float,
    trials: int,
    seed: int,
    stream: int = 0,
) -> np.ndarray:
    """(trials, runs) log losses: log L(N, D) plus seeded Gaussian noise of sd ``noise`` (multiplicative)."""
    rng = np.random.default_rng([seed, stream])
    return np.log(law.loss(n_params, n_tokens))[None, :] + noise * rng.standard_normal((trials, len(n_params)))


def log_spread(values: np.ndarray) -> float:
    """The sd of log10 of the finite ``values``, winsorised at 2.5% each side: as smooth as a plain sd (which
    matters when candidates are compared on common random numbers), but a few runaway fits cannot dominate."""
    logs = np.log10(values[np.isfinite(values) & (values > 0)])
    if len(logs) < 2:
        return math.inf
    low, high = np.percentile(logs, [2.5, 97.5])  # clipping points, not an interval: no level to round
    return float(np.std(np.clip(logs, low, high), ddof=1))


def _summarise(
    approach: str, quantity: str, truth: float, values: np.ndarray, low: np.ndarray, high: np.ndarray, level: float
) -> SummaryRow:
    ok = np.isfinite(values)
    v = values[ok]
    band_low, band_high = (float(x) for x in percentile_interval(v, level))
    median = float(np.median(v))
    log_sd = log_spread(v)
    has_interval = ok & np.isfinite(low) & np.isfinite(high)
    count = int(np.sum(has_interval))
    if count:
        covered = (low[has_interval] <= truth) & (truth <= high[has_interval])
        coverage = float(np.mean(covered))
        coverage_se = math.sqrt(level * (1 - level) / count)  # binomial sd of the coverage of exact intervals
        width = float(np.median((high[has_interval] - low[has_interval]) / truth))
    else:
        coverage = coverage_se = width = math.nan
    return SummaryRow(
        approach=approach,
        quantity=quantity,
        truth=truth,
        median=median,
        bias=median / truth - 1,
        low=band_low,
        high=band_high,
        spread=(band_high - band_low) / truth,
        log_sd=log_sd,
        coverage=coverage,
        coverage_se=coverage_se,
        interval_width=width,
        trials=int(np.sum(ok)),
    )
