"""Data-constrained, inference-aware and smaller-than-optimal planning (scalecalc.plan).

Golden values come from the papers (datablations README examples; Sardana et al. Fig. 1; de Vries' overheads);
optima are checked against brute-force grids and scipy root finding, which share no code with the planner.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scalecalc.errors import InfeasiblePlanError, InputError
from scalecalc.laws import ChinchillaLaw
from scalecalc.plan.data_constrained import (
    MUENNIGHOFF_R_D_STAR,
    DataConstrainedLaw,
    RepetitionDecay,
    plan_data_constrained,
    plan_data_constrained_loss,
    repetition_decay,
    unique_tokens_for_loss,
)
from scalecalc.plan.frontier import plan_fixed_size
from scalecalc.plan.inference import CostModel, cost_from_options, least_total_compute, plan_inference_aware
from scalecalc.plan.request import PlanRequest, answer
from scalecalc.plan.smaller import plan_smaller_model
from scalecalc.presets import dump_preset, load_preset, preset_from_document

MUENNIGHOFF = load_preset("muennighoff-2023")
CHINCHILLA = load_preset("chinchilla")
DECAY = RepetitionDecay(15.387756, 5.309743, "datablations README")


def chinchilla_document(name: str, alpha: float, beta: float, **extra: object) -> dict:
    constants = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": alpha, "beta": beta}
    return {
        "name": name,
        "title": "Chinchilla Approach 3 (Hoffmann et al. 2022) with other exponent decimals",
        "citation": "Hoffmann et al. 2022, Eq. 10",
        "conventions": {"params": "total", "compute": "flops", "loss": "nats/token"},
        "loss": {"form": "chinchilla", "constants": {k: {"value": v, "source": "test"} for k, v in constants.items()}},
        **extra,
    }


# The exponents Sardana et al. and Harm de Vries' harms-law Space use for Hoffmann's Approach 3 (the Space's
# app.py sets beta = 0.283); the printed Eq. 10 rounds them to 0.34 and 0.28.
SARDANA = preset_from_document(chinchilla_document("sardana", 0.336, 0.283), "<test>")


def one(values: np.ndarray) -> float:
    return float(np.asarray(values).reshape(-1)[0])


# -- Muennighoff et al. 2023 ---------------------------------------------------------------------------------------


def test_datablations_readme_losses() -> None:
    law = DataConstrainedLaw(MUENNIGHOFF.loss_law, np.array([25e9, 25e9]), DECAY)
    losses = law.loss(np.array([6.34e9, 8.67e9]), np.array([242e9, 178e9]))
    # huggingface/datablations README, "Parametric Fit" examples: 2.2256 and 2.2270 (2.22564 / 2.22697 unrounded)
    np.testing.assert_allclose(losses, [2.22564, 2.22697], atol=1e-5)


def test_datablations_optimum_beats_a_fine_grid() -> None:
    compute = 6 * 8.67e9 * 178e9
    result = plan_data_constrained(MUENNIGHOFF, [compute], [25e9])
    n, d = one(result.columns["params"]), one(result.columns["tokens"])
    # README: grid search gives about 6.8B parameters and 227B tokens (9.1 epochs)
    assert n == pytest.approx(6.8e9, rel=0.02)
    assert d == pytest.approx(227e9, rel=0.02)
    assert one(result.columns["epochs"]) == pytest.approx(9.1, abs=0.1)
    assert 6 * n * d == pytest.approx(compute, rel=1e-12)
    grid = np.geomspace(1e9, 1e11, 200_001)
    law = DataConstrainedLaw(MUENNIGHOFF.loss_law, np.array(25e9), DECAY)
    grid_best = float(np.min(law.loss(grid, compute / (6 * grid))))
    assert one(result.columns["loss"]) <= grid_best + 1e-12
    # and the README's own allocation is no better than ours
    assert one(result.columns["loss"]) <= 2.22697


def test_repeated_tokens_lose_value_as_published() -> None:
    law = DataConstrainedLaw(MUENNIGHOFF.loss_law, np.array(1.0), DECAY)
    epochs = np.array([1.0, 4.0, 16.0, 40.0])
    worth = law.effective_tokens(epochs) / epochs
    # published-laws.md sec. 9, computed from R_D* = 15.39: 4 epochs 93.1%, 16 epochs 66.1%, 40 epochs 37.9%
    np.testing.assert_allclose(worth, [1.0, 0.931, 0.661, 0.379], atol=6e-4)
    assert float(law.max_effective_tokens) == pytest.approx(16.387756)


@given(st.floats(0.01, 16.3), st.floats(1e6, 1e13))
def test_effective_tokens_inverse_round_trips(fraction_of_ceiling: float, unique: float) -> None:
    law = DataConstrainedLaw(MUENNIGHOFF.loss_law, np.array(unique), DECAY)
    effective = fraction_of_ceiling * unique
    tokens = law.tokens_for_effective(effective)
    assert float(law.effective_tokens(tokens)) == pytest.approx(effective, rel=1e-9)


def test_effective_tokens_at_or_beyond_the_ceiling_cannot_be_bought() -> None:
    law = DataConstrainedLaw(MUENNIGHOFF.loss_law, np.array(1e9), DECAY)
    assert np.isnan(law.tokens_for_effective(1e9 * 16.387756))


@settings(max_examples=40, deadline=None)
@given(st.floats(18.0, 26.0), st.floats(1.0, 1e3))
def test_plenty_of_unique_data_gives_the_unconstrained_optimum(log_compute: float, spare: float) -> None:
    compute = np.array([10.0**log_compute])
    free_n, free_d = MUENNIGHOFF.loss_law.allocate(compute)
    result = plan_data_constrained(MUENNIGHOFF, compute, free_d * spare)
    assert one(result.columns["params"]) == pytest.approx(one(free_n), rel=1e-6)
    assert one(result.columns["repetition_loss_penalty"]) == pytest.approx(0.0, abs=1e-12)
    assert one(result.columns["epochs"]) <= 1.0 + 1e-6


@settings(max_examples=40, deadline=None)
@given(st.floats(18.0, 26.0), st.floats(-4.0, 0.0))
def test_repetition_never_helps(log_compute: float, log_fraction: float) -> None:
    compute = np.array([10.0**log_compute])
    _, free_d = MUENNIGHOFF.loss_law.allocate(compute)
    result = plan_data_constrained(MUENNIGHOFF, compute, free_d * 10.0**log_fraction)
    assert one(result.columns["loss"]) >= one(result.columns["unconstrained_loss"]) - 1e-12
    assert one(result.columns["repetition_overhead"]) >= -1e-9


def test_fewer_unique_tokens_cost_more_loss() -> None:
    result = plan_data_constrained(MUENNIGHOFF, [1e22] * 3, [1e9, 1e10, 1e11])
    assert np.all(np.diff(result.columns["loss"]) < 0)


def test_a_loss_the_data_cannot_reach_says_what_can() -> None:
    with pytest.raises(InfeasiblePlanError, match=r"best reachable loss is 2\.7.*more than 2\.3.e\+11 unique tokens"):
        plan_inference_aware(MUENNIGHOFF, [0.0], loss=[2.0], unique_tokens=[1e9], decay=DECAY)


def test_least_compute_to_a_loss_with_repeated_data_beats_a_grid() -> None:
    result = plan_data_constrained_loss(MUENNIGHOFF, [2.3], [10e9], DECAY)
    law = DataConstrainedLaw(MUENNIGHOFF.loss_law, np.array(10e9), DECAY)
    assert one(law.loss(result.columns["params"], result.columns["tokens"])) == pytest.approx(2.3, abs=1e-9)
    grid = np.geomspace(1e8, 1e12, 200_001)
    assert one(result.columns["flops"]) <= np.nanmin(6 * grid * law.tokens_for_loss(grid, 2.3)) * (1 + 1e-9)
    assert one(result.columns["repetition_overhead"]) > 0
    assert one(result.columns["flops"]) > one(result.columns["compute_optimal_flops"])


def test_unique_tokens_for_loss_inverts_the_floor() -> None:
    needed = unique_tokens_for_loss(MUENNIGHOFF.loss_law, DECAY, 2.0)
    floor = DataConstrainedLaw(MUENNIGHOFF.loss_law, np.array(needed), DECAY).loss_floor()
    assert float(floor) == pytest.approx(2.0, abs=1e-9)


def test_decay_constants_come_from_options_then_preset_then_the_paper() -> None:
    decay, warnings = repetition_decay(MUENNIGHOFF)
    assert (decay.r_d_star, decay.r_n_star) == (15.387756, 5.309743) and warnings == ()
    decay, _ = repetition_decay(MUENNIGHOFF, r_d_star=5.0)
    assert (decay.r_d_star, decay.r_n_star) == (5.0, 5.309743)
    decay, warnings = repetition_decay(CHINCHILLA)
    assert decay.r_d_star == MUENNIGHOFF_R_D_STAR and "no data_constrained section" in warnings[0]


# -- Sardana et al. 2024 ------------------------------------------------------------------------------------------


def test_sardana_figure_1_thirteen_billion_versus_seven() -> None:
    # Fig. 1 caption: a developer training a (Chinchilla-optimal) 13B model expecting 2T tokens of inference demand
    # "can reduce their total compute by 1.7 x 10^22 FLOPs (17%) by instead training a 7B model on more data".
    compute = SARDANA.loss_law.compute_for_params(np.array([13e9]))
    result = plan_inference_aware(SARDANA, [2e12], compute_flops=compute)
    assert one(result.columns["compute_optimal_params"]) == pytest.approx(13e9)
    assert one(result.columns["params"]) == pytest.approx(7e9, rel=0.03)
    assert one(result.columns["saved_flops"]) == pytest.approx(1.7e22, abs=0.05e22)
    assert one(result.columns["total_saving"]) == pytest.approx(0.17, abs=0.005)


def test_inference_optimum_matches_a_brute_force_search() -> None:
    law = CHINCHILLA.loss_law
    for loss, inference in ((2.0, 1e12), (2.1, 5e13), (1.9, 3e10)):
        n, d = least_total_compute(law, np.array([loss]), np.array([inference]))
        smallest = (law.A / (loss - law.E)) ** (1 / law.alpha)
        grid = np.geomspace(smallest * 1.0001, smallest * 1e4, 400_001)
        totals = 6 * grid * law.tokens_for_loss(grid, loss) + 2 * grid * inference
        assert 6 * one(n) * one(d) + 2 * one(n) * inference <= np.nanmin(totals) * (1 + 1e-12)
        assert one(law.loss(n, d)) == pytest.approx(loss, abs=1e-12)


def test_inference_optimum_satisfies_sardanas_stationarity_condition() -> None:
    from scipy.optimize import minimize_scalar

    law = CHINCHILLA.loss_law
    loss, inference = 2.05, 4e12

    def total(log_n: float) -> float:
        n = np.exp(log_n)
        return float(6 * n * law.tokens_for_loss(n, loss) + 2 * n * inference)

    low = np.log((law.A / (loss - law.E)) ** (1 / law.alpha)) + 1e-6
    found = minimize_scalar(total, bounds=(low, low + 15), method="bounded", options={"xatol": 1e-12})
    n, _ = least_total_compute(law, np.array([loss]), np.array([inference]))
    assert one(n) == pytest.approx(np.exp(found.x), rel=1e-5)


@settings(max_examples=50, deadline=None)
@given(st.floats(18.0, 27.0), st.floats(6.0, 16.0))
def test_inference_aware_never_costs_more_than_compute_optimal(log_compute: float, log_inference: float) -> None:
    result = plan_inference_aware(CHINCHILLA, [10.0**log_inference], compute_flops=[10.0**log_compute])
    assert one(result.columns["total_flops"]) <= one(result.columns["compute_optimal_total_flops"]) * (1 + 1e-12)
    assert one(result.columns["params"]) <= one(result.columns["compute_optimal_params"]) * (1 + 1e-9)
    assert one(CHINCHILLA.loss_law.loss(result.columns["params"], result.columns["tokens"])) == pytest.approx(
        one(result.columns["loss"]), abs=1e-10
    )


def test_no_inference_is_the_chinchilla_optimum_and_more_inference_a_smaller_model() -> None:
    result = plan_inference_aware(CHINCHILLA, [0.0, 1e11, 1e12, 1e13, 1e14], compute_flops=[1e23] * 5)
    free_n, _ = CHINCHILLA.loss_law.allocate(1e23)
    assert one(result.columns["params"]) == pytest.approx(float(free_n), rel=1e-9)
    assert np.all(np.diff(result.columns["params"]) < 0)
    assert np.all(np.diff(result.columns["tokens_per_param"]) > 0)


def test_a_target_loss_instead_of_a_budget() -> None:
    result = plan_inference_aware(CHINCHILLA, [2e12], loss=[2.0])
    reference_compute = CHINCHILLA.loss_law.compute_for_loss(2.0)
    reference_n, _ = CHINCHILLA.loss_law.allocate(reference_compute)
    assert one(result.columns["compute_optimal_params"]) == pytest.approx(float(reference_n))
    assert one(result.columns["total_saving"]) > 0


def test_cost_variant_weighs_inference_by_its_price_per_flop() -> None:
    cost = CostModel.from_hardware(
        train_peak_flops=1e15, train_mfu=0.5, train_price_per_hour=2.0, inference_mfu=0.25, inference_price_per_hour=3.0
    )
    assert cost.train_dollars_per_flop == pytest.approx(2.0 / (3600 * 0.5e15))
    assert cost.inference_weight == pytest.approx((3.0 / 0.25) / (2.0 / 0.5))
    dollars = plan_inference_aware(CHINCHILLA, [1e12], compute_flops=[1e23], cost=cost)
    flops = plan_inference_aware(CHINCHILLA, [1e12 * cost.inference_weight], compute_flops=[1e23])
    assert one(dollars.columns["params"]) == pytest.approx(one(flops.columns["params"]), rel=1e-9)
    total = one(dollars.columns["train_cost"]) + one(dollars.columns["inference_cost"])
    assert one(dollars.columns["total_cost"]) == pytest.approx(total)
    assert one(dollars.columns["cost_saving"]) > one(
        plan_inference_aware(CHINCHILLA, [1e12], compute_flops=[1e23]).columns["total_saving"]
    )


def test_cost_from_options_without_a_peak_gives_only_relative_costs() -> None:
    cost = cost_from_options(inference_mfu=0.2)
    assert not cost.absolute and cost.inference_weight == pytest.approx(2.0)
    result = plan_inference_aware(CHINCHILLA, [1e12], compute_flops=[1e23], cost=cost)
    assert "cost_saving" in result.columns and "total_cost" not in result.columns
    priced = cost_from_options(inference_price=4.0, train_price=2.0, train_mfu=0.5, inference_mfu=0.5, peak_flops=1e15)
    assert priced.absolute and priced.inference_weight == pytest.approx(2.0)
    with pytest.raises(InputError, match="inference MFU is 1.5"):
        cost_from_options(inference_mfu=1.5)


# -- both constraints ----------------------------------------------------------------------------------------------


def test_inference_aware_with_repeated_data_reaches_the_loss_and_saves() -> None:
    result = plan_inference_aware(MUENNIGHOFF, [1e13], loss=[2.3], unique_tokens=[20e9], decay=DECAY)
    law = DataConstrainedLaw(MUENNIGHOFF.loss_law, np.array(20e9), DECAY)
    assert one(law.loss(result.columns["params"], result.columns["tokens"])) == pytest.approx(2.3, abs=1e-9)
    assert one(result.columns["epochs"]) > 1
    assert one(result.columns["total_flops"]) <= one(result.columns["compute_optimal_total_flops"]) * (1 + 1e-9)
    # brute force over N on the constrained surface
    grid = np.geomspace(1e8, 1e12, 200_001)
    totals = 6 * grid * law.tokens_for_loss(grid, 2.3) + 2 * grid * 1e13
    assert one(result.columns["total_flops"]) <= np.nanmin(totals) * (1 + 1e-9)


def test_with_plenty_of_data_both_constraints_reduce_to_sardana() -> None:
    free = plan_inference_aware(CHINCHILLA, [1e12], compute_flops=[1e23])
    both = plan_inference_aware(CHINCHILLA, [1e12], compute_flops=[1e23], unique_tokens=[1e16], decay=DECAY)
    assert one(both.columns["params"]) == pytest.approx(one(free.columns["params"]), rel=1e-5)
    assert one(both.columns["loss"]) == pytest.approx(one(free.columns["loss"]), abs=1e-12)


def test_budget_with_repeated_data_targets_the_data_constrained_optimum() -> None:
    budget = plan_data_constrained(MUENNIGHOFF, [1e22], [30e9], DECAY)
    both = plan_inference_aware(MUENNIGHOFF, [1e12], compute_flops=[1e22], unique_tokens=[30e9], decay=DECAY)
    assert one(both.columns["loss"]) == pytest.approx(one(budget.columns["loss"]), abs=1e-12)
    assert one(both.columns["compute_optimal_params"]) == pytest.approx(one(budget.columns["params"]))
    assert one(both.columns["saved_flops"]) >= 0


# -- de Vries 2023 -------------------------------------------------------------------------------------------------


def de_vries_token_factor(law: ChinchillaLaw, size_ratio: float) -> float:
    """k_D = [1 - (k_N^-alpha - 1) (A/B) G^-(alpha+beta)]^(-1/beta), as in the harms-law Space."""
    g = law.frontier_coefficient
    inner = 1 - (size_ratio**-law.alpha - 1) * (law.A / law.B) * g ** -(law.alpha + law.beta)
    return inner ** (-1 / law.beta)


@pytest.mark.parametrize(("size_ratio", "published"), [(0.5, 0.21), (0.3, 1.06)])
def test_de_vries_overhead_with_the_chinchilla_preset(size_ratio: float, published: float) -> None:
    from scipy.optimize import brentq

    law = CHINCHILLA.loss_law
    loss = 2.0
    optimal_n, optimal_d = law.allocate(law.compute_for_loss(loss))
    n = size_ratio * float(optimal_n)
    result = plan_smaller_model(CHINCHILLA, [loss], [n])
    overhead = one(result.columns["compute_overhead"])
    assert overhead == pytest.approx(published, abs=0.01)  # "+21% at half size, +106% at 0.3x"
    # the closed form of de Vries' post
    assert overhead == pytest.approx(size_ratio * de_vries_token_factor(law, size_ratio) - 1, rel=1e-9)
    # and a numerical root of L(N, D) = loss, sharing nothing with the planner
    tokens = brentq(lambda log_d: float(law.loss(n, np.exp(log_d))) - loss, np.log(1e9), np.log(1e16), xtol=1e-14)
    assert one(result.columns["tokens"]) == pytest.approx(np.exp(tokens), rel=1e-9)
    assert one(result.columns["size_ratio"]) == pytest.approx(size_ratio)


@settings(max_examples=30, deadline=None)
@given(st.floats(1.8, 3.0), st.floats(0.25, 4.0))
def test_de_vries_overhead_depends_only_on_the_size_ratio(loss: float, size_ratio: float) -> None:
    law = CHINCHILLA.loss_law
    optimal_n, _ = law.allocate(law.compute_for_loss(loss))
    result = plan_smaller_model(CHINCHILLA, [loss], [size_ratio * float(optimal_n)])
    expected = size_ratio * de_vries_token_factor(law, size_ratio) - 1
    assert one(result.columns["compute_overhead"]) == pytest.approx(expected, rel=1e-7, abs=1e-9)
    assert one(result.columns["compute_overhead"]) >= -1e-9


def test_equal_loss_overhead_differs_from_the_fixed_budget_one() -> None:
    optimal_n, _ = CHINCHILLA.loss_law.allocate(np.array([1e24]))
    fixed = plan_fixed_size(CHINCHILLA, np.array([1e24]), optimal_n / 2)
    assert one(fixed.columns["compute_overhead"]) == pytest.approx(0.16, abs=0.01)  # the "+16%"
    loss = one(fixed.columns["loss"])
    equal_loss_optimum, _ = CHINCHILLA.loss_law.allocate(CHINCHILLA.loss_law.compute_for_loss(loss))
    smaller = plan_smaller_model(CHINCHILLA, [loss], [float(equal_loss_optimum) / 2])
    assert one(smaller.columns["compute_overhead"]) == pytest.approx(0.21, abs=0.01)
    assert any("not the overhead" in note for note in smaller.notes)


def test_too_small_a_model_says_which_size_can() -> None:
    with pytest.raises(InfeasiblePlanError, match=r"any size above 1\.4\de\+09"):
        plan_smaller_model(CHINCHILLA, [2.0], [1e8])


def test_a_loss_at_or_below_e_is_infeasible() -> None:
    with pytest.raises(InfeasiblePlanError, match="irreducible loss E = 1.69"):
        plan_smaller_model(CHINCHILLA, [1.69], [1e10])
    with pytest.raises(InfeasiblePlanError, match="irreducible loss"):
        plan_inference_aware(CHINCHILLA, [1e12], loss=[1.5])


def test_smaller_model_with_repeated_data_needs_more_tokens() -> None:
    free = plan_smaller_model(MUENNIGHOFF, [2.3], [3e9])
    repeated = plan_smaller_model(MUENNIGHOFF, [2.3], [3e9], unique_tokens=[30e9], decay=DECAY)
    assert one(repeated.columns["tokens"]) > one(free.columns["tokens"])
    assert one(repeated.columns["epochs"]) > 1
    with pytest.raises(
        InfeasiblePlanError,
        match=r"never reaches loss 2.3 .*best, with unlimited epochs, is 2\.31.*use more than 2\.32e\+09 parameters",
    ):
        plan_smaller_model(MUENNIGHOFF, [2.3], [2e9], unique_tokens=[12e9], decay=DECAY)
    just_enough = plan_smaller_model(MUENNIGHOFF, [2.3], [2.33e9], unique_tokens=[12e9], decay=DECAY)
    assert one(just_enough.columns["epochs"]) > 50  # possible, at a great many repeats


# -- presets and dispatch --------------------------------------------------------------------------------------------


def test_a_preset_saved_like_fit_save_works(tmp_path) -> None:
    document = chinchilla_document(
        "my-fit",
        0.35,
        0.37,
        uncertainty={
            "method": "bootstrap",
            "level": 0.9,
            "draws": {
                k: [v, v * 1.01] for k, v in {"E": 1.8, "A": 480.0, "B": 2000.0, "alpha": 0.35, "beta": 0.37}.items()
            },
        },
    )
    path = tmp_path / "my-fit.yaml"
    path.write_text(dump_preset(document), encoding="utf-8")
    preset = load_preset(str(path))
    both = answer(
        preset,
        PlanRequest(compute_flops=np.array([1e22]), unique_tokens=np.array([50e9]), inference_tokens=np.array([1e12])),
    )
    assert both.question == "flops+inference_tokens+unique_tokens"
    assert any("no data_constrained section" in w for w in both.warnings)
    smaller_model = answer(preset, PlanRequest(loss=np.array([2.3]), n_params=np.array([1e9])))
    assert smaller_model.question == "loss+params" and one(smaller_model.columns["compute_overhead"]) > 0


@pytest.mark.parametrize("name", ["kaplan-2020", "tokens-20"])
def test_presets_without_a_chinchilla_law_are_refused(name: str) -> None:
    with pytest.raises(InputError, match="Chinchilla-form loss law"):
        plan_data_constrained(load_preset(name), [1e22], [1e10])


@pytest.mark.parametrize(
    ("given", "question"),
    [
        ({"compute_flops": [1e22]}, "flops"),
        ({"n_params": [1e9]}, "params"),
        ({"n_tokens": [1e12]}, "tokens"),
        ({"loss": [2.4]}, "loss"),
        ({"compute_flops": [1e22], "n_params": [1e9]}, "flops+params"),
        ({"n_params": [1e9], "n_tokens": [1e12]}, "params+tokens"),
        ({"compute_flops": [1e22], "unique_tokens": [10e9]}, "flops+unique_tokens"),
        ({"loss": [2.4], "unique_tokens": [10e9]}, "loss+unique_tokens"),
        ({"loss": [2.4], "n_params": [3e9]}, "loss+params"),
        ({"loss": [2.4], "n_params": [3e9], "unique_tokens": [30e9]}, "loss+params+unique_tokens"),
        ({"compute_flops": [1e22], "inference_tokens": [1e12]}, "flops+inference_tokens"),
        ({"loss": [2.4], "inference_tokens": [1e12]}, "loss+inference_tokens"),
        ({"loss": [2.4], "inference_tokens": [1e12], "unique_tokens": [30e9]}, "loss+inference_tokens+unique_tokens"),
    ],
)
def test_answer_picks_the_question_the_parameters_ask(given: dict, question: str) -> None:
    request = PlanRequest(**{name: np.array(values) for name, values in given.items()})
    assert answer(MUENNIGHOFF, request).question == question


def test_answer_names_parameters_as_the_caller_spells_them() -> None:
    with pytest.raises(InputError) as raised:
        answer(CHINCHILLA, PlanRequest(compute_flops=np.array([1e22]), r_d_star=5.0))
    assert str(raised.value) == "r_d_star and r_n_star apply to repeated data; add unique_tokens"
    with pytest.raises(InputError) as raised:
        answer(CHINCHILLA, PlanRequest(compute_flops=np.array([1e22]), r_d_star=5.0), names={"r_d_star": "-x"})
    assert str(raised.value).startswith("-x and r_n_star apply")


def test_answer_refuses_combinations_that_ask_no_question() -> None:
    cases = [
        (PlanRequest(n_tokens=np.array([1e12]), unique_tokens=np.array([1e10])), "n_tokens combines with unique"),
        (PlanRequest(n_params=np.array([1e9]), inference_tokens=np.array([1e12])), "either compute_flops or loss"),
        (PlanRequest(compute_flops=np.array([1e22]), inference_mfu=0.3), "need inference_tokens"),
        (PlanRequest(compute_flops=np.array([1e22]), n_tokens=np.array([1e12])), "give one of compute_flops"),
        (PlanRequest(), "give one of compute_flops"),
        (
            PlanRequest(compute_flops=np.array([1e22, 1e23]), unique_tokens=np.array([1e9, 2e9, 3e9])),
            "compute_flops has 2 values and unique_tokens 3; give equal counts or one of either",
        ),
        (
            PlanRequest(
                loss=np.array([2.3, 2.4]), inference_tokens=np.array([1e12] * 3), unique_tokens=np.array([1e10])
            ),
            "loss has 2 values, inference_tokens 3 and unique_tokens 1; give equal counts or one value of any of them",
        ),
    ]
    for request, message in cases:
        with pytest.raises(InputError, match=message):
            answer(CHINCHILLA, request)


def test_answer_pairs_one_value_with_many() -> None:
    result = answer(MUENNIGHOFF, PlanRequest(loss=np.array([2.4]), unique_tokens=np.array([10e9, 20e9])))
    np.testing.assert_array_equal(result.columns["loss"], [2.4, 2.4])
    assert one(result.columns["epochs"]) > 1


def test_answer_prices_inference_with_a_known_training_gpu_only_when_asked_for_inference() -> None:
    request = PlanRequest(compute_flops=np.array([1e23]), peak_flops=1e15, train_mfu=0.5, train_price=2.0)
    assert "cost_saving" not in answer(CHINCHILLA, request).columns
    priced = answer(CHINCHILLA, replace(request, inference_tokens=np.array([2e12]), inference_mfu=0.25))
    assert priced.columns["train_cost"][0] == pytest.approx(priced.columns["flops"][0] * 2.0 / (3600 * 0.5e15))
    assert priced.columns["cost_saving"][0] > priced.columns["total_saving"][0] > 0
