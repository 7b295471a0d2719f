"""`scalecalc config path` and `scalecalc config show`: the defaults people set once, and where each comes from."""

from __future__ import annotations

import os

import typer

from scalecalc import defaults
from scalecalc.cli._app import app
from scalecalc.cli._common import FORMAT_VARIABLE, FieldOption, FormatOption, State, command, output
from scalecalc.cli._config import KEYS, config_path, load_config
from scalecalc.render import Column, Table

config_app = typer.Typer(
    help="The config file: defaults for preset, gpu, mfu, price, format and level (option > environment > file > "
    "built-in).",
    no_args_is_help=True,
)
app.add_typer(config_app, name="config")

BUILT_IN = {
    "preset": defaults.PRESET,
    "gpu": "none (no GPU columns)",
    "mfu": f"{defaults.MFU:g}",
    "price": "the GPU file's price",
    "format": "table on a terminal, tsv in a pipe",
    "level": "each command's own (fit, isoflop: 0.95; simulate: 0.9)",
}


@command(config_app, "path")
def path_command() -> None:
    """The config file's path (it need not exist yet): $SCALECALC_CONFIG, else $XDG_CONFIG_HOME/scalecalc/config.toml,
    else ~/.config/scalecalc/config.toml.

    \b
    scalecalc config path
    printf 'preset = "chinchilla"\\ngpu = "h100"\\n' > "$(scalecalc config path)"
    """
    print(config_path())


@command(config_app, "show")
def show_command(fmt: FormatOption = None, field: FieldOption = None) -> None:
    """Each setting's value and where it comes from: the environment, the config file, or built in. An option on
    the command line beats all three.

    \b
    scalecalc config show
    scalecalc config show --format json
    """
    path = config_path()
    State.config = settings = load_config(path)
    rows: list[tuple[str, str, str]] = []
    for key in KEYS:
        environment = os.environ.get(FORMAT_VARIABLE) if key == "format" else None
        if environment:
            rows.append((key, environment, f"${FORMAT_VARIABLE}"))
        elif key in settings:
            rows.append((key, str(settings[key]), "config file"))  # its path is in the title
        else:
            rows.append((key, BUILT_IN[key], "built-in"))
    columns = [Column("key", "text"), Column("value", "text"), Column("source", "text")]
    data = {name: [row[index] for row in rows] for index, name in enumerate(("key", "value", "source"))}
    output(Table(columns, data, title=f"config ({path})"), fmt, field)
