"""Golden tests of the fitting engine against Epoch AI's refit of Chinchilla (Besiroglu et al. 2024), and
the engine's contract: constraints, filters, warnings and the errors for data that cannot identify a law."""

from __future__ import annotations

import numpy as np
import pytest

from scalecalc.errors import FitError
from scalecalc.fitting import FitSpec, best_per_group, compute_range, drop_highest, fit_law
from scalecalc.runs import Observations, read_observations, read_table
from tests.conftest import ROOT

EPOCH_FILE = str(ROOT / "examples" / "chinchilla-epoch-points.csv")  # provenance: examples/SOURCES.md
# Epoch's replication of Hoffmann's optimiser (grid fit, L-BFGS, summed Huber delta 1e-3) on these 240 points:
# analyzing-chinchilla data_analysis.ipynb cell 18; objective 1.0183e-3 (shared/reference/published-laws.md).
EPOCH_GRID_FIT = {"A": 477.8, "B": 2143.9, "E": 1.8172, "alpha": 0.3473, "beta": 0.3672}
EPOCH_OBJECTIVE = 1.0183e-3
# Epoch's headline Huber-likelihood estimates (Besiroglu et al. 2024, estimates table).
EPOCH_HEADLINE = {"A": 482.01, "B": 2085.43, "E": 1.8172, "alpha": 0.3478, "beta": 0.3658}
# 95% percentile intervals from 4000 bootstrap resamples (notebook cell 26).
EPOCH_INTERVALS = {"E": (1.769, 1.871), "alpha": (0.317, 0.373), "beta": (0.331, 0.415)}


@pytest.fixture(scope="module")
def epoch_points() -> Observations:
    observations = read_observations(read_table(EPOCH_FILE))
    return drop_highest(observations, 5)[0]


@pytest.fixture(scope="module")
def epoch_fit(epoch_points: Observations):
    return fit_law(epoch_points, bootstrap=300, seed=42, at_flops=5.76e23)


def test_epoch_points_have_tokens_derived_and_240_runs(epoch_points: Observations) -> None:
    assert epoch_points.derived == ("tokens",)
    assert len(epoch_points) == 240
    assert np.allclose(6 * epoch_points.n_params * epoch_points.n_tokens, epoch_points.compute_flops)


def test_epoch_grid_fit_constants_reproduced_within_one_percent(epoch_fit) -> None:
    for name, expected in EPOCH_GRID_FIT.items():
        assert epoch_fit.constants[name] == pytest.approx(expected, rel=0.01), name
    # the 4 reported digits of alpha, beta and E match exactly
    for name in ("E", "alpha", "beta"):
        assert round(epoch_fit.constants[name], 4) == EPOCH_GRID_FIT[name]


def test_epoch_objective_is_the_published_optimum(epoch_fit) -> None:
    assert epoch_fit.objective["name"] == "huber" and epoch_fit.objective["delta"] == 1e-3
    assert epoch_fit.objective["value"] == pytest.approx(EPOCH_OBJECTIVE, rel=1e-4)
    # never worse than the reference: Epoch's scipy L-BFGS run over Hoffmann's full grid reached 1.0183e-3
    assert epoch_fit.objective["value"] <= EPOCH_OBJECTIVE
    assert epoch_fit.optimizer.converged
    assert epoch_fit.optimizer.starts_at_best == epoch_fit.optimizer.starts  # every start found it


def test_epoch_headline_constants_within_a_few_percent(epoch_fit) -> None:
    # The headline values come from a different estimator (Huber likelihood with BFGS): close, not equal.
    for name, expected in EPOCH_HEADLINE.items():
        assert epoch_fit.constants[name] == pytest.approx(expected, rel=0.03), name


def test_epoch_bootstrap_intervals_close_to_epochs(epoch_fit) -> None:
    for name, (low, high) in EPOCH_INTERVALS.items():
        assert epoch_fit.bootstrap.low[name] == pytest.approx(low, abs=0.012), name
        assert epoch_fit.bootstrap.high[name] == pytest.approx(high, abs=0.012), name
    # Epoch: a = 0.513 (SE 0.020); the notebook's SEs of alpha and beta are 0.015 and 0.021.
    assert epoch_fit.derived["a"] == pytest.approx(0.513, abs=0.002)
    assert epoch_fit.bootstrap.standard_errors["a"] == pytest.approx(0.020, abs=0.005)
    assert epoch_fit.bootstrap.standard_errors["alpha"] == pytest.approx(0.015, abs=0.004)
    assert epoch_fit.bootstrap.standard_errors["beta"] == pytest.approx(0.021, abs=0.005)


def test_epoch_precision_of_recommended_size_is_stated(epoch_fit) -> None:
    n_opt = epoch_fit.derived["params_opt"]
    low, high = epoch_fit.bootstrap.low["params_opt"], epoch_fit.bootstrap.high["params_opt"]
    assert low < n_opt < high
    assert high / low > 1.3  # a few hundred noisy points cannot pin the size to 10-15%
    assert any("compute-optimal model" in note and "interval" in note for note in epoch_fit.notes)
    # 6 N D = C for the derived allocation
    assert 6 * n_opt * epoch_fit.derived["tokens_opt"] == pytest.approx(5.76e23, rel=1e-9)


def test_bootstrap_is_seeded(epoch_points: Observations) -> None:
    first = fit_law(epoch_points, bootstrap=20, seed=7)
    second = fit_law(epoch_points, bootstrap=20, seed=7)
    other = fit_law(epoch_points, bootstrap=20, seed=8)
    assert np.array_equal(first.bootstrap.draws["alpha"], second.bootstrap.draws["alpha"])
    assert not np.array_equal(first.bootstrap.draws["alpha"], other.bootstrap.draws["alpha"])


def test_full_hoffmann_grid_finds_the_same_optimum_on_a_subsample(epoch_points: Observations) -> None:
    from scalecalc.fitting.filters import select

    subset = select(epoch_points, np.arange(0, 240, 6))  # 40 points keep the 4,500-start run quick
    projected = fit_law(subset)
    full = fit_law(subset, FitSpec(grid="full"))
    assert full.optimizer.starts == 4500
    assert projected.objective["value"] <= full.objective["value"] * (1 + 1e-9)


def test_mean_versus_sum_does_not_matter_to_our_optimiser(epoch_points: Observations) -> None:
    # A smaller delta (stricter Huber) still converges: the objective is summed, never averaged.
    result = fit_law(epoch_points, FitSpec(delta=1e-4))
    assert result.optimizer.converged
    assert result.constants["alpha"] == pytest.approx(0.347, abs=0.02)


def test_compare_objectives(epoch_points: Observations) -> None:
    result = fit_law(epoch_points, FitSpec(), compare_objectives=True, at_flops=1e24)
    names = [c.objective for c in result.comparisons]
    assert names == ["huber", "squares", "envelope"]
    huber = result.comparisons[0]
    assert huber.constants["alpha"] == pytest.approx(result.constants["alpha"], rel=1e-6)
    envelope = result.comparisons[2]
    # the lower envelope sits below most points
    law = type(result.law).from_constants(envelope.constants)
    below = np.mean(law.loss(epoch_points.n_params, epoch_points.n_tokens) < epoch_points.loss)
    assert below > 0.6
    assert any("between objectives" in note for note in result.notes)


# -- constraints --------------------------------------------------------------------------------------------
def test_fix_and_tie(epoch_points: Observations) -> None:
    fixed = fit_law(epoch_points, FitSpec(fixed={"E": 1.69}))
    assert fixed.constants["E"] == 1.69 and fixed.fixed == ("E",)
    tied = fit_law(epoch_points, FitSpec(ties=(("alpha", "beta"),)))
    assert tied.constants["alpha"] == tied.constants["beta"]
    assert tied.derived["a"] == pytest.approx(0.5)
    # a constrained optimum is never better than the free one
    free = fit_law(epoch_points)
    assert tied.objective["value"] >= free.objective["value"] * (1 - 1e-9)


def test_bound_is_respected_and_warned_about(epoch_points: Observations) -> None:
    result = fit_law(epoch_points, FitSpec(bounds={"alpha": (0.0, 0.3)}))
    assert result.constants["alpha"] == pytest.approx(0.3)
    assert any("alpha sits on its upper bound 0.3" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (FitSpec(fixed={"gamma": 1.0}), "not a constant of the chinchilla form"),
        (FitSpec(fixed={"E": -1.0}), "must be greater than zero"),
        (FitSpec(ties=(("alpha", "A"),)), "tie two exponents or two scale constants"),
        (FitSpec(bounds={"alpha": (1.0, 0.5)}), "lower bound must be below"),
        (FitSpec(form="quadratic"), "unknown form"),
        (FitSpec(objective="l1"), "unknown objective"),
        (FitSpec(form="kaplan", variable="params"), "^variable: the kaplan form uses both N and D"),
        (FitSpec(form="power", variable="steps"), "^variable: is .steps."),
        (FitSpec(form="kaplan", grid="full"), "^grid: full: Hoffmann.s grid belongs to the chinchilla form"),
    ],
)
def test_bad_specs_are_fit_errors(epoch_points: Observations, spec: FitSpec, message: str) -> None:
    with pytest.raises(FitError, match=message):
        fit_law(epoch_points, spec)


# -- data that cannot identify a law ----------------------------------------------------------------------
def _observations(n: np.ndarray, d: np.ndarray, loss: np.ndarray) -> Observations:
    return Observations("runs.csv", n, d, 6 * n * d, loss, locations=[f"runs.csv line {i + 2}" for i in range(len(n))])


def test_fewer_points_than_parameters() -> None:
    n = np.array([1e8, 2e8, 4e8, 8e8])
    with pytest.raises(FitError, match="only 4 points for a chinchilla law with 5 free parameters"):
        fit_law(_observations(n, 20 * n, np.array([3.0, 2.9, 2.8, 2.7])))


def test_all_points_at_one_size() -> None:
    d = np.logspace(9, 11, 8)
    n = np.full(8, 1e9)
    with pytest.raises(FitError, match=r"same model size \(1e\+09 parameters\).*alpha cannot be identified"):
        fit_law(_observations(n, d, 2 + 1 / np.log(d)))


def test_one_size_is_fine_when_its_exponent_is_fixed() -> None:
    d = np.logspace(9, 11, 8)
    n = np.full(8, 1e9)
    loss = 1.8 + 400 / n**0.34 + 2000 / d**0.37
    result = fit_law(_observations(n, d, loss), FitSpec(fixed={"alpha": 0.34, "A": 400.0}))
    assert result.constants["beta"] == pytest.approx(0.37, rel=0.02)


# -- filters ------------------------------------------------------------------------------------------------
def test_best_per_group_keeps_lowest_loss() -> None:
    n = np.array([1e8, 1e8, 1e8, 2e8, 2e8])
    d = np.array([2e9, 2e9, 4e9, 4e9, 4e9])
    loss = np.array([3.1, 3.0, 2.9, 2.85, 2.8])
    kept, message = best_per_group(_observations(n, d, loss))
    assert sorted(kept.loss.tolist()) == [2.8, 2.9, 3.0]
    assert "3 of 5 runs" in message
    assert all(location.startswith("runs.csv line") for location in kept.locations)


def test_drop_highest_and_compute_range() -> None:
    n = np.array([1e8, 2e8, 4e8, 8e8])
    obs = _observations(n, 20 * n, np.array([3.0, 2.9, 5.0, 2.7]))
    dropped, message = drop_highest(obs, 1)
    assert 5.0 not in dropped.loss and "dropped the 1 highest-loss" in message
    ranged, _ = compute_range(obs, 6 * 2e8 * 4e9, None)
    assert len(ranged) == 3
    with pytest.raises(FitError, match="no run lies in the compute range"):
        compute_range(obs, 1e30, None)
    with pytest.raises(FitError, match="holds only|hold only"):
        drop_highest(obs, 4)


# -- warnings for weak data -------------------------------------------------------------------------------
def test_two_model_sizes_warn_of_poor_identification() -> None:
    from scalecalc.laws import ChinchillaLaw

    n = np.repeat([1e8, 1e9], 10)
    d = np.tile(np.logspace(9, 11, 10), 2)
    loss = ChinchillaLaw(1.69, 406.4, 410.7, 0.34, 0.28).loss(n, d) * np.exp(
        np.random.default_rng(0).normal(0, 0.005, 20)
    )
    result = fit_law(_observations(n, d, loss))
    assert any("poorly identified" in w and "alpha" in w for w in result.warnings)


def test_narrow_noisy_sweep_warns_from_the_bootstrap() -> None:
    from scalecalc.laws import ChinchillaLaw

    rng = np.random.default_rng(0)
    n = np.logspace(8, 8.3, 30)
    d = np.logspace(9.5, 9.8, 30)[rng.permutation(30)]
    loss = ChinchillaLaw(1.69, 406.4, 410.7, 0.34, 0.28).loss(n, d) * np.exp(rng.normal(0, 0.01, 30))
    result = fit_law(_observations(n, d, loss), bootstrap=50)
    assert any("spans more than a factor of 100" in w for w in result.warnings)


def test_epoch_fit_has_no_warnings(epoch_fit) -> None:
    assert epoch_fit.warnings == ()


def test_random_data_never_raise_anything_but_fit_errors() -> None:
    # Sweeps of noise, tiny samples and every form: no RuntimeWarning (pytest turns them into errors) and no
    # crash; a FitError is the only allowed failure.
    rng = np.random.default_rng(123)
    for trial in range(12):
        k = int(rng.integers(5, 40))
        n, d = 10 ** rng.uniform(6, 11, k), 10 ** rng.uniform(8, 12, k)
        if trial % 3 == 0:
            loss = np.exp(rng.normal(1, 0.3, k))
        else:
            loss = 1.5 + 300 / n**0.3 + 500 / d**0.3 * np.exp(rng.normal(0, 0.05, k))
        form = ["chinchilla", "kaplan", "power", "broken"][trial % 4]
        spec = FitSpec(form=form, variable=None if trial % 4 < 2 else ["params", "tokens", "flops"][trial % 3])
        try:
            result = fit_law(_observations(n, d, loss), spec, bootstrap=5, compare_objectives=trial % 5 == 0)
        except FitError:
            continue
        assert np.isfinite(result.objective["value"])
        result.to_dict()


# -- numbers the fit reports, checked against their definitions ------------------------------------------
def test_reported_rmse_is_that_of_the_log_loss_residuals(epoch_points: Observations, epoch_fit) -> None:
    from scalecalc.laws import ChinchillaLaw

    law = ChinchillaLaw.from_constants(epoch_fit.constants)
    residuals = np.log(law.loss(epoch_points.n_params, epoch_points.n_tokens)) - np.log(epoch_points.loss)
    assert epoch_fit.rmse == pytest.approx(float(np.sqrt(np.mean(residuals**2))), rel=1e-9)


def test_bootstrap_standard_errors_use_n_minus_one(epoch_fit) -> None:
    summary = epoch_fit.bootstrap
    for name in ("E", "alpha", "beta", "params_opt"):
        draws = np.asarray(summary.draws[name])
        draws = draws[np.isfinite(draws)]
        assert summary.standard_errors[name] == pytest.approx(float(np.std(draws, ddof=1)), rel=1e-12), name
        assert summary.standard_errors[name] != pytest.approx(float(np.std(draws)), rel=1e-6), name


def test_kaplan_allocation_is_the_brute_force_optimum_of_the_law() -> None:
    from scalecalc.fitting import kaplan_allocation
    from scalecalc.laws import KaplanLaw

    constants = {"N_c": 8.8e13, "D_c": 5.4e13, "alpha_N": 0.076, "alpha_D": 0.103}  # Kaplan et al. 2020, Eq. 1.5
    law = KaplanLaw.from_constants(constants)
    exponent, log_k = kaplan_allocation(constants)
    assert float(exponent) == pytest.approx(0.103 / (0.076 + 0.103), rel=1e-12)
    for compute in (1e21, 1e24):
        n = np.logspace(6, 14, 400_001)
        best = n[np.argmin(law.loss(n, compute / (6 * n)))]
        assert float(np.exp(log_k) * compute**exponent) == pytest.approx(best, rel=1e-4), compute
