"""Typed, checked access to a parsed preset or hardware YAML document: each value read names the file and the
dotted key when it is wrong, and every constant carries its source."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

import numpy as np

from scalecalc.errors import PresetError
from scalecalc.units import shown


@dataclass(frozen=True)
class Constant:
    value: float
    source: str


class Reader:
    """Typed access to a parsed YAML document; every failure names the file and the dotted key. ``kind`` names
    what the file is ("preset", "hardware file"), ``sources`` what every constant's source must name."""

    def __init__(self, origin: str, kind: str = "preset", sources: str = "its paper, table or equation") -> None:
        self.origin, self.kind, self.sources = origin, kind, sources

    def fail(self, key: str, problem: str) -> NoReturn:
        raise PresetError(f"{self.origin}: key '{key}' {problem}")

    def known_keys(self, section: Mapping[str, Any], known: tuple[str, ...], prefix: str) -> None:
        """A misspelt key (``fited_range``) would silently drop what it holds: refuse it, suggesting the match."""
        import difflib

        for key in section:
            if key not in known:
                close = difflib.get_close_matches(str(key), known, n=1)
                hint = f"did you mean '{close[0]}'? " if close else ""
                self.fail(prefix + str(key)[:40], f"is not a {self.kind} key; {hint}known keys: {', '.join(known)}")

    def mapping(self, value: Any, key: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            if key:
                self.fail(key, "is missing or is not a mapping")
            raise PresetError(f"{self.origin}: a {self.kind} must be a YAML mapping of keys to values")
        return value

    def text(self, section: Mapping[str, Any], key: str, prefix: str = "", *, numbers: bool = False) -> str:
        """A non-empty string; with ``numbers``, a bare number too, as its text (a hardware file's `checked: 2026`)."""
        value = section.get(key)
        allowed = (str, int, float) if numbers else (str,)
        if not isinstance(value, allowed) or isinstance(value, bool) or not str(value).strip():
            self.fail(prefix + key, "is missing or is not a non-empty string")
        return str(value)

    def choice(self, section: Mapping[str, Any], key: str, allowed: tuple[str, ...], prefix: str = "") -> str:
        value = section.get(key)
        if value not in allowed:
            self.fail(prefix + key, f"is {shown(value)}; expected one of: {', '.join(allowed)}")
        return str(value)

    def number(self, value: Any, key: str) -> float:
        if isinstance(value, str):  # YAML 1.1 reads 6e18 (no dot) as a string
            try:
                value = float(value)
            except ValueError:
                self.fail(key, f"is {shown(value)}; expected a finite number")
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(key, f"is {shown(value)}; expected a finite number")
        try:
            number = float(value)
        except OverflowError:  # an integer of hundreds of digits
            self.fail(key, f"is {shown(value)}; too large for a floating-point number")
        if not np.isfinite(number):
            self.fail(key, f"is {shown(value)}; expected a finite number")
        return number

    def positive(self, value: Any, key: str) -> float:
        number = self.number(value, key)
        if number <= 0:
            self.fail(key, f"is {shown(value)}; expected a number greater than zero")
        if number < sys.float_info.min:  # subnormal: the law's arithmetic loses it to zero (A: 1e-320 plans 0 params)
            self.fail(key, f"is {shown(value)}; too small to compute with (the smallest is {sys.float_info.min:.3g})")
        return number

    def constant(self, section: Mapping[str, Any], key: str, prefix: str = "", *, positive: bool = True) -> Constant:
        where = prefix + key
        entry = section.get(key)
        if not isinstance(entry, dict) or "value" not in entry:
            self.fail(where, "is missing or has no 'value' (write {value: ..., source: ...})")
        source = entry.get("source")
        if not isinstance(source, str) or not source.strip():
            self.fail(where + ".source", f"is missing: every constant names {self.sources}")
        read = self.positive if positive else self.number
        return Constant(read(entry["value"], where + ".value"), source)
