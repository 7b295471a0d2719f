"""The root Typer app and its global options; command modules register themselves on it."""

from __future__ import annotations

from typing import Annotated

import typer

from scalecalc import __version__
from scalecalc.cli._common import State

app = typer.Typer(
    name="scalecalc",
    help="Scaling-law calculator: plan compute-optimal runs, fit laws to your runs, compare published laws.",
    no_args_is_help=True, rich_markup_mode=None,
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
