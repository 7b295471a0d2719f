"""Law classes: golden values against the papers, and properties checked against independent computations.

Constants are written here with their sources rather than read from the presets, so that these tests check
the law code alone (the presets are checked against the same numbers in test_presets.py / test_plan.py).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scalecalc.laws import ChinchillaLaw, KaplanLaw, PowerAllocation, TokensPerParam

# Hoffmann et al. 2022 (arXiv 2203.15556), Eq. 10 as printed.
HOFFMANN = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}
# Hoffmann et al. 2022, unrounded values from the arXiv TeX source, as quoted in Besiroglu et al. 2024's
# code (epoch-research/analyzing-chinchilla, data_analysis.ipynb, true_params).
HOFFMANN_TEX = {
    "E": math.exp(0.5267228),
    "A": math.exp(6.0073404),
    "B": math.exp(6.0179186),
    "alpha": 0.33917084,
    "beta": 0.2849083,
}
# Besiroglu, Erdil, Barnett & You 2024 (arXiv 2404.10102), table of estimates.
BESIROGLU = {"E": 1.8172, "A": 482.01, "B": 2085.43, "alpha": 0.3478, "beta": 0.3658}
# Muennighoff et al. 2023 (arXiv 2305.16264), huggingface/datablations README "Parametric Fit".
MUENNIGHOFF = {
    "E": math.exp(0.6254804),
    "A": math.exp(6.255414),
    "B": math.exp(7.3049974),
    "alpha": 0.3526596,
    "beta": 0.3526596,
}
LAWS = {"hoffmann": HOFFMANN, "hoffmann-tex": HOFFMANN_TEX, "besiroglu": BESIROGLU, "muennighoff": MUENNIGHOFF}


def independent_frontier(c: dict[str, float], compute: float) -> tuple[float, float, float, float]:
    """Hoffmann et al. 2022 Eq. 4, written out again here (not the code under test): G, a, N_opt, D_opt."""
    G = (c["alpha"] * c["A"] / (c["beta"] * c["B"])) ** (1 / (c["alpha"] + c["beta"]))
    a = c["beta"] / (c["alpha"] + c["beta"])
    b = c["alpha"] / (c["alpha"] + c["beta"])
    return G, a, G * (compute / 6) ** a, (compute / 6) ** b / G


# published-laws.md Sec. 9 ("Derived numbers"): a, G, D/N at 1e21, 5.76e23 and 1e25 FLOPs, N* and D* at 1e24.
# Values there are rounded to 3-4 digits; Hoffmann's D/N at 5.76e23 is 92.647 (printed 92.7), hence rel 1e-3.
SECTION_9 = {
    "hoffmann": (0.4516, 1.345, (50.1, 92.7, 122.1), 41.3e9, 4.04e12),
    "hoffmann-tex": (0.4565, 1.300, (33.9, 58.9, 75.5), 51.9e9, 3.21e12),
    "besiroglu": (0.5126, 0.1196, (21.6, 18.4, 17.1), 95.9e9, 1.74e12),
    "muennighoff": (0.5000, 0.2258, (19.6, 19.6, 19.6), 92.2e9, 1.81e12),
}


@pytest.mark.parametrize("name", list(SECTION_9))
def test_section_9_table_from_the_formulas(name: str) -> None:
    """The derived table (published-laws.md Sec. 9), recomputed in the test and by the law class."""
    constants = LAWS[name]
    law = ChinchillaLaw.from_constants(constants)
    a_table, g_table, ratios_table, n_table, d_table = SECTION_9[name]
    G, a, n_opt, d_opt = independent_frontier(constants, 1e24)
    # the test's own formulas reproduce the table ...
    assert G == pytest.approx(g_table, rel=1e-3)
    assert a == pytest.approx(a_table, abs=1e-4)
    assert n_opt == pytest.approx(n_table, rel=2e-3)
    assert d_opt == pytest.approx(d_table, rel=3e-3)
    # ... and the code agrees with them to rounding error
    assert law.frontier_coefficient == pytest.approx(G, rel=1e-12)
    assert law.params_exponent == pytest.approx(a, rel=1e-12)
    n, d = law.allocate(1e24)
    assert float(n) == pytest.approx(n_opt, rel=1e-12)
    assert float(d) == pytest.approx(d_opt, rel=1e-12)
    for compute, ratio in zip((1e21, 5.76e23, 1e25), ratios_table, strict=True):
        _, _, n_c, d_c = independent_frontier(constants, compute)
        assert d_c / n_c == pytest.approx(ratio, rel=1e-3)
        n, d = law.allocate(compute)
        assert float(d / n) == pytest.approx(d_c / n_c, rel=1e-12)


def test_chinchilla_eq10_at_1e24() -> None:
    # Hoffmann et al. 2022 Eq. 10 constants, Eq. 4 frontier: 41.3B parameters and 4.04T tokens at 1e24 FLOPs
    # (published-laws.md Sec. 9; planner-formulas-and-cli.md A3 "41B, 4.0T").
    n, d = ChinchillaLaw.from_constants(HOFFMANN).allocate(1e24)
    assert float(n) == pytest.approx(41.3e9, rel=2e-3)
    assert float(d) == pytest.approx(4.04e12, rel=2e-3)


def test_besiroglu_tokens_per_param_at_chinchilla_budget() -> None:
    # Besiroglu et al. 2024: the closed form at 5.76e23 FLOPs (Chinchilla's budget) gives about 18.4 tokens per
    # parameter, "consistent with the ~20 tokens/param Chinchilla used" (published-laws.md Sec. 1 and 9).
    n, d = ChinchillaLaw.from_constants(BESIROGLU).allocate(5.76e23)
    assert float(d / n) == pytest.approx(18.4, abs=0.05)


def test_chinchilla_loss_is_the_formula() -> None:
    law = ChinchillaLaw.from_constants(HOFFMANN)
    expected = 1.69 + 406.4 / 70e9**0.34 + 410.7 / 1.4e12**0.28  # Hoffmann Eq. 2 with Eq. 10 constants
    assert float(law.loss(70e9, 1.4e12)) == pytest.approx(expected, rel=1e-14)


def test_constants_round_trip() -> None:
    law = ChinchillaLaw.from_constants(BESIROGLU)
    assert law.constants() == BESIROGLU
    assert ChinchillaLaw.from_constants(law.constants()) == law
    kaplan = KaplanLaw(N_c=6.4e13, D_c=1.8e13, alpha_N=0.076, alpha_D=0.103)
    assert KaplanLaw.from_constants(kaplan.constants()) == kaplan


# -- properties -------------------------------------------------------------------------------------------------
chinchilla_constants = st.fixed_dictionaries(
    {
        "E": st.floats(0.5, 3.0),
        "A": st.floats(50.0, 5000.0),
        "B": st.floats(50.0, 5000.0),
        "alpha": st.floats(0.15, 0.7),
        "beta": st.floats(0.15, 0.7),
    }
)
budgets = st.floats(1e17, 1e28)


def _numerical_optimum(constants: dict[str, float], compute: float) -> tuple[float, float]:
    """Minimise L(N, C/(6N)) over log N with scipy, independently of the closed form."""
    from scipy.optimize import minimize_scalar

    def loss_along_budget(log_n: float) -> float:
        n = math.exp(log_n)
        d = compute / (6 * n)
        return constants["A"] / n ** constants["alpha"] + constants["B"] / d ** constants["beta"]

    result = minimize_scalar(
        loss_along_budget, bounds=(0.0, math.log(compute / 6)), method="bounded", options={"xatol": 1e-9}
    )
    return math.exp(result.x), constants["E"] + result.fun


@settings(max_examples=40, deadline=None)
@given(chinchilla_constants, budgets)
def test_closed_form_optimum_matches_numerical_minimisation(constants: dict[str, float], compute: float) -> None:
    law = ChinchillaLaw.from_constants(constants)
    n_numeric, loss_numeric = _numerical_optimum(constants, compute)
    n, d = law.allocate(compute)
    # Bounded Brent locates the minimum of a flat valley to about sqrt(machine epsilon) in log N.
    assert math.log(float(n)) == pytest.approx(math.log(n_numeric), abs=2e-3)
    assert float(law.loss(n, d)) == pytest.approx(loss_numeric, rel=1e-9)
    assert float(law.loss(n, d)) <= loss_numeric + 1e-12  # the closed form is never worse


@pytest.mark.parametrize("name", list(LAWS))
def test_closed_form_matches_numerical_minimisation_for_published_constants(name: str) -> None:
    law = ChinchillaLaw.from_constants(LAWS[name])
    for compute in (1e20, 5.76e23, 3.8e25):
        n_numeric, _ = _numerical_optimum(LAWS[name], compute)
        assert float(law.allocate(compute)[0]) == pytest.approx(n_numeric, rel=2e-3)


@settings(deadline=None)
@given(chinchilla_constants, budgets)
def test_allocation_spends_the_budget(constants: dict[str, float], compute: float) -> None:
    n, d = ChinchillaLaw.from_constants(constants).allocate(compute)
    assert float(6 * n * d) == pytest.approx(compute, rel=1e-12)


@settings(deadline=None)
@given(chinchilla_constants, budgets)
def test_compute_for_params_and_tokens_invert_the_allocation(constants: dict[str, float], compute: float) -> None:
    law = ChinchillaLaw.from_constants(constants)
    n, d = law.allocate(compute)
    assert float(law.compute_for_params(n)) == pytest.approx(compute, rel=1e-9)
    assert float(law.compute_for_tokens(d)) == pytest.approx(compute, rel=1e-9)


@settings(deadline=None)
@given(chinchilla_constants, budgets)
def test_compute_for_loss_inverts_the_frontier_loss(constants: dict[str, float], compute: float) -> None:
    law = ChinchillaLaw.from_constants(constants)
    loss = law.frontier_loss(compute)
    # The reducible part can be tiny next to E at large budgets; the inversion is exact up to that cancellation.
    reducible = float(loss) - constants["E"]
    tolerance = max(1e-9, 1e-13 * constants["E"] / reducible)
    assert float(law.compute_for_loss(loss)) == pytest.approx(compute, rel=tolerance * 50)


def test_compute_for_loss_is_nan_at_or_below_the_floor() -> None:
    law = ChinchillaLaw.from_constants(HOFFMANN)
    result = law.compute_for_loss(np.array([1.69, 1.5, 2.0]))
    assert np.isnan(result[0]) and np.isnan(result[1])
    assert np.isfinite(result[2])


@settings(deadline=None)
@given(
    chinchilla_constants,
    st.floats(1e6, 1e13),
    st.floats(1e6, 1e14),
    st.floats(1.001, 100.0),
)
def test_chinchilla_loss_falls_as_size_or_data_grows(
    constants: dict[str, float], n: float, d: float, factor: float
) -> None:
    law = ChinchillaLaw.from_constants(constants)
    base = float(law.loss(n, d))
    assert float(law.loss(n * factor, d)) < base
    assert float(law.loss(n, d * factor)) < base
    assert base > constants["E"]


@settings(deadline=None)
@given(chinchilla_constants, st.floats(1e6, 1e13), st.floats(1e6, 1e14))
def test_tokens_for_loss_inverts_the_loss(constants: dict[str, float], n: float, d: float) -> None:
    law = ChinchillaLaw.from_constants(constants)
    loss = law.loss(n, d)
    data_term = constants["B"] / d ** constants["beta"]
    if data_term < 1e-9 * float(loss):  # the data term is lost to rounding: nothing to invert
        return
    assert float(law.tokens_for_loss(n, loss)) == pytest.approx(d, rel=1e-5)


def test_tokens_for_loss_is_nan_when_the_size_never_reaches_the_loss() -> None:
    law = ChinchillaLaw.from_constants(HOFFMANN)
    floor_at_1b = 1.69 + 406.4 / 1e9**0.34  # the loss of a 1B model trained on infinite data
    assert np.isnan(law.tokens_for_loss(1e9, floor_at_1b - 0.01))


def test_array_constants_broadcast_like_one_law_per_draw() -> None:
    draws = {k: np.array([v, v * 1.01, v * 0.99])[:, None] for k, v in BESIROGLU.items()}
    law = ChinchillaLaw.from_constants(draws)
    budgets_ = np.array([1e21, 1e23, 1e25])
    n, d = law.allocate(budgets_[None, :])
    assert n.shape == (3, 3)
    for row in range(3):
        single = ChinchillaLaw.from_constants({k: float(v[row, 0]) for k, v in draws.items()})
        n_single, d_single = single.allocate(budgets_)
        np.testing.assert_allclose(n[row], n_single, rtol=1e-12)
        np.testing.assert_allclose(d[row], d_single, rtol=1e-12)


# -- Kaplan ----------------------------------------------------------------------------------------------------
KAPLAN = {"N_c": 6.4e13, "D_c": 1.8e13, "alpha_N": 0.076, "alpha_D": 0.103}  # Kaplan et al. 2020, Table 2


def test_kaplan_loss_is_eq_1_5() -> None:
    law = KaplanLaw.from_constants(KAPLAN)
    n, d = 1e9, 2e10
    expected = ((6.4e13 / n) ** (0.076 / 0.103) + 1.8e13 / d) ** 0.103  # Kaplan Eq. 1.5 / 4.1
    assert float(law.loss(n, d)) == pytest.approx(expected, rel=1e-14)
    # with unlimited data the joint law reduces to (N_c/N)^alpha_N
    assert float(law.loss(n, 1e60)) == pytest.approx((6.4e13 / n) ** 0.076, rel=1e-12)


@settings(deadline=None)
@given(st.floats(1e3, 1e13), st.floats(1e6, 1e14), st.floats(1.001, 100.0))
def test_kaplan_loss_falls_as_size_or_data_grows(n: float, d: float, factor: float) -> None:
    law = KaplanLaw.from_constants(KAPLAN)
    base = float(law.loss(n, d))
    assert float(law.loss(n * factor, d)) < base
    assert float(law.loss(n, d * factor)) < base


def test_kaplan_table_6_allocation_in_pf_days() -> None:
    # Kaplan et al. 2020 Table 6 / Eq. 6.1: N_opt = 1.3e9 * C_min^0.73 with C_min in PF-days (8.64e19 FLOP).
    # At 5.76e23 FLOP = 6,667 PF-days that is 8.0e11 non-embedding parameters (published-laws.md Sec. 2).
    allocation = PowerAllocation("params", 1.3e9, 0.73, compute_unit_flops=8.64e19)
    n, d = allocation.allocate(5.76e23)
    assert float(n) == pytest.approx(1.3e9 * (5.76e23 / 8.64e19) ** 0.73, rel=1e-12)
    assert float(n) == pytest.approx(8.0e11, rel=0.01)
    assert float(d) == pytest.approx(5.76e23 / (6 * float(n)), rel=1e-12)
    # at 1e24 FLOPs: 1.2T (Sec. 9 table)
    assert float(allocation.allocate(1e24)[0]) == pytest.approx(1.2e12, rel=0.02)


# -- allocations -----------------------------------------------------------------------------------------------
power_allocations = st.builds(
    PowerAllocation,
    st.sampled_from(["params", "tokens"]),
    st.floats(1e-3, 1e10),
    st.floats(0.3, 0.8),
    st.sampled_from([1.0, 8.64e19]),
)


@settings(deadline=None)
@given(power_allocations, budgets)
def test_power_allocation_spends_the_budget_and_inverts(allocation: PowerAllocation, compute: float) -> None:
    n, d = allocation.allocate(compute)
    assert float(6 * n * d) == pytest.approx(compute, rel=1e-12)
    assert float(allocation.compute_for_params(n)) == pytest.approx(compute, rel=1e-8)
    assert float(allocation.compute_for_tokens(d)) == pytest.approx(compute, rel=1e-8)


def test_power_allocation_of_tokens() -> None:
    # Llama Team 2024, Sec. 3.2.1 / Fig. 3: tokens = 0.299 C^0.537; params = C / (6 tokens).
    allocation = PowerAllocation("tokens", 0.299, 0.537)
    n, d = allocation.allocate(3.8e25)
    assert float(d) == pytest.approx(0.299 * 3.8e25**0.537, rel=1e-12)
    assert float(n) == pytest.approx(3.8e25 / (6 * 0.299 * 3.8e25**0.537), rel=1e-12)


@settings(deadline=None)
@given(st.floats(1.0, 200.0), budgets)
def test_tokens_per_param(ratio: float, compute: float) -> None:
    allocation = TokensPerParam(ratio)
    n, d = allocation.allocate(compute)
    assert float(d / n) == pytest.approx(ratio, rel=1e-12)
    assert float(6 * n * d) == pytest.approx(compute, rel=1e-12)
    assert float(allocation.compute_for_params(n)) == pytest.approx(compute, rel=1e-12)
    assert float(allocation.compute_for_tokens(d)) == pytest.approx(compute, rel=1e-12)


def test_twenty_tokens_per_param_at_1e24() -> None:
    # planner-formulas-and-cli.md A3: 20 tokens/param at 1e24 gives 91B and 1.83T.
    n, d = TokensPerParam(20).allocate(1e24)
    assert float(n) == pytest.approx(91.3e9, rel=1e-3)
    assert float(d) == pytest.approx(1.83e12, rel=3e-3)  # 1.826T, printed to 3 digits
