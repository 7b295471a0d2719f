"""`scalecalc plan`, `predict` and `compare`: questions answered from one law (or several)."""

# Annotations are objects, not strings (no `from __future__ import annotations`): typer reads the parameters of
# the command it runs four times (typing.get_type_hints), and evaluating strings each time cost a cold plan ~1 ms.

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
    PresetListOption,
    PresetOption,
    TokensColOption,
    command,
    note,
    output,
    preset_list,
    quantities,
    single_quantity,
)
from scalecalc.cli._types import Fraction
from scalecalc.errors import InputError
from scalecalc.laws import FLOPS_PER_PARAM_TOKEN
from scalecalc.laws.base import LossLaw
from scalecalc.plan import Plan, PlanRequest, answer, plan_compute
from scalecalc.plan.frontier import check_representable, extrapolated
from scalecalc.plan.intervals import interval_note, loss_interval
from scalecalc.plan.request import paired
from scalecalc.presets import Preset, load_preset
from scalecalc.render import Column, Table, columns_for
from scalecalc.render.machine import field_names

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
    "hyperparameters": "--hparams",
    "seq_len": "--seq-len",
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
    float | None,
    typer.Option(
        "--inference-mfu",
        click_type=Fraction(),
        help="Inference MFU (0.2 or 20%): optimise dollars, not FLOPs.",
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

# Hyperparameter laws (scalecalc.plan.hyperparameters): batch size, learning rate, steps.
HparamsOption = Annotated[
    str | None,
    typer.Option(
        "--hparams",
        help="Preset whose batch-size and learning-rate laws add columns (deepseek-2024, steplaw-2025; default: "
        "the --preset's own, if it has them).",
        show_default=False,
    ),
]
SeqLenOption = Annotated[
    str | None,
    typer.Option(
        "--seq-len", help="Sequence length in tokens (4096): the batch size in sequences.", show_default=False
    ),
]


def plan_table(plan: Plan, law: Preset) -> Table:
    data: dict[str, Sequence[Any] | np.ndarray] = {"preset": [plan.preset] * len(plan), **plan.columns}
    data["extrapolated"] = extrapolated(law, plan.columns["flops"], plan.columns["params"])
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
    hparams: HparamsOption = None,
    seq_len: SeqLenOption = None,
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
    scalecalc plan --flops 1e23 --hparams deepseek-2024 --seq-len 4096        # batch size, learning rate, steps
    scalecalc plan --params 7B --tokens 2T -u 500B -p muennighoff-2023        # a run that repeats its data
    """
    law = load_preset(preset)
    hyperparameters = load_preset(hparams) if hparams is not None else None
    if hyperparameters is None and law.hyperparameters is not None:
        hyperparameters = law
    hardware = hw_cli.hardware_request(gpu, gpus, mfu, dtype, price, days)
    request = PlanRequest(
        compute_flops=hw_cli.budgets_for_days(hardware, quantities(flops, "--flops", compute=True)),
        n_params=quantities(params, "--params"),
        n_tokens=quantities(tokens, "--tokens"),
        loss=quantities(loss, "--loss"),
        inference_mfu=inference_mfu,
        inference_price=single_quantity(inference_price, "--inference-price"),
        unique_tokens=quantities(unique_tokens, "--unique-tokens"),
        inference_tokens=quantities(inference_tokens, "--inference-tokens"),
        r_d_star=single_quantity(rd_star, "--rd-star"),
        r_n_star=single_quantity(rn_star, "--rn-star"),
        hyperparameters=hyperparameters,
        seq_len=single_quantity(seq_len, "--seq-len"),
        **hw_cli.training_cost_options(hardware),
    )
    result = answer(law, request, names=FLAGS)
    table, warnings = hw_cli.with_hardware(plan_table(result, law), hardware, result.warnings)
    output(table, fmt, field, warnings)


@command(app, flags=FLAGS)
def predict(
    file: Annotated[
        str | None, typer.Argument(help="Runs to predict (CSV, TSV, JSON, JSONL; - for stdin).", show_default=False)
    ] = None,
    params: ParamsOption = None,
    tokens: TokensOption = None,
    unique_tokens: UniqueTokensOption = None,
    rd_star: RdStarOption = None,
    rn_star: RnStarOption = None,
    params_col: ParamsColOption = None,
    tokens_col: TokensColOption = None,
    flops_col: FlopsColOption = None,
    loss_col: LossColOption = None,
    preset: PresetOption = defaults.PRESET,
    then: Annotated[
        str | None,
        typer.Option(
            "--then",
            help="A sigmoid preset (fit --form sigmoid --save) of a metric against the task loss -p predicts: "
            "forecast the metric, with an interval from both presets' bootstrap draws.",
            show_default=False,
        ),
    ] = None,
    fmt: FormatOption = None,
    field: FieldOption = None,
) -> None:
    """Predict the loss of runs from a law: one run from options, or every row of a file.

    \b
    scalecalc predict --params 7B --tokens 2T -p chinchilla
    scalecalc predict runs.csv -p my-fit.yaml     # adds predicted_loss and residual (loss - predicted)
    scalecalc predict --params 6.34B --tokens 242B --unique-tokens 25B -p muennighoff-2023   # repeated data
    scalecalc predict --params 7B --tokens 4T -p task-loss.yaml --then accuracy.yaml
    """
    law = load_preset(preset)
    loss_law = law.loss_law
    if loss_law is None:
        raise InputError(f"preset {law.name} publishes no loss law, so it cannot predict a loss; use e.g. epoch-2024")
    if file is not None:
        if params or tokens or unique_tokens:
            raise InputError("give either a FILE or --params with --tokens, not both")
        if then is not None:
            raise InputError("--then forecasts runs given by --params and --tokens, not a FILE")
        explicit = {"params": params_col, "tokens": tokens_col, "flops": flops_col, "loss": loss_col}
        table = _predict_file(law, loss_law, file, explicit)
        output(table, fmt, field)
        return
    sizes = quantities(params, "--params")
    data = quantities(tokens, "--tokens")
    if sizes is None or data is None:
        raise InputError("give --params and --tokens (or a FILE of runs); see scalecalc predict --help")
    n, d = paired(FLAGS, ("n_params", sizes), ("n_tokens", data))
    if then is not None:
        forecast, warnings = _forecast_table(law, load_preset(then), n, d)
        output(forecast, fmt, field, warnings)
        return
    if law.allocation is None:  # a one-variable fitted law (power, broken): a loss, but no optimum to plan
        if unique_tokens:
            raise InputError(f"--unique-tokens needs a Chinchilla-form loss law; preset {law.name} has {loss_law.form}")
        with np.errstate(all="ignore"):  # under- and overflow are refused by check_representable
            flops = FLOPS_PER_PARAM_TOKEN * n * d
            loss = loss_law.loss(n, d)
        columns = {"flops": flops, "params": n, "tokens": d, "tokens_per_param": d / n, "loss": loss}
        result = check_representable(Plan(law.name, "params+tokens", columns), "n_params")
    else:
        request = PlanRequest(
            n_params=n,
            n_tokens=d,
            unique_tokens=quantities(unique_tokens, "--unique-tokens"),
            r_d_star=single_quantity(rd_star, "--rd-star"),
            r_n_star=single_quantity(rn_star, "--rn-star"),
        )
        result = answer(law, request, names=FLAGS)
    # the loss and its interval are named as with a FILE of runs (predicted_loss, _low, _high)
    renamed = {"loss": "predicted_loss", "loss_low": "predicted_loss_low", "loss_high": "predicted_loss_high"}
    names = ["params", "tokens", "flops", "tokens_per_param", "loss", *PREDICT_EXTRAS]
    names = [name for name in names if name in result.columns]
    data_columns: dict[str, Sequence[Any] | np.ndarray] = {
        "preset": [law.name] * len(result),
        **{renamed.get(k, k): result.columns[k] for k in names},
        "extrapolated": extrapolated(law, result.columns["flops"], result.columns["params"]),
    }
    notes = [note for note in result.notes if not note.startswith("compute_overhead")]
    table = Table(columns_for(list(data_columns)), data_columns, title=f"predict ({law.name})", notes=notes)
    output(table, fmt, _renamed_field(field), result.warnings)


def _renamed_field(fields: list[str] | None) -> list[str] | None:
    """`-f loss` still answers, for one release: until 0.x the one-run mode named predicted_loss `loss`."""
    names = field_names(fields) if fields else []
    if "loss" not in names:
        return fields
    note("predict's field 'loss' is now 'predicted_loss' (as with a FILE of runs); '-f loss' goes in a later release")
    return ["predicted_loss" if name == "loss" else name for name in names]


# What predict shows beyond the run and its loss, where the question gives them: the loss interval, and the
# repeated-data columns (Muennighoff et al. 2023).
PREDICT_EXTRAS = (
    "loss_low",
    "loss_high",
    "interval_source",
    "unique_tokens",
    "epochs",
    "effective_tokens",
    "effective_params",
    "repetition_loss_penalty",
)


def _forecast_table(law: Preset, metric: Preset, n: np.ndarray, d: np.ndarray) -> tuple[Table, tuple[str, ...]]:
    from scalecalc.plan.task import forecast_metric

    result = forecast_metric(law, metric, n, d)
    data: dict[str, Sequence[Any] | np.ndarray] = {
        "params": n,
        "tokens": d,
        "flops": FLOPS_PER_PARAM_TOKEN * n * d,
        "task_loss": result.task_loss,
        "task_loss_low": result.task_loss_low,
        "task_loss_high": result.task_loss_high,
        "metric": result.metric,
        "metric_low": result.metric_low,
        "metric_high": result.metric_high,
    }
    # flops stay in the machine formats; the person's table keeps to 80 columns.
    columns = [Column("params", "count"), Column("tokens", "count"), Column("flops", "flops", in_table=False)]
    columns += [Column(name, label=name.rsplit("_", 1)[-1].replace("loss", "task loss")) for name in list(data)[3:]]
    title = (
        f"forecast: {law.name} (task loss), then {metric.name} (the metric), {result.level:.0%} intervals "
        "from both steps' bootstrap draws"
    )
    return Table(columns, data, title=title), result.warnings


def _predict_file(preset: Preset, loss_law: LossLaw, file: str, explicit: dict[str, str | None]) -> Table:
    from scalecalc.runs import find_column, numeric_column, read_observations, read_table

    raw = read_table(file)
    observations = read_observations(raw, explicit, need_loss=False)
    with np.errstate(all="ignore"):  # checked below
        predicted = loss_law.loss(observations.n_params, observations.n_tokens)
    if not np.all(np.isfinite(predicted)):
        where = observations.locations[int(np.argmin(np.isfinite(predicted)))]
        raise InputError(f"{where}: the predicted loss is not finite; check the units of the params and tokens")
    data: dict[str, Sequence[Any] | np.ndarray] = {name: _as_numbers(raw.cells[name]) for name in raw.header}
    kinds = {name: Column(name, "exact" if isinstance(data[name], np.ndarray) else "text") for name in raw.header}
    data["predicted_loss"] = predicted
    notes = []
    interval = loss_interval(preset, observations.n_params, observations.n_tokens)
    if interval is not None:
        data["predicted_loss_low"], data["predicted_loss_high"] = interval
        notes.append(interval_note(preset, "predicted_loss"))
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
    n_params, n_tokens = observations.n_params, observations.n_tokens
    data["extrapolated"] = extrapolated(preset, FLOPS_PER_PARAM_TOKEN * n_params * n_tokens, n_params)
    return Table(columns_for(list(data), kinds), data, title=f"predict ({preset.name}): {file}", notes=notes)


def _as_numbers(cells: Sequence[Any] | np.ndarray) -> np.ndarray | Sequence[Any]:
    """A column of plain numbers as floats (so JSON carries numbers, not strings); anything else as it was."""
    try:
        return np.array(cells, dtype=np.float64)
    except (TypeError, ValueError):
        return cells


@command(app, flags={"presets": "--preset", "compute_flops": "--flops"}, aliases={"--presets": "--preset"})
def compare(
    flops: FlopsOption = None,
    presets: PresetListOption = None,
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
    laws = preset_list(presets, can_answer=lambda law: law.allocation is not None)  # steplaw-2025 plans none
    names = ["preset", "params_convention", "flops", "params", "tokens", "tokens_per_param", "loss", "extrapolated"]
    data: dict[str, list] = {name: [] for name in names}
    beyond_range: list[str] = []
    for law in laws:
        result = plan_compute(law, budgets)
        data["preset"] += [law.name] * len(result)
        data["params_convention"] += [law.conventions.params] * len(result)
        for name in names[2:-1]:
            data[name] += result.columns[name].tolist()
        data["extrapolated"] += extrapolated(law, result.columns["flops"], result.columns["params"]).tolist()
        if result.warnings:
            beyond_range.append(law.name)
    ratios = np.array(data["tokens_per_param"])
    notes = [
        "params follow each preset's own convention (params_convention in --format csv/json, or `scalecalc "
        "presets show`); losses are on different corpora and "
        "tokenizers and are not comparable across presets",
    ]
    total = np.array(data["params_convention"]) == "total"
    for budget in budgets:
        at_budget = np.array(data["flops"]) == budget
        counting_total = at_budget & total
        for label, rows in (("", at_budget), (" among presets counting total parameters", counting_total)):
            # the second range says something only when some preset counts parameters another way
            if rows.sum() >= 2 and not (label and np.array_equal(rows, at_budget)):
                low, high = ratios[rows].min(), ratios[rows].max()
                notes.append(
                    f"at {budget:.3g} FLOPs tokens per parameter range from {low:.3g} to {high:.3g} "
                    f"({high / low:.1f}x){label}"
                )
    # the convention is in the note, so the table fits 80 columns; scripts get it in every row
    kinds = {"params_convention": Column("params_convention", "text", "params counted as", in_table=False)}
    table = Table(columns_for(names, kinds), data, title="compare", notes=notes)
    warnings: tuple[str, ...] = ()
    if beyond_range:  # through output(), which checks --format and --field before printing anything
        warnings = (
            f"beyond ten times the range they were fitted on for: {', '.join(beyond_range)}; "
            "treat those rows as extrapolations",
        )
    output(table, fmt, field, warnings)
