"""What every command shares: output options, error handling, reading quantities and stdin.

A command module defines its functions with ``@command(app)`` (which wraps them in the one error handler),
parses option text with :func:`quantities`, calls one core function, and passes the result to :func:`output`.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Annotated, Any, TypeVar

import numpy as np
import typer
from typer._click import Context
from typer._click.exceptions import BadParameter
from typer.core import TyperCommand

from scalecalc.cli._types import Choice
from scalecalc.errors import InputError, ScalecalcError
from scalecalc.render import FORMATS, Report, Table, check_field, emit
from scalecalc.units import parse_quantity, parse_quantity_list

DEBUG_VARIABLE = "SCALECALC_DEBUG"
FORMAT_VARIABLE = "SCALECALC_FORMAT"
QUIET_VARIABLE = "SCALECALC_QUIET"


def command_class(aliases: Mapping[str, str]) -> type[TyperCommand]:
    """The class of every command: an option value click refuses (a choice, a count, a fraction) is one
    ``error: --option: ...`` line and exit 2, like every other bad input; and the old spellings in ``aliases``
    (old -> new option) are read as the new ones with a one-line deprecation note on stderr, staying out of
    ``--help`` (they go in the next release)."""

    class Command(TyperCommand):
        def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
            try:
                return super().parse_args(ctx, rename_options(args, aliases))
            except BadParameter as error:
                option = max(error.param.opts, key=len) if error.param is not None else "value"
                print(f"error: {option}: {error.message}", file=sys.stderr)
                raise typer.Exit(2) from None

    return Command


def rename_options(args: list[str], aliases: Mapping[str, str]) -> list[str]:
    renamed: list[str] = []
    for index, arg in enumerate(args):
        if arg == "--":  # everything after it is an argument, not an option
            return renamed + args[index:]
        old, equals, value = arg.partition("=")
        attached = next((flag for flag in aliases if len(flag) == 2 and arg.startswith(flag) and arg != flag), None)
        if attached is not None and not arg.startswith("--"):  # a short flag with its value attached: -mcubic
            old, equals, value = attached, "=", arg[2:]
        if old in aliases:
            note(f"{old} is deprecated and goes in the next release; use {aliases[old]}")
            arg = aliases[old] + equals + value
        renamed.append(arg)
    return renamed


FormatOption = Annotated[
    str | None,
    typer.Option(
        "--format",
        click_type=Choice(FORMATS),
        help="Output format: table, json, jsonl, csv or tsv. Default: table on a terminal, tsv in a pipe "
        f"(or ${FORMAT_VARIABLE}).",
        show_default=False,
    ),
]
FieldOption = Annotated[
    list[str] | None,
    typer.Option(
        "--field",
        "-f",
        metavar="<FIELD>",
        help="Print only these fields' values (-f params or -f params,tokens), one row per line, tab-separated, "
        "no header (for $(...) and read).",
        show_default=False,
    ),
]
PresetOption = Annotated[
    str,
    typer.Option(
        "--preset",
        "-p",
        metavar="<PRESET>",
        help="Preset name (see `scalecalc presets list`) or path to a preset YAML file.",
    ),
]

# A comma list of presets, for the commands that answer under several laws side by side (compare,
# hyperparameters); map the core parameter "presets" to it with flags={"presets": "--preset"}.
PresetListOption = Annotated[
    str | None,
    typer.Option(
        "--preset",
        "-p",
        metavar="<PRESET>",
        help="Comma-separated presets or preset files (default: every shipped preset that can answer).",
        show_default=False,
    ),
]


def preset_list(text: str | None, can_answer: Callable[[Any], bool]) -> list[Any]:
    """The presets a comma list names, else every known preset for which ``can_answer(preset)`` holds."""
    from scalecalc.presets import load_all_presets, load_preset

    if text is None:
        return [preset for preset in load_all_presets() if can_answer(preset)]
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise InputError("give at least one preset name, e.g. epoch-2024,chinchilla", param="presets")
    return [load_preset(name) for name in names]


# Explicit column names for commands that read runs (aliases are tried when these are not given).
COLUMN_METAVAR = "<COLUMN>"
ParamsColOption = Annotated[
    str | None, typer.Option(metavar=COLUMN_METAVAR, help="Column holding parameters (N).", show_default=False)
]
TokensColOption = Annotated[
    str | None, typer.Option(metavar=COLUMN_METAVAR, help="Column holding training tokens (D).", show_default=False)
]
FlopsColOption = Annotated[
    str | None, typer.Option(metavar=COLUMN_METAVAR, help="Column holding training compute (C).", show_default=False)
]
LossColOption = Annotated[
    str | None, typer.Option(metavar=COLUMN_METAVAR, help="Column holding the loss.", show_default=False)
]

DOCUMENT_FORMATS = ("table", "yaml", "json")
DocumentFormatOption = Annotated[
    str | None,
    typer.Option(
        "--format",
        click_type=Choice(DOCUMENT_FORMATS),
        help="table, yaml or json (default: table on a terminal, yaml in a pipe).",
        show_default=False,
    ),
]

F = TypeVar("F", bound=Callable[..., Any])

# The running command's map of core parameter names to its options (set by @command): the core writes another
# parameter inside a message as `min_flops`, and the user reads the option they type for it.
COMMAND_FLAGS: ContextVar[Mapping[str, str] | None] = ContextVar("COMMAND_FLAGS", default=None)
_PARAMETER = re.compile(r"`([a-z][a-z0-9_]*)`")


def option_name(param: str, flags: Mapping[str, str] | None = None) -> str:
    """The option that sets the core parameter ``param`` in the running command (``--the-param`` by default)."""
    known = (COMMAND_FLAGS.get() or {}) if flags is None else flags
    return known.get(param, "--" + param.replace("_", "-"))


def with_options(text: str, flags: Mapping[str, str] | None = None) -> str:
    """``text`` with each backticked core parameter (`` `min_flops` ``) shown as its option (``--min-flops``)."""
    return _PARAMETER.sub(lambda match: option_name(match[1], flags), text)


class State:
    debug = False
    quiet = False
    config: dict[str, Any] = {}  # the config file's settings (scalecalc.cli._config), read by the root callback


def debug_enabled() -> bool:
    return State.debug or os.environ.get(DEBUG_VARIABLE, "") not in ("", "0")


def from_config(key: str, value: object) -> bool:
    """Is ``value`` the config file's setting for ``key`` (an option's default, not typed by the user)? A
    configured --mfu or --price waits for a --gpu rather than asking for one."""
    return key in State.config and str(State.config[key]) == value


def quiet_enabled() -> bool:
    """-q/--quiet or $SCALECALC_QUIET: no notes, warnings or progress on stderr (errors still show)."""
    return State.quiet or os.environ.get(QUIET_VARIABLE, "") not in ("", "0")


@contextmanager
def handle_errors(flags: Mapping[str, str] | None = None) -> Iterator[None]:
    """The one place errors become exit codes: ``error: ...`` on stderr, never a traceback unless --debug.

    An error naming a core parameter is shown with the option the user typed for it: ``flags`` maps the
    command's parameter names to its options, and a parameter not in it reads as ``--the-parameter``."""
    token = COMMAND_FLAGS.set(flags or {})
    try:
        yield
    except ScalecalcError as error:
        if debug_enabled():
            traceback.print_exc()
        print(f"error: {user_message(error, flags or {})}", file=sys.stderr)
        raise typer.Exit(error.exit_code) from None
    except BrokenPipeError:
        # The reader went away (`| head`); stop quietly like other Unix tools.
        sys.stdout = open(os.devnull, "w")  # keep interpreter shutdown from flushing again
        raise typer.Exit(0) from None
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        raise typer.Exit(130) from None
    except (typer.Exit, typer.Abort, typer.BadParameter):
        raise
    except Exception as error:  # the last line of defence, reported and mapped to exit 1
        if debug_enabled():
            traceback.print_exc()
        print(
            f"error: unexpected failure: {type(error).__name__}: {error} "
            "(run with --debug for a traceback and please report it)",
            file=sys.stderr,
        )
        raise typer.Exit(1) from None
    finally:
        COMMAND_FLAGS.reset(token)


def user_message(error: ScalecalcError, flags: Mapping[str, str]) -> str:
    """The error's message on one line, its parameter (if any) named by the command-line option that sets it."""
    message = one_line(with_options(error.message, flags))
    if error.param is None:
        return message
    return f"{option_name(error.param, flags)}: {message}"


def one_line(text: str) -> str:
    """``text`` with every character that would break the line (a column name from a file may hold any of
    Unicode's line separators) written as its escape, so that an error is one line whatever it quotes."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def command(
    app: typer.Typer,
    name: str | None = None,
    *,
    flags: Mapping[str, str] | None = None,
    aliases: Mapping[str, str] | None = None,
    **kwargs: Any,
) -> Callable[[F], F]:
    """Register ``function`` as a subcommand of ``app``, run inside :func:`handle_errors` with the command's map
    of core parameter names to its options (``flags``); ``aliases`` maps deprecated option spellings to the
    current ones."""
    kwargs["cls"] = command_class(aliases or {})

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args: Any, **inner: Any) -> Any:
            with handle_errors(flags):
                return function(*args, **inner)

        app.command(name, **kwargs)(wrapper)
        return function

    return decorate


def resolve_format(fmt: str | None) -> str:
    """--format, else $SCALECALC_FORMAT, else the config file's format, else table on a terminal, tsv in a pipe;
    a bad value is reported as coming from where it came from."""
    from_environment = os.environ.get(FORMAT_VARIABLE)
    if fmt is None and from_environment:
        if from_environment not in FORMATS:
            raise InputError(
                f"${FORMAT_VARIABLE}: unknown format {from_environment!r}; set it to one of {', '.join(FORMATS)} "
                "or unset it"
            )
        return from_environment
    chosen = fmt or State.config.get("format") or ("table" if sys.stdout.isatty() else "tsv")
    if chosen not in FORMATS:
        raise InputError(f"--format: unknown format {chosen!r}; use one of {', '.join(FORMATS)}")
    return chosen


def document_format(fmt: str | None) -> str:
    """The format of a `show` command: as given, else $SCALECALC_FORMAT when it names one, else table on a
    terminal and yaml in a pipe (a document has no rows for tsv)."""
    from_environment = os.environ.get(FORMAT_VARIABLE)
    from_config = State.config.get("format")
    chosen = fmt or (from_environment if from_environment in DOCUMENT_FORMATS else None)
    chosen = chosen or (from_config if from_config in DOCUMENT_FORMATS else None)
    chosen = chosen or ("table" if sys.stdout.isatty() else "yaml")
    if chosen not in DOCUMENT_FORMATS:
        raise InputError(f"--format: unknown format {chosen!r}; use {', '.join(DOCUMENT_FORMATS)}")
    return chosen


def print_document(document: Any, fmt: str) -> None:
    """A preset or hardware file as YAML or JSON (``fmt`` from :func:`document_format`, not table)."""
    if fmt == "json":
        from scalecalc.render import dumps

        print(dumps(document, indent=2))
        return
    import yaml

    print(yaml.safe_dump(dict(document), sort_keys=False, allow_unicode=True, width=100), end="")


def output(
    result: Table | Report,
    fmt: str | None,
    field_name: str | Sequence[str] | None,
    warnings: tuple[str, ...] = (),
    notes: tuple[str, ...] = (),
) -> None:
    """Notes and warnings to stderr, then the data to stdout in the chosen format (both checked before any
    output, so that a refused format or field prints its one error line alone)."""
    chosen = resolve_format(fmt)
    if field_name:
        check_field(result, field_name)
    for text in notes:
        note(text)
    for message in warnings:
        warn(message)
    emit(_options_in_notes(result), chosen, field_name=field_name or None)


def _options_in_notes(result: Any) -> Any:
    """A table or report whose notes (and the notes and warnings of its JSON document) name options."""
    if isinstance(result, Table):
        return dataclasses.replace(result, notes=[with_options(text) for text in result.notes])
    if isinstance(result, Report):
        return dataclasses.replace(
            result,
            document=_options_in_document(result.document),
            tables=[_options_in_notes(table) for table in result.tables],
            primary=None if result.primary is None else _options_in_notes(result.primary),
            notes=[with_options(text) for text in result.notes],
        )
    return result


def _options_in_document(value: Any, key: str = "") -> Any:
    if isinstance(value, Mapping):
        return {name: _options_in_document(item, name) for name, item in value.items()}
    if isinstance(value, list | tuple) and key in ("notes", "warnings"):
        return [with_options(item) if isinstance(item, str) else item for item in value]
    if isinstance(value, str) and key in ("notes", "warnings", "note", "warning"):
        return with_options(value)
    return value


def warn(message: str) -> None:
    if not quiet_enabled():
        print(f"warning: {with_options(message)}", file=sys.stderr)


def note(message: str) -> None:
    if not quiet_enabled():
        print(f"note: {with_options(message)}", file=sys.stderr)


def quantities(texts: list[str] | None, option: str, *, compute: bool = False) -> np.ndarray | None:
    """Values of a repeatable, comma-separated option; ``-`` reads one value per line from stdin."""
    if not texts:
        return None
    if texts == ["-"]:
        return read_stdin_quantities(option, compute=compute)
    if "-" in texts:
        raise InputError(f"{option}: '-' (read from stdin) cannot be combined with other values")
    return np.array(parse_quantity_list(texts, option, compute=compute))


def read_stdin_quantities(option: str, *, compute: bool = False) -> np.ndarray:
    from scalecalc.runs import read_stdin

    raw = [line.strip() for line in read_stdin(None, "values").splitlines()]
    lines = [line for line in raw if line and not line.startswith("#")]
    if not lines:
        raise InputError(f"{option} -: stdin held no values; give one value per line")
    try:  # the fast path for plain numbers: one vectorised conversion
        values = np.array(lines, dtype=np.float64)
        if np.all(np.isfinite(values)) and np.all(values > 0):
            return values
    except ValueError:
        pass
    numbered = [(i + 1, line) for i, line in enumerate(raw) if line and not line.startswith("#")]
    # number by the line of stdin, counting the blank and comment lines skipped above
    return np.array([parse_quantity(line, f"{option} (stdin line {n})", compute=compute) for n, line in numbered])


def single_quantity(text: str | None, option: str, *, compute: bool = False) -> float | None:
    return None if text is None else parse_quantity(text, option, compute=compute)


def check_new_file(path: str | None, *, force: bool, option: str) -> None:
    """Refuse, before any work is done, a file that ``option`` may not write: an existing one without --force,
    a dangling symbolic link, a directory, a missing directory."""
    from scalecalc._files import check_target

    if path is None:
        return
    try:
        check_target(path, replace=force)
    except InputError as error:
        raise InputError(error.message, param=option.lstrip("-").replace("-", "_")) from None


def write_new_file(path: str, text: str, *, force: bool, option: str = "--save") -> None:
    """Write ``text`` to ``path`` atomically (see scalecalc._files); an existing file is replaced only with
    ``--force``."""
    from scalecalc._files import write_atomically

    check_new_file(path, force=force, option=option)
    try:
        write_atomically(path, text.encode("utf-8"))
    except InputError as error:
        raise InputError(error.message, param=option.lstrip("-").replace("-", "_")) from None


# -- the quality gate of fits and allocation fits ------------------------------------------------------------
POOR_FIT = "poor fit: these data do not look like a scaling law"

StrictOption = Annotated[
    bool, typer.Option("--strict", help="Exit 2 when the data do not look like a scaling law (quality poor).")
]


def check_strict(strict: bool, reasons: Sequence[str]) -> None:
    """With --strict, a poor fit is an input error (exit 2) before anything is written or printed."""
    if strict and reasons:
        from scalecalc.errors import FitError

        raise FitError(f"{POOR_FIT} ({'; '.join(reasons)})", param="strict")


def quality_warnings(reasons: Sequence[str], recommends: bool) -> tuple[str, ...]:
    """One plain line on stderr when the quality gate failed (the reasons are also in the output); ``recommends``
    says whether the result holds an allocation that would otherwise read as a recommendation."""
    if not reasons:
        return ()
    allocation = "; its compute-optimal run is not a recommendation" if recommends else ""
    return (f"{POOR_FIT} ({'; '.join(reasons)}){allocation}",)

