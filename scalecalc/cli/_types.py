"""The parameter types every command's options share: closed sets matched case-insensitively with "did you
mean" (and shell completion), whole numbers with suffixes (``1k``), and fractions as ``0.95`` or ``95%``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from typer._click import Context, Parameter
from typer._click.types import ParamType
from typer._types import TyperChoice

from scalecalc.errors import InputError, did_you_mean
from scalecalc.units import parse_quantity


class Choice(TyperChoice[str]):
    """A closed set of names, matched case-insensitively: shell completion lists them, ``--help`` shows them,
    and a typo gets "did you mean"."""

    def __init__(self, choices: Iterable[str]) -> None:
        super().__init__(choices, case_sensitive=False)

    def convert(self, value: Any, param: Parameter | None, ctx: Context | None) -> str:
        if str(value).casefold() not in (choice.casefold() for choice in self.choices):
            what = max(param.opts, key=len).lstrip("-") + " " if param is not None else ""
            known = ", ".join(self.choices)
            hint = did_you_mean(str(value), self.choices)
            self.fail(f"unknown {what}{value!r}{hint}; use one of {known}", param, ctx)
        return super().convert(value, param, ctx)


class Count(ParamType):
    """A whole number that may carry a decimal suffix (``1k`` = 1000, ``2M``); 0 is allowed (e.g. no bootstrap)."""

    name = "count"

    def get_metavar(self, param: Parameter, ctx: Context) -> str:
        return "<COUNT>"

    def convert(self, value: Any, param: Parameter | None, ctx: Context | None) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip()
        if text in ("0", "+0"):
            return 0
        try:
            number = parse_quantity(text)
        except InputError:
            self.fail(f"{text!r} is not a whole number (e.g. 200, 1k, 10000)", param, ctx)
        if number != int(number):
            self.fail(f"{text!r} is not a whole number", param, ctx)
        return int(number)


class Fraction(ParamType):
    """A fraction given as a decimal (``0.95``) or a percentage (``95%``)."""

    name = "fraction"

    def get_metavar(self, param: Parameter, ctx: Context) -> str:
        return "<FRACTION>"

    def convert(self, value: Any, param: Parameter | None, ctx: Context | None) -> float:
        if isinstance(value, float):
            return value
        try:
            return parse_fraction(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a fraction; give e.g. 0.95 or 95%", param, ctx)


def parse_fraction(text: str) -> float:
    """0.95 or 95% as 0.95; ValueError for anything else. A percentage is divided by 100, which rounds once:
    95 * 0.01 is 0.9500000000000001, not the 0.95 the user meant."""
    text = text.strip()
    if text.endswith("%"):
        return float(text[:-1]) / 100
    return float(text)
