"""`scalecalc plan`, `predict` and `compare`: questions answered from one law (or several)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import numpy as np
import typer

from scalecalc import defaults
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
from scalecalc.laws import FLOPS_PER_PARAM_TOKEN
from scalecalc.laws.base import LossLaw
from scalecalc.plan import Plan, PlanRequest, answer, plan_compute, plan_run
from scalecalc.plan.request import paired
from scalecalc.presets import load_all_presets, load_preset
from scalecalc.render import Column, Table, columns_for
from scalecalc.runs import find_column, numeric_column, read_table

# The options that set each core parameter, for the messages of `plan` and `predict` (scalecalc.plan.request).
FLAGS = {
    "compute_flops": "--flops",
    "n_params": "--params",
    "n_tokens": "--tokens",
    "loss": "--loss",
    "unique_tokens": "--unique-tokens",
    "inference_tokens": "--inference-tokens",
    "r_d_star": "--rd-star",
    "r_n_star": "--rn-star",
    "inference_mfu": "--inference-mfu",
    "inference_price": "--inference-price",
}

FlopsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--flops",
        "-c",
        metavar="<FLOPS>",
        help="Training compute in FLOPs (1e24, 3.8e25) or PF-days (6667pfd); a comma list, repeated, or - for stdin.",
        show_default=False,
    ),
]
ParamsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--params",
        "-n",
        metavar="<PARAMS>",
        help="Parameters (70B, 7e9); a comma list or repeated.",
        show_default=False,
    ),
]
TokensOption = Annotated[
    list[str] | None,
    typer.Option(
        "--tokens",
        "-d",
        metavar="<TOKENS>",
        help="Training tokens (1.4T, 2e12); a comma list or repeated.",
        show_default=False,
    ),
]
LossOption = Annotated[
    list[str] | None,
    typer.Option(
        "--loss", metavar="<LOSS>", help="Target loss (nats/token, in the preset's own convention).", show_default=False
    ),
]
# Beyond compute-optimal (scalecalc.plan; README "Beyond compute-optimal"): repeated data, inference demand.
UniqueTokensOption = Annotated[
    list[str] | None,
    typer.Option(
        "--unique-tokens",
        "-u",
        metavar="<TOKENS>",
        help="Unique tokens available (25B); more training tokens repeat them.",
        show_default=False,
    ),
]
InferenceTokensOption = Annotated[
    list[str] | None,
    typer.Option(
        "--inference-tokens",
        "-i",
        metavar="<TOKENS>",
        help="Lifetime inference tokens (2T): minimise training + inference compute.",
        show_default=False,
    ),
]
RdStarOption = Annotated[
    str | None,
    typer.Option(
        "--rd-star",
        metavar="<NUMBER>",
        help="Decay R_D* of repeated data's value (Muennighoff: 15.4).",
        show_default=False,
    ),
]
RnStarOption = Annotated[
    str | None,
    typer.Option(
        "--rn-star",
        metavar="<NUMBER>",
        help="Decay R_N* of excess parameters' value (Muennighoff: 5.3).",
        show_default=False,
    ),
]
InferenceMfuOption = Annotated[
    str | None,
    typer.Option(
        "--inference-mfu",
        metavar="<FRACTION>",
        help="Inference MFU (0.2): optimise dollars, not FLOPs.",
        show_default=False,
    ),
]
InferencePriceOption = Annotated[
    str | None,
    typer.Option(
        "--inference-price",
        metavar="<USD>",
        help="Inference price per GPU-hour (default: the training one).",
        show_default=False,
    ),
]


def plan_table(plan: Plan) -> Table:
    data: dict[str, Sequence[Any] | np.ndarray] = {"preset": [plan.preset] * len(plan), **plan.columns}
    return Table(columns_for(list(data)), data, title=f"plan ({plan.preset})", notes=plan.notes)


@command(app, flags={**FLAGS, **hw_cli.GPU_FLAGS})
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
    preset: PresetOption = defaults.PRESET,
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
    request = PlanRequest(
        compute_flops=hw_cli.budgets_for_days(hardware, quantities(flops, "--flops", compute=True)),
        n_params=quantities(params, "--params"),
        n_tokens=quantities(tokens, "--tokens"),
        loss=quantities(loss, "--loss"),
        inference_mfu=single_quantity(inference_mfu, "--inference-mfu"),
        inference_price=single_quantity(inference_price, "--inference-price"),
        unique_tokens=quantities(unique_tokens, "--unique-tokens"),
        inference_tokens=quantities(inference_tokens, "--inference-tokens"),
        r_d_star=single_quantity(rd_star, "--rd-star"),
        r_n_star=single_quantity(rn_star, "--rn-star"),
        **hw_cli.training_cost_options(hardware),
    )
    result = answer(law, request, names=FLAGS)
    table, warnings = hw_cli.with_hardware(plan_table(result), hardware, result.warnings)
    output(table, fmt, field, warnings)


@command(app, flags=FLAGS)
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
    preset: PresetOption = defaults.PRESET,
    fmt: FormatOption = None,
    field: FieldOption = None,
) -> None:
    """Predict the loss of runs from a law: one run from options, or every row of a file.

    \b
    scalecalc predict --params 7B --tokens 2T -p chinchilla
    scalecalc predict runs.csv -p my-fit.yaml     # adds predicted_loss and residual (loss - predicted)
    """
    law = load_preset(preset)
    loss_law = law.loss_law
    if loss_law is None:
        raise InputError(f"preset {law.name} publishes no loss law, so it cannot predict a loss; use e.g. epoch-2024")
    if file is not None:
        if params or tokens:
            raise InputError("give either a FILE or --params with --tokens, not both")
        explicit = {"params": params_col, "tokens": tokens_col, "flops": flops_col, "loss": loss_col}
        table = _predict_file(law.name, loss_law, file, explicit)
        output(table, fmt, field)
        return
    sizes = quantities(params, "--params")
    data = quantities(tokens, "--tokens")
    if sizes is None or data is None:
        raise InputError("give --params and --tokens (or a FILE of runs); see scalecalc predict --help")
    n, d = paired(FLAGS, ("n_params", sizes), ("n_tokens", data))
    if law.allocation is None:  # a one-variable fitted law (power, broken): a loss, but no optimum to plan
        flops = FLOPS_PER_PARAM_TOKEN * n * d
        columns = {"flops": flops, "params": n, "tokens": d, "tokens_per_param": d / n, "loss": loss_law.loss(n, d)}
        result = Plan(law.name, "params+tokens", columns)
    else:
        result = plan_run(law, n, d)
    names = ["preset", "params", "tokens", "flops", "tokens_per_param", "loss"]
    data_columns: dict[str, Sequence[Any] | np.ndarray] = {
        "preset": [law.name] * len(result),
        **{k: result.columns[k] for k in names[1:]},
    }
    output(Table(columns_for(names), data_columns, title=f"predict ({law.name})"), fmt, field, result.warnings)


def _predict_file(preset_name: str, loss_law: LossLaw, file: str, explicit: dict[str, str | None]) -> Table:
    from scalecalc.runs import read_observations

    raw = read_table(file)
    observations = read_observations(raw, explicit, need_loss=False)
    predicted = loss_law.loss(observations.n_params, observations.n_tokens)
    data: dict[str, Sequence[Any] | np.ndarray] = {name: _as_numbers(raw.cells[name]) for name in raw.header}
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
    return Table(columns_for(list(data), kinds), data, title=f"predict ({preset_name}): {file}", notes=notes)


def _as_numbers(cells: Sequence[Any]) -> np.ndarray | Sequence[Any]:
    """A column of plain numbers as floats (so JSON carries numbers, not strings); anything else as it was."""
    try:
        return np.array(cells, dtype=np.float64)
    except (TypeError, ValueError):
        return cells


@command(app, flags={"presets": "--preset", "compute_flops": "--flops"}, aliases={"--presets": "--preset"})
def compare(
    flops: FlopsOption = None,
    presets: Annotated[
        str | None,
        typer.Option(
            "--preset",
            "-p",
            metavar="<PRESET>",
            help="Comma-separated presets to compare (default: every preset).",
            show_default=False,
        ),
    ] = None,
    fmt: FormatOption = None,
    field: FieldOption = None,
) -> None:
    """One row per preset for the same budget: how far the published laws disagree.

    \b
    scalecalc compare --flops 1e24
    scalecalc compare --flops 1e22,1e24 -p epoch-2024,chinchilla,llama3-2024 --format csv
    """
    budgets = quantities(flops, "--flops", compute=True)
    if budgets is None:
        raise InputError("give --flops (see scalecalc compare --help)")
    laws = [load_preset(name.strip()) for name in presets.split(",")] if presets else load_all_presets()
    names = ["preset", "params_convention", "flops", "params", "tokens", "tokens_per_param", "loss"]
    data: dict[str, list] = {name: [] for name in names}
    extrapolated: list[str] = []
    for law in laws:
        result = plan_compute(law, budgets)
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
