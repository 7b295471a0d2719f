"""The root Typer app and its global options; command modules register themselves on it."""

# Annotations are objects, not strings (no `from __future__ import annotations`): typer reads the parameters of
# the command it runs four times (typing.get_type_hints), and evaluating strings each time cost a cold plan ~1 ms.

from typing import Annotated

import typer

from scalecalc import __version__
from scalecalc.cli._common import QUIET_VARIABLE, State, handle_errors

app = typer.Typer(
    name="scalecalc",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        try:
            print(f"scalecalc {__version__}", flush=True)
        except BrokenPipeError:  # `scalecalc --version | true`: the reader needed nothing
            from scalecalc.cli import discard_stdout

            discard_stdout()
        raise typer.Exit(0)


@app.callback()
def main_options(
    context: typer.Context,
    debug: Annotated[bool, typer.Option("--debug", help="Show a traceback on errors.")] = False,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet",
            "-q",
            help=f"No notes, warnings or progress on stderr; errors still show (or ${QUIET_VARIABLE}=1).",
        ),
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Scaling-law calculator: plan compute-optimal runs, fit laws to your runs, compare published laws.

    It answers "for this budget, what model, how many tokens, and what loss?" from published laws or your own
    fitted runs. Data goes to stdout, messages (note:, warning:, error:) to stderr.

    \b
    Exit codes:
      0  success
      1  unexpected failure (a bug: run with --debug and report it)
      2  bad usage or input (one "error:" line names the option, file, row or key)
      3  infeasible request (e.g. a loss no model reaches)

    \b
    Environment variables:
      SCALECALC_FORMAT        default --format (table, json, jsonl, csv, tsv)
      SCALECALC_PRESETS_PATH  folders of preset and hardware YAML, searched first
      SCALECALC_DEBUG         1: a traceback on errors (as --debug)
      SCALECALC_QUIET         1: no notes, warnings or progress (as --quiet)
      SCALECALC_CONFIG        the config file (scalecalc config path)
      XDG_CONFIG_HOME         where the config file is looked for (~/.config)
      NO_COLOR, TERM=dumb     plain text, no colour

    Option names mean the same in every command (e.g. -c/--flops a budget, -p/--preset a law, --level an
    interval level); see docs/vocabulary.md."""
    State.debug = debug
    State.quiet = quiet
    State.config = {}
    if context.invoked_subcommand != "config":  # `config path` and `config show` must work with a broken file
        from scalecalc.cli._config import default_map, load_config

        with handle_errors():
            State.config = load_config()
        context.default_map = default_map(context.command, State.config)
