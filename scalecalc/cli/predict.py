"""`scalecalc predict`: the loss a law gives runs, one from options or many from a file, and `--then` forecasts."""

# Annotations are objects, not strings, as in cli/plan.py: typer evaluates the running command's four times.

from collections.abc import Sequence
from typing import Annotated, Any

import numpy as np
import typer

from scalecalc import defaults
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
    note,
    output,
    quantities,
    single_quantity,
)
from scalecalc.cli.plan import (
    FLAGS,
    ParamsOption,
    RdStarOption,
    RnStarOption,
    TokensOption,
    UniqueTokensOption,
)
from scalecalc.errors import InputError
from scalecalc.laws import FLOPS_PER_PARAM_TOKEN
from scalecalc.laws.base import LossLaw
from scalecalc.plan import Plan, PlanRequest, answer
from scalecalc.plan.frontier import check_representable, extrapolated
from scalecalc.plan.intervals import interval_note, loss_interval
from scalecalc.plan.request import paired
from scalecalc.presets import Preset, load_preset
from scalecalc.render import Column, Table, columns_for
from scalecalc.render.machine import field_names


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
