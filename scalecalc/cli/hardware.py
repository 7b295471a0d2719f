"""`scalecalc hardware list` and `scalecalc hardware show NAME`: the accelerators scalecalc knows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

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
from scalecalc.cli._gpu_options import GPU_FLAGS
from scalecalc.render import Column, Report, Table

if TYPE_CHECKING:
    from scalecalc.presets.hardware import Accelerator

hardware_app = typer.Typer(
    help="List and show the accelerators scalecalc knows (user files: hardware/ under $SCALECALC_PRESETS_PATH).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(hardware_app, name="hardware")


def _peak(accelerator: Accelerator, dtype: str) -> float:
    return accelerator.dense_flops.get(dtype, float("nan")) / 1e12


@command(hardware_app, "list")
def list_hardware(fmt: FormatOption = None, field: FieldOption = None) -> None:
    """Every accelerator with dense peak TFLOP/s, memory, bandwidth, power and approximate price.

    \b
    scalecalc hardware list
    scalecalc hardware list --format csv
    scalecalc hardware list -f name
    """
    from scalecalc.presets.hardware import load_all_accelerators

    chips = load_all_accelerators()
    data: dict[str, list[Any]] = {
        "name": [c.name for c in chips],
        "title": [c.title for c in chips],
        "bf16_tflops": [_peak(c, "bf16") for c in chips],
        "fp8_tflops": [_peak(c, "fp8") for c in chips],
        "tf32_tflops": [_peak(c, "tf32") for c in chips],
        "memory_gb": [c.memory_bytes / 1e9 for c in chips],
        "bandwidth_tbps": [c.memory_bandwidth / 1e12 for c in chips],
        "power_w": [c.power_watts if c.power_watts is not None else float("nan") for c in chips],
        "price_per_hour": [c.price.value if c.price is not None else float("nan") for c in chips],
        "price_as_of": [c.price.as_of if c.price is not None else None for c in chips],
        "checked": [c.checked for c in chips],
        "path": [c.path for c in chips],
    }
    columns = [
        Column("name", "text"),
        Column("title", "text", in_table=False),
        Column("bf16_tflops", "number", "BF16"),  # TFLOP/s: in the title, so that the table fits 80 columns
        Column("fp8_tflops", "number", "FP8"),
        Column("tf32_tflops", "number", "TF32", in_table=False),  # rarely planned in; keeps the table in 80 columns
        Column("memory_gb", "number", "memory GB"),
        Column("bandwidth_tbps", "number", "TB/s"),
        Column("power_w", "number", "watts"),
        Column("price_per_hour", "money", "~$/hour"),
        Column("price_as_of", "text", "as of"),  # the price's date: "price as of" kept the table past 80 columns
        Column("checked", "text", in_table=False),
        Column("path", "text", in_table=False),
    ]
    notes = ["dense peaks (no 2:4 sparsity); prices are approximate on-demand figures, dated, overridden by --price"]
    output(Table(columns, data, title="hardware (BF16, FP8: dense peak TFLOP/s)", notes=notes), fmt, field)


@command(hardware_app, "show", flags=GPU_FLAGS)
def show_hardware(
    name: Annotated[str, typer.Argument(help="Accelerator name or alias, or a path to a hardware YAML file.")],
    fmt: DocumentFormatOption = None,
) -> None:
    """Every figure of one accelerator with its source.

    \b
    scalecalc hardware show h100
    scalecalc hardware show mi300x --format json
    """
    from scalecalc.presets.hardware import load_accelerator

    chip = load_accelerator(name)
    chosen = document_format(fmt)
    if chosen != "table":
        print_document(chip.document, chosen)
        return
    about = Table(
        [Column("key", "text"), Column("value", "text")],
        {
            "key": ["name", "title", "vendor", "aliases", "checked", "file"],
            "value": [chip.name, chip.title, chip.vendor, ", ".join(chip.aliases), chip.checked, chip.path],
        },
        title=chip.name,
        notes=[str(chip.document["notes"])] if "notes" in chip.document else [],
    )
    keys = list(chip.sources)
    values = []
    for key in keys:
        entry: Any = chip.document
        for part in key.split("."):
            entry = entry[part]
        values.append(float(entry["value"]))
    figures = Table(
        [Column("figure", "text"), Column("value", "exact"), Column("source", "text")],
        {"figure": keys, "value": values, "source": [chip.sources[k] for k in keys]},
        title="figures (TFLOP/s dense, GB, TB/s, W, USD per hour)",
    )
    output(Report(chip.document, [about, figures]), "table", None)
