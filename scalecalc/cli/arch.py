"""`scalecalc arch`: parameters and FLOPs per token of a transformer shape."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from scalecalc.cli._app import app
from scalecalc.cli._common import (
    FieldOption,
    FormatOption,
    command,
    output,
)
from scalecalc.cli._shape_options import (
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
    ModelOption,
    PositionsOption,
    SeqOption,
    TiedOption,
    VocabOption,
    assumed_vocabulary,
    shapes,
)
from scalecalc.cli._types import Choice
from scalecalc.errors import InputError
from scalecalc.render import Column, Table, columns_for
from scalecalc.units import parse_quantity

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
        str,
        typer.Option(
            "--convention",
            click_type=Choice(("kaplan", "palm")),
            help="Attention FLOPs: kaplan (6N + 6Lsd) or palm (6N + 12Lsd).",
        ),
    ] = "kaplan",
    tokens: Annotated[
        str | None,
        typer.Option(
            "--tokens", "-d", metavar="<TOKENS>", help="Training tokens: adds training_flops.", show_default=False
        ),
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
    from scalecalc.hardware import architecture as arch_core

    arguments = locals()  # the shape options are parameters of the same names in `arch` and `memory`
    options = {name: arguments[name] for name in SHAPE_OPTIONS}
    if convention not in arch_core.CONVENTIONS:
        raise InputError(f"--convention: unknown {convention!r}; use one of {', '.join(arch_core.CONVENTIONS)}")
    counts = [arch_core.count_params(shape) for shape in shapes(model, options)]
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
    table = Table(columns_for(list(data), ARCH_COLUMNS), data, title="arch", notes=notes)
    output(table, fmt, field, notes=assumed_vocabulary(model, options))
