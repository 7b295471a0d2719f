"""Figure specifications: ticks in human units, the extent of a panel, frozen pieces."""

from __future__ import annotations

import math

import pytest

from scalecalc.plotting.spec import Axis, Curve, Panel, Points, tick_label, ticks

# --- ticks --------------------------------------------------------------------------------------------


def test_decade_ticks_thin_out_to_fit() -> None:
    assert ticks(1e20, 1e26, "flops", most=7) == (
        [1e20, 1e21, 1e22, 1e23, 1e24, 1e25, 1e26],
        [f"1e{k}" for k in range(20, 27)],
    )
    positions, labels = ticks(1e20, 1e26, "flops", most=4)
    assert labels == ["1e20", "1e22", "1e24", "1e26"]
    assert positions == [1e20, 1e22, 1e24, 1e26]


def test_count_ticks_read_in_suffixes() -> None:
    assert ticks(8e8, 2e12, "count")[1] == ["1B", "10B", "100B", "1T"]
    assert ticks(3e7, 4e8, "count")[1] == ["50M", "100M", "200M"]  # under three decades: 1-2-5 sequence


def test_a_range_within_one_decade_gets_round_linear_ticks() -> None:
    assert ticks(2.0, 3.5, "value") == ([2.0, 2.5, 3.0, 3.5], ["2", "2.5", "3", "3.5"])
    assert ticks(0.69, 0.94, "value", log=False)[1] == ["0.7", "0.75", "0.8", "0.85", "0.9"]


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [(7e10, "count", "70B"), (1.5e12, "count", "1.5T"), (4e8, "count", "400M"), (3e21, "flops", "3e21"),
     (1e24, "flops", "1e24"), (2e18, "count", "2e18"), (2.5, "value", "2.5"), (512.0, "count", "512")],
)  # fmt: skip
def test_tick_labels(value: float, kind: str, text: str) -> None:
    assert tick_label(value, kind) == text  # type: ignore[arg-type]


def test_empty_or_reversed_ranges_have_no_ticks() -> None:
    assert ticks(5.0, 5.0, "value") == ([], [])
    assert ticks(math.nan, 1.0, "value") == ([], [])


def test_extent_pads_log_axes_symmetrically_in_log_space() -> None:
    panel = Panel("p", Axis("x", "parameters", "count"), Axis("y", "nats/token", "value", log=False),
                  points=(Points("a", (1e9, 1e11), (2.0, 3.0)),))  # fmt: skip
    low, high = panel.extent("x")
    assert math.log10(1e9 / low) == pytest.approx(math.log10(high / 1e11)) == pytest.approx(0.1)
    assert panel.extent("y") == pytest.approx((1.95, 3.05))


def test_extent_includes_error_bars() -> None:
    point = Points("p", (1e20,), (1e10,), role="prediction", low=(5e9,), high=(4e10,))
    panel = Panel("p", Axis("C", "FLOPs", "flops"), Axis("N", "parameters", "count"), points=(point,))
    low, high = panel.extent("y")
    assert low < 5e9 and high > 4e10


def test_curve_and_points_are_frozen() -> None:
    curve = Curve("c", (1.0, 2.0), (3.0, 4.0))
    with pytest.raises(AttributeError):
        curve.label = "d"  # type: ignore[misc]
