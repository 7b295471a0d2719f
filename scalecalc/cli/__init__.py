"""The scalecalc command line: the only code that reads argv, prints, or exits.

Each command module registers its commands on the root app (``_app.py``); see ``_common.py`` for the shared
contract. A run imports only the module of the command it runs (the cold start is benchmarked);
``from scalecalc.cli import app`` gives the app with every command, as ``--help`` lists them.
"""

from __future__ import annotations

import copy
import importlib
import os
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import typer
    from typer.models import CommandInfo

# Nothing heavy is imported above this line: main() must be running, ready for Ctrl-C, before typer and numpy load.

# The module that registers each command, in the order `scalecalc --help` lists them: the questions people ask
# most first, then their own runs, then hardware, pictures and reference data.
COMMAND_MODULES = {
    "plan": "plan",
    "predict": "predict",
    "compare": "compare",
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
    "config": "config",
}


def load_commands(names: Iterable[str] | None = None) -> typer.Typer:
    """The root app with every command (when ``names`` is None), or a copy of it with only the commands ``names``."""
    from scalecalc.cli import _app

    if names is None:
        for module in dict.fromkeys(COMMAND_MODULES.values()):
            importlib.import_module(f"scalecalc.cli.{module}")
        return _app.app
    wanted = set(names)
    for module in dict.fromkeys(COMMAND_MODULES[name] for name in wanted):
        importlib.import_module(f"scalecalc.cli.{module}")
    # typer makes a click command of every registered one (signature, annotations, options) before it reads argv:
    # a run makes only its own, not the others its module registers (study.py holds sweep, simulate and suggest)
    app = copy.copy(_app.app)
    app.registered_commands = [info for info in app.registered_commands if _command_name(info) in wanted]
    app.registered_groups = [info for info in app.registered_groups if info.name in wanted]
    return app


def _command_name(info: CommandInfo) -> str:
    """The name typer gives a registered command: its own, else its function's (typer.main.get_command_from_info)."""
    from typer.main import get_command_name

    return info.name or get_command_name(getattr(info.callback, "__name__", ""))


def __getattr__(name: str) -> typer.Typer:
    if name == "app":
        return load_commands()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Console entry point: as ``app()``, but usage errors are one plain line on stderr (exit 2), Ctrl-C at any
    moment (imports included) is one line and exit 130, and a reader that goes away (`| head`) ends it quietly."""
    try:
        code = _run(sys.argv[1:] or ["--help"])  # a bare `scalecalc` shows the help and succeeds
        sys.stdout.flush()  # inside the try: a closed pipe must fail here, not at interpreter exit
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        code = 130
    except BrokenPipeError:
        discard_stdout()
        code = 0
    except SystemExit as exit_request:
        # Rich and click meet a closed pipe (help text into `| head`) by exiting 1 after quietening stdout
        if exit_request.code != 1 or not _stdout_discarded():
            raise
        code = 0
    sys.exit(code)


# The root's options, which a user may type after the command (`scalecalc plan ... -q`) and be told where they go.
ROOT_OPTIONS = ("-q", "--quiet", "--debug", "--version")


def _run(args: list[str]) -> int:
    import typer

    command = next((arg for arg in args if not arg.startswith("-")), None)
    before = args[: args.index(command)] if command else args
    root_help = "-h" in before or "--help" in before  # `scalecalc --help plan`: the root's help lists every command
    app = load_commands([command] if command in COMMAND_MODULES and not root_help else None)
    try:
        code = app(args, prog_name="scalecalc", standalone_mode=False)
    except typer.TyperException as error:  # click's usage errors derive from it
        context = getattr(error, "ctx", None)
        hint = f" (see '{context.command_path} --help')" if context is not None else ""
        misplaced = getattr(error, "option_name", None)  # click's NoSuchOption
        if misplaced in ROOT_OPTIONS and command is not None:
            hint = f" ({misplaced} is scalecalc's own option: put it first, scalecalc {misplaced} {command} ...)"
        if type(error).__name__ == "NoArgsIsHelpError":  # a group called without a command: its help, as asked
            print(error.format_message())
            return 0
        if not error.format_message():  # the same, where click has already shown the help
            return 0
        print(f"error: {error.format_message()}{hint}", file=sys.stderr)
        return error.exit_code
    except typer.Abort:
        print("error: aborted", file=sys.stderr)
        return 1
    return code if isinstance(code, int) else 0


def _stdout_discarded() -> bool:
    """Whether a closed pipe already made Rich point stdout at /dev/null, or click wrap it to ignore the flush."""
    if type(sys.stdout).__name__ == "PacifyFlushWrapper":  # click's answer to EPIPE before its sys.exit(1)
        return True
    try:
        return os.path.samestat(os.fstat(sys.stdout.fileno()), os.stat(os.devnull))
    except (OSError, ValueError, AttributeError):
        return False


def discard_stdout() -> None:
    """Point stdout at /dev/null so that interpreter shutdown does not flush into the closed pipe again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


if __name__ == "__main__":  # pragma: no cover
    main()
