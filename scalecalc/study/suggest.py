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

from scalecalc.defaults import STUDY_NOISE, STUDY_SPAN
from scalecalc.errors import InputError
from scalecalc.fitting.batch import TrialFits, at_target
from scalecalc.laws import FLOPS_PER_PARAM_TOKEN, ChinchillaLaw
from scalecalc.study.simulate import check_design, check_simulation_options, log_spread, simulated_log_losses
from scalecalc.study.trials import trial_observations

SUGGEST_SIZES = 17  # candidate sizes per budget: a default sweep's 9 and the midpoints between them
SUGGEST_TRIALS = 200  # simulated studies per candidate: fewer than `simulate`, as every candidate is scored


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
    fit warm-started from the truth-free optimum of the runs done. ``budget_flops`` caps the total compute of
    the runs suggested.
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
    cand_n, cand_c, cand_opt = _candidates(law, n_params, compute_flops, span, sizes, target_flops)
    if budget_flops is not None:
        affordable = cand_c <= budget_flops
        if not affordable.any():
            raise InputError(
                f"{budget_flops:.3g} FLOPs buys no candidate run; the cheapest costs {cand_c.min():.3g}",
                param="budget_flops",
            )
    points_n = np.concatenate([n_params, cand_n])
    points_c = np.concatenate([compute_flops, cand_c])
    points_d = np.concatenate([n_tokens, cand_c / (FLOPS_PER_PARAM_TOKEN * cand_n)])
    done = len(n_params)
    # The runs done see the same draws as simulate_study with this seed (stream 0); the candidates their own (stream 2).
    log_loss = np.concatenate(
        [
            simulated_log_losses(law, n_params, n_tokens, noise, trials, seed),
            simulated_log_losses(law, points_n[done:], points_d[done:], noise, trials, seed, stream=2),
        ],
        axis=1,
    )
    from scalecalc.fitting import FitSpec, fit_law

    reference = fit_law(
        trial_observations(n_params, n_tokens, compute_flops, log_loss[0, :done]), FitSpec(), at_flops=target_flops
    )
    batch = TrialFits(points_n, points_d, points_c)
    z_ref = batch.internal(reference.constants)
    included = np.zeros(len(points_n), dtype=bool)
    included[:done] = True
    # The runs done, fitted on every trial: the baseline, and the warm start of every candidate's fits.
    z_base, _ = batch.fit(log_loss, np.tile(z_ref, (trials, 1)), np.tile(included.astype(float), (trials, 1)))
    baseline = _log_spread(batch, z_base, target_flops)
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
        weights = np.repeat(included[None, :].astype(float), len(options) * trials, axis=0)
        rows = np.repeat(options, trials)
        weights[np.arange(len(rows)), done + rows] = 1.0
        z, _ = batch.fit(np.tile(log_loss, (len(options), 1)), np.tile(z_base, (len(options), 1)), weights)
        scores = np.array([_log_spread(batch, z[k * trials : (k + 1) * trials], target_flops)
                           for k in range(len(options))])  # fmt: skip
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
        included[done + pick] = True
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
            f"studies ({noise:g} log-space noise, seed {seed}), fitted as `fit` does; each run chosen for the largest "
            "fall in it per FLOP",
            f"{len(cand_n)} candidates: {sizes} sizes from N*/{span:g} to {span:g} N* at each budget run and at "
            "sqrt(10) and 10 times the largest",
        ),
    )


def _log_spread(batch: TrialFits, z: np.ndarray, target: float) -> float:
    params, _, _ = at_target(batch.constants(z), target)
    return log_spread(params)


def _candidates(
    law: ChinchillaLaw, n_params: np.ndarray, compute_flops: np.ndarray, span: float, sizes: int, target: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    budgets = np.unique(compute_flops)
    beyond = budgets[-1] * np.array([math.sqrt(10), 10.0])
    grid = np.concatenate([budgets, beyond[beyond < target]])
    optimum, _ = law.allocate(grid)
    cand_n, cand_c, cand_opt = [], [], []
    for budget, n_opt in zip(grid, np.asarray(optimum, dtype=float), strict=True):
        sizes_here = n_opt * span ** np.linspace(-1, 1, sizes)
        run = n_params[np.isclose(compute_flops, budget, rtol=1e-6)]
        for n in sizes_here:
            if len(run) and np.min(np.abs(np.log(run / n))) < 0.01:
                continue
            cand_n.append(n)
            cand_c.append(budget)
            cand_opt.append(n_opt)
    return np.array(cand_n), np.array(cand_c), np.array(cand_opt)
