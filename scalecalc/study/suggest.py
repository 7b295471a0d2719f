"""Suggest the next runs of a scaling study: which few runs narrow the extrapolated optimum most per FLOP.

:func:`suggest_runs` is a greedy design: among candidate runs (sizes at the budgets already run, and at
sqrt(10) and 10 times the largest), it picks the one that lowers the simulated spread of log N_opt at the
target most per FLOP it costs, then repeats from the runs done plus that one. The spread is
:func:`scalecalc.study.simulate.log_spread` over trials simulated as ``simulate_study`` draws them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from scalecalc.approaches.budgets import Grouping, group_budgets
from scalecalc.defaults import STUDY_NOISE, STUDY_SPAN
from scalecalc.errors import InputError
from scalecalc.fitting.batch import TrialFits, at_target
from scalecalc.laws import FLOPS_PER_PARAM_TOKEN, ChinchillaLaw
from scalecalc.study.simulate import check_design, check_simulation_options, log_spread, simulated_log_losses
from scalecalc.study.trials import trial_observations

SUGGEST_SIZES = 17  # candidate sizes per budget: a default sweep's 9 and the midpoints between them
SUGGEST_TRIALS = 200  # simulated studies per candidate: fewer than `simulate`, as every candidate is scored
SUGGEST_MEMORY_BYTES = 256 * 2**20  # refuse designs whose per-candidate fits alone would hold more than this
N_CONSTANTS = 5  # E, A, B, alpha, beta: the free constants of each trial's fit
BLOCK_ELEMENTS = 1_000_000  # rows x runs of the candidates' fits built at once (3 buffers of 8 MB)
# Candidates are screened by refits stopped after SCREEN_ITERATIONS (a full refit takes about 10), and only the
# SHORTLIST best by that score are refitted to convergence and compared. On the 54-run and 15-run default sweeps
# the best candidate ranked at most third on the screen; the shortlist leaves a wide margin. A full refit is
# the same from a shortlist as from all candidates (each row's path is its own), so whenever the best is on it,
# the picks and spreads are those of refitting every candidate fully.
SCREEN_ITERATIONS = 4
SHORTLIST = 12


@dataclass(frozen=True)
class Suggestion:
    """Runs to add, in the order chosen; ``spread``: sd of log10 N_opt at the target after each (log_spread)."""

    n_params: np.ndarray
    n_tokens: np.ndarray
    compute_flops: np.ndarray
    optimal_params: np.ndarray
    spread: np.ndarray
    baseline_spread: float
    candidates: int
    target_flops: float
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def columns(self) -> dict[str, np.ndarray]:
        before = np.concatenate([[self.baseline_spread], self.spread])[: len(self.spread)]
        return {
            "step": np.arange(1, len(self.n_params) + 1),
            "params": self.n_params,
            "tokens": self.n_tokens,
            "flops": self.compute_flops,
            "tokens_per_param": self.n_tokens / self.n_params,
            "size_ratio": self.n_params / self.optimal_params,
            "log_sd_before": before,
            "log_sd_after": self.spread,
            "reduction": 1 - self.spread / before,
            "cumulative_flops": np.cumsum(self.compute_flops),
        }


def suggest_runs(
    law: ChinchillaLaw,
    n_params: np.ndarray,
    n_tokens: np.ndarray,
    compute_flops: np.ndarray,
    *,
    next_runs: int,
    target_flops: float,
    budget_flops: float | None = None,
    noise: float = STUDY_NOISE,
    trials: int = SUGGEST_TRIALS,
    seed: int = 0,
    span: float = STUDY_SPAN,
    sizes: int = SUGGEST_SIZES,
    source: str = "the runs",
    progress: Callable[[int], None] | None = None,
) -> Suggestion:
    """Choose ``next_runs`` runs, one at a time, each the candidate that most lowers the simulated spread of
    log10 N_opt at ``target_flops`` (Approach 3, as `fit`) per FLOP it costs.

    Candidates: at every budget of the runs done and at sqrt(10) and 10 times the largest (those below the
    target), ``sizes`` sizes from N*/span to N* span around the
    preset's optimum N*, minus sizes already run there (within 1%). Every candidate is scored on the same
    ``trials`` simulated noise draws (common random numbers), so the differences between candidates are not
    swamped by trial-to-trial noise; all candidates of a step are fitted in one batched call, each trial's
    fit warm-started from the truth-free optimum of the runs done, first for SCREEN_ITERATIONS iterations and
    then, for the SHORTLIST best of that screen, to convergence. ``budget_flops`` caps the total compute of the
    runs suggested.
    """
    check_simulation_options(noise, trials, seed)
    if not 1 <= next_runs <= 100:
        raise InputError(f"is {next_runs}; give 1 to 100 runs to suggest", param="next_runs")
    if not (math.isfinite(target_flops) and target_flops > 0):
        raise InputError(f"is {target_flops:g}; give a positive budget such as 1e24", param="target_flops")
    if budget_flops is not None and not (math.isfinite(budget_flops) and budget_flops > 0):
        raise InputError(
            f"is {budget_flops:g}; give the compute the next runs may spend, such as 1e21", param="budget_flops"
        )
    if not (math.isfinite(span) and span > 1):
        raise InputError(f"is {span:g}; give a factor above 1, such as 4", param="span")
    n_params, n_tokens, compute_flops = (np.asarray(a, dtype=float) for a in (n_params, n_tokens, compute_flops))
    check_design(n_params, n_tokens, source)
    grouping = group_budgets(compute_flops)
    cand_n, cand_c, cand_opt = _candidates(law, n_params, grouping, span, sizes, target_flops)
    if budget_flops is not None:
        affordable = cand_c <= budget_flops
        if not affordable.any():
            raise InputError(
                f"{budget_flops:.3g} FLOPs buys no candidate run; the cheapest costs {cand_c.min():.3g}",
                param="budget_flops",
            )
    held = len(cand_n) * trials * (N_CONSTANTS + 1) * 8  # every candidate's fitted trials and simulated losses
    if held > SUGGEST_MEMORY_BYTES:
        raise InputError(
            f"{len(cand_n)} candidates x {trials} trials would hold {held / 2**20:.0f} MiB, over the "
            f"{SUGGEST_MEMORY_BYTES / 2**20:.0f} MiB suggest allows itself; give fewer --sizes or --trials"
        )
    cand_d = cand_c / (FLOPS_PER_PARAM_TOKEN * cand_n)
    # The runs done see the same draws as simulate_study with this seed (stream 0); the candidates their own (stream 2).
    done_loss = simulated_log_losses(law, n_params, n_tokens, noise, trials, seed)
    cand_loss = simulated_log_losses(law, cand_n, cand_d, noise, trials, seed, stream=2)
    from scalecalc.fitting import FitSpec, fit_law

    observed = trial_observations(n_params, n_tokens, compute_flops, done_loss[0])
    reference = fit_law(observed, FitSpec(), at_flops=target_flops)
    batch = TrialFits(n_params, n_tokens)
    z_ref = batch.internal(reference.constants)
    # The runs done, fitted on every trial: the baseline, and the warm start of every candidate's fits.
    z_base, _ = batch.fit(done_loss, np.tile(z_ref, (trials, 1)), None)
    baseline = _log_spread(batch, z_base, target_flops)
    # Each candidate is fitted on the runs so far plus itself alone: the other candidates carry no weight.
    runs_n, runs_d, runs_loss = np.log(n_params), np.log(n_tokens), done_loss
    current = baseline
    chosen: list[int] = []
    spreads: list[float] = []
    spent = 0.0
    warnings: list[str] = []
    remaining = np.ones(len(cand_n), dtype=bool)
    for _ in range(next_runs):
        options = np.flatnonzero(remaining & ((budget_flops is None) | (cand_c + spent <= (budget_flops or np.inf))))
        if len(options) == 0:
            warnings.append(
                f"`budget_flops`: {budget_flops:.3g} FLOPs allow only {len(chosen)} of the {next_runs} runs asked for"
            )
            break
        fits = (batch, z_base, runs_n, runs_d, runs_loss, cand_n, cand_d, cand_loss)
        if len(options) > SHORTLIST:
            screen = _fit_candidates(*fits, options, max_iter=SCREEN_ITERATIONS)
            rough = (current - _spreads(batch, screen, trials, target_flops)) / cand_c[options]
            options = np.sort(options[np.argsort(-rough, kind="stable")[:SHORTLIST]])
        z = _fit_candidates(*fits, options)
        scores = _spreads(batch, z, trials, target_flops)
        gain_per_flop = (current - scores) / cand_c[options]
        best = int(np.argmax(gain_per_flop))
        if not gain_per_flop[best] > 0:
            warnings.append(
                f"after {len(chosen)} runs no candidate lowers the simulated spread any further at this noise and "
                "trial count; add trials (`trials`) or budgets beyond the largest"
            )
            break
        pick = int(options[best])
        chosen.append(pick)
        spreads.append(float(scores[best]))
        current = float(scores[best])
        spent += float(cand_c[pick])
        remaining[pick] = False
        runs_n = np.append(runs_n, np.log(cand_n[pick]))
        runs_d = np.append(runs_d, np.log(cand_d[pick]))
        runs_loss = np.concatenate([runs_loss, cand_loss[:, pick : pick + 1]], axis=1)
        z_base = z[best * trials : (best + 1) * trials]
        if progress is not None:
            progress(1)
    picks = np.array(chosen, dtype=int)
    n_out, c_out = cand_n[picks], cand_c[picks]
    return Suggestion(
        n_params=n_out,
        n_tokens=c_out / (FLOPS_PER_PARAM_TOKEN * n_out),
        compute_flops=c_out,
        optimal_params=cand_opt[picks],
        spread=np.array(spreads),
        baseline_spread=baseline,
        candidates=len(cand_n),
        target_flops=float(target_flops),
        warnings=tuple(warnings),
        notes=(
            f"log_sd: sd of log10 N_opt (winsorised at 2.5%) at {target_flops:.3g} FLOPs over {trials} simulated "
            f"studies ({noise:g} log-space noise, seed {seed}), fitted by Approach 3 (the Chinchilla form, Huber "
            "loss); each run chosen for the largest fall in it per FLOP",
            f"{len(cand_n)} candidates: {sizes} sizes from N*/{span:g} to {span:g} N* at each budget run and at "
            "sqrt(10) and 10 times the largest",
        ),
    )


def _log_spread(batch: TrialFits, z: np.ndarray, target: float) -> float:
    params, _, _ = at_target(batch.constants(z), target)
    return log_spread(params)


def _spreads(batch: TrialFits, z: np.ndarray, trials: int, target: float) -> np.ndarray:
    """The spread of each candidate's block of ``trials`` rows of ``z`` (rows candidate-major)."""
    return np.array([_log_spread(batch, z[k : k + trials], target) for k in range(0, len(z), trials)])


def _fit_candidates(
    batch: TrialFits,
    z_base: np.ndarray,
    runs_n: np.ndarray,
    runs_d: np.ndarray,
    runs_loss: np.ndarray,
    cand_n: np.ndarray,
    cand_d: np.ndarray,
    cand_loss: np.ndarray,
    options: np.ndarray,
    max_iter: int = 500,
) -> np.ndarray:
    """Every trial refitted with each candidate in ``options`` added to the runs so far (log N ``runs_n``, log D
    ``runs_d``, the trials' log losses ``runs_loss``), warm-started from the trial's fit without it: rows
    option-major, (len(options) x trials, constants). Built a block of options at a time, in buffers
    allocated once, so memory stays at BLOCK_ELEMENTS whatever the number of candidates; the minimiser iterates
    a cache-sized window of them at a time (:class:`TrialFits`)."""
    trials, width = runs_loss.shape[0], runs_loss.shape[1] + 1
    per_block = max(1, BLOCK_ELEMENTS // (trials * width))
    rows = per_block * trials
    log_n, log_d, log_loss = (np.empty((rows, width)) for _ in range(3))
    log_n[:, :-1], log_d[:, :-1] = runs_n, runs_d
    log_loss[:, :-1] = np.tile(runs_loss, (per_block, 1))
    z = np.empty((len(options) * trials, z_base.shape[1]))
    for first in range(0, len(options), per_block):
        block = options[first : first + per_block]
        used = len(block) * trials
        log_n[:used, -1] = np.repeat(np.log(cand_n[block]), trials)
        log_d[:used, -1] = np.repeat(np.log(cand_d[block]), trials)
        log_loss[:used, -1] = cand_loss[:, block].T.ravel()
        z[first * trials : first * trials + used], _ = batch.fit(
            log_loss[:used],
            np.tile(z_base, (len(block), 1)),
            None,
            points=(log_n[:used], log_d[:used]),
            max_iter=max_iter,
            near=True,
        )
    return z


def _candidates(
    law: ChinchillaLaw, n_params: np.ndarray, grouping: Grouping, span: float, sizes: int, target: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``sizes`` sizes around N* at each budget of ``grouping`` (runs within 10% of compute are one budget, as
    `isoflop` groups them) and at sqrt(10) and 10 times the largest, minus sizes already run there (within 1%)."""
    budgets = grouping.budgets
    beyond = budgets[-1] * np.array([math.sqrt(10), 10.0])
    grid = np.concatenate([budgets, beyond[beyond < target]])
    optimum, _ = law.allocate(grid)
    cand_n, cand_c, cand_opt = [], [], []
    for k, (budget, n_opt) in enumerate(zip(grid, np.asarray(optimum, dtype=float), strict=True)):
        sizes_here = n_opt * span ** np.linspace(-1, 1, sizes)
        run = n_params[grouping.index == k]
        for n in sizes_here:
            if len(run) and np.min(np.abs(np.log(run / n))) < 0.01:
                continue
            cand_n.append(n)
            cand_c.append(budget)
            cand_opt.append(n_opt)
    return np.array(cand_n), np.array(cand_c), np.array(cand_opt)
