"""scalecalc._numeric: the percentile interval stands in for np.percentile (see _linear_percentiles), to the bit."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from scalecalc._numeric import interval_tails, percentile_interval, sorted_unique

samples = arrays(
    np.float64,
    array_shapes(min_dims=1, max_dims=3, max_side=12),
    elements=st.floats(-1e12, 1e12, allow_nan=False, allow_infinity=False) | st.sampled_from([0.0, 1.0, -1.0]),
)
levels = st.floats(0.001, 0.999) | st.sampled_from([0.5, 0.68, 0.9, 0.95, 0.99])


@settings(max_examples=300, deadline=None)
@given(samples, levels, st.data())
def test_percentile_interval_is_numpys_percentile_to_the_last_bit(values, level, data) -> None:
    axis = data.draw(st.none() | st.integers(-values.ndim, values.ndim - 1))
    low, high = percentile_interval(values, level, axis=axis)
    expected_low, expected_high = np.percentile(values, interval_tails(level), axis=axis)
    for got, expected in ((low, expected_low), (high, expected_high)):
        assert type(got) is type(expected) and np.shape(got) == np.shape(expected)
        assert np.array_equal(got, expected)  # exact: printed intervals keep every digit they had


def test_percentile_interval_of_one_draw_is_that_draw() -> None:
    low, high = percentile_interval(np.array([[3.0, 4.0]]), 0.95, axis=0)
    assert low.tolist() == high.tolist() == [3.0, 4.0]


def test_non_finite_draws_are_left_out() -> None:
    low, high = percentile_interval(np.array([1.0, 2.0, np.inf, 3.0, np.nan]), 0.5)
    assert (low, high) == tuple(np.percentile([1.0, 2.0, 3.0], [25, 75]))


@given(st.lists(st.integers(-5, 5), max_size=30))
def test_sorted_unique_is_numpys_unique(values: list[int]) -> None:
    array = np.array(values, dtype=np.int64)
    np.testing.assert_array_equal(sorted_unique(array), np.unique(array))
