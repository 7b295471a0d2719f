"""`scalecalc plan`, `predict` and `compare`: questions answered from one law (or several)."""

from __future__ import annotations

from typing import Annotated

import numpy as np
import typer

from scalecalc import constrained
from scalecalc import plan as planner
from scalecalc.cli import _gpu_options as hw_cli
from scalecalc.cli._app import app
from scalecalc.cli._common import (
    FieldOption,
    FlopsColOption,
    FormatOption,
    LossColOption,
    ParamsColOption,
    PresetOption,
    TokensColOption,
    command,
    output,
    quantities,
    single_quantity,
)
from scalecalc.errors import InputError
from scalecalc.io import find_column, numeric_column, read_table
from scalecalc.presets import Preset, load_all_presets, load_preset
from scalecalc.render import Column, Table, columns_for

DEFAULT_PRESET = "epoch-2024"

FlopsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--flops",
        "-c",
        help="Training compute in FLOPs (1e24, 3.8e25) or PF-days (6667pfd); a comma list, repeated, or - for stdin.",
        show_default=False,
    ),
]
ParamsOption = Annotated[
    list[str] | None,
    typer.Option("--params", "-n", help="Parameters (70B, 7e9); a comma list or repeated.", show_default=False),
]
TokensOption = Annotated[
    list[str] | None,
    typer.Option("--tokens", "-d", help="Training tokens (1.4T, 2e12); a comma list or repeated.", show_default=False),
]
LossOption = Annotated[
    list[str] | None,
    typer.Option("--loss", help="Target loss (nats/token, in the preset's own convention).", show_default=False),
]
# Beyond compute-optimal (scalecalc.constrained; README "Beyond compute-optimal"): repeated data, inference demand.
UniqueTokensOption = Annotated[
    list[str] | None,
    typer.Option(
        "--unique-tokens",
        "-u",
        help="Unique tokens available (25B); more training tokens repeat them.",
        show_default=False,
    ),
]
InferenceTokensOption = Annotated[
    list[str] | None,
    typer.Option(
        "--inference-tokens",
        "-i",
        help="Lifetime inference tokens (2T): minimise training + inference compute.",
        show_default=False,
    ),
]
RdStarOption = Annotated[
    str | None,
    typer.Option("--rd-star", help="Decay R_D* of repeated data's value (Muennighoff: 15.4).", show_default=False),
]
RnStarOption = Annotated[
    str | None,
    typer.Option("--rn-star", help="Decay R_N* of excess parameters' value (Muennighoff: 5.3).", show_default=False),
]
InferenceMfuOption = Annotated[
    str | None,
    typer.Option("--inference-mfu", help="Inference MFU (0.2): optimise dollars, not FLOPs.", show_default=False),
]
InferencePriceOption = Annotated[
    str | None,
    typer.Option(
        "--inference-price", help="Inference price per GPU-hour (default: the training one).", show_default=False
    ),
]


def plan_table(plan: planner.Plan) -> Table:
    data = {"preset": [plan.preset] * len(plan), **plan.columns}
    return Table(columns_for(list(data)), data, title=f"plan ({plan.preset})", notes=plan.notes)


@command(app, flags=hw_cli.GPU_FLAGS)
def plan(
    flops: FlopsOption = None,
    params: ParamsOption = None,
    tokens: TokensOption = None,
    loss: LossOption = None,
    unique_tokens: UniqueTokensOption = None,
    inference_tokens: InferenceTokensOption = None,
    rd_star: RdStarOption = None,
    rn_star: RnStarOption = None,
    inference_mfu: InferenceMfuOption = None,
    inference_price: InferencePriceOption = None,
    gpu: hw_cli.GpuOption = None,
    gpus: hw_cli.GpusOption = None,
    mfu: hw_cli.MfuOption = None,
    dtype: hw_cli.DtypeOption = None,
    price: hw_cli.PriceOption = None,
    days: hw_cli.DaysOption = None,
    preset: PresetOption = DEFAULT_PRESET,
    fmt: FormatOption = None,
    field: FieldOption = None,
) -> None:
    """Compute-optimal parameters and tokens for a budget, and the questions around it.

    \b
    scalecalc plan --flops 1e24                  # model size, tokens and loss for a budget
    scalecalc plan --flops 1e22,1e23,1e24 -p chinchilla
    seq 20 26 | sed 's/^/1e/' | scalecalc plan --flops -
    scalecalc plan --params 70B                  # the budget and tokens for which 70B is optimal
    scalecalc plan --tokens 15T
    scalecalc plan --flops 1e24 --params 20B     # a smaller model on the same budget: the overhead
    scalecalc plan --params 7B --tokens 2T       # a given run: compute, loss, overhead
    scalecalc plan --loss 2.0                    # the least compute that reaches a loss
    scalecalc plan --loss 2.0 --params 20B       # tokens a smaller model needs, and its overhead
    scalecalc plan --flops 1e22 -u 25B -p muennighoff-2023   # only 25B unique tokens
    scalecalc plan --flops 1e23 -i 2T             # to serve 2T tokens
    scalecalc plan --loss 2.1 --inference-tokens 10T --unique-tokens 1T
    N=$(scalecalc plan --flops 1e24 -f params)
    scalecalc plan --flops 1e24 --gpu h100 --gpus 1024 --mfu 0.4 --price 2.5   # GPU-hours, days, $, MWh
    scalecalc plan --gpu h100 --gpus 1024 --days 30                           # the budget 30 days buy
    """
    law = load_preset(preset)
    hardware = hw_cli.hardware_request(gpu, gpus, mfu, dtype, price, days)
    budgets = hw_cli.budgets_for_days(hardware, quantities(flops, "--flops", compute=True))
    sizes = quantities(params, "--params")
    data = quantities(tokens, "--tokens")
    targets = quantities(loss, "--loss")
    given = {
        name
        for name, value in (("flops", budgets), ("params", sizes), ("tokens", data), ("loss", targets))
        if value is not None
    }
    extra = (unique_tokens, inference_tokens, rd_star, rn_star, inference_mfu, inference_price)
    beyond = _beyond_compute_optimal(law, budgets, sizes, data, targets, *extra, hardware=hardware)
    if beyond is not None:
        result = beyond
    elif given == {"flops"}:
        result = planner.plan_compute(law, budgets)
    elif given == {"params"}:
        result = planner.plan_params(law, sizes)
    elif given == {"tokens"}:
        result = planner.plan_tokens(law, data)
    elif given == {"loss"}:
        result = planner.plan_loss(law, targets)
    elif given == {"flops", "params"}:
        result = planner.plan_fixed_size(law, *_paired(budgets, sizes, "--flops", "--params"))
    elif given == {"params", "tokens"}:
        result = planner.plan_run(law, *_paired(sizes, data, "--params", "--tokens"))
    else:
        raise InputError(
            "give one of --flops, --params, --tokens or --loss, or the pairs --flops with --params, or "
            "--params with --tokens (see scalecalc plan --help)"
        )
    table, warnings = hw_cli.with_hardware(plan_table(result), hardware, result.warnings)
    output(table, fmt, field, warnings)


def _beyond_compute_optimal(
    law: Preset,
    budgets: np.ndarray | None,
    sizes: np.ndarray | None,
    data: np.ndarray | None,
    targets: np.ndarray | None,
    unique: list[str] | None,
    inference: list[str] | None,
    rd_star: str | None,
    rn_star: str | None,
    mfu: str | None,
    price: str | None,
    hardware: hw_cli.HardwareRequest | None = None,
) -> planner.Plan | None:
    """Repeated data, inference demand, or --loss with --params (scalecalc.constrained); None if not asked.
    With --gpu, the training side of the inference cost comes from --gpu/--mfu/--price."""
    cost = None
    if mfu is not None or price is not None or (hardware is not None and inference):
        cost = constrained.cost_from_options(
            inference_mfu=single_quantity(mfu, "--inference-mfu"),
            inference_price=single_quantity(price, "--inference-price"),
            **hw_cli.training_cost_options(hardware),
        )
    return constrained.plan_beyond_compute_optimal(
        law,
        compute_flops=budgets,
        n_params=sizes,
        n_tokens=data,
        loss=targets,
        unique_tokens=quantities(unique, "--unique-tokens"),
        inference_tokens=quantities(inference, "--inference-tokens"),
        r_d_star=single_quantity(rd_star, "--rd-star"),
        r_n_star=single_quantity(rn_star, "--rn-star"),
        cost=cost,
    )


def _paired(first: np.ndarray, second: np.ndarray, first_name: str, second_name: str) -> tuple[np.ndarray, np.ndarray]:
    if len(first) != len(second) and 1 not in (len(first), len(second)):
        raise InputError(
            f"{first_name} has {len(first)} values and {second_name} {len(second)}; give equal counts or one of either"
        )
    return first, second


@command(app)
def predict(
    file: Annotated[
        str | None, typer.Argument(help="Runs to predict (CSV, TSV, JSON, JSONL; - for stdin).", show_default=False)
    ] = None,
    params: ParamsOption = None,
    tokens: TokensOption = None,
    params_col: ParamsColOption = None,
    tokens_col: TokensColOption = None,
    flops_col: FlopsColOption = None,
    loss_col: LossColOption = None,
    preset: PresetOption = DEFAULT_PRESET,
    fmt: FormatOption = None,
    field: FieldOption = None,
) -> None:
    """Predict the loss of runs from a law: one run from options, or every row of a file.

    \b
    scalecalc predict --params 7B --tokens 2T -p chinchilla
    scalecalc predict runs.csv -p my-fit.yaml     # adds predicted_loss and residual (loss - predicted)
    """
    law = load_preset(preset)
    if law.loss_law is None:
        raise InputError(f"preset {law.name} publishes no loss law, so it cannot predict a loss; use e.g. epoch-2024")
    if file is not None:
        if params or tokens:
            raise InputError("give either a FILE or --params with --tokens, not both")
        table = _predict_file(
            law, file, {"params": params_col, "tokens": tokens_col, "flops": flops_col, "loss": loss_col}
        )
        output(table, fmt, field)
        return
    sizes = quantities(params, "--params")
    data = quantities(tokens, "--tokens")
    if sizes is None or data is None:
        raise InputError("give --params and --tokens (or a FILE of runs); see scalecalc predict --help")
    if law.allocation is None:  # a one-variable fitted law (power, broken): a loss, but no optimum to plan
        n, d = np.broadcast_arrays(*_paired(sizes, data, "--params", "--tokens"))
        flops = planner.FLOPS_PER_PARAM_TOKEN * n * d
        columns = {"flops": flops, "params": n, "tokens": d, "tokens_per_param": d / n, "loss": law.loss_law.loss(n, d)}
        result = planner.Plan(law.name, "params+tokens", columns)
    else:
        result = planner.plan_run(law, *_paired(sizes, data, "--params", "--tokens"))
    names = ["preset", "params", "tokens", "flops", "tokens_per_param", "loss"]
    data_columns = {"preset": [law.name] * len(result), **{k: result.columns[k] for k in names[1:]}}
    output(Table(columns_for(names), data_columns, title=f"predict ({law.name})"), fmt, field, result.warnings)


def _predict_file(law, file: str, explicit: dict[str, str | None]) -> Table:
    from scalecalc.io import read_observations

    raw = read_table(file)
    observations = read_observations(raw, explicit, need_loss=False)
    predicted = law.loss_law.loss(observations.n_params, observations.n_tokens)
    data: dict[str, object] = {name: _as_numbers(raw.cells[name]) for name in raw.header}
    kinds = {name: Column(name, "exact" if isinstance(data[name], np.ndarray) else "text") for name in raw.header}
    data["predicted_loss"] = predicted
    notes = []
    if observations.derived:
        notes.append(f"{', '.join(observations.derived)} derived from C = 6ND")
    loss_column = find_column(raw, "loss", explicit.get("loss"))
    if loss_column is not None:
        residual = numeric_column(raw, loss_column) - predicted
        data["residual"] = residual
        notes.append(
            f"{len(residual)} runs: mean residual {np.mean(residual):+.4f}, RMS {np.sqrt(np.mean(residual**2)):.4f} "
            "(observed - predicted)"
        )
    return Table(columns_for(list(data), kinds), data, title=f"predict ({law.name}): {file}", notes=notes)


def _as_numbers(cells: list) -> np.ndarray | list:
    """A column of plain numbers as floats (so JSON carries numbers, not strings); anything else as it was."""
    try:
        return np.array(cells, dtype=np.float64)
    except (TypeError, ValueError):
        return cells


@command(app)
def compare(
    flops: FlopsOption = None,
    presets: Annotated[
        str | None,
        typer.Option(
            "--presets", help="Comma-separated presets to compare (default: every preset).", show_default=False
        ),
    ] = None,
    fmt: FormatOption = None,
    field: FieldOption = None,
) -> None:
    """One row per preset for the same budget: how far the published laws disagree.

    \b
    scalecalc compare --flops 1e24
    scalecalc compare --flops 1e22,1e24 --presets epoch-2024,chinchilla,llama3-2024 --format csv
    """
    budgets = quantities(flops, "--flops", compute=True)
    if budgets is None:
        raise InputError("give --flops (see scalecalc compare --help)")
    laws = [load_preset(name.strip()) for name in presets.split(",")] if presets else load_all_presets()
    names = ["preset", "params_convention", "flops", "params", "tokens", "tokens_per_param", "loss"]
    data: dict[str, list] = {name: [] for name in names}
    extrapolated: list[str] = []
    for law in laws:
        result = planner.plan_compute(law, budgets)
        data["preset"] += [law.name] * len(result)
        data["params_convention"] += [law.conventions.params] * len(result)
        for name in names[2:]:
            data[name] += result.columns[name].tolist()
        if result.warnings:
            extrapolated.append(law.name)
    ratios = np.array(data["tokens_per_param"])
    notes = [
        "params follow each preset's own convention (params_convention); losses are on different corpora and "
        "tokenizers and are not comparable across presets",
    ]
    total = np.array(data["params_convention"]) == "total"
    for budget in budgets:
        at_budget = np.array(data["flops"]) == budget
        for label, rows in (("", at_budget), (" among presets counting total parameters", at_budget & total)):
            if rows.sum() >= 2:
                low, high = ratios[rows].min(), ratios[rows].max()
                notes.append(
                    f"at {budget:.3g} FLOPs tokens per parameter range from {low:.3g} to {high:.3g} "
                    f"({high / low:.1f}x){label}"
                )
    kinds = {"params_convention": Column("params_convention", "text", "params counted as")}
    table = Table(columns_for(names, kinds), data, title="compare", notes=notes)
    warnings: tuple[str, ...] = ()
    if extrapolated:  # through output(), which checks --format and --field before printing anything
        warnings = (
            f"beyond ten times the range they were fitted on for: {', '.join(extrapolated)}; "
            "treat those rows as extrapolations",
        )
    output(table, fmt, field, warnings)
