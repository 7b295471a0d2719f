"""The --gpu family of `plan` options and the glue that appends hardware columns to plan rows.

Kept apart from the commands (``hardware.py``, ``memory.py``) so that importing it (from ``plan.py``) registers
no command. A command that takes these options maps the core's parameter names to them with :data:`GPU_FLAGS`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import numpy as np
import typer

from scalecalc import defaults
from scalecalc.cli._common import from_config
from scalecalc.cli._types import parse_fraction
from scalecalc.errors import InputError
from scalecalc.render import Column, Table, columns_for
from scalecalc.units import parse_quantity, parse_quantity_list

if TYPE_CHECKING:
    from scalecalc.hardware.accelerators import HardwarePlan

# scalecalc.hardware loads only when --gpu is given (cold start of `scalecalc plan`).

# The options that set the core's parameters of other names (mfu, dtype, price and days match theirs).
GPU_FLAGS = {"accelerator": "--gpu", "n_gpus": "--gpus"}

GpuOption = Annotated[
    str | None,
    typer.Option(
        "--gpu",
        metavar="<GPU>",
        help="Accelerator (h100, a100, h200, b200, gb200, mi300x, tpu-v5p, ...; see `scalecalc hardware list`) or a "
        "hardware YAML file: adds gpu_hours, days, cost, energy and memory columns.",
        show_default=False,
        rich_help_panel="Hardware",
    ),
]
GpusOption = Annotated[
    str | None,
    typer.Option(
        "--gpus",
        metavar="<COUNT>",
        help="Number of accelerators (1024, 16k): adds days.",
        show_default=False,
        rich_help_panel="Hardware",
    ),
]
MfuOption = Annotated[
    str | None,
    typer.Option(
        "--mfu",
        metavar="<FRACTION>",
        help=f"Model FLOPs utilisation in (0, 1] [default: {defaults.MFU:g}].",
        show_default=False,
        rich_help_panel="Hardware",
    ),
]
DtypeOption = Annotated[
    str | None,
    typer.Option(
        "--dtype",
        metavar="<DTYPE>",
        help=f"Dtype whose dense peak applies: bf16, fp16, fp8, tf32 [default: {defaults.DTYPE}].",
        show_default=False,
        rich_help_panel="Hardware",
    ),
]
PriceOption = Annotated[
    str | None,
    typer.Option(
        "--price",
        metavar="<USD>",
        help="USD per GPU-hour [default: the hardware file's approximate, dated price].",
        show_default=False,
        rich_help_panel="Hardware",
    ),
]
DaysOption = Annotated[
    str | None,
    typer.Option(
        "--days",
        metavar="<DAYS>",
        help="Reverse query: plan the FLOPs that --gpus deliver in this many days at --mfu (a comma list for several).",
        show_default=False,
        rich_help_panel="Hardware",
    ),
]


@dataclass(frozen=True)
class HardwareRequest:
    plan: HardwarePlan
    days: tuple[float, ...] | None = None


def _fraction(text: str, option: str) -> float:
    """A fraction written as 0.4 or 40% (a string here: the option's default may come from the config file)."""
    try:
        return parse_fraction(text)
    except ValueError:
        raise InputError(f"{option}: cannot read {text!r} as a number; give a fraction such as 0.4 or 40%") from None


def hardware_request(
    gpu: str | None,
    gpus: str | None,
    mfu: str | None,
    dtype: str | None,
    price: str | None,
    days: str | None,
) -> HardwareRequest | None:
    """Parse the --gpu family of `plan` options; None when --gpu is absent."""
    if gpu is None:
        given = [
            name
            for name, value in (
                ("--gpus", gpus),
                ("--mfu", mfu),
                ("--dtype", dtype),
                ("--price", price),
                ("--days", days),
            )
            if value is not None and not from_config(name.lstrip("-"), value)
        ]
        if given:
            verb = "needs" if len(given) == 1 else "need"
            raise InputError(f"{', '.join(given)} {verb} --gpu (an accelerator; see scalecalc hardware list)")
        return None
    # only when asked: `plan` without --gpu starts faster
    from scalecalc.hardware.accelerators import HardwarePlan, check_mfu
    from scalecalc.presets.hardware import load_accelerator

    n_gpus = None
    if gpus is not None:
        n_gpus = parse_quantity(gpus, "--gpus")
        if n_gpus != math.floor(n_gpus):
            raise InputError(f"--gpus: {gpus!r} must be a whole number of accelerators")
    plan = HardwarePlan(
        accelerator=load_accelerator(gpu),
        mfu=check_mfu(_fraction(mfu, "--mfu")) if mfu is not None else defaults.MFU,
        dtype=(dtype or defaults.DTYPE).lower(),
        n_gpus=n_gpus,
        price=parse_quantity(price.lstrip("$"), "--price") if price is not None else None,
    )
    return HardwareRequest(plan, tuple(parse_quantity_list([days], "--days")) if days is not None else None)


def training_cost_options(request: HardwareRequest | None) -> dict[str, float | None]:
    """The training side of `plan --inference-tokens`'s cost model (constrained.cost_from_options)."""
    if request is None:
        return {}
    plan = request.plan
    return {"train_mfu": plan.mfu, "train_price": plan.hourly_price, "peak_flops": plan.peak}


def budgets_for_days(request: HardwareRequest | None, budgets: np.ndarray | None) -> np.ndarray | None:
    """With --days, the FLOPs budget the cluster delivers replaces --flops (giving both is an error)."""
    if request is None or request.days is None:
        return budgets
    if budgets is not None:
        raise InputError("give --flops or --days (with --gpu and --gpus), not both")
    if request.plan.n_gpus is None:
        raise InputError("--days needs --gpus: how many accelerators run for that many days")
    return request.plan.flops_for_days(np.array(request.days))


HARDWARE_COLUMNS = {
    column.name: column
    for column in (
        Column("gpu", "text", in_table=False),
        Column("dtype", "text", in_table=False),
        Column("mfu", "number", "MFU"),
        Column("gpus", "integer", in_table=False),
        Column("gpu_hours", "count", "GPU-hours"),
        Column("days", "number"),
        Column("price_per_gpu_hour", "money", in_table=False),
        Column("cost_usd", "money", "cost"),
        Column("energy_mwh", "number", "energy MWh"),
        Column("train_state_gb", "number", "state GB", in_table=False),
        Column("state_gb_per_gpu", "number", "state GB/GPU"),
        Column("min_gpus", "integer", "min GPUs"),
    )
}


def with_hardware(
    table: Table, request: HardwareRequest | None, warnings: tuple[str, ...]
) -> tuple[Table, tuple[str, ...]]:
    """The plan table with the hardware columns of :func:`scalecalc.hardware.accelerators.hardware_columns`."""
    if request is None:
        return table, warnings
    from scalecalc.hardware.accelerators import hardware_columns

    extra = hardware_columns(table.data["flops"], table.data["params"], request.plan)
    names = [name for name in extra.columns if name not in table.data]
    data = {**table.data, **{name: extra.columns[name] for name in names}}
    notes = list(table.notes) + list(extra.notes)
    if request.days is not None:
        notes.insert(
            0,
            f"budget: {request.plan.n_gpus:g} x {request.plan.accelerator.name} for "
            f"{', '.join(f'{d:g}' for d in request.days)} days at MFU {request.plan.mfu:g} = "
            f"{', '.join(f'{c:.3g}' for c in data['flops'])} FLOPs",
        )
    where = f"{request.plan.n_gpus:g} x " if request.plan.n_gpus is not None else ""
    title = f"{table.title} on {where}{request.plan.accelerator.name}"
    columns = [*table.columns, *columns_for(names, HARDWARE_COLUMNS)]
    return Table(columns, data, title=title, notes=notes), warnings + extra.warnings
