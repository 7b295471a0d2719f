"""`scalecalc examples`: the published data that ships with scalecalc, to try every command on."""

from __future__ import annotations

from typing import Annotated

import typer

from scalecalc.cli._app import app
from scalecalc.cli._common import FieldOption, FormatOption, command, output
from scalecalc.presets.examples import find_example, list_examples
from scalecalc.render import Column, Table

examples_app = typer.Typer(
    help="Example data shipped with scalecalc (provenance in its SOURCES.md).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(examples_app, name="examples")


@command(examples_app, "list")
def list_command(fmt: FormatOption = None, field: FieldOption = None) -> None:
    """Every example file with its description and installed path.

    \b
    scalecalc examples list
    scalecalc examples list -f path
    """
    examples = list_examples()
    columns = [Column("name", "text"), Column("description", "text"), Column("path", "text")]
    data = {
        "name": [e.name for e in examples],
        "description": [e.description for e in examples],
        "path": [str(e.path) for e in examples],
    }
    output(Table(columns, data, title="examples"), fmt, field)


@command(examples_app, "path")
def path_command(name: Annotated[str, typer.Argument(help="Example name, e.g. llama3-isoflops.")]) -> None:
    """The path of one example file, for use in other commands.

    \b
    scalecalc isoflop "$(scalecalc examples path llama3-isoflops)"
    """
    print(find_example(name).path)
