"""The one exception hierarchy of scalecalc.

Every error a user can cause is a :class:`ScalecalcError`; each class carries the exit code the CLI uses.
Messages are plain text (no Rich markup), one line, and say what was wrong and what to do about it. The core
names the *parameter* at fault (``param="compute_flops"``), never a command-line flag: only ``scalecalc.cli``
knows which option the user typed for it, and it alone turns errors into exit codes.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(value: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when ``value`` is close to one of the ``known`` names, else an empty string: the
    tail of an "unknown name" message."""
    close = difflib.get_close_matches(value.strip().lower(), [name.lower() for name in known], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class ScalecalcError(Exception):
    """Base class: an anticipated failure with a one-line message for the user.

    ``param`` names the parameter (or input) at fault, when there is one; ``str(error)`` then reads
    ``"<param>: <message>"``, and the CLI shows the option the user typed in place of the parameter.
    """

    exit_code = 1

    def __init__(self, message: str, *, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param

    def __str__(self) -> str:
        return f"{self.param}: {self.message}" if self.param else self.message


class InputError(ScalecalcError):
    """Bad usage or bad input: an unparsable option value, a malformed file, a missing column."""

    exit_code = 2


class PresetError(InputError):
    """A preset that cannot be found or does not follow the preset schema."""


class FitError(InputError):
    """Data that cannot identify the requested law (too few points, one size only, ...)."""


class InfeasiblePlanError(ScalecalcError):
    """A well-formed request that no allocation can satisfy (a loss at or below the law's floor, ...)."""

    exit_code = 3
