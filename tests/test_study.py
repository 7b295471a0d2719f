"""Tests of scalecalc.study: the sweep design, the simulated reliability of a study, and next-run suggestions.

Statistical tests are seeded (the same numbers every run); their tolerances are set from the sampling error of
the quantity tested, stated beside each assertion, so that they would also hold for other seeds.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from scalecalc import study
from scalecalc.defaults import STUDY_NOISE
from scalecalc.errors import InputError, PresetError
from scalecalc.fitting import FitSpec, fit_law
from scalecalc.laws import ChinchillaLaw
from scalecalc.presets import load_preset
from scalecalc.runs import Observations
from scalecalc.study.design import _shapes_of

# Besiroglu et al. 2024 (arXiv:2404.10102), Eq. 4: the Epoch replication of Chinchilla's Approach 3.
EPOCH = ChinchillaLaw(E=1.8172, A=482.01, B=2085.43, alpha=0.3478, beta=0.3658)


def _design(min_flops=1e18, max_flops=1e21, budgets=6, sizes=7, **kwargs) -> study.Sweep:
    return study.design_sweep(EPOCH, min_flops, max_flops, budgets, sizes, **kwargs)


def _simulate(design: study.Sweep, **kwargs) -> study.SimulationResult:
    options = {"target_flops": 1e23, "trials": 100, "bootstrap": 0, "approaches": ("fit",), "seed": 3}
    options.update(kwargs)
    return study.simulate_study(EPOCH, design.n_params, design.n_tokens, design.compute_flops, **options)


def _row(result: study.SimulationResult, approach: str, quantity: str) -> study.SummaryRow:
    return next(r for r in result.summary if r.approach == approach and r.quantity == quantity)


# --- the design ---------------------------------------------------------------------------------------------


def test_sweep_budgets_are_geometric_and_every_run_costs_its_budget() -> None:
    design = _design()
    assert np.allclose(design.budgets, [1e18, 10**18.6, 10**19.2, 10**19.8, 10**20.4, 1e21])
    assert np.allclose(6 * design.n_params * design.n_tokens, design.compute_flops, rtol=1e-12)
    assert len(design.n_params) == 6 * 7
    assert design.total_flops == pytest.approx(7 * sum(design.budgets))


def test_sweep_is_centred_on_the_presets_optimum_and_spans_the_chosen_factor() -> None:
    design = _design(span=3.0)
    for budget in design.budgets:
        n = design.n_params[design.compute_flops == budget]
        n_opt = EPOCH.allocate(budget)[0]
        assert math.exp(np.mean(np.log(n))) == pytest.approx(n_opt, rel=1e-12)  # centred in log N
        assert n.min() == pytest.approx(n_opt / 3) and n.max() == pytest.approx(3 * n_opt)
        assert np.allclose(np.diff(np.log(np.sort(n))), math.log(3) / 3)  # evenly spaced in log N


def test_centre_spacing_is_denser_near_the_optimum_and_linear_is_even_in_n() -> None:
    centre = np.sort(_design(budgets=1, max_flops=1e18, sizes=7, spacing="centre").n_params)
    steps = np.diff(np.log(centre))
    assert steps[3] < steps[0]  # the middle gaps are narrower than the outer ones
    linear = np.sort(_design(budgets=1, max_flops=1e18, sizes=5, spacing="linear").n_params)
    assert np.allclose(np.diff(linear), np.diff(linear)[0])


def test_tokens_per_param_range_sets_the_ends_and_warns_when_it_misses_the_optimum() -> None:
    design = _design(tokens_per_param=(5.0, 200.0))
    ratio = design.n_tokens / design.n_params
    for budget in design.budgets:
        here = ratio[design.compute_flops == budget]
        assert here.min() == pytest.approx(5.0) and here.max() == pytest.approx(200.0)
    assert design.warnings == ()
    off = _design(tokens_per_param=(100.0, 1000.0))  # Epoch's optimum is ~20 tokens per parameter
    assert off.warnings and "outside `tokens_per_param`" in off.warnings[0]


def test_rounding_to_two_digits() -> None:
    design = _design(rounding="digits")
    mantissa = design.n_params / 10 ** (np.floor(np.log10(design.n_params)) - 1)
    assert np.allclose(mantissa, np.round(mantissa))
    assert np.allclose(6 * design.n_params * design.n_tokens, design.compute_flops)


def test_shape_rounding_finds_gpt3_xl() -> None:
    # Brown et al. 2020, Table 2.1: GPT-3 XL has 24 layers of width 2048; 12 L d^2 = 1.208e9 (Kaplan Table 1)
    layers, width = _shapes_of(np.array([12.0 * 24 * 2048**2]))
    assert (layers[0], width[0]) == (24, 2048)


def test_shape_rounding_gives_realistic_shapes_within_a_few_percent() -> None:
    design = _design(min_flops=1e18, max_flops=1e23, rounding="shape", sizes=5)
    assert design.layers is not None and design.d_model is not None
    assert np.all(design.d_model % 64 == 0)
    assert np.array_equal(design.n_params, 12 * design.layers * design.d_model.astype(float) ** 2)
    aspect = design.d_model / design.layers
    assert np.all((aspect > 40) & (aspect < 250))
    unrounded = _design(min_flops=1e18, max_flops=1e23, sizes=5)
    assert np.max(np.abs(np.log(design.n_params / unrounded.n_params))) < 0.15


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"sizes": 1}, "sizes"),
        ({"budgets": 0}, "budgets"),
        ({"min_flops": -1.0}, "min_flops"),
        ({"max_flops": 1e17}, "max_flops"),
        ({"span": 0.5}, "span"),
        ({"spacing": "random"}, "spacing"),
        ({"rounding": "up"}, "rounding"),
        ({"tokens_per_param": (50.0, 10.0)}, "tokens_per_param"),
    ],
)
def test_design_errors_name_the_parameter(kwargs: dict, param: str) -> None:
    with pytest.raises(InputError, match=f"^{param}: ") as error:
        _design(**kwargs)
    assert error.value.param == param


def test_span_and_tokens_per_param_together_are_refused() -> None:
    with pytest.raises(InputError, match="both set the range of sizes"):
        _design(span=2.0, tokens_per_param=(5.0, 10.0))


# --- the simulation ------------------------------------------------------------------------------------------


def test_truth_is_the_presets_optimum_and_noise_is_log_normal() -> None:
    design = _design(budgets=3, sizes=5)
    result = _simulate(design, trials=20)
    n_opt, d_opt = EPOCH.allocate(1e23)
    assert result.truth["params"] == pytest.approx(float(n_opt))
    assert result.truth["loss"] == pytest.approx(float(EPOCH.loss(n_opt, d_opt)))
    logs = study.simulated_log_losses(EPOCH, design.n_params, design.n_tokens, 0.02, 2000, 0)
    residual = logs - np.log(EPOCH.loss(design.n_params, design.n_tokens))
    # 30,000 draws: the sample sd has a standard error of 0.02 / sqrt(2 * 30000) ~ 8e-5
    assert np.std(residual) == pytest.approx(0.02, abs=4e-4)


def test_batched_warm_fits_agree_with_fit_law_trial_by_trial() -> None:
    """Two independent code paths: the batched adapter and fit_law itself, on the same simulated losses."""
    design = _design(budgets=4, sizes=6)
    warm = _simulate(design, trials=4, fit_mode="warm").estimates["fit"]
    full = _simulate(design, trials=4, fit_mode="full").estimates["fit"]
    assert np.allclose(warm.params, full.params, rtol=1e-4)
    assert np.allclose(warm.loss, full.loss, rtol=1e-6)
    logs = study.simulated_log_losses(EPOCH, design.n_params, design.n_tokens, STUDY_NOISE, 4, 3)
    obs = Observations("t", design.n_params, design.n_tokens, design.compute_flops, np.exp(logs[2]))
    assert fit_law(obs, FitSpec(), at_flops=1e23).derived["params_opt"] == pytest.approx(warm.params[2], rel=1e-4)


def test_a_fixed_seed_gives_identical_results_and_another_seed_does_not() -> None:
    design = _design(budgets=3, sizes=5)
    first = _simulate(design, trials=30, bootstrap=20, approaches=("fit", "isoflop"))
    again = _simulate(design, trials=30, bootstrap=20, approaches=("fit", "isoflop"))
    other = _simulate(design, trials=30, bootstrap=20, approaches=("fit", "isoflop"), seed=4)
    assert first.summary == again.summary
    for approach in ("fit", "isoflop"):
        assert np.array_equal(
            first.estimates[approach].params_low, again.estimates[approach].params_low, equal_nan=True
        )
    assert first.summary != other.summary


def test_a_denser_sweep_narrows_the_spread() -> None:
    # Four times as many sizes per budget: with independent noise the sd of log10 N_opt should fall by about
    # sqrt(4) = 2. The (winsorised) sd of 200 trials has a sampling error of ~5%, the ratio of two ~7%; over
    # seeds 0-7 the ratio ranged 0.54-0.63. A ratio below 0.8 is the claim tested.
    sparse = _row(_simulate(_design(sizes=4), trials=200), "fit", "params").log_sd
    dense = _row(_simulate(_design(sizes=16), trials=200), "fit", "params").log_sd
    assert dense < 0.8 * sparse


def test_a_wider_sweep_narrows_the_spread_for_both_approaches() -> None:
    # Budgets up to 1e19 against up to 1e21 (same runs per budget), both extrapolated to 1e23. Sampling error
    # of each sd ~7% (100 trials); over seeds 0-7 the ratio ranged 0.37-0.45 (fit) and 0.46-0.55 (isoflop).
    narrow = _simulate(_design(max_flops=1e19, budgets=4), approaches=("fit", "isoflop"))
    wide = _simulate(_design(max_flops=1e21, budgets=4), approaches=("fit", "isoflop"))
    for approach in ("fit", "isoflop"):
        assert _row(wide, approach, "params").log_sd < 0.7 * _row(narrow, approach, "params").log_sd
        assert _row(wide, approach, "params").spread < _row(narrow, approach, "params").spread


def test_intervals_cover_the_truth_at_about_the_nominal_rate() -> None:
    # 100 seeded trials, level 0.9: if the intervals are calibrated, the coverage count is Binomial(100, 0.9),
    # sd 0.03; we accept 0.9 +- 0.09 (three sd). Percentile bootstraps of a nonlinear extrapolation may be a
    # little conservative or liberal; a broken interval (e.g. one built from the wrong trial) covers ~40%.
    design = _design(budgets=5, sizes=7)
    result = _simulate(design, trials=100, bootstrap=100, level=0.9, approaches=("fit", "isoflop"))
    for approach in ("fit", "isoflop"):
        row = _row(result, approach, "params")
        assert row.trials == 100
        assert 0.81 <= row.coverage <= 0.99, (approach, row.coverage)
    # The loss interval is conservative (0.956 over 500 trials at level 0.9): only "not too narrow" is claimed.
    assert _row(result, "fit", "loss").coverage >= 0.81


def test_bias_is_small_when_the_fitted_form_is_the_true_one() -> None:
    # Approach 3 fits the true form: the median estimate should sit within ~2 se of the truth
    # (se of a median of 100 trials = 1.25 sd / 10 in log10), plus 0.01 for the sd's own error.
    row = _row(_simulate(_design(), trials=100), "fit", "params")
    assert abs(math.log10(1 + row.bias)) < 2 * 1.25 * row.log_sd / 10 + 0.01


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"noise": 0.0}, "noise"),
        ({"noise": float("nan")}, "noise"),
        ({"noise": 5.0}, "noise"),
        ({"seed": -1}, "seed"),
        ({"trials": 0}, "trials"),
        ({"bootstrap": 1}, "bootstrap"),
        ({"level": 1.5}, "level"),
        ({"target_flops": -1.0}, "target_flops"),
        ({"approaches": ("envelope",)}, "approaches"),
        ({"fit_mode": "fast"}, "fit_mode"),
    ],
)
def test_simulation_errors_name_the_parameter(kwargs: dict, param: str) -> None:
    with pytest.raises(InputError, match=f"^{param}: ") as error:
        _simulate(_design(budgets=2, sizes=5), **kwargs)
    assert error.value.param == param


def test_a_preset_without_a_chinchilla_loss_law_is_refused() -> None:
    with pytest.raises(PresetError, match="^preset: llama3-2024 has no loss law") as error:
        study.chinchilla_truth(load_preset("llama3-2024").loss_law, "llama3-2024")
    assert error.value.param == "preset"


# --- suggestions ---------------------------------------------------------------------------------------------


def test_suggestions_lower_the_spread_each_step_and_respect_the_budget() -> None:
    design = _design(max_flops=1e20, budgets=3, sizes=5)
    kwargs = {"next_runs": 3, "target_flops": 1e23, "trials": 40, "seed": 1, "sizes": 9}
    result = study.suggest_runs(EPOCH, design.n_params, design.n_tokens, design.compute_flops, **kwargs)
    assert 1 <= len(result.n_params) <= 3
    spreads = np.concatenate([[result.baseline_spread], result.spread])
    assert np.all(np.diff(spreads) < 0)
    assert np.allclose(6 * result.n_params * result.n_tokens, result.compute_flops)
    for n, c in zip(result.n_params, result.compute_flops, strict=True):  # never a run already done
        done = design.n_params[design.compute_flops == c]
        assert len(done) == 0 or np.min(np.abs(np.log(done / n))) > 0.01
    again = study.suggest_runs(EPOCH, design.n_params, design.n_tokens, design.compute_flops, **kwargs)
    assert np.array_equal(again.n_params, result.n_params)
    capped = study.suggest_runs(
        EPOCH, design.n_params, design.n_tokens, design.compute_flops, **{**kwargs, "next_runs": 5},
        budget_flops=2.5e18,
    )  # fmt: skip
    assert np.sum(capped.compute_flops) <= 2.5e18
    with pytest.raises(InputError, match="^budget_flops: 1e\\+17 FLOPs buys no candidate run") as error:
        study.suggest_runs(EPOCH, design.n_params, design.n_tokens, design.compute_flops, **kwargs, budget_flops=1e17)
    assert error.value.param == "budget_flops"


def test_suggests_baseline_is_simulates_spread_on_the_same_seed() -> None:
    """The runs done see the same simulated noise in `suggest` as in `simulate` (two code paths agree)."""
    design = _design(max_flops=1e20, budgets=3, sizes=5)
    arrays = (design.n_params, design.n_tokens, design.compute_flops)
    spread = _row(_simulate(design, trials=40, seed=5), "fit", "params").log_sd
    suggestion = study.suggest_runs(EPOCH, *arrays, next_runs=1, target_flops=1e23, trials=40, seed=5)
    assert suggestion.baseline_spread == pytest.approx(spread, rel=1e-6)


def test_each_candidate_is_scored_as_if_every_other_candidate_had_zero_weight() -> None:
    """`suggest` fits each candidate on the runs so far plus itself; the formulation it replaced fitted every
    point with zero weight on the other candidates. The two must give the same trial fits."""
    from scalecalc.fitting.batch import TrialFits
    from scalecalc.study.suggest import _fit_candidates

    design = _design(max_flops=1e20, budgets=3, sizes=5)
    n, d = design.n_params, design.n_tokens
    trials = 12
    cand_n = np.array([3e7, 1e8, 4e8])
    cand_c = np.full(3, 1e19)
    cand_d = cand_c / (6 * cand_n)
    done_loss = study.simulated_log_losses(EPOCH, n, d, 0.01, trials, 3)
    cand_loss = study.simulated_log_losses(EPOCH, cand_n, cand_d, 0.01, trials, 3, stream=2)
    short = TrialFits(n, d)
    z_ref = short.internal(EPOCH.constants())
    z_base, _ = short.fit(done_loss, np.tile(z_ref, (trials, 1)), None)
    options = np.arange(3)
    z = _fit_candidates(short, z_base, np.log(n), np.log(d), done_loss, cand_n, cand_d, cand_loss, options)
    every = TrialFits(np.concatenate([n, cand_n]), np.concatenate([d, cand_d]))
    weights = np.zeros((3 * trials, len(n) + 3))
    weights[:, : len(n)] = 1.0
    weights[np.arange(3 * trials), len(n) + np.repeat(options, trials)] = 1.0
    z_all, _ = every.fit(np.tile(np.hstack([done_loss, cand_loss]), (3, 1)), np.tile(z_base, (3, 1)), weights)
    assert np.allclose(z, z_all, rtol=1e-5, atol=1e-6)


def test_suggest_groups_scattered_compute_into_budgets_and_refuses_oversized_designs() -> None:
    """Measured compute scatters around a budget: runs within 10% are one budget (as `isoflop` groups them), so
    240 runs of distinct FLOPs do not make 240 x 17 candidates."""
    design = _design(max_flops=1e20, budgets=3, sizes=5)
    jitter = np.random.default_rng(0).uniform(0.97, 1.03, len(design.n_params))
    compute = design.compute_flops * jitter
    kwargs = {"next_runs": 1, "target_flops": 1e23, "trials": 20, "seed": 1, "sizes": 5}
    result = study.suggest_runs(EPOCH, design.n_params, compute / (6 * design.n_params), compute, **kwargs)
    assert result.candidates <= (3 + 2) * 5
    with pytest.raises(InputError, match="MiB suggest allows itself; give fewer --sizes or --trials"):
        study.suggest_runs(EPOCH, design.n_params, design.n_tokens, design.compute_flops,
                           **{**kwargs, "sizes": 100, "trials": 200_000})  # fmt: skip


def test_the_jacobian_is_used_as_it_is_when_nothing_is_fixed_or_tied() -> None:
    from scalecalc.fitting.batch import TrialFits

    design = _design(max_flops=1e20, budgets=3, sizes=5)
    assert TrialFits(design.n_params, design.n_tokens).problem.matrix is None


@pytest.mark.parametrize(("method", "noise"), [("parabola", 0.01), ("parabola", 0.2), ("parabola-d", 0.05)])
def test_batched_isoflop_trials_agree_with_fit_isoflops_per_trial(method: str, noise: float) -> None:
    # The batched path (one solve for all trials' parabolas and resamples) against fit_isoflops called on each
    # trial with that trial's seed, as `simulate` used to. At noise 0.2 some trials lose budgets to edge minima
    # or fail outright: the statuses, the bootstrap's draw order and the failures must all match. Intervals are
    # the same numbers; the point estimate may differ in the last bits (lstsq solves all trials' right-hand
    # sides together; numpy's and Python's 10**x round differently).
    from scalecalc.approaches.isoflop import fit_isoflops
    from scalecalc.approaches.isoflop_trials import trial_predictions
    from scalecalc.errors import FitError

    design = _design(budgets=4, sizes=7)
    arrays = (design.n_params, design.n_tokens, design.compute_flops)
    losses = np.exp(study.simulated_log_losses(EPOCH, *arrays[:2], noise, 40, 5))
    seeds = list(range(100, 140))
    params, low, high = trial_predictions(*arrays, losses, 1e23, method=method, bootstrap=30, level=0.9, seeds=seeds)
    failed = 0
    for t in range(len(losses)):
        try:
            one = fit_isoflops(
                *arrays, losses[t], method=method, targets=np.array([1e23]), bootstrap=30, level=0.9, seed=seeds[t]
            )
        except FitError:
            failed += 1
            assert np.isnan(params[t]) and np.isnan(low[t]) and np.isnan(high[t])
            continue
        assert one.prediction is not None
        assert params[t] == pytest.approx(one.prediction.params[0], rel=1e-12)
        assert np.array_equal([low[t], high[t]], [one.prediction.params_low[0], one.prediction.params_high[0]],
                              equal_nan=True)  # fmt: skip
    if noise == 0.2:
        assert failed > 0  # the failure path is exercised


def _resampled_trials(rows: int, noise_seed: int, draw_seed: int):
    """Simulated losses of a 28-run design, one bootstrap draw of its points per row, and the batched fitter
    with every row started at the true law: (TrialFits, log losses, starts, counts)."""
    from scalecalc.fitting.batch import TrialFits

    design = _design(budgets=4, sizes=7)
    logs = study.simulated_log_losses(EPOCH, design.n_params, design.n_tokens, STUDY_NOISE, rows, noise_seed)
    batch = TrialFits(design.n_params, design.n_tokens)
    z0 = np.tile(batch.internal(EPOCH.constants()), (rows, 1))
    counts = np.random.default_rng(draw_seed).multinomial(28, np.full(28, 1 / 28), size=rows).astype(float)
    return batch, logs, z0, counts


@pytest.mark.parametrize("accelerate", [False, True])
def test_the_minimisers_window_changes_no_starts_result(accelerate: bool) -> None:
    # TrialFits iterates a window of rows at a time, refilled as rows finish. Every row's path is its own (its
    # extrapolation too), so a window of 7 rows (dozens of refills) must give bit for bit what one batch gives.
    from scalecalc.fitting.forms import FitData
    from scalecalc.fitting.optimize import Schedule, minimise

    batch, logs, z0, counts = _resampled_trials(60, noise_seed=2, draw_seed=0)
    data = batch.problem.data
    rows = FitData(*(np.broadcast_to(a, logs.shape) for a in (data.log_n, data.log_d)), logs)
    schedule = Schedule(far_blend=0.5, accelerate=accelerate)
    settings = {"weights": counts, "rows": rows, "max_iter": 40, "schedule": schedule}
    whole = minimise(batch.problem, z0, **settings)
    windowed = minimise(batch.problem, z0, **settings, window=7)
    assert not whole.converged.all()  # some rows stop at max_iter: that cap is per row in both
    for name in ("z", "objective", "gradient", "iterations", "converged"):
        assert np.array_equal(getattr(whole, name), getattr(windowed, name)), name


def test_resamples_are_fitted_on_the_points_they_drew_only() -> None:
    # fit_resamples drops each resample's points of count 0 and pads shorter rows with weight-0 points: the refits
    # must end where full-width weighted refits end (up to the order of summation), and a point a resample did not
    # draw must not move its refit at all.
    from scalecalc.fitting.batch import RESAMPLE_FTOL, WARM

    batch, logs, z0, counts = _resampled_trials(40, noise_seed=5, draw_seed=1)
    assert len(np.unique(np.sum(counts > 0, axis=1) // 4)) > 1  # several bands, so padding is exercised
    compact, converged = batch.fit_resamples(logs, z0, counts, max_iter=300)
    full, full_converged = batch.fit(logs, z0, counts, max_iter=300, ftol=RESAMPLE_FTOL, schedule=WARM)
    assert converged.all() and full_converged.all()
    assert np.allclose(compact, full, rtol=1e-5, atol=1e-7)
    moved = np.where(counts == 0, logs + 0.5, logs)
    assert np.array_equal(batch.fit_resamples(moved, z0, counts, max_iter=300)[0], compact)
    # resamples of shared samples (simulate's trials) index them rather than repeat them: the same refits
    sample = np.arange(len(counts)) % 10
    shared = batch.fit_resamples(logs[:10], z0[:10], counts, max_iter=300, sample=sample)[0]
    assert np.array_equal(shared, batch.fit_resamples(logs[sample], z0[sample], counts, max_iter=300)[0])


def test_each_warm_setting_shortens_the_refits_and_keeps_their_minima() -> None:
    # Extrapolated steps and a floor under the retry damping only shorten the way: every resample must end at
    # the minimum the plain refit finds, in fewer iterations in all (13.6 -> 13.0 per refit on simulate's sweep).
    from scalecalc.fitting.batch import WARM
    from scalecalc.fitting.forms import FitData
    from scalecalc.fitting.optimize import Schedule, minimise

    batch, logs, z0, counts = _resampled_trials(60, noise_seed=4, draw_seed=2)
    data = batch.problem.data
    rows = FitData(*(np.broadcast_to(a, logs.shape) for a in (data.log_n, data.log_d)), logs)
    plain = Schedule(far_blend=WARM.far_blend)
    runs = [
        minimise(batch.problem, z0, weights=counts, rows=rows, max_iter=300, schedule=schedule)
        for schedule in (plain, Schedule(far_blend=WARM.far_blend, accelerate=True),
                         Schedule(far_blend=WARM.far_blend, retry_lambda=WARM.retry_lambda), WARM)
    ]  # fmt: skip
    for run in runs:
        assert run.converged.all()
        assert np.allclose(run.z, runs[0].z, rtol=1e-4, atol=1e-6)
    assert all(run.iterations.sum() < runs[0].iterations.sum() for run in runs[1:])


def test_the_screened_shortlist_picks_what_scoring_every_candidate_fully_picks(monkeypatch) -> None:
    # suggest screens candidates with short refits and refits only a shortlist fully. Each row's full refit is the
    # same whichever candidates are refitted with it, so with the best on the shortlist every pick and spread must
    # equal, bit for bit, what full refits of all candidates give.
    from scalecalc.study import suggest

    design = _design(max_flops=1e20, budgets=3, sizes=5)
    kwargs = {"next_runs": 3, "target_flops": 1e23, "trials": 40, "seed": 2}
    screened = study.suggest_runs(EPOCH, design.n_params, design.n_tokens, design.compute_flops, **kwargs)
    assert screened.candidates > suggest.SHORTLIST  # the screen is exercised
    monkeypatch.setattr(suggest, "SHORTLIST", 10_000)
    exhaustive = study.suggest_runs(EPOCH, design.n_params, design.n_tokens, design.compute_flops, **kwargs)
    assert np.array_equal(screened.n_params, exhaustive.n_params)
    assert np.array_equal(screened.spread, exhaustive.spread)
