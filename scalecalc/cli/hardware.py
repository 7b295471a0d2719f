"""`scalecalc arch`, `scalecalc memory`, `scalecalc hardware list|show`, and the --gpu options of `plan`."""

from __future__ import annotations

import math
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
from scalecalc.errors import InputError
from scalecalc.render import Column, Report, Table, columns_for
from scalecalc.units import format_count, parse_quantity

if TYPE_CHECKING:
    from scalecalc import architecture as arch_core
    from scalecalc import hardware as hw

# The core modules load only when one of these commands runs (cold start of `scalecalc plan`); the help texts
# name their choices literally, and tests/test_cli_hardware.py checks them against the core modules.
NAMED_SHAPES_HELP = (
    "gpt3-175b, gpt3-6.7b, chinchilla-70b, gopher-280b, palm-540b, llama2-7b, llama3-8b, llama3-70b, llama3-405b, "
    "mixtral-8x7b"
)
OPTIMIZERS_HELP = "adamw-fp32, adamw-mixed, adamw-mixed-fp32-grads, adam-8bit, sgd-momentum"

# ----------------------------------------------------------------------------------------- shape options

ModelOption = Annotated[
    str | None,
    typer.Option(
        "--model",
        "-m",
        help=f"Named shape(s), comma-separated: {NAMED_SHAPES_HELP}.",
        show_default=False,
    ),
]
LayersOption = Annotated[str | None, typer.Option("--layers", help="Transformer layers L.", show_default=False)]
DModelOption = Annotated[str | None, typer.Option("--d-model", help="Hidden size d.", show_default=False)]
HeadsOption = Annotated[str | None, typer.Option("--heads", help="Attention (query) heads.", show_default=False)]
KvHeadsOption = Annotated[
    str | None,
    typer.Option("--kv-heads", help="Key/value heads (GQA; 1 = multi-query) [default: --heads].", show_default=False),
]
HeadDimOption = Annotated[
    str | None, typer.Option("--head-dim", help="Per-head size [default: d / heads].", show_default=False)
]
FfnOption = Annotated[
    str | None,
    typer.Option(
        "--ffn",
        help="MLP width per expert [default: 4d for gelu, 8d/3 rounded up to 256 for swiglu].",
        show_default=False,
    ),
]
VocabOption = Annotated[
    str | None, typer.Option("--vocab", help="Vocabulary size [default: 50257].", show_default=False)
]
SeqOption = Annotated[
    str | None,
    typer.Option("--seq", help="Sequence (context) length s [default: 2048 or the model's].", show_default=False),
]
TiedOption = Annotated[bool, typer.Option("--tied", help="Input embedding and output head share one matrix.")]
MlpOption = Annotated[str, typer.Option("--mlp", help="MLP type: gelu (2 matrices) or swiglu (3).")]
BiasOption = Annotated[
    bool, typer.Option("--bias", help="Linear layers have biases and norms are LayerNorm (GPT-2/3).")
]
PositionsOption = Annotated[
    str, typer.Option("--positions", help="Position encoding: rotary, learned (s*d params), relative, none.")
]
ExpertsOption = Annotated[str | None, typer.Option("--experts", help="Experts per MoE layer.", show_default=False)]
ActiveExpertsOption = Annotated[
    str | None, typer.Option("--active-experts", help="Experts each token uses (top-k).", show_default=False)
]


def _whole(text: str | None, option: str) -> int | None:
    if text is None:
        return None
    value = parse_quantity(text, option)
    if value != math.floor(value):
        raise InputError(f"{option}: {text!r} must be a whole number")
    return int(value)


# The shape options `arch` and `memory` share (their parameters carry these names).
WHOLE_SHAPE_OPTIONS = (
    "layers",
    "d_model",
    "heads",
    "kv_heads",
    "head_dim",
    "ffn",
    "vocab",
    "seq",
    "experts",
    "active_experts",
)
SHAPE_OPTIONS = (*WHOLE_SHAPE_OPTIONS, "mlp", "tied", "bias", "positions")


def _shapes(model: str | None, options: dict[str, Any]) -> list[arch_core.Shape]:
    """Named shapes (with --seq overriding) or one shape from the explicit options."""
    from scalecalc import architecture as arch_core

    numbers = {key: _whole(options[key], "--" + key.replace("_", "-")) for key in WHOLE_SHAPE_OPTIONS}
    if model is not None:
        explicit = [f"--{k.replace('_', '-')}" for k, v in numbers.items() if v is not None and k != "seq"]
        if explicit:
            raise InputError(
                f"--model: give a named shape or {', '.join(explicit)}, not both (only --seq may override)"
            )
        overrides = {"seq": numbers["seq"]} if numbers["seq"] is not None else {}
        return [arch_core.named_shape(name, **overrides) for name in model.split(",") if name.strip()]
    missing = [f"--{k.replace('_', '-')}" for k in ("layers", "d_model", "heads") if numbers[k] is None]
    if missing:
        raise InputError(
            f"give --model NAME or a shape with {', '.join(missing)}; named shapes: {', '.join(arch_core.NAMED_SHAPES)}"
        )
    if numbers["active_experts"] is not None and numbers["experts"] is None:
        raise InputError("--active-experts needs --experts")
    return [
        arch_core.make_shape(
            layers=int(numbers["layers"] or 0),  # checked above: all three are given
            d_model=int(numbers["d_model"] or 0),
            heads=int(numbers["heads"] or 0),
            kv_heads=numbers["kv_heads"],
            head_dim=numbers["head_dim"],
            ffn=numbers["ffn"],
            vocab=numbers["vocab"] or 50257,
            seq=numbers["seq"] or 2048,
            mlp=options["mlp"],
            tied=options["tied"],
            bias=options["bias"],
            positions=options["positions"],
            experts=numbers["experts"] or 1,
            active_experts=numbers["active_experts"],
            name="custom",
        )
    ]


ARCH_COLUMNS = {
    column.name: column
    for column in (
        Column("model", "text"),
        Column("params", "count"),
        Column("non_embedding_params", "count", "non-embedding"),
        Column("active_params", "count", "active"),
        Column("matmul_params", "count", "N (6N)", in_table=False),
        Column("seq", "count", in_table=False),
        Column("convention", "text", in_table=False),
        Column("flops_per_token", "flops", "train FLOPs/token"),
        Column("flops_per_token_kaplan", "flops", in_table=False),
        Column("flops_per_token_palm", "flops", in_table=False),
        Column("flops_per_token_6n", "flops", in_table=False),
        Column("inference_flops_per_token", "flops", "infer FLOPs/token"),
        Column("tokens", "count"),
        Column("training_flops", "flops", "train FLOPs"),
    )
}


@command(app)
def arch(
    model: ModelOption = None,
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
    convention: Annotated[
        str, typer.Option("--convention", help="Attention FLOPs: kaplan (6N + 6Lsd) or palm (6N + 12Lsd).")
    ] = "kaplan",
    tokens: Annotated[
        str | None, typer.Option("--tokens", "-d", help="Training tokens: adds training_flops.", show_default=False)
    ] = None,
    fmt: FormatOption = None,
    field: FieldOption = None,
) -> None:
    """Parameters and FLOPs per token of a transformer shape (dense, GQA, SwiGLU, mixture-of-experts).

    \b
    scalecalc arch --model llama3-8b,llama3-70b,llama3-405b
    scalecalc arch --model gpt3-175b --tokens 300B        # training FLOPs: 3.14e23 (6N) plus attention
    scalecalc arch --layers 32 --d-model 4096 --heads 32 --kv-heads 8 --ffn 14336 --vocab 128256 --seq 8192
    scalecalc arch --layers 32 --d-model 4096 --heads 32 --kv-heads 8 --ffn 14336 --vocab 32000 \\
                   --experts 8 --active-experts 2        # Mixtral 8x7B: 46.7B total, 12.9B active
    scalecalc arch --model palm-540b --convention palm -f flops_per_token
    """
    from scalecalc import architecture as arch_core

    arguments = locals()  # the shape options are parameters of the same names in `arch` and `memory`
    options = {name: arguments[name] for name in SHAPE_OPTIONS}
    if convention not in arch_core.CONVENTIONS:
        raise InputError(f"--convention: unknown {convention!r}; use one of {', '.join(arch_core.CONVENTIONS)}")
    counts = [arch_core.count_params(shape) for shape in _shapes(model, options)]
    n_tokens = parse_quantity(tokens, "--tokens") if tokens is not None else None
    names = [name for name in ARCH_COLUMNS if n_tokens is not None or name not in ("tokens", "training_flops")]
    data: dict[str, list[Any]] = {name: [] for name in names}
    for count in counts:
        row: dict[str, Any] = {
            "model": count.shape.name,
            "params": count.total,
            "non_embedding_params": count.non_embedding,
            "active_params": count.active,
            "matmul_params": count.matmul,
            "seq": count.shape.seq,
            "convention": convention,
            "flops_per_token": count.training_flops_per_token(convention),
            "flops_per_token_kaplan": count.training_flops_per_token("kaplan"),
            "flops_per_token_palm": count.training_flops_per_token("palm"),
            "flops_per_token_6n": 6 * count.matmul,
            "inference_flops_per_token": count.inference_flops_per_token(convention),
        }
        if n_tokens is not None:
            row["tokens"] = n_tokens
            row["training_flops"] = row["flops_per_token"] * n_tokens
        for name in data:
            data[name].append(row[name])
    factor = arch_core.CONVENTIONS[convention]
    notes = [
        f"train FLOPs/token = 6N + {factor}*L*s*H*head_dim ({convention}); N = active matmul weights per token "
        "(output head included, embedding lookup excluded); inference = one forward pass = a third of it",
    ]
    output(Table(columns_for(list(data), ARCH_COLUMNS), data, title="arch", notes=notes), fmt, field)


# ---------------------------------------------------------------------------------------------- memory


@command(app)
def memory(
    model: Annotated[
        str | None,
        typer.Option("--model", "-m", help=f"Named shape: {NAMED_SHAPES_HELP}.", show_default=False),
    ] = None,
    params: Annotated[
        str | None,
        typer.Option(
            "--params", "-n", help="Parameters (70B) when no shape is given: model state only.", show_default=False
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
    optimizer: Annotated[str, typer.Option("--optimizer", help=f"Training regime: {OPTIMIZERS_HELP}.")] = "adamw-mixed",
    zero: Annotated[int, typer.Option("--zero", help="ZeRO stage 0-3 (3 = FSDP full sharding).")] = 0,
    dp: Annotated[int, typer.Option("--dp", help="Data-parallel degree ZeRO shards over.")] = 1,
    tp: Annotated[int, typer.Option("--tp", help="Tensor-parallel degree.")] = 1,
    pp: Annotated[int, typer.Option("--pp", help="Pipeline-parallel degree.")] = 1,
    batch: Annotated[str, typer.Option("--batch", help="Micro-batch per device, in sequences.")] = "1",
    recompute: Annotated[
        str, typer.Option("--recompute", help="Activation recomputation: none, selective, full.")
    ] = "selective",
    sequence_parallel: Annotated[
        bool, typer.Option("--sequence-parallel", help="Megatron sequence parallelism (shards norms/dropout by --tp).")
    ] = False,
    gpu: Annotated[
        str | None, typer.Option("--gpu", help="Accelerator: adds min_gpus and fits.", show_default=False)
    ] = None,
    context: Annotated[
        str | None,
        typer.Option(
            "--context", help="Inference context length for the KV cache [default: --seq].", show_default=False
        ),
    ] = None,
    infer_batch: Annotated[str, typer.Option("--infer-batch", help="Concurrent sequences in the KV cache.")] = "1",
    kv_dtype: Annotated[str, typer.Option("--kv-dtype", help="KV cache dtype: fp32, bf16, fp8, int8, int4.")] = "bf16",
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
    from scalecalc import architecture as arch_core
    from scalecalc import hardware as hw
    from scalecalc import memory as mem

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
    shape = _shapes(model, options)[0] if shaped else None
    n_params = arch_core.count_params(shape).total if shape is not None else parse_quantity(str(params), "--params")
    micro_batch = parse_quantity(batch, "--batch")
    if recompute not in mem.RECOMPUTE:
        raise InputError(f"--recompute: unknown {recompute!r}; use one of {', '.join(mem.RECOMPUTE)}")
    if kv_dtype not in mem.WEIGHT_BYTES:
        raise InputError(f"--kv-dtype: unknown {kv_dtype!r}; use one of {', '.join(mem.WEIGHT_BYTES)}")
    notes: list[str] = []
    warnings: list[str] = []
    activations = 0.0
    if shape is not None:
        per_layer = mem.activation_bytes_per_layer(
            shape.seq,
            micro_batch,
            shape.d_model,
            shape.heads,
            tp=tp,
            sequence_parallel=sequence_parallel,
            recompute=recompute,
        )
        activations = shape.layers * per_layer
        notes.append(
            f"activations: Korthikanti et al. 2022 Table 2, {recompute} recomputation, s={shape.seq}, "
            f"micro-batch {micro_batch:g}, all {shape.layers} layers (1F1B pipeline: the first stage holds "
            "about one full model's worth)"
        )
    else:
        notes.append("no shape given: model state only (give --model or a shape for activations and the KV cache)")
    train = mem.training_memory(
        n_params, regime=optimizer, zero_stage=zero, data_parallel=dp, tp=tp, pp=pp, activations=activations
    )
    accelerator = hw.load_accelerator(gpu) if gpu is not None else None
    summary: dict[str, Any] = {
        "model": shape.name if shape is not None else "-",
        "params": n_params,
        "optimizer": optimizer,
        "bytes_per_param": train.bytes_per_param,
        "zero_stage": zero,
        "dp": dp,
        "tp": tp,
        "pp": pp,
        "weights_gb": train.weights / 1e9,
        "grads_gb": train.grads / 1e9,
        "optimizer_gb": train.optimizer / 1e9,
        "activations_gb": train.activations / 1e9,
        "total_gb": train.total / 1e9,
    }
    if accelerator is not None:
        summary["gpu"] = accelerator.name
        summary["gpu_memory_gb"] = accelerator.memory_bytes / 1e9
        summary["fits"] = bool(train.total <= accelerator.memory_bytes)
        state = mem.training_state_bytes(n_params, optimizer) / (tp * pp)
        devices = mem.min_devices(float(state), activations, accelerator.memory_bytes)
        summary["min_gpus"] = devices * tp * pp if devices is not None else None
        if devices is None:
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
                f"activations alone ({activations / 1e9:.1f} GB per device) exceed one {accelerator.name} "
                f"({accelerator.memory_bytes / 1e9:g} GB); try {', or '.join(remedies)}"
            )
        notes.append(
            f"min_gpus: fewest {accelerator.name} ({accelerator.memory_bytes / 1e9:g} GB) holding the state "
            "sharded over all of them (ZeRO-3) plus each device's activations; no buffers or fragmentation"
        )
    sharding = [
        "over dp" if zero >= 3 else "replicated",
        "over dp" if zero >= 2 else "replicated",
        "over dp" if zero >= 1 else "replicated",
        f"recompute {recompute}",
        "",
    ]
    regime = mem.TRAINING_REGIMES[optimizer]
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
            "sharding": sharding,
        },
        title=f"training memory per device: {summary['model']} ({format_count(n_params)} params), {regime.label}, "
        f"ZeRO-{zero} over dp={dp}, tp={tp}, pp={pp}",
        notes=notes,
    )
    inference_rows = _inference_rows(n_params, shape, context, infer_batch, kv_dtype, accelerator)
    for name in ("weights_gb", "kv_cache_gb"):
        for row in inference_rows:
            key = f"inference_{name}_{row['dtype']}" if name == "weights_gb" else "inference_kv_cache_gb"
            summary[key] = row[name]
    inference_names = list(inference_rows[0])
    inference_table = Table(
        columns_for(
            inference_names,
            {
                "dtype": Column("dtype", "text"),
                "bytes_per_param": Column("bytes_per_param", "number", "bytes/param"),
                "weights_gb": Column("weights_gb", "number", "weights GB"),
                "weights_vs_bf16": Column("weights_vs_bf16", "percent", "vs bf16"),
                "kv_cache_gb": Column("kv_cache_gb", "number", "KV cache GB"),
                "total_gb": Column("total_gb", "number", "total GB"),
                "devices": Column("devices", "integer", "devices to hold it"),
            },
        ),
        {name: [row[name] for row in inference_rows] for name in inference_names},
        title="inference memory (weights by dtype; KV cache at --kv-dtype)",
        notes=["weights only (no activations or framework overhead; int4 formats add group scales, about +3%)"],
    )
    primary = Table(
        columns_for(list(summary), {k: Column(k, "text") for k in ("model", "optimizer", "gpu")}),
        {k: [v] for k, v in summary.items()},
    )
    document = {"training": summary, "inference": inference_table.records(), "notes": notes}
    output(Report(document, [training_table, inference_table], primary=primary), fmt, field, tuple(warnings))


def _inference_rows(
    n_params: float,
    shape: arch_core.Shape | None,
    context: str | None,
    infer_batch: str,
    kv_dtype: str,
    accelerator: hw.Accelerator | None,
) -> list[dict[str, Any]]:
    from scalecalc import memory as mem

    kv = float("nan")
    if shape is not None:
        tokens = _whole(context, "--context") or shape.seq
        kv = mem.kv_cache_bytes(
            shape.layers,
            shape.kv_heads,
            shape.head_dim,
            tokens,
            parse_quantity(infer_batch, "--infer-batch"),
            mem.WEIGHT_BYTES[kv_dtype],
        )
    rows = []
    for dtype in mem.INFERENCE_DTYPES:
        weights = mem.inference_weight_bytes(n_params, dtype)
        total = weights + (0.0 if math.isnan(kv) else kv)
        row: dict[str, Any] = {
            "dtype": dtype,
            "bytes_per_param": mem.WEIGHT_BYTES[dtype],
            "weights_gb": weights / 1e9,
            "weights_vs_bf16": mem.WEIGHT_BYTES[dtype] / mem.WEIGHT_BYTES["bf16"] - 1,  # what quantisation saves
            "kv_cache_gb": kv / 1e9,
            "total_gb": total / 1e9,
        }
        if accelerator is not None:
            row["devices"] = math.ceil(total / accelerator.memory_bytes)
        rows.append(row)
    return rows


# -------------------------------------------------------------------------------------- hardware list/show

hardware_app = typer.Typer(
    help="List and show the accelerators scalecalc knows (user files: hardware/ under $SCALECALC_PRESETS_PATH).",
    no_args_is_help=True,
)
app.add_typer(hardware_app, name="hardware")


def _peak(accelerator: hw.Accelerator, dtype: str) -> float:
    return accelerator.dense_flops.get(dtype, float("nan")) / 1e12


@command(hardware_app, "list")
def list_hardware(fmt: FormatOption = None, field: FieldOption = None) -> None:
    """Every accelerator with dense peak TFLOP/s, memory, bandwidth, power and approximate price.

    \b
    scalecalc hardware list
    scalecalc hardware list --format csv
    scalecalc hardware list -f name
    """
    from scalecalc import hardware as hw

    chips = hw.load_all_accelerators()
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
        Column("bf16_tflops", "number", "BF16 TFLOP/s"),
        Column("fp8_tflops", "number", "FP8"),
        Column("tf32_tflops", "number", "TF32"),
        Column("memory_gb", "number", "memory GB"),
        Column("bandwidth_tbps", "number", "TB/s"),
        Column("power_w", "number", "watts"),
        Column("price_per_hour", "money", "~$/hour"),
        Column("price_as_of", "text", "price as of"),
        Column("checked", "text", in_table=False),
        Column("path", "text", in_table=False),
    ]
    notes = ["dense peaks (no 2:4 sparsity); prices are approximate on-demand figures, dated, overridden by --price"]
    output(Table(columns, data, title="hardware", notes=notes), fmt, field)


@command(hardware_app, "show")
def show_hardware(
    name: Annotated[str, typer.Argument(help="Accelerator name or alias, or a path to a hardware YAML file.")],
    fmt: DocumentFormatOption = None,
) -> None:
    """Every figure of one accelerator with its source.

    \b
    scalecalc hardware show h100
    scalecalc hardware show mi300x --format json
    """
    from scalecalc import hardware as hw

    chip = hw.load_accelerator(name)
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
