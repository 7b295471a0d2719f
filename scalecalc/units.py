"""Parse and format quantities: ``1e24``, ``70B``, ``1.4T``, ``400M``, ``6667 PF-days``.

Suffixes are decimal and case-sensitive where it matters: k/K = 1e3, M = 1e6, B/b = G/g = 1e9, T/t = 1e12,
P = 1e15 (``70b`` is how model cards write sizes). ``E`` and lower-case ``m`` and ``p`` are rejected rather than
guessed at (general-purpose libraries read
``70B`` as 70 bytes or ``7E`` as 7e18). Compute may carry a PF-day unit (1 PF-day = 1e15 FLOP/s x 86400 s
= 8.64e19 FLOP, the unit of Kaplan et al. 2020).
"""

from __future__ import annotations

import math
import re

from scalecalc.errors import InputError

SECONDS_PER_HOUR = 3600.0
SECONDS_PER_DAY = 24 * SECONDS_PER_HOUR
PF_DAY_FLOPS = 1e15 * SECONDS_PER_DAY  # Kaplan et al. 2020, Sec. 1.2: 1 PF-day = 8.64e19 FLOP

SUFFIXES = {"k": 1e3, "K": 1e3, "M": 1e6, "B": 1e9, "b": 1e9, "G": 1e9, "g": 1e9, "T": 1e12, "t": 1e12, "P": 1e15}

_QUANTITY = re.compile(
    r"""^\s*
    (?P<number>[+-]?(?:\d+(?:_\d+)*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
    \s*(?P<suffix>[kKMBbGgTtP])?
    \s*$""",
    re.VERBOSE,
)
_PF_DAY_UNIT = re.compile(r"\s*(?:pf[-_ ]?days?|pfd)\s*$", re.IGNORECASE)
_FLOP_UNIT = re.compile(r"\s*flops?\s*$", re.IGNORECASE)
_ANY_UNIT = re.compile(r"[\d.]\s*[kKMBGTP]?\s*([A-Za-z][A-Za-z_ -]*)$")


def parse_quantity(text: str | float | int, name: str = "value", *, compute: bool = False) -> float:
    """Parse one positive, finite quantity and return it as a float.

    ``name`` is the option, column or key the value came from; it appears in the error message.
    With ``compute=True`` the value may carry a ``FLOP``/``FLOPs`` or PF-day unit and is returned in FLOPs.
    """
    if isinstance(text, bool) or not isinstance(text, str | int | float):  # e.g. a JSON list or object in a cell
        raise InputError(f"{name}: expected a number, got {shown(text)}")
    if isinstance(text, int | float):
        try:
            value = float(text)
        except OverflowError:  # a JSON integer of hundreds of digits
            raise InputError(f"{name}: {shown(text)} is too large for a floating-point number") from None
    else:
        if text.strip().lower().lstrip("+-") in {"nan", "inf", "infinity"}:
            raise InputError(f"{name}: {shown(text)} is not a finite number")
        number_text, scale = text, 1.0
        if compute and _PF_DAY_UNIT.search(text):
            number_text, scale = _PF_DAY_UNIT.sub("", text), PF_DAY_FLOPS
        elif compute and _FLOP_UNIT.search(text):
            number_text = _FLOP_UNIT.sub("", text)
        match = _QUANTITY.match(number_text)
        if match is None:
            unit = _ANY_UNIT.search(text.strip())
            if unit:
                allowed = "FLOP or PF-days" if compute else "none (suffixes: k, M, B, T, P)"
                raise InputError(
                    f"{name}: unknown unit {shown(unit[1])} in {shown(text)}; units allowed here: {allowed}"
                )
            raise InputError(
                f"{name}: cannot read {shown(text)} as a number; use plain or scientific notation "
                "(5.76e23) or a suffix k, M, B/G, T, P (70B, 1.4T)"
            )
        value = float(match["number"].replace("_", "")) * scale
        if math.isinf(value):
            raise InputError(f"{name}: {shown(text)} is too large for a floating-point number")
        if value == 0 and re.search(r"[1-9]", match["number"].lower().partition("e")[0]):
            raise InputError(f"{name}: {shown(text)} is too small for a floating-point number")
        if match["suffix"]:
            value *= SUFFIXES[match["suffix"]]
    return require_positive(value, name, display=text)


def require_positive(value: float, name: str, *, display: object | None = None) -> float:
    """Return ``value`` if it is finite and > 0, else raise an :class:`InputError` naming ``name``."""
    text = shown(value if display is None else display)
    if math.isnan(value) or math.isinf(value):
        raise InputError(f"{name}: {text} is not a finite number")
    if value <= 0:
        raise InputError(f"{name}: {text} must be greater than zero")
    return value


def require_seed(seed: int, param: str = "seed") -> int:
    """Return ``seed`` if numpy's generators accept it (a whole number of zero or more), else an InputError."""
    if seed < 0:
        raise InputError(f"is {seed}; give a whole number of zero or more", param=param)
    return seed


def shown(value: object, limit: int = 40) -> str:
    """``repr(value)`` cut to ``limit`` characters, so that an error never echoes a long cell or a whole file."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def parse_quantity_list(texts: list[str] | tuple[str, ...], name: str, *, compute: bool = False) -> list[float]:
    """Parse options that may be repeated and may each hold a comma-separated list (``1e22,1e23``)."""
    values: list[float] = []
    for text in texts:
        for part in text.split(","):
            if not part.strip():
                raise InputError(f"{name}: empty item in {shown(text)}")
            values.append(parse_quantity(part, name, compute=compute))
    return values


_COUNT_SUFFIXES = (("P", 1e15), ("T", 1e12), ("B", 1e9), ("M", 1e6), ("k", 1e3))


def format_count(value: float | None, digits: int = 3) -> str:
    """Human form of a count of parameters or tokens: ``70.0B``, ``1.40T``, ``400M``.

    Three significant digits by default; values beyond 1e18 fall back to scientific notation.
    """
    if value is None or not math.isfinite(value):
        return "-"
    rounded = float(f"{value:.{digits - 1}e}")  # round first, so 999.96B shows as 1.00T
    magnitude = abs(rounded)
    if magnitude >= 1e18:
        return format_scientific(value, digits)
    for suffix, scale in _COUNT_SUFFIXES:
        if magnitude >= scale:
            return _significant(rounded / scale, digits) + suffix
    return _significant(rounded, digits)


def format_scientific(value: float | None, digits: int = 3) -> str:
    """Scientific notation with ``digits`` significant digits and a bare exponent: ``5.76e23``."""
    if value is None or not math.isfinite(value):
        return "-"
    mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def format_number(value: float | None, digits: int = 4) -> str:
    """A plain number with ``digits`` significant digits (losses, exponents, ratios)."""
    if value is None or not math.isfinite(value):
        return "-"
    magnitude = abs(value)
    if magnitude != 0 and (magnitude >= 1e6 or magnitude < 1e-3):
        return format_scientific(value, digits)
    return _significant(value, digits)


def _significant(value: float, digits: int) -> str:
    if value == 0:
        return "0"
    rounded = float(f"{value:.{digits - 1}e}")
    decimals = max(digits - 1 - math.floor(math.log10(abs(rounded))), 0)
    return f"{rounded:.{decimals}f}"
