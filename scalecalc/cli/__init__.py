"""The scalecalc command line: the only code that reads argv, prints, or exits.

Each command module registers its commands on the root app (``_app.py``); see ``_common.py`` for the shared
contract. A run imports only the module of the command it runs (the cold start is benchmarked);
``from scalecalc.cli import app`` gives the app with every command, as ``--help`` lists them.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable

import typer

from scalecalc.cli import _app

# The module that registers each command, in the order `scalecalc --help` lists them: the questions people ask
# most first, then their own runs, then hardware, pictures and reference data.
COMMAND_MODULES = {
    "plan": "plan",
    "predict": "plan",
    "compare": "plan",
    "hyperparameters": "hyperparameters",
    "fit": "fit",
    "isoflop": "isoflop",
    "envelope": "isoflop",
    "sweep": "study",
    "simulate": "study",
    "suggest": "study",
    "arch": "arch",
    "memory": "memory",
    "hardware": "hardware",
    "plot": "plot",
    "presets": "presets",
    "examples": "examples",
}


def load_commands(names: Iterable[str] | None = None) -> typer.Typer:
    """The root app with the commands ``names`` registered (every command when None)."""
    wanted = COMMAND_MODULES.values() if names is None else (COMMAND_MODULES[name] for name in names)
    for module in dict.fromkeys(wanted):
        importlib.import_module(f"scalecalc.cli.{module}")
    return _app.app


def __getattr__(name: str) -> typer.Typer:
    if name == "app":
        return load_commands()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Console entry point: as ``app()``, but usage errors are one plain line on stderr (exit 2)."""
    args = sys.argv[1:] or ["--help"]  # a bare `scalecalc` shows the help and succeeds
    command = next((arg for arg in args if not arg.startswith("-")), None)
    app = load_commands([command] if command in COMMAND_MODULES else None)
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
    main()
