"""The scalecalc command line: the only code that reads argv, prints, or exits.

Each command module registers its commands on :data:`app`; see ``_common.py`` for the shared contract.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from scalecalc import __version__
from scalecalc.cli._common import State

app = typer.Typer(
    name="scalecalc",
    help="Scaling-law calculator: plan compute-optimal runs, fit laws to your runs, compare published laws.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(f"scalecalc {__version__}")
        raise typer.Exit(0)


@app.callback()
def main_options(
    debug: Annotated[bool, typer.Option("--debug", help="Show a traceback on errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """scalecalc: answers "for this budget, what model, how many tokens, and what loss?" from published laws
    or your own fitted runs. Data goes to stdout, messages to stderr; exit codes 0 ok, 1 unexpected failure,
    2 bad usage or input, 3 infeasible request."""
    State.debug = debug


# Command modules register themselves on import, in the order `scalecalc --help` lists them: the questions
# people ask most first, then their own runs, then hardware, pictures and reference data.
from scalecalc.cli import plan as _plan  # noqa: E402, F401, I001
from scalecalc.cli import fit as _fit  # noqa: E402, F401
from scalecalc.cli import isoflop as _isoflop  # noqa: E402, F401
from scalecalc.cli import study as _study  # noqa: E402, F401
from scalecalc.cli import hardware as _hardware  # noqa: E402, F401
from scalecalc.cli import plot as _plot  # noqa: E402, F401
from scalecalc.cli import presets as _presets  # noqa: E402, F401
from scalecalc.cli import examples as _examples  # noqa: E402, F401

def main() -> None:
    """Console entry point: as ``app()``, but usage errors are one plain line on stderr (exit 2)."""
    args = sys.argv[1:] or ["--help"]  # a bare `scalecalc` shows the help and succeeds
    try:
        code = app(args, prog_name="scalecalc", standalone_mode=False)
    except typer.TyperException as error:  # click's usage errors derive from it
        context = getattr(error, "ctx", None)
        hint = f" (see '{context.command_path} --help')" if context is not None else ""
        if error.format_message():  # empty when a group was called without a command: help was shown
            print(f"error: {error.format_message()}{hint}", file=sys.stderr)
        sys.exit(error.exit_code)
    except typer.Abort:
        print("error: aborted", file=sys.stderr)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
