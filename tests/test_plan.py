"""The planner: goldens through plan_*, the inverse questions, overheads computed independently, warnings."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scalecalc import ChinchillaLaw
from scalecalc.errors import InfeasiblePlanError, InputError
from scalecalc.plan.frontier import (
    compute_for_loss,
    extrapolation_warnings,
    plan_compute,
    plan_fixed_size,
    plan_loss,
    plan_params,
    plan_run,
    plan_tokens,
)
from scalecalc.presets import find_preset_files, load_preset

# presets that plan a budget: all but those holding hyperparameter laws alone (steplaw-2025)
ALL_PRESETS = sorted(name for name in find_preset_files() if load_preset(name).allocation is not None)
LOSS_PRESETS = [name for name in ALL_PRESETS if load_preset(name).loss_law is not None]
CHINCHILLA_FORM = [name for name in LOSS_PRESETS if load_preset(name).loss_law.form == "chinchilla"]
budgets = st.floats(1e15, 1e30)


def test_presets_under_test() -> None:
    assert {"chinchilla", "epoch-2024", "kaplan-2020", "muennighoff-2023"} <= set(LOSS_PRESETS)
    assert "llama3-2024" in ALL_PRESETS and "llama3-2024" not in LOSS_PRESETS


# -- goldens through the planner -------------------------------------------------------------------------------
def test_epoch_2024_at_the_chinchilla_budget() -> None:
    # Besiroglu et al. 2024: about 18.4 tokens per parameter at 5.76e23 FLOPs.
    plan = plan_compute(load_preset("epoch-2024"), [5.76e23])
    assert plan.columns["tokens_per_param"][0] == pytest.approx(18.4, abs=0.05)


def test_chinchilla_at_1e24() -> None:
    # Hoffmann et al. 2022 Eq. 10 + Eq. 4: 41.3B parameters, 4.04T tokens.
    plan = plan_compute(load_preset("chinchilla"), [1e24])
    assert plan.columns["params"][0] == pytest.approx(41.3e9, rel=2e-3)
    assert plan.columns["tokens"][0] == pytest.approx(4.04e12, rel=2e-3)
    # loss from Eq. 2 written out here
    n, d = plan.columns["params"][0], plan.columns["tokens"][0]
    assert plan.columns["loss"][0] == pytest.approx(1.69 + 406.4 / n**0.34 + 410.7 / d**0.28, rel=1e-12)


def test_llama3_and_deepseek_goldens() -> None:
    # Llama Team 2024 Sec. 3.2.1: 16.3T tokens at 3.8e25 (paper 16.55T), ~400B params (paper 402B).
    llama = plan_compute(load_preset("llama3-2024"), [3.8e25])
    assert llama.columns["tokens"][0] == pytest.approx(16.3e12, rel=5e-3)
    assert llama.columns["params"][0] == pytest.approx(400e9, rel=0.04)
    assert np.isnan(llama.columns["loss"][0])  # no loss law published
    # Bi et al. 2024 Eq. 4: 1.52T tokens at 1e24.
    deepseek = plan_compute(load_preset("deepseek-2024"), [1e24])
    assert deepseek.columns["tokens"][0] == pytest.approx(1.52e12, rel=5e-3)


# -- properties --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ALL_PRESETS)
@settings(max_examples=25, deadline=None)
@given(compute=budgets)
def test_six_n_d_equals_the_budget(name: str, compute: float) -> None:
    plan = plan_compute(load_preset(name), [compute])
    params, tokens = plan.columns["params"][0], plan.columns["tokens"][0]
    assert 6 * params * tokens == pytest.approx(compute, rel=1e-12)
    assert plan.columns["tokens_per_param"][0] == pytest.approx(tokens / params, rel=1e-12)


@pytest.mark.parametrize("name", ALL_PRESETS)
@settings(max_examples=25, deadline=None)
@given(compute=budgets)
def test_plan_params_and_plan_tokens_invert_plan_compute(name: str, compute: float) -> None:
    preset = load_preset(name)
    plan = plan_compute(preset, [compute])
    by_params = plan_params(preset, plan.columns["params"])
    by_tokens = plan_tokens(preset, plan.columns["tokens"])
    for other in (by_params, by_tokens):
        assert other.columns["flops"][0] == pytest.approx(compute, rel=1e-8)
        assert other.columns["params"][0] == pytest.approx(plan.columns["params"][0], rel=1e-8)
        assert other.columns["tokens"][0] == pytest.approx(plan.columns["tokens"][0], rel=1e-8)


@pytest.mark.parametrize("name", LOSS_PRESETS)
@settings(max_examples=25, deadline=None)
@given(compute=st.floats(1e16, 1e30))
def test_plan_loss_inverts_plan_compute(name: str, compute: float) -> None:
    """--loss inverts --flops: the least compute reaching the frontier loss at C is C itself."""
    preset = load_preset(name)
    loss = plan_compute(preset, [compute]).columns["loss"]
    reducible = float(loss[0]) - getattr(preset.loss_law, "E", 0.0)
    # The frontier loss is flat in log C (slope ~0.05 nats per decade at 1e30): invert to the precision the
    # loss itself carries, i.e. machine epsilon of L over the reducible part, amplified by 1/exponent.
    tolerance = max(1e-6, 1e-13 * float(loss[0]) / reducible)
    back = plan_loss(preset, loss)
    if preset.allocation is preset.loss_law:
        assert back.columns["flops"][0] == pytest.approx(compute, rel=tolerance)
    else:  # kaplan-2020: Table 6 is not its loss law's optimum, so the least compute is at most C
        assert back.columns["flops"][0] <= compute * (1 + tolerance)
    assert back.columns["loss"][0] == pytest.approx(float(loss[0]), rel=1e-12)


@pytest.mark.parametrize("name", CHINCHILLA_FORM)
@settings(max_examples=25, deadline=None)
@given(n=st.floats(1e7, 1e13), d=st.floats(1e8, 1e15))
def test_overhead_is_never_negative_for_a_chinchilla_law(name: str, n: float, d: float) -> None:
    plan = plan_run(load_preset(name), [n], [d])
    assert plan.columns["flops"][0] == pytest.approx(6 * n * d, rel=1e-15)
    assert plan.columns["compute_overhead"][0] >= -1e-9


@pytest.mark.parametrize("name", CHINCHILLA_FORM)
def test_overhead_is_zero_on_the_frontier(name: str) -> None:
    preset = load_preset(name)
    optimal = plan_compute(preset, [1e22, 1e24])
    run = plan_run(preset, optimal.columns["params"], optimal.columns["tokens"])
    np.testing.assert_allclose(run.columns["compute_overhead"], 0.0, atol=1e-9)
    np.testing.assert_allclose(run.columns["compute_optimal_flops"], [1e22, 1e24], rtol=1e-9)


# -- off the frontier: an independent computation ---------------------------------------------------------------
def _least_compute_for_loss(c: dict[str, float], loss: float) -> float:
    """Minimise 6 N D(N) over log N where D(N) reaches ``loss`` (scipy; no closed form used)."""
    from scipy.optimize import minimize_scalar

    def log_compute(log_n: float) -> float:
        n = math.exp(log_n)
        data_term = loss - c["E"] - c["A"] / n ** c["alpha"]
        if data_term <= 0:
            return 1e6  # this size never reaches the loss
        d = (c["B"] / data_term) ** (1 / c["beta"])
        return math.log(6 * n * d)

    bounds = (math.log(1e6), math.log(1e16))
    result = minimize_scalar(log_compute, bounds=bounds, method="bounded", options={"xatol": 1e-10})
    return math.exp(result.fun)


def test_half_size_model_on_a_fixed_budget_costs_about_16_percent() -> None:
    """Chinchilla (Eq. 10) at 1e24 FLOPs with half the optimal size: about +16% compute for the same loss."""
    c = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}  # Hoffmann et al. 2022 Eq. 10
    compute = 1e24
    G = (c["alpha"] * c["A"] / (c["beta"] * c["B"])) ** (1 / (c["alpha"] + c["beta"]))
    n_opt = G * (compute / 6) ** (c["beta"] / (c["alpha"] + c["beta"]))
    n = n_opt / 2
    d = compute / (6 * n)
    loss = c["E"] + c["A"] / n ** c["alpha"] + c["B"] / d ** c["beta"]
    least = _least_compute_for_loss(c, loss)
    expected = compute / least - 1
    assert expected == pytest.approx(0.16, abs=0.01)

    plan = plan_fixed_size(load_preset("chinchilla"), [compute], [n])
    assert plan.columns["tokens"][0] == pytest.approx(d, rel=1e-12)
    assert plan.columns["loss"][0] == pytest.approx(loss, rel=1e-12)
    assert plan.columns["optimal_params"][0] == pytest.approx(n_opt, rel=1e-12)
    assert plan.columns["compute_optimal_flops"][0] == pytest.approx(least, rel=1e-6)
    assert plan.columns["compute_overhead"][0] == pytest.approx(expected, abs=1e-6)
    assert any("compute_overhead" in note for note in plan.notes)


def test_overhead_matches_de_vries_formula() -> None:
    # de Vries 2023 ("Go smol or go home", lvwerra/harms-law): a model k_N times the optimal size at the same loss
    # needs k_D = [1 - (k_N^-alpha - 1) (A/B) G^-(alpha+beta)]^(-1/beta) times the data; overhead = k_N k_D - 1.
    c = {"E": 1.8172, "A": 482.01, "B": 2085.43, "alpha": 0.3478, "beta": 0.3658}  # Besiroglu et al. 2024
    preset = load_preset("epoch-2024")
    reference = plan_compute(preset, [1e23])
    G = (c["alpha"] * c["A"] / (c["beta"] * c["B"])) ** (1 / (c["alpha"] + c["beta"]))
    for k_n in (0.3, 0.5, 2.0):
        k_d = (1 - (k_n ** -c["alpha"] - 1) * (c["A"] / c["B"]) * G ** -(c["alpha"] + c["beta"])) ** (-1 / c["beta"])
        run = plan_run(preset, reference.columns["params"] * k_n, reference.columns["tokens"] * k_d)
        assert run.columns["loss"][0] == pytest.approx(reference.columns["loss"][0], rel=1e-10)
        assert run.columns["compute_overhead"][0] == pytest.approx(k_n * k_d - 1, rel=1e-8)


def test_run_without_a_loss_law_has_no_overhead() -> None:
    plan = plan_run(load_preset("llama3-2024"), [7e9], [2e12])
    assert plan.columns["flops"][0] == 6 * 7e9 * 2e12
    assert np.isnan(plan.columns["loss"][0])
    assert "compute_overhead" not in plan.columns
    assert any("no loss law" in note for note in plan.notes)


def test_fixed_size_broadcasts_one_size_over_many_budgets() -> None:
    plan = plan_fixed_size(load_preset("epoch-2024"), [1e22, 1e23, 1e24], [10e9])
    assert len(plan) == 3
    np.testing.assert_allclose(plan.columns["tokens"], np.array([1e22, 1e23, 1e24]) / 6e10, rtol=1e-15)


# -- infeasible and unsupported questions -----------------------------------------------------------------------
@pytest.mark.parametrize("loss", [1.69, 1.5])
def test_loss_at_or_below_e_is_infeasible(loss: float) -> None:
    with pytest.raises(InfeasiblePlanError) as raised:
        plan_loss(load_preset("chinchilla"), [2.0, loss])
    assert raised.value.exit_code == 3
    assert raised.value.param == "loss"
    assert str(raised.value).startswith(f"loss: {loss:g} is at or below the irreducible loss E = 1.69")


def test_loss_question_needs_a_loss_law() -> None:
    with pytest.raises(InputError, match="llama3-2024 publishes no loss law"):
        plan_loss(load_preset("llama3-2024"), [2.0])


def test_kaplan_least_compute_for_a_loss_matches_a_numerical_minimisation() -> None:
    # Under Kaplan's Table 2 law, minimise 6 N D(N) with D(N) from L(N, D) = L, independently with scipy.
    from scipy.optimize import minimize_scalar

    preset = load_preset("kaplan-2020")
    n_c, d_c, a_n, a_d = 6.4e13, 1.8e13, 0.076, 0.103  # Kaplan et al. 2020, Table 2
    for loss in (2.0, 2.5, 3.5):
        k = loss ** (1 / a_d)

        def log_compute(log_n: float, k: float = k) -> float:
            room = k - (n_c / np.exp(log_n)) ** (a_n / a_d)
            return np.log(6 * np.exp(log_n) * d_c / room) if room > 0 else 1e3

        best = minimize_scalar(
            log_compute, bounds=(np.log(1e5), np.log(1e17)), method="bounded", options={"xatol": 1e-10}
        )
        plan = plan_loss(preset, [loss])
        assert plan.columns["flops"][0] == pytest.approx(np.exp(best.fun), rel=1e-6)
        assert plan.columns["loss"][0] == pytest.approx(loss, rel=1e-12)
        assert "own optimum differs" in plan.notes[-1]


def test_bisection_for_a_loss_law_without_its_own_frontier() -> None:
    from dataclasses import dataclass, replace

    kaplan = load_preset("kaplan-2020")

    @dataclass(frozen=True)
    class LossOnly:  # Kaplan's loss without its closed-form frontier: forces the bisection along Table 6
        form = "kaplan"

        def loss(self, n, d):
            return kaplan.loss_law.loss(n, d)

    preset = replace(kaplan, loss_law=LossOnly())
    budgets_ = np.array([1e19, 1e22])
    losses = plan_compute(preset, budgets_).columns["loss"]
    np.testing.assert_allclose(compute_for_loss(preset, losses), budgets_, rtol=1e-9)
    with pytest.raises(InfeasiblePlanError, match="below 1e40 FLOPs"):
        compute_for_loss(preset, np.array([0.1]))


# -- warnings ----------------------------------------------------------------------------------------------------
def test_extrapolation_warning_beyond_ten_times_the_fitted_range() -> None:
    preset = load_preset("epoch-2024")  # fitted on 1.4e18 .. 1.3e22 FLOPs
    assert plan_compute(preset, [1e20, 1.3e23]).warnings == ()
    (above,) = plan_compute(preset, [1e24]).warnings
    assert "77x above the largest 1.3e+22" in above and "epoch-2024" in above
    (below,) = plan_compute(preset, [1e16]).warnings
    assert "140x below the smallest 1.4e+18" in below
    assert plan_compute(load_preset("tokens-20"), [1e30]).warnings == ()  # no fitted range, no warning


def test_extrapolation_warning_on_parameters() -> None:
    preset = load_preset("kaplan-2020")  # fitted on 768 .. 1.5e9 non-embedding parameters
    warnings = extrapolation_warnings(preset, np.array([1e21]), np.array([1e12]))
    assert len(warnings) == 1 and "parameters" in warnings[0]


def test_many_budgets_in_one_call() -> None:
    budgets_ = np.logspace(18, 26, 1000)
    plan = plan_compute(load_preset("epoch-2024"), budgets_)
    assert len(plan) == 1000
    assert np.all(np.diff(plan.columns["params"]) > 0)
    assert np.all(np.diff(plan.columns["loss"]) < 0)  # loss falls as the budget grows


def test_intervals_from_bootstrap_draws(tmp_path) -> None:
    import yaml

    from scalecalc.presets import builtin_presets_dir

    document = yaml.safe_load((builtin_presets_dir() / "epoch-2024.yaml").read_text())
    rng = np.random.default_rng(7)
    base = {k: v["value"] for k, v in document["loss"]["constants"].items()}
    document["uncertainty"] = {
        "level": 0.9,
        "draws": {k: (v * (1 + 0.02 * rng.standard_normal(200))).tolist() for k, v in base.items()},
    }
    path = tmp_path / "drawn.yaml"
    path.write_text(yaml.safe_dump(document))
    preset = load_preset(str(path))
    plan = plan_compute(preset, [1e21, 1e23])
    for name in ("params", "tokens"):
        assert np.all(plan.columns[f"{name}_low"] < plan.columns[name])
        assert np.all(plan.columns[name] < plan.columns[f"{name}_high"])
    # the preset's 90% level: the 5th and 95th percentiles of the draws' allocations, each draw's law on its own
    draws = document["uncertainty"]["draws"]
    laws = [ChinchillaLaw.from_constants(dict(zip(draws, d, strict=True))) for d in zip(*draws.values(), strict=True)]
    for column, budget in enumerate((1e21, 1e23)):
        allocations = np.array([[float(v) for v in law.allocate(budget)] for law in laws])
        for i, name in enumerate(("params", "tokens")):
            found = [plan.columns[f"{name}_low"][column], plan.columns[f"{name}_high"][column]]
            assert found == pytest.approx(np.percentile(allocations[:, i], [5, 95]), rel=1e-9)


def test_kaplan_overhead_is_never_negative() -> None:
    # Overheads are measured against the loss law's own least-compute frontier, not against Table 6's allocation
    # (which is not that law's optimum: against it, 100M parameters on 2B tokens came out at -32%).
    plan = plan_run(load_preset("kaplan-2020"), [100e6, 1e9, 1e10], [2e9, 2e10, 1e12])
    assert np.all(plan.columns["compute_overhead"] >= -1e-12)


def test_extrapolated_flags_exactly_the_rows_the_warning_is_about() -> None:
    from scalecalc.plan.frontier import EXTRAPOLATION_WARNING_FACTOR, extrapolated, extrapolation_warnings

    preset = load_preset("chinchilla")
    low, high = preset.fitted_range["flops"]
    compute = np.array([low, high * EXTRAPOLATION_WARNING_FACTOR * 1.01, low / EXTRAPOLATION_WARNING_FACTOR / 1.01])
    n_params = np.full(3, np.sqrt(np.prod(preset.fitted_range["params"])))  # a size inside the fitted range
    flags = extrapolated(preset, compute, n_params)
    assert flags.tolist() == [False, True, True]
    for index, flag in enumerate(flags):
        assert bool(extrapolation_warnings(preset, compute[index : index + 1], n_params[index : index + 1])) == flag


def test_an_extrapolation_beyond_what_floats_hold_is_worded_not_printed_as_inf() -> None:
    # 1.4e18 / 6e-320 overflows: the factor reads "more than 1e308x", not "infx"
    (below, *_) = extrapolation_warnings(load_preset("epoch-2024"), np.array([6e-320]), np.array([1e-160]))
    assert "more than 1e308x below the smallest" in below and "inf" not in below
