"""Plan the scaling study itself: design an isoFLOP sweep, simulate how well it pins down the extrapolated
optimum, and suggest which next runs narrow it most for their compute.

Three pure functions, each returning a frozen result:

* :func:`design_sweep`   an isoFLOP design: ``budgets`` compute budgets spaced geometrically from ``min_flops``
                         to ``max_flops``; at each budget C, ``sizes`` model sizes centred (in log N) on the
                         preset's compute-optimal N*(C), from N*/span to N* span (tokens per parameter then run
                         from r*/span^2 to r* span^2, with r* = D*/N*), and D = C / (6N) (Kaplan et al. 2020,
                         Sec. 2.1), so every run of a budget costs exactly C.
* :func:`simulate_study` Monte-Carlo reliability of a design: each trial draws losses
                         log L_i = log L(N_i, D_i) + noise * eps_i, eps_i ~ N(0, 1) (multiplicative, log-space
                         noise) from the preset's law, refits them as `scalecalc fit` does (Approach 3: the
                         Chinchilla form, Huber delta 1e-3 on log loss, Hoffmann et al. 2022 App. D.2) and as
                         `scalecalc isoflop` does (Approach 2: parabolas per budget, a line through the minima),
                         and extrapolates N_opt, D_opt and the loss to ``target_flops``. Across trials it reports
                         the spread, the bias against the truth, and how often each trial's own bootstrap interval
                         covers the truth.
* :func:`suggest_runs`   greedy design: which candidate run (a size at an existing or a next budget) lowers the
                         simulated spread of log N_opt at the target most per FLOP it costs, repeated.

Speed. ``fit_law`` runs ~40 starts per fit (0.06-0.3 s for 54 points); 500 trials that way take minutes. The
default ``fit_mode="warm"`` fits the first trial with ``fit_law`` itself (multi-start, the full `fit`
procedure) and then every trial at once, in one batched Levenberg-Marquardt run of the fitting engine,
started from that truth-free optimum; its bootstrap refits all trials' resamples at once, each warm-started
from its trial's optimum, exactly as ``fit_law``'s bootstrap does. The engine's public API fits one data set
at a time, so :class:`scalecalc.trial_fits.TrialFits` is a thin adapter over its internals (forms, penalty, minimiser)
that gives each row of the batch its own losses and point weights. ``fit_mode="full"`` calls ``fit_law`` per
trial (slow; the check that the two agree is in tests/test_study.py and benchmarks/bench_simulate.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from warnings import catch_warnings, simplefilter

import numpy as np

from scalecalc.errors import FitError, InputError, PresetError
from scalecalc.fitting.batch import TrialFits, at_target
from scalecalc.laws import FLOPS_PER_PARAM_TOKEN, ChinchillaLaw

SPACINGS = ("log", "centre", "linear")
ROUNDINGS = ("none", "digits", "shape")
APPROACHES = ("fit", "isoflop")
FIT_MODES = ("warm", "full")
SUGGEST_SIZES = 17  # candidate sizes per budget: a default sweep's 9 and the midpoints between them
DEFAULT_SPAN = 4.0  # sizes from N*/4 to 4 N*: tokens per parameter from r*/16 to 16 r* (our choice, documented)
DEFAULT_NOISE = 0.01  # 1% log-space noise; seed-to-seed spread of small runs (our choice; set with --noise)
DEFAULT_TRIALS = 500
DEFAULT_BOOTSTRAP = 100
DEFAULT_LEVEL = 0.9
BOOTSTRAP_BLOCK_ROWS = 5_000  # bootstrap refits held at once (trials x resamples)
# Model shapes for --round shape: non-embedding N = 12 L d^2 for a classic GPT block (Kaplan et al. 2020,
# Table 1), d a multiple of 64 (the usual head dimension), depth near an aspect ratio d / L of 100: published
# shapes sit near it (GPT-3 Table 2.1 and Chinchilla Table 4: d/L 64 to 128) and Kaplan et al. 2020 Fig. 5
# find the loss flat for 20 < d/L < 200.
SHAPE_PARAMS_PER_LAYER_D2 = 12
SHAPE_WIDTH_STEP = 64
SHAPE_ASPECT_PREFERRED = 100.0


# --- the design -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sweep:
    """The runs of an isoFLOP design; ``optimal_params[i]`` is the preset's N*(C) at run i's budget."""

    n_params: np.ndarray
    n_tokens: np.ndarray
    compute_flops: np.ndarray
    optimal_params: np.ndarray
    layers: np.ndarray | None = None
    d_model: np.ndarray | None = None
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def total_flops(self) -> float:
        return float(np.sum(self.compute_flops))

    @property
    def budgets(self) -> np.ndarray:
        return np.unique(self.compute_flops)

    def columns(self) -> dict[str, np.ndarray]:
        columns = {
            "run": np.arange(1, len(self.n_params) + 1),
            "params": self.n_params,
            "tokens": self.n_tokens,
            "flops": self.compute_flops,
            "tokens_per_param": self.n_tokens / self.n_params,
            "size_ratio": self.n_params / self.optimal_params,
        }
        if self.layers is not None and self.d_model is not None:
            columns["layers"] = self.layers
            columns["d_model"] = self.d_model
        return columns


def design_sweep(
    allocation,
    min_flops: float,
    max_flops: float,
    budgets: int,
    sizes: int,
    *,
    span: float | None = None,
    tokens_per_param: tuple[float, float] | None = None,
    spacing: str = "log",
    rounding: str = "none",
) -> Sweep:
    """An isoFLOP design centred on ``allocation``'s optimum at each budget (see the module docstring).

    ``span`` (default 4) sets the sizes from N*/span to N* span; ``tokens_per_param=(low, high)`` instead
    fixes the range of D/N at every budget (sizes sqrt(C / 6 high) .. sqrt(C / 6 low)). ``spacing`` places the
    sizes: ``log`` evenly in log N, ``centre`` denser near N* (positions t |t|^0.5 for t evenly in [-1, 1]),
    ``linear`` evenly in N. ``rounding``: ``none``, ``digits`` (two significant digits) or ``shape`` (the
    nearest 12 L d^2 of a realistic transformer shape, see SHAPE_*), with D = C / 6N recomputed.
    """
    _check_range(min_flops, max_flops, budgets)
    if not 2 <= sizes <= 100:
        raise InputError(f"--sizes: is {sizes}; give 2 to 100 sizes per budget (3 or more for a parabola)")
    if spacing not in SPACINGS:
        raise InputError(f"--spacing: unknown spacing {spacing!r}; use one of {', '.join(SPACINGS)}")
    if rounding not in ROUNDINGS:
        raise InputError(f"--round: unknown rounding {rounding!r}; use one of {', '.join(ROUNDINGS)}")
    if span is not None and tokens_per_param is not None:
        raise InputError("--span and --tokens-per-param both set the range of sizes; give one of them")
    if span is None and tokens_per_param is None:
        span = DEFAULT_SPAN
    if span is not None and not (math.isfinite(span) and span > 1):
        raise InputError(f"--span: is {span:g}; give a factor above 1, such as 4 (sizes from N*/4 to 4 N*)")
    if tokens_per_param is not None:
        low, high = tokens_per_param
        if not (0 < low < high and math.isfinite(high)):
            raise InputError(f"--tokens-per-param: {low:g}:{high:g}; give LOW:HIGH with 0 < LOW < HIGH, such as 5:200")
    grid = np.geomspace(min_flops, max_flops, budgets)
    optimum, _ = allocation.allocate(grid)
    optimum = np.asarray(optimum, dtype=float)
    warnings: list[str] = []
    t = np.linspace(-1.0, 1.0, sizes)
    u = np.sign(t) * np.abs(t) ** 1.5 if spacing == "centre" else t
    rows_n, rows_c, rows_opt = [], [], []
    collided = 0
    for budget, n_opt in zip(grid, optimum, strict=True):
        if span is not None:
            lo, hi = n_opt / span, n_opt * span
        else:
            lo = size_at(budget, tokens_per_param[1])  # type: ignore[index]
            hi = size_at(budget, tokens_per_param[0])  # type: ignore[index]
        if spacing == "linear":
            n = lo + (hi - lo) * (t + 1) / 2
        else:
            centre, half = 0.5 * (math.log(lo) + math.log(hi)), 0.5 * (math.log(hi) - math.log(lo))
            n = np.exp(centre + half * u)
        n = _round_sizes(n, rounding)
        unique = np.unique(n)
        collided += len(n) - len(unique)
        rows_n.append(unique)
        rows_c.append(np.full(len(unique), budget))
        rows_opt.append(np.full(len(unique), n_opt))
    n_params = np.concatenate(rows_n)
    compute = np.concatenate(rows_c)
    if collided:
        warnings.append(
            f"rounding made {collided} sizes coincide with another size of the same budget; each is run once "
            "(use more --span or fewer --sizes, or --round digits)"
        )
    if tokens_per_param is not None:
        low, high = tokens_per_param
        inside = [size_at(c, high) <= n_opt <= size_at(c, low) for c, n_opt in zip(grid, optimum, strict=True)]
        outside = [f"{c:.3g}" for c, ok in zip(grid, inside, strict=True) if not ok]
        if outside:
            warnings.append(
                f"the preset's optimum lies outside --tokens-per-param at budgets {', '.join(outside)}: those "
                "profiles will have their minimum at an edge; widen the range"
            )
    layers = d_model = None
    if rounding == "shape":
        layers, d_model = _shapes_of(n_params)
    notes = [
        f"{len(grid)} budgets from {min_flops:.3g} to {max_flops:.3g} FLOPs, {sizes} sizes each ({spacing} spacing); "
        "D = C / 6N, so every run of a budget costs exactly its budget",
    ]
    if rounding == "shape":
        notes.append("sizes rounded to 12 L d^2 (non-embedding, Kaplan et al. 2020 Table 1), d a multiple of 64")
    return Sweep(
        n_params=n_params,
        n_tokens=compute / (FLOPS_PER_PARAM_TOKEN * n_params),
        compute_flops=compute,
        optimal_params=np.concatenate(rows_opt),
        layers=layers,
        d_model=d_model,
        warnings=tuple(warnings),
        notes=tuple(notes),
    )


def size_at(compute_flops: float, tokens_per_param: float) -> float:
    """The size N at which a run of ``compute_flops`` sees ``tokens_per_param`` tokens per parameter."""
    return math.sqrt(compute_flops / (FLOPS_PER_PARAM_TOKEN * tokens_per_param))


def _check_range(min_flops: float, max_flops: float, budgets: int) -> None:
    if not (math.isfinite(min_flops) and min_flops > 0):
        raise InputError(f"--min-flops: is {min_flops:g}; give a positive budget such as 1e18")
    if not (math.isfinite(max_flops) and max_flops >= min_flops):
        raise InputError(f"--max-flops: {max_flops:g} is below --min-flops {min_flops:g}")
    if not 1 <= budgets <= 100:
        raise InputError(f"--budgets: is {budgets}; give 1 to 100 budgets (2 or more to fit a power law)")
    if budgets > 1 and max_flops == min_flops:
        raise InputError(f"--max-flops: equals --min-flops, so {budgets} budgets would coincide; widen the range")


def _round_sizes(n: np.ndarray, rounding: str) -> np.ndarray:
    if rounding == "digits":
        exponent = np.floor(np.log10(n)) - 1
        return np.round(n / 10**exponent) * 10**exponent
    if rounding == "shape":
        layers, width = _shapes_of(n)
        return (SHAPE_PARAMS_PER_LAYER_D2 * layers * width.astype(float) ** 2).astype(float)
    return np.asarray(n, dtype=float)


def _shapes_of(n_params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(layers, d_model) of a realistic shape near each N (see SHAPE_* above): the depth L0 at which
    12 L d^2 = N with d / L = 100, then, among depths within 25% of L0 (at least one layer either side) and
    widths d a multiple of 64, the 12 L d^2 nearest N in log."""
    layers_out, width_out = [], []
    for n in np.asarray(n_params, dtype=float):
        depth = (n / (SHAPE_PARAMS_PER_LAYER_D2 * SHAPE_ASPECT_PREFERRED**2)) ** (1 / 3)
        reach = max(1.0, 0.25 * depth)
        layers = np.arange(max(1, math.floor(depth - reach)), math.ceil(depth + reach) + 1)
        width = np.maximum(1, np.round(np.sqrt(n / (SHAPE_PARAMS_PER_LAYER_D2 * layers)) / SHAPE_WIDTH_STEP))
        width = width * SHAPE_WIDTH_STEP
        miss = np.abs(np.log(SHAPE_PARAMS_PER_LAYER_D2 * layers * width**2 / n))
        best = int(np.argmin(np.round(miss, 9)))  # the shallowest of equally near shapes
        layers_out.append(int(layers[best]))
        width_out.append(int(width[best]))
    return np.array(layers_out), np.array(width_out)


# --- the simulation ---------------------------------------------------------------------------------------


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
            f"--preset: {preset_name} has {kind}; simulation draws losses from a Chinchilla-form law "
            "L = E + A/N^alpha + B/D^beta (e.g. --preset epoch-2024)"
        )
    return loss_law


def check_simulation_options(noise: float, trials: int, seed: int, level: float, bootstrap: int) -> None:
    if not (math.isfinite(noise) and noise > 0):
        raise InputError(f"--noise: is {noise:g}; give a positive log-space standard deviation such as 0.01 (1%)")
    if noise > 1:
        raise InputError(f"--noise: is {noise:g}; it is the sd of log loss, so 0.01 means 1% (give at most 1)")
    if not 1 <= trials <= 1_000_000:
        raise InputError(f"--trials: is {trials}; give a number of simulated studies such as 500")
    if seed < 0:
        raise InputError(f"--seed: is {seed}; give a whole number of zero or more")
    if not 0 < level < 1:
        raise InputError(f"--level: is {level:g}; give a fraction such as 0.9")
    if bootstrap < 0 or bootstrap == 1:
        raise InputError(f"--bootstrap: is {bootstrap}; give 0 (no intervals) or resamples per trial, such as 100")


def simulate_study(
    law: ChinchillaLaw,
    n_params: np.ndarray,
    n_tokens: np.ndarray,
    compute_flops: np.ndarray,
    *,
    target_flops: float,
    noise: float = DEFAULT_NOISE,
    trials: int = DEFAULT_TRIALS,
    seed: int = 0,
    level: float = DEFAULT_LEVEL,
    bootstrap: int = DEFAULT_BOOTSTRAP,
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
        raise InputError(f"--target-flops: is {target_flops:g}; give a positive budget such as 1e24")
    for approach in approaches:
        if approach not in APPROACHES:
            raise InputError(f"--approach: unknown {approach!r}; use one of {', '.join(APPROACHES)}")
    if fit_mode not in FIT_MODES:
        raise InputError(f"--fit-mode: unknown {fit_mode!r}; use one of {', '.join(FIT_MODES)}")
    n_params, n_tokens, compute_flops = (np.asarray(a, dtype=float) for a in (n_params, n_tokens, compute_flops))
    if "fit" in approaches:
        check_design(n_params, n_tokens, source)
    n_true, d_true = (float(v) for v in law.allocate(target_flops))
    truth = {"params": n_true, "tokens": d_true, "loss": float(law.loss(n_true, d_true))}
    log_loss = simulated_log_losses(law, n_params, n_tokens, noise, trials, seed)
    estimates: dict[str, Estimates] = {}
    warnings: list[str] = []
    for approach in approaches:
        if approach == "fit":
            estimates["fit"] = _fit_trials(
                n_params, n_tokens, compute_flops, log_loss, target_flops, bootstrap, seed, level, fit_mode, progress
            )
        else:
            estimates["isoflop"] = _isoflop_trials(
                n_params, n_tokens, compute_flops, log_loss, target_flops, bootstrap, seed, level, method, progress
            )
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


def _summarise(
    approach: str, quantity: str, truth: float, values: np.ndarray, low: np.ndarray, high: np.ndarray, level: float
) -> SummaryRow:
    ok = np.isfinite(values)
    v = values[ok]
    tails = (100 * (1 - level) / 2, 100 * (1 + level) / 2)
    band_low, band_high = (float(x) for x in np.percentile(v, tails))
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


def _trial_seed(seed: int, trial: int) -> int:
    """The bootstrap seed of one trial: independent of how trials are batched."""
    return int(np.random.SeedSequence([seed, 1, trial]).generate_state(1)[0])


def _percentiles(draws: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-row percentile interval of ``draws`` (trials, resamples), ignoring non-finite draws."""
    tails = (100 * (1 - level) / 2, 100 * (1 + level) / 2)
    masked = np.where(np.isfinite(draws), draws, np.nan)
    with catch_warnings():
        simplefilter("ignore", RuntimeWarning)  # an all-NaN row (a failed trial) gives NaN
        low, high = np.nanpercentile(masked, tails, axis=1)
    return low, high


# --- Approach 3 over all trials -------------------------------------------------------------------------------


def _observations(n_params, n_tokens, compute_flops, log_loss):
    from scalecalc.io import Observations

    return Observations("simulated study", n_params, n_tokens, compute_flops, np.exp(log_loss))


def _fit_trials(
    n_params: np.ndarray,
    n_tokens: np.ndarray,
    compute_flops: np.ndarray,
    log_loss: np.ndarray,
    target: float,
    bootstrap: int,
    seed: int,
    level: float,
    fit_mode: str,
    progress: Callable[[int], None] | None,
) -> Estimates:
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
                    _observations(n_params, n_tokens, compute_flops, log_loss[t]), FitSpec(), at_flops=target,
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
                    low, high = _percentiles(np.asarray(values)[None, :], level)
                    bounds[f"{name}_low"][t], bounds[f"{name}_high"][t] = low[0], high[0]
            if progress is not None:
                progress(1)
        return Estimates("fit", rows["params"], rows["tokens"], rows["loss"], **bounds, converged=converged)
    # warm: the first trial with the full procedure, then every trial at once from its optimum
    reference = fit_law(_observations(n_params, n_tokens, compute_flops, log_loss[0]), FitSpec(), at_flops=target)
    batch = TrialFits(n_params, n_tokens, compute_flops)
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
            z_boot, _ = batch.fit(
                np.repeat(log_loss[part.start : part.stop], bootstrap, axis=0),
                np.repeat(z[part.start : part.stop], bootstrap, axis=0),
                counts,
                max_iter=300,
            )
            resampled = at_target(batch.constants(z_boot), target)
            for quantity, samples in zip(("params", "tokens", "loss"), resampled, strict=True):
                low, high = _percentiles(samples.reshape(len(part), bootstrap), level)
                low_high[f"{quantity}_low"][part.start : part.stop] = low
                low_high[f"{quantity}_high"][part.start : part.stop] = high
            if progress is not None:
                progress(len(part))
    return Estimates("fit", params, tokens, loss, **low_high, converged=converged)


# --- Approach 2 over all trials -------------------------------------------------------------------------------


def _isoflop_trials(
    n_params: np.ndarray,
    n_tokens: np.ndarray,
    compute_flops: np.ndarray,
    log_loss: np.ndarray,
    target: float,
    bootstrap: int,
    seed: int,
    level: float,
    method: str,
    progress: Callable[[int], None] | None,
) -> Estimates:
    from scalecalc.approaches.isoflop import fit_isoflops

    trials = len(log_loss)
    params, low, high = (np.full(trials, np.nan) for _ in range(3))
    targets = np.array([target])
    for t in range(trials):
        try:
            result = fit_isoflops(
                n_params, n_tokens, compute_flops, np.exp(log_loss[t]), method=method, targets=targets,
                bootstrap=bootstrap, level=level, seed=_trial_seed(seed, t), source="simulated study",
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


# --- suggesting the next runs --------------------------------------------------------------------------------


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
    notes: tuple[str, ...] = field(default_factory=tuple)

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
    noise: float = DEFAULT_NOISE,
    trials: int = 200,
    seed: int = 0,
    span: float = DEFAULT_SPAN,
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
    check_simulation_options(noise, trials, seed, 0.9, 0)
    if not 1 <= next_runs <= 100:
        raise InputError(f"--next: is {next_runs}; give 1 to 100 runs to suggest")
    if not (math.isfinite(target_flops) and target_flops > 0):
        raise InputError(f"--target-flops: is {target_flops:g}; give a positive budget such as 1e24")
    if budget_flops is not None and not (math.isfinite(budget_flops) and budget_flops > 0):
        raise InputError(f"--budget: is {budget_flops:g}; give the compute the next runs may spend, such as 1e21")
    if not (math.isfinite(span) and span > 1):
        raise InputError(f"--span: is {span:g}; give a factor above 1, such as 4")
    n_params, n_tokens, compute_flops = (np.asarray(a, dtype=float) for a in (n_params, n_tokens, compute_flops))
    check_design(n_params, n_tokens, source)
    cand_n, cand_c, cand_opt = _candidates(law, n_params, compute_flops, span, sizes, target_flops)
    if budget_flops is not None:
        affordable = cand_c <= budget_flops
        if not affordable.any():
            raise InputError(
                f"--budget: {budget_flops:.3g} FLOPs buys no candidate run; the cheapest costs {cand_c.min():.3g}"
            )
    points_n = np.concatenate([n_params, cand_n])
    points_c = np.concatenate([compute_flops, cand_c])
    points_d = np.concatenate([n_tokens, cand_c / (FLOPS_PER_PARAM_TOKEN * cand_n)])
    done = len(n_params)
    # The runs done see the same draws as `simulate --seed` (stream 0); the candidates their own (stream 2).
    log_loss = np.concatenate(
        [
            simulated_log_losses(law, n_params, n_tokens, noise, trials, seed),
            simulated_log_losses(law, points_n[done:], points_d[done:], noise, trials, seed, stream=2),
        ],
        axis=1,
    )
    from scalecalc.fitting import FitSpec, fit_law

    reference = fit_law(
        _observations(n_params, n_tokens, compute_flops, log_loss[0, :done]), FitSpec(), at_flops=target_flops
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
                f"--budget: {budget_flops:.3g} FLOPs allow only {len(chosen)} of the {next_runs} runs asked for"
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
                "trial count; add trials (--trials) or budgets beyond the largest"
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


def log_spread(values: np.ndarray) -> float:
    """The sd of log10 of the finite ``values``, winsorised at 2.5% each side: as smooth as a plain sd (which
    matters when candidates are compared on common random numbers), but a few runaway fits cannot dominate."""
    logs = np.log10(values[np.isfinite(values) & (values > 0)])
    if len(logs) < 2:
        return math.inf
    low, high = np.percentile(logs, [2.5, 97.5])
    return float(np.std(np.clip(logs, low, high), ddof=1))


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
