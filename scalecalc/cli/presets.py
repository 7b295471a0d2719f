"""`scalecalc presets list` and `scalecalc presets show NAME`."""

from __future__ import annotations

from typing import Annotated

import typer

from scalecalc.cli._app import app
from scalecalc.cli._common import (
    DocumentFormatOption,
    FieldOption,
    FormatOption,
    command,
    document_format,
    output,
    print_document,
)
from scalecalc.presets import PRESETS_PATH_VARIABLE, load_all_presets, load_preset
from scalecalc.render import Column, Report, Table

presets_app = typer.Typer(
    help=f"List and show the published laws scalecalc knows (user presets: ${PRESETS_PATH_VARIABLE}).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(presets_app, name="presets")


@command(presets_app, "list")
def list_presets(fmt: FormatOption = None, field: FieldOption = None) -> None:
    """Every preset with its form, conventions and source.

    \b
    scalecalc presets list
    scalecalc presets list -f name
    """
    presets = load_all_presets()
    columns = [
        Column("name", "text"),
        Column("title", "text"),
        Column("form", "text"),
        Column("params_convention", "text", "params counted as", in_table=False),  # in `presets show`
        Column("citation", "text", "source", in_table=False),
    ]
    data = {
        "name": [p.name for p in presets],
        "title": [p.title for p in presets],
        "form": [p.form for p in presets],
        "params_convention": [p.conventions.params for p in presets],
        "citation": [p.citation for p in presets],
    }
    output(Table(columns, data, title="presets"), fmt, field)


@command(presets_app, "show")
def show_preset(
    name: Annotated[str, typer.Argument(help="Preset name or path to a preset YAML file.")],
    fmt: DocumentFormatOption = None,
) -> None:
    """Everything about one preset: source, conventions, every constant with its source.

    \b
    scalecalc presets show epoch-2024
    scalecalc presets show kaplan-2020 --format json
    """
    preset = load_preset(name)
    chosen = document_format(fmt)
    if chosen != "table":
        print_document(preset.document, chosen)
        return
    about_rows = {
        "name": preset.name,
        "title": preset.title,
        "citation": preset.citation,
        "params": preset.conventions.params,
        "compute": preset.conventions.compute,
        "loss": preset.conventions.loss,
        "form": preset.form,
        "file": preset.path,
    }
    if preset.interval_source:  # where plan's loss_low/loss_high come from
        uncertainty = preset.document["uncertainty"]
        about_rows["uncertainty"] = f"{preset.interval_source}: {uncertainty.get('source', uncertainty.get('method'))}"
    if preset.hyperparameters is not None:
        about_rows["hyperparameters"] = preset.hyperparameters.citation
    about = Table(
        [Column("key", "text"), Column("value", "text")],
        {"key": list(about_rows), "value": list(about_rows.values())},
        title=preset.name,
        notes=[str(preset.document["notes"])] if "notes" in preset.document else [],
    )
    constants = Table(
        [Column("constant", "text"), Column("value", "exact"), Column("source", "text")],
        {
            "constant": list(preset.constants),
            "value": [c.value for c in preset.constants.values()],
            "source": [c.source for c in preset.constants.values()],
        },
        title="constants",
    )
    output(Report(preset.document, [about, constants]), "table", None)
