"""Quantities: parsing (suffixes, scientific notation, PF-days), rejection messages, formatting round-trips."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scalecalc.errors import InputError
from scalecalc.units import (
    PF_DAY_FLOPS,
    format_count,
    format_number,
    format_scientific,
    parse_quantity,
    parse_quantity_list,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1e24", 1e24),
        ("5.76e23", 5.76e23),
        ("5.76E23", 5.76e23),
        ("70B", 70e9),
        ("70G", 70e9),
        ("1.4T", 1.4e12),
        ("400M", 400e6),
        ("3k", 3e3),
        ("3K", 3e3),
        ("2P", 2e15),
        ("1_000", 1000.0),
        (" 7 B ", 7e9),
        ("+12", 12.0),
        (".5", 0.5),
        ("1.5e3k", 1.5e6),
    ],
)
def test_parse_plain_scientific_and_suffixes(text: str, expected: float) -> None:
    assert parse_quantity(text, "--x") == pytest.approx(expected, rel=1e-15)


def test_parse_numbers_passed_as_numbers() -> None:
    assert parse_quantity(3, "--x") == 3.0
    assert parse_quantity(2.5e9, "--x") == 2.5e9


def test_pf_day_is_8_64e19_flop() -> None:
    # Kaplan et al. 2020, Sec. 1.2: 1 PF-day = 1e15 FLOP/s * 86400 s.
    assert PF_DAY_FLOPS == 8.64e19


@pytest.mark.parametrize("text", ["6667pfd", "6667 PF-days", "6667 pf-day", "6667 PF_days", "6667PFD"])
def test_pf_days_converted_to_flops_for_compute(text: str) -> None:
    assert parse_quantity(text, "--flops", compute=True) == pytest.approx(6667 * 8.64e19, rel=1e-15)


@pytest.mark.parametrize("text", ["1e24 FLOPs", "1e24 flop", "1e24FLOPS"])
def test_flop_unit_accepted_for_compute(text: str) -> None:
    assert parse_quantity(text, "--flops", compute=True) == 1e24


@pytest.mark.parametrize(("text", "value"), [("70b", 70e9), ("70B", 70e9), ("1.4t", 1.4e12), ("2g", 2e9), ("1k", 1e3)])
def test_lower_case_size_suffixes_as_model_cards_write_them(text: str, value: float) -> None:
    assert parse_quantity(text, "--params") == value


def test_units_rejected_where_no_unit_is_allowed() -> None:
    with pytest.raises(InputError, match=r"--params: unknown unit 'pfd'.*units allowed here: none"):
        parse_quantity("6667pfd", "--params")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("nan", "not a finite number"),
        ("NaN", "not a finite number"),
        ("inf", "not a finite number"),
        ("-Infinity", "not a finite number"),
        ("0", "must be greater than zero"),
        ("-5B", "must be greater than zero"),
        ("abc", "cannot read 'abc' as a number"),
        ("", "cannot read"),
        ("7E", "unknown unit 'E'"),  # E is not an exa suffix: rejected rather than read as 7e18
        ("1m", "unknown unit 'm'"),  # lower-case m is not mega: rejected rather than guessed
        ("1.2.3", "cannot read"),
        ("70 bytes", "unknown unit"),
    ],
)
def test_rejected_values_name_the_option_and_value(text: str, fragment: str) -> None:
    with pytest.raises(InputError) as raised:
        parse_quantity(text, "--tokens")
    message = str(raised.value)
    assert message.startswith("--tokens: ")
    assert fragment in message
    assert "\n" not in message


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -1.0, 0.0])
def test_rejected_numbers(value: float) -> None:
    with pytest.raises(InputError, match="--x"):
        parse_quantity(value, "--x")


def test_bool_is_not_a_number() -> None:
    with pytest.raises(InputError, match="expected a number"):
        parse_quantity(True, "key")


def test_quantity_list_splits_commas_and_repeats() -> None:
    values = parse_quantity_list(["1e22,1e23", "70B"], "--flops")
    assert values == [1e22, 1e23, 70e9]


def test_quantity_list_rejects_empty_items() -> None:
    with pytest.raises(InputError, match=r"--flops: empty item in '1e22,,1e23'"):
        parse_quantity_list(["1e22,,1e23"], "--flops")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (70e9, "70.0B"),
        (1.4e12, "1.40T"),
        (400e6, "400M"),
        (999.96e9, "1.00T"),  # rounds before choosing the suffix
        (1234.0, "1.23k"),
        (12.0, "12.0"),
        (0.5, "0.500"),
        (2.5e15, "2.50P"),
        (3.2e18, "3.20e18"),
        (float("nan"), "-"),
        (None, "-"),
    ],
)
def test_format_count(value: float | None, expected: str) -> None:
    assert format_count(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(5.76e23, "5.76e23"), (1e24, "1.00e24"), (3.8e25, "3.80e25"), (1.234e-5, "1.23e-5"), (float("inf"), "-")],
)
def test_format_scientific(value: float, expected: str) -> None:
    assert format_scientific(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1.9597, "1.960"), (18.137, "18.14"), (0.5126, "0.5126"), (2.5e6, "2.500e6"), (1e-4, "1.000e-4"), (0, "0")],
)
def test_format_number(value: float, expected: str) -> None:
    assert format_number(value) == expected


@settings(deadline=None)
@given(st.floats(min_value=1e-3, max_value=1e30, allow_nan=False, allow_infinity=False))
def test_format_count_parses_back_within_half_a_percent(value: float) -> None:
    # Three significant digits: the rounding error is at most 0.5 in the third digit, i.e. < 0.5%.
    text = format_count(value)
    assert math.isclose(parse_quantity(text, "round-trip"), value, rel_tol=5e-3)


@settings(deadline=None)
@given(st.floats(min_value=1e-3, max_value=1e30, allow_nan=False, allow_infinity=False))
def test_format_scientific_parses_back(value: float) -> None:
    assert math.isclose(parse_quantity(format_scientific(value), "round-trip"), value, rel_tol=5e-3)


@settings(deadline=None)
@given(
    st.floats(min_value=1e-3, max_value=1e4, allow_nan=False),
    st.sampled_from([("k", 1e3), ("M", 1e6), ("B", 1e9), ("G", 1e9), ("T", 1e12), ("P", 1e15), ("", 1.0)]),
)
def test_suffix_scales_the_number(number: float, suffix: tuple[str, float]) -> None:
    letter, scale = suffix
    assert math.isclose(parse_quantity(f"{number!r}{letter}", "x"), number * scale, rel_tol=1e-12)
