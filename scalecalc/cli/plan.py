"""`scalecalc plan`: compute-optimal size, tokens and loss for a budget (or the budget for a size, tokens or loss),
and the options `predict`, `compare` and `hyperparameters` share with it."""

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
    FormatOption,
    PresetOption,
    command,
    output,
    quantities,
    single_quantity,
)
from scalecalc.cli._types import Fraction
from scalecalc.plan import Plan, PlanRequest, answer
from scalecalc.plan.frontier import extrapolated
from scalecalc.presets import Preset, load_preset
from scalecalc.render import Table, columns_for

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
