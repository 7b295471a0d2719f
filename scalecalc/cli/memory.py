"""`scalecalc memory`: training memory per device and inference memory by dtype of one model."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from scalecalc.cli._app import app
from scalecalc.cli._common import (
    FieldOption,
    FormatOption,
    command,
    output,
)
from scalecalc.cli._gpu_options import GPU_FLAGS
from scalecalc.cli._shape_options import (
    NAMED_SHAPES_HELP,
    OPTIMIZERS,
    SHAPE_OPTIONS,
    ActiveExpertsOption,
    BiasOption,
    DModelOption,
    ExpertsOption,
    FfnOption,
    HeadDimOption,
    HeadsOption,
    KvHeadsOption,
    LayersOption,
    MlpOption,
    PositionsOption,
    SeqOption,
    TiedOption,
    VocabOption,
    assumed_vocabulary,
    shapes,
    whole,
)
from scalecalc.cli._types import Choice, Count
from scalecalc.errors import InputError
from scalecalc.render import Column, Report, Table, columns_for
from scalecalc.units import format_count, parse_quantity

if TYPE_CHECKING:
    from scalecalc.hardware.memory import MemoryReport

# The options that set the core's parameters of other names.
# scalecalc.hardware.memory's RECOMPUTE and INFERENCE_DTYPES, named here for start-up (a test checks they agree).
RECOMPUTE = ("none", "selective", "full")
KV_DTYPES = ("fp32", "bf16", "fp8", "int8", "int4")
MEMORY_FLAGS = {**GPU_FLAGS, "regime": "--optimizer", "zero_stage": "--zero", "data_parallel": "--dp"}

INFERENCE_COLUMNS = {
    "dtype": Column("dtype", "text"),
    "bytes_per_param": Column("bytes_per_param", "number", "bytes/param"),
    "weights_gb": Column("weights_gb", "number", "weights GB"),
    "weights_vs_bf16": Column("weights_vs_bf16", "percent", "vs bf16"),
    "kv_cache_gb": Column("kv_cache_gb", "number", "KV cache GB"),
    "total_gb": Column("total_gb", "number", "total GB"),
    "devices": Column("devices", "integer", "devices to hold it"),
}


@command(app, flags=MEMORY_FLAGS)
def memory(
    model: Annotated[
        str | None,
        typer.Option("--model", "-m", metavar="<MODEL>", help=f"Named shape: {NAMED_SHAPES_HELP}.", show_default=False),
    ] = None,
    params: Annotated[
        str | None,
        typer.Option(
            "--params",
            "-n",
            metavar="<PARAMS>",
            help="Parameters (70B) when no shape is given: model state only.",
            show_default=False,
        ),
    ] = None,
    layers: LayersOption = None,
    d_model: DModelOption = None,
    heads: HeadsOption = None,
    kv_heads: KvHeadsOption = None,
    head_dim: HeadDimOption = None,
    ffn: FfnOption = None,
    vocab: VocabOption = None,
    seq: SeqOption = None,
    tied: TiedOption = False,
    mlp: MlpOption = "swiglu",
    bias: BiasOption = False,
    positions: PositionsOption = "rotary",
    experts: ExpertsOption = None,
    active_experts: ActiveExpertsOption = None,
    optimizer: Annotated[
        str, typer.Option("--optimizer", click_type=Choice(OPTIMIZERS), help="Training regime.")
    ] = "adamw-mixed",
    zero: Annotated[
        int, typer.Option("--zero", click_type=Count(), help="ZeRO stage 0-3 (3 = FSDP full sharding).")
    ] = 0,
    dp: Annotated[int, typer.Option("--dp", click_type=Count(), help="Data-parallel degree ZeRO shards over.")] = 1,
    tp: Annotated[int, typer.Option("--tp", click_type=Count(), help="Tensor-parallel degree.")] = 1,
    pp: Annotated[int, typer.Option("--pp", click_type=Count(), help="Pipeline-parallel degree.")] = 1,
    batch: Annotated[
        str, typer.Option("--batch", metavar="<COUNT>", help="Micro-batch per device, in sequences.")
    ] = "1",
    recompute: Annotated[
        str, typer.Option("--recompute", click_type=Choice(RECOMPUTE), help="Activation recomputation.")
    ] = "selective",
    sequence_parallel: Annotated[
        bool, typer.Option("--sequence-parallel", help="Megatron sequence parallelism (shards norms/dropout by --tp).")
    ] = False,
    gpu: Annotated[
        str | None,
        typer.Option("--gpu", metavar="<GPU>", help="Accelerator: adds min_gpus and fits.", show_default=False),
    ] = None,
    context: Annotated[
        str | None,
        typer.Option(
            "--context",
            metavar="<TOKENS>",
            help="Inference context length for the KV cache [default: --seq].",
            show_default=False,
        ),
    ] = None,
    infer_batch: Annotated[
        str, typer.Option("--infer-batch", metavar="<COUNT>", help="Concurrent sequences in the KV cache.")
    ] = "1",
    kv_dtype: Annotated[str, typer.Option("--kv-dtype", click_type=Choice(KV_DTYPES), help="KV cache dtype.")] = "bf16",
    fmt: FormatOption = None,
    field: FieldOption = None,
) -> None:
    """Training memory per device (weights, gradients, optimizer, activations) and inference memory by dtype.

    \b
    scalecalc memory --params 7.5B --zero 3 --dp 64              # ZeRO paper: 1.9 GB of model state per GPU
    scalecalc memory --model llama3-70b --zero 3 --dp 64 --gpu h100 --batch 1 --seq 8192
    scalecalc memory --model llama3-8b --recompute none --batch 4
    scalecalc memory --model llama3-70b --context 131072 --infer-batch 8  # KV cache at 128Ki tokens
    scalecalc memory --model gpt3-175b --tp 8 --pp 8 --sequence-parallel -f total_gb
    """
    from scalecalc.hardware import architecture as arch_core
    from scalecalc.hardware import memory as mem

    arguments = locals()  # the shape options are parameters of the same names in `arch` and `memory`
    options = {name: arguments[name] for name in SHAPE_OPTIONS}
    shaped = model is not None or layers is not None or d_model is not None or heads is not None
    if params is not None and shaped:
        raise InputError("give --params or a shape (--model, or --layers/--d-model/--heads), not both")
    if params is None and not shaped:
        raise InputError(
            f"give --params N or a shape: --model NAME ({', '.join(arch_core.NAMED_SHAPES)}) or "
            "--layers, --d-model and --heads"
        )
    if model is not None and "," in model:
        raise InputError("--model: memory takes one model at a time")
    shape = shapes(model, options)[0] if shaped else None
    n_params = parse_quantity(str(params), "--params") if shape is None else None
    micro_batch = parse_quantity(batch, "--batch")
    accelerator = None
    if gpu is not None:
        from scalecalc.presets.hardware import load_accelerator

        accelerator = load_accelerator(gpu)
    report = mem.memory_report(
        shape=shape,
        n_params=n_params,
        regime=optimizer,
        zero_stage=zero,
        data_parallel=dp,
        tp=tp,
        pp=pp,
        micro_batch=micro_batch,
        recompute=recompute,
        sequence_parallel=sequence_parallel,
        accelerator=accelerator,
        # the KV cache needs a shape: without one, --context and --infer-batch are not read
        context=whole(context, "--context") if shape is not None else None,
        infer_batch=parse_quantity(infer_batch, "--infer-batch") if shape is not None else 1,
        kv_dtype=kv_dtype,
    )
    notes = list(report.notes)
    if shape is None:
        notes.insert(0, "no shape given: model state only (give --model or a shape for activations and the KV cache)")
    warnings = []
    if report.accelerator is not None and report.min_gpus is None:
        remedies = [
            r
            for r in (
                "--recompute full" if recompute != "full" else "",
                "a smaller --batch" if micro_batch > 1 else "",
                "more --tp with --sequence-parallel",
            )
            if r
        ]
        warnings.append(
            f"activations alone ({report.training.activations / 1e9:.1f} GB per device) exceed one "
            f"{report.accelerator.name} ({report.accelerator.memory_bytes / 1e9:g} GB); try {', or '.join(remedies)}"
        )
    output(memory_document(report, notes), fmt, field, tuple(warnings), notes=assumed_vocabulary(model, options))


def memory_document(report: MemoryReport, notes: list[str]) -> Report:
    """The training summary (one row), the training breakdown and the inference table of a memory report."""
    from scalecalc.hardware.memory import TRAINING_REGIMES, WEIGHT_BYTES

    train = report.training
    model = report.shape.name if report.shape is not None else "-"
    summary: dict[str, Any] = {
        "model": model,
        "params": report.n_params,
        "optimizer": train.regime,
        "bytes_per_param": train.bytes_per_param,
        "zero_stage": train.zero_stage,
        "dp": train.data_parallel,
        "tp": report.tp,
        "pp": report.pp,
        "weights_gb": train.weights / 1e9,
        "grads_gb": train.grads / 1e9,
        "optimizer_gb": train.optimizer / 1e9,
        "activations_gb": train.activations / 1e9,
        "total_gb": train.total / 1e9,
    }
    if report.accelerator is not None:
        summary["gpu"] = report.accelerator.name
        summary["gpu_memory_gb"] = report.accelerator.memory_bytes / 1e9
        summary["fits"] = report.fits
        summary["min_gpus"] = report.min_gpus
    for row in report.inference:
        summary[f"inference_weights_gb_{row.dtype}"] = row.weights / 1e9
    summary["inference_kv_cache_gb"] = report.inference[-1].kv_cache / 1e9
    zero = train.zero_stage
    regime = TRAINING_REGIMES[train.regime]
    training_table = Table(
        [
            Column("component", "text"),
            Column("bytes_per_param", "number", "bytes/param"),
            Column("gb_per_device", "number", "GB per device"),
            Column("sharding", "text"),
        ],
        {
            "component": ["weights", "gradients", "optimizer state", "activations", "total"],
            "bytes_per_param": [regime.weights, regime.grads, regime.optimizer, None, regime.total],
            "gb_per_device": [
                train.weights / 1e9,
                train.grads / 1e9,
                train.optimizer / 1e9,
                train.activations / 1e9,
                train.total / 1e9,
            ],
            "sharding": [
                "over dp" if zero >= 3 else "replicated",
                "over dp" if zero >= 2 else "replicated",
                "over dp" if zero >= 1 else "replicated",
                f"recompute {report.recompute}",
                "",
            ],
        },
        title=f"training memory per device: {model} ({format_count(report.n_params)} params), {regime.label}, "
        f"ZeRO-{zero} over dp={train.data_parallel}, tp={report.tp}, pp={report.pp}",
        notes=notes,
    )
    rows: dict[str, list[Any]] = {
        "dtype": [row.dtype for row in report.inference],
        "bytes_per_param": [row.bytes_per_param for row in report.inference],
        "weights_gb": [row.weights / 1e9 for row in report.inference],
        # what quantisation saves
        "weights_vs_bf16": [row.bytes_per_param / WEIGHT_BYTES["bf16"] - 1 for row in report.inference],
        "kv_cache_gb": [row.kv_cache / 1e9 for row in report.inference],
        "total_gb": [row.total / 1e9 for row in report.inference],
    }
    if report.accelerator is not None:
        rows["devices"] = [row.devices for row in report.inference]
    inference_table = Table(
        columns_for(list(rows), INFERENCE_COLUMNS),
        rows,
        title="inference memory (weights by dtype; KV cache at --kv-dtype)",
        notes=["weights only (no activations or framework overhead; int4 formats add group scales, about +3%)"],
    )
    primary = Table(
        columns_for(list(summary), {k: Column(k, "text") for k in ("model", "optimizer", "gpu")}),
        {k: [v] for k, v in summary.items()},
    )
    document = {"training": summary, "inference": inference_table.records(), "notes": notes}
    return Report(document, [training_table, inference_table], primary=primary)
