"""The one exception hierarchy of scalecalc.

Every error a user can cause is a :class:`ScalecalcError`; each class carries the exit code the CLI uses.
Messages are plain text (no Rich markup), one line, and name the file, row, column, key or option that was
wrong and what to do about it. Only ``scalecalc.cli`` turns these into exit codes.
"""

from __future__ import annotations


class ScalecalcError(Exception):
    """Base class: an anticipated failure with a one-line message for the user."""

    exit_code = 1


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
