"""The user's config file: defaults people set once (preset, GPU, MFU, price, format, level).

Precedence, highest first: the option on the command line, the environment ($SCALECALC_FORMAT), the config
file, the built-in default. The file is TOML (stdlib ``tomllib``; its upstream ``tomli`` on Python 3.10) at
$SCALECALC_CONFIG, else $XDG_CONFIG_HOME/scalecalc/config.toml, else ~/.config/scalecalc/config.toml::

    preset = "chinchilla"
    gpu = "h100"
    mfu = 0.45
    price = 2.5
    format = "json"
    level = 0.9

Options take their config values through Click's ``default_map`` (so ``--help`` shows them as the defaults);
``format`` is read by :func:`scalecalc.cli._common.resolve_format`, after the environment.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from scalecalc.errors import InputError

CONFIG_VARIABLE = "SCALECALC_CONFIG"

# Each key: the types it may hold, and the command parameters it sets (`fit` still calls its level `ci`).
KEYS: dict[str, tuple[tuple[type, ...], tuple[str, ...]]] = {
    "preset": ((str,), ("preset",)),
    "gpu": ((str,), ("gpu",)),
    "mfu": ((float, int, str), ("mfu",)),
    "price": ((float, int, str), ("price",)),
    "format": ((str,), ()),
    "level": ((float,), ("level", "ci")),
}


def config_path() -> Path:
    explicit = os.environ.get(CONFIG_VARIABLE)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "scalecalc" / "config.toml"


def load_config(path: Path | None = None) -> dict[str, Any]:
    """The settings in the config file ({} when there is none); an error names the file and the key."""
    path = config_path() if path is None else path
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise InputError(f"config file {path}: cannot read it: {error.strerror}") from None
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        settings = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InputError(f"config file {path}: not valid TOML ({error}); fix it or remove it") from None
    for key, value in settings.items():
        if key not in KEYS:
            raise InputError(f"config file {path}: unknown key {key!r}; keys: {', '.join(KEYS)}")
        types, _ = KEYS[key]
        if isinstance(value, bool) or not isinstance(value, types):
            kinds = " or ".join("a number" if t in (float, int) else "a string" for t in dict.fromkeys(types))
            raise InputError(f"config file {path}: key {key!r} must be {kinds}, not {value!r}")
    if "format" in settings:
        from scalecalc.render import FORMATS

        if settings["format"] not in FORMATS:
            raise InputError(
                f"config file {path}: key 'format' is {settings['format']!r}; use one of {', '.join(FORMATS)}"
            )
    # A bad value is refused here, where the file can be named: used later, it would read as a bad --mfu.
    for key, valid, expected in (
        ("mfu", _fraction_in(0, 1, inclusive=True), "a fraction in (0, 1], such as 0.45 or 45%"),
        ("price", _positive_price, "a positive price per GPU-hour, such as 2.5"),
        ("level", _fraction_in(0, 1, inclusive=False), "a fraction between 0 and 1, such as 0.9"),
    ):
        if key in settings and not valid(settings[key]):
            raise InputError(f"config file {path}: key {key!r} is {settings[key]!r}; give {expected}")
    return settings


def _fraction_in(low: float, high: float, *, inclusive: bool) -> Callable[[object], bool]:
    from scalecalc.cli._types import parse_fraction

    def valid(value: object) -> bool:
        try:
            number = parse_fraction(str(value))
        except ValueError:
            return False
        return low < number <= high if inclusive else low < number < high

    return valid


def _positive_price(value: object) -> bool:
    from scalecalc.units import parse_quantity

    try:
        parse_quantity(str(value).lstrip("$"), "price")
    except InputError:
        return False
    return True


def default_map(command: Any, settings: Mapping[str, Any]) -> dict[str, Any]:
    """Click's nested ``default_map`` for ``command`` (a click Group) and every command under it."""
    mapped: dict[str, Any] = {}
    parameters = {parameter.name for parameter in getattr(command, "params", ())}
    for key, value in settings.items():
        for name in KEYS[key][1]:
            if name in parameters:
                mapped[name] = str(value)
    for name, sub in getattr(command, "commands", {}).items():
        nested = default_map(sub, settings)
        if nested:
            mapped[name] = nested
    return mapped
