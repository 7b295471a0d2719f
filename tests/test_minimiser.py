"""The minimiser's arithmetic: its batched linear solve (scalecalc._numeric) against LAPACK's, and the Huber
penalty's terms (scalecalc.fitting.objective) against their textbook definition, to the bit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from scalecalc._numeric import solve_positive_definite
from scalecalc.fitting.objective import OBJECTIVES, Penalty
from scalecalc.fitting.optimize import EXTRAPOLATE_LIMIT, _extrapolation

residuals = arrays(
    np.float64,
    st.integers(1, 40),
    elements=st.floats(-1.0, 1.0, allow_nan=False)
    | st.sampled_from([0.0, -0.0, 1e-3, -1e-3, np.nextafter(1e-3, 1), np.inf, -np.inf, np.nan, 5e-324]),
)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 7), st.integers(1, 30), st.floats(1e-12, 1e3), st.integers(0, 2**32 - 1))
def test_damped_systems_are_solved_as_lapack_solves_them(size: int, count: int, damping: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    jacobian = rng.standard_normal((count, 3 * size, size)) * rng.uniform(0, 3, size=(count, 1, size))
    curvature = np.swapaxes(jacobian, 1, 2) @ jacobian  # J^T J: positive semi-definite, maybe singular
    system = curvature + damping * np.eye(size)
    rhs = rng.standard_normal((count, size))
    expected = np.linalg.solve(system, rhs[..., None])[..., 0]
    got = solve_positive_definite(np.moveaxis(system, 0, -1).copy(), rhs.T.copy()).T
    condition = np.linalg.cond(system)
    tolerance = 1e-13 * condition[:, None] * (1.0 + np.abs(expected).max(axis=1, keepdims=True))
    assert np.all(np.abs(got - expected) <= tolerance)


def test_a_non_finite_system_gives_a_non_finite_step_not_an_error() -> None:
    system = np.array([[[1.0, np.nan], [np.nan, 1.0]]])
    assert not np.all(np.isfinite(solve_positive_definite(np.moveaxis(system, 0, -1).copy(), np.ones((2, 1)))))


@settings(max_examples=300, deadline=None)
@given(residuals, st.sampled_from([1e-3, 0.5, 2.0]))
def test_huber_terms_are_the_textbook_ones_to_the_bit(r: np.ndarray, delta: float) -> None:
    penalty = Penalty("huber", delta)
    a = np.abs(r)
    inside = a <= delta
    with np.errstate(all="ignore"):
        expected = (
            np.where(inside, 0.5 * r * r, delta * (a - 0.5 * delta)),  # Huber 1964, rho
            np.where(inside, r, np.where(r > 0, delta, np.where(r < 0, -delta, r))),  # psi = rho'
            np.where(inside, 1.0, delta / a),  # IRLS weight psi(r) / r
            inside.astype(float),  # rho''
        )
        got = penalty.terms(r)
    for name, value, reference in zip(("rho", "psi", "irls", "exact"), got, expected, strict=True):
        assert np.array_equal(value, reference, equal_nan=True), name
    assert np.array_equal(penalty.value(r), expected[0], equal_nan=True)


@pytest.mark.parametrize("name", OBJECTIVES)
@given(residuals, st.floats(0.0, 1.0))
def test_the_curvature_blend_is_the_weighted_mean_of_the_two_weights(name: str, r: np.ndarray, blend: float) -> None:
    """Problem.slopes blends as max(b * irls, exact): equal to b * irls + (1 - b) * exact because each penalty's
    exact weight is its IRLS weight or 0."""
    _, _, irls, exact = Penalty(name).terms(r)
    with np.errstate(invalid="ignore"):
        expected = exact + blend * (irls - exact)
    assert np.array_equal(np.maximum(blend * irls, exact), expected, equal_nan=True)


def test_a_step_continuing_a_shrinking_series_is_lengthened_by_the_rest_of_it() -> None:
    kept = np.array([[1.0, 2.0, 0.0]] * 7)
    ratios = np.array([0.3, 0.5, 0.6, 0.5, 0.5, 0.5, 1.2])
    step = kept * ratios[:, None]
    step[3] = [2.0, -1.0, 0.0]  # another direction: cosine 0
    kept[4] = 0.0  # no kept step (the last one failed, or the start just joined)
    far = np.array([True, True, True, True, True, False, True])  # row 5 is near its minimum: Newton's steps
    scale = np.array([[1.0], [3.0], [1.0]]) * np.ones((1, 7))
    factor = _extrapolation(step, kept, scale, far)
    assert factor[0] == pytest.approx(1 / 0.7)  # the rest of 1 + 0.3 + 0.3^2 + ...
    assert factor[1] == pytest.approx(2.0) and factor[2] == EXTRAPOLATE_LIMIT  # 2.5, capped
    assert list(factor[3:]) == [1.0, 1.0, 1.0, 1.0]  # turned, nothing kept, near, or growing
