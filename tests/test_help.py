"""Every command and sub-command of the app has help text; every command's help shows an example.

The walk is over the Typer app itself, so a command added later is checked without touching this file.
"""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from scalecalc.cli import app
from tests.conftest import invoke


def _walk(command, path: tuple[str, ...] = ()):
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from _walk(sub, (*path, name))


ALL = list(_walk(typer.main.get_command(app)))
GROUPS = [(path, command) for path, command in ALL if hasattr(command, "commands")]
LEAVES = [(path, command) for path, command in ALL if not hasattr(command, "commands")]


def _id(entry) -> str:
    return " ".join(entry[0]) or "scalecalc"


def test_the_walk_finds_the_foundation_commands() -> None:
    paths = {" ".join(path) for path, _ in ALL}
    assert {"plan", "predict", "compare", "presets", "presets list", "presets show"} <= paths


@pytest.mark.parametrize("entry", ALL, ids=_id)
def test_help_exits_0_and_has_text(runner: CliRunner, entry) -> None:
    path, command = entry
    result = invoke(runner, [*path, "--help"])
    assert result.exit_code == 0, result.stderr
    assert "Usage:" in result.stdout
    assert (command.help or "").strip(), f"`scalecalc {' '.join(path)}` has no help text"
    assert result.stderr == ""


@pytest.mark.parametrize("entry", LEAVES, ids=_id)
def test_every_command_shows_an_example(runner: CliRunner, entry) -> None:
    path, command = entry
    example = "scalecalc " + " ".join(path)
    assert example in (command.help or ""), f"the help of `{example}` has no example line starting `{example}`"
    # the example survives to the rendered --help (\b blocks keep their line breaks)
    assert example in invoke(runner, [*path, "--help"]).stdout


@pytest.mark.parametrize("entry", LEAVES, ids=_id)
def test_every_option_is_described(entry) -> None:
    path, command = entry
    for parameter in command.params:
        if parameter.param_type_name == "option" and parameter.name != "help":
            assert (parameter.help or "").strip(), f"`scalecalc {' '.join(path)}` option {parameter.opts} has no help"


@pytest.mark.parametrize("entry", GROUPS, ids=_id)
def test_groups_list_their_commands(runner: CliRunner, entry) -> None:
    path, command = entry
    text = invoke(runner, [*path, "--help"]).stdout
    for name in command.commands:
        assert name in text


def test_the_root_help_names_every_environment_variable_the_code_reads(runner: CliRunner) -> None:
    # read from the source, so that a new variable cannot go unlisted; and at 80 columns, every line fits
    import re

    from tests.conftest import ROOT

    source = "".join(path.read_text(encoding="utf-8") for path in (ROOT / "scalecalc").rglob("*.py"))
    names = set(re.findall(r'_VARIABLE = "([A-Z_]+)"', source)) | set(re.findall(r'environ\.get\("([A-Z_]+)"', source))
    assert {"SCALECALC_QUIET", "SCALECALC_CONFIG", "NO_COLOR"} <= names  # the scan finds them
    text = runner.invoke(app, ["--help"], env={"COLUMNS": "80"}).stdout
    listed = text[text.index("Environment variables:") : text.index("Options:")]
    assert {name for name in names if name not in listed} == set()
    assert max(len(line) for line in text.splitlines()) <= 80
