"""Refit every simulated trial of a study, by Approach 3 (`fit`) and by Approach 2 (`isoflop`).

Each function takes the trials' log losses (trials x runs) and returns :class:`Estimates`: every trial's point
estimates of N_opt, D_opt and the loss at the target, and its own bootstrap interval.

Speed. ``fit_law`` runs ~40 starts per fit (0.06-0.3 s for 54 points); 500 trials that way take minutes. The
default ``fit_mode="warm"`` fits the first trial with ``fit_law`` itself (multi-start, the full `fit`
procedure) and then every trial at once, in one batched Levenberg-Marquardt run of the fitting engine,
started from that truth-free optimum; its bootstrap refits all trials' resamples at once, each warm-started
from its trial's optimum and fitted on the points it drew (``TrialFits.fit_resamples``). The engine's public API
fits one data set at a time, so :class:`scalecalc.fitting.batch.TrialFits` is a thin adapter over its internals
(forms, penalty, minimiser) that gives each row of the batch its own losses and point weights.
``fit_mode="full"`` calls ``fit_law`` per trial (slow; the check that the two agree is in tests/test_study.py
and benchmarks/bench_simulate.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from scalecalc._numeric import percentile_interval
from scalecalc.errors import FitError
from scalecalc.fitting.batch import TrialFits, at_target
from scalecalc.laws import FLOPS_PER_PARAM_TOKEN, ChinchillaLaw
from scalecalc.runs import Observations

# Bootstrap refits held at once (trials x resamples). Each block's bands of refits (TrialFits.fit_resamples) end
# in a tail of a few slow refits iterating alone; simulate's default 500 trials x 100 resamples in one block took
# 7% less CPU than in three of 20,000, at 184 MB peak against 114 MB.
BOOTSTRAP_BLOCK_ROWS = 50_000


@dataclass(frozen=True)
class Estimates:
    """One approach over all trials: point estimates at the target and each trial's bootstrap interval
    (NaN where the trial failed, or for a quantity the approach does not estimate)."""

    approach: str
    params: np.ndarray
    tokens: np.ndarray
    loss: np.ndarray
    params_low: np.ndarray
    params_high: np.ndarray
    tokens_low: np.ndarray
    tokens_high: np.ndarray
    loss_low: np.ndarray
    loss_high: np.ndarray
    converged: np.ndarray

    @property
    def failed(self) -> int:
        return int(np.sum(~np.isfinite(self.params)))


@dataclass(frozen=True)
class SimulatedTrials:
    """What both approaches refit: the design (N, D and C of each run), every trial's log losses (trials x runs),
    the budget to extrapolate to, and each trial's bootstrap (resamples, seed, interval level)."""

    n_params: np.ndarray
    n_tokens: np.ndarray
    compute_flops: np.ndarray
    log_loss: np.ndarray
    target: float
    bootstrap: int
    seed: int
    level: float


def _trial_seed(seed: int, trial: int) -> int:
    """The bootstrap seed of one trial: independent of how trials are batched."""
    return int(np.random.SeedSequence([seed, 1, trial]).generate_state(1)[0])


# --- Approach 3 over all trials -------------------------------------------------------------------------------


def trial_observations(
    n_params: np.ndarray, n_tokens: np.ndarray, compute_flops: np.ndarray, log_loss: np.ndarray
) -> Observations:
    """One trial's runs as the observations ``fit_law`` takes."""
    return Observations("simulated study", n_params, n_tokens, compute_flops, np.exp(log_loss))


def fit_trials(study: SimulatedTrials, fit_mode: str, progress: Callable[[int], None] | None) -> Estimates:
    n_params, n_tokens, compute_flops, log_loss = study.n_params, study.n_tokens, study.compute_flops, study.log_loss
    target, bootstrap, seed, level = study.target, study.bootstrap, study.seed, study.level
    from scalecalc.fitting import FitSpec, fit_law

    trials = len(log_loss)
    if fit_mode == "full":
        rows = {k: np.full(trials, np.nan) for k in ("params", "tokens", "loss")}
        bounds = {
            f"{k}_{side}": np.full(trials, np.nan) for k in ("params", "tokens", "loss") for side in ("low", "high")
        }
        converged = np.zeros(trials, dtype=bool)
        for t in range(trials):
            try:
                result = fit_law(
                    trial_observations(n_params, n_tokens, compute_flops, log_loss[t]), FitSpec(), at_flops=target,
                    bootstrap=bootstrap, seed=_trial_seed(seed, t), level=level,
                )  # fmt: skip
            except FitError:
                continue
            law = ChinchillaLaw.from_constants(result.constants)
            rows["params"][t], rows["tokens"][t] = result.derived["params_opt"], result.derived["tokens_opt"]
            rows["loss"][t] = float(law.frontier_loss(target))
            converged[t] = result.optimizer.converged
            if result.bootstrap is not None:
                draws = result.bootstrap.draws
                loss_draws = ChinchillaLaw.from_constants(draws).frontier_loss(target)
                for name, values in (
                    ("params", draws["params_opt"]),
                    ("tokens", draws["tokens_opt"]),
                    ("loss", loss_draws),
                ):
                    low, high = percentile_interval(values, level)
                    bounds[f"{name}_low"][t], bounds[f"{name}_high"][t] = low, high
            if progress is not None:
                progress(1)
        return Estimates("fit", rows["params"], rows["tokens"], rows["loss"], **bounds, converged=converged)
    # warm: the first trial with the full procedure, then every trial at once from its optimum
    reference = fit_law(trial_observations(n_params, n_tokens, compute_flops, log_loss[0]), FitSpec(), at_flops=target)
    batch = TrialFits(n_params, n_tokens)
    z0 = batch.internal(reference.constants)
    z, converged = batch.fit(log_loss, np.tile(z0, (trials, 1)), None, progress=None)
    constants = batch.constants(z)
    params, tokens, loss = at_target(constants, target)
    if progress is not None and not bootstrap:
        progress(trials)
    nan = np.full(trials, np.nan)
    low_high = {f"{k}_{s}": nan.copy() for k in ("params", "tokens", "loss") for s in ("low", "high")}
    if bootstrap:
        n = len(n_params)
        block = max(1, BOOTSTRAP_BLOCK_ROWS // bootstrap)  # trials per block: bounded memory, a tick per block
        for first in range(0, trials, block):
            part = range(first, min(trials, first + block))
            # fit_law's bootstrap: multinomial counts per resample, warm-started from the trial's optimum
            counts = np.concatenate([
                np.random.default_rng(_trial_seed(seed, t)).multinomial(n, np.full(n, 1.0 / n), size=bootstrap)
                for t in part
            ]).astype(float)  # fmt: skip
            z_boot, _ = batch.fit_resamples(
                log_loss[part.start : part.stop],
                z[part.start : part.stop],
                counts,
                max_iter=300,
                sample=np.repeat(np.arange(len(part)), bootstrap),
            )
            resampled = at_target(batch.constants(z_boot), target)
            for quantity, samples in zip(("params", "tokens", "loss"), resampled, strict=True):
                # each trial's interval from its own resamples; a failed trial's row is all NaN -> NaN
                low, high = percentile_interval(samples.reshape(len(part), bootstrap), level, axis=1)
                low_high[f"{quantity}_low"][part.start : part.stop] = low
                low_high[f"{quantity}_high"][part.start : part.stop] = high
            if progress is not None:
                progress(len(part))
    return Estimates("fit", params, tokens, loss, **low_high, converged=converged)


# --- Approach 2 over all trials -------------------------------------------------------------------------------


def isoflop_trials(study: SimulatedTrials, method: str, progress: Callable[[int], None] | None) -> Estimates:
    n_params, n_tokens, compute_flops, log_loss = study.n_params, study.n_tokens, study.compute_flops, study.log_loss
    target, bootstrap, seed, level = study.target, study.bootstrap, study.seed, study.level
    from scalecalc.approaches.isoflop import fit_isoflops
    from scalecalc.approaches.isoflop_trials import BATCHED_METHODS, trial_predictions

    trials = len(log_loss)
    seeds = [_trial_seed(seed, t) for t in range(trials)]
    if method in BATCHED_METHODS:
        params, low, high = trial_predictions(
            n_params, n_tokens, compute_flops, np.exp(log_loss), target, method=method, bootstrap=bootstrap,
            level=level, seeds=seeds, progress=progress,
        )  # fmt: skip
    else:
        params, low, high = (np.full(trials, np.nan) for _ in range(3))
        targets = np.array([target])
        for t in range(trials):
            try:
                result = fit_isoflops(
                    n_params, n_tokens, compute_flops, np.exp(log_loss[t]), method=method, targets=targets,
                    bootstrap=bootstrap, level=level, seed=seeds[t], source="simulated study",
                )  # fmt: skip
            except FitError:
                result = None
            if result is not None and result.prediction is not None:
                params[t] = result.prediction.params[0]
                low[t], high[t] = result.prediction.params_low[0], result.prediction.params_high[0]
            if progress is not None and (t % 25 == 24 or t == trials - 1):
                progress(t % 25 + 1)
    tokens = target / (FLOPS_PER_PARAM_TOKEN * params)
    nan = np.full(trials, np.nan)
    return Estimates(
        approach="isoflop",
        params=params,
        tokens=tokens,
        loss=nan,
        params_low=low,
        params_high=high,
        tokens_low=target / (FLOPS_PER_PARAM_TOKEN * high),
        tokens_high=target / (FLOPS_PER_PARAM_TOKEN * low),
        loss_low=nan.copy(),
        loss_high=nan.copy(),
        converged=np.isfinite(params),
    )
