"""The transformer-shape options that `scalecalc arch` and `scalecalc memory` share, and the shapes they name."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated, Any

import typer

from scalecalc.cli._types import Choice
from scalecalc.errors import InputError
from scalecalc.units import parse_quantity

if TYPE_CHECKING:
    from scalecalc.hardware.architecture import Shape

# The core modules load only when a command runs (cold start of `scalecalc plan`); the help texts name their
# choices literally, and tests/test_cli_hardware.py checks them against the core modules.
NAMED_SHAPES_HELP = (
    "gpt3-175b, gpt3-6.7b, chinchilla-70b, gopher-280b, palm-540b, llama2-7b, llama3-8b, llama3-70b, llama3-405b, "
    "mixtral-8x7b"
)
OPTIMIZERS_HELP = "adamw-fp32, adamw-mixed, adamw-mixed-fp32-grads, adam-8bit, sgd-momentum"
OPTIMIZERS = tuple(OPTIMIZERS_HELP.split(", "))
MLPS = ("gelu", "swiglu")
POSITIONS = ("rotary", "learned", "relative", "none")
# GPT-2's vocabulary: the shapes of Kaplan et al. 2020 and GPT-3 (Brown et al. 2020) use it. Modern models differ
# (Llama 2: 32000, Llama 3: 128256), so a shape that relies on this default says so on stderr.
DEFAULT_VOCAB = 50257

ModelOption = Annotated[
    str | None,
    typer.Option(
        "--model",
        "-m",
        metavar="<MODEL>",
        help=f"Named shape(s), comma-separated: {NAMED_SHAPES_HELP}.",
        show_default=False,
    ),
]
LayersOption = Annotated[
    str | None, typer.Option("--layers", metavar="<COUNT>", help="Transformer layers L.", show_default=False)
]
DModelOption = Annotated[
    str | None, typer.Option("--d-model", metavar="<COUNT>", help="Hidden size d.", show_default=False)
]
HeadsOption = Annotated[
    str | None, typer.Option("--heads", metavar="<COUNT>", help="Attention (query) heads.", show_default=False)
]
KvHeadsOption = Annotated[
    str | None,
    typer.Option(
        "--kv-heads",
        metavar="<COUNT>",
        help="Key/value heads (GQA; 1 = multi-query) [default: --heads].",
        show_default=False,
    ),
]
HeadDimOption = Annotated[
    str | None,
    typer.Option("--head-dim", metavar="<COUNT>", help="Per-head size [default: d / heads].", show_default=False),
]
FfnOption = Annotated[
    str | None,
    typer.Option(
        "--ffn",
        metavar="<COUNT>",
        help="MLP width per expert [default: 4d for gelu, 8d/3 rounded up to 256 for swiglu].",
        show_default=False,
    ),
]
VocabOption = Annotated[
    str | None,
    typer.Option(
        "--vocab",
        metavar="<COUNT>",
        help=f"Vocabulary size [default: {DEFAULT_VOCAB}, GPT-2's; Llama 2: 32000, Llama 3: 128256].",
        show_default=False,
    ),
]
SeqOption = Annotated[
    str | None,
    typer.Option(
        "--seq",
        metavar="<COUNT>",
        help="Sequence (context) length s [default: 2048 or the model's].",
        show_default=False,
    ),
]
TiedOption = Annotated[bool, typer.Option("--tied", help="Input embedding and output head share one matrix.")]
MlpOption = Annotated[
    str, typer.Option("--mlp", click_type=Choice(MLPS), help="MLP type: gelu (2 matrices) or swiglu (3).")
]
BiasOption = Annotated[
    bool, typer.Option("--bias", help="Linear layers have biases and norms are LayerNorm (GPT-2/3).")
]
PositionsOption = Annotated[
    str,
    typer.Option(
        "--positions",
        click_type=Choice(POSITIONS),
        help="Position encoding: rotary, learned (s*d params), relative, none.",
    ),
]
ExpertsOption = Annotated[
    str | None, typer.Option("--experts", metavar="<COUNT>", help="Experts per MoE layer.", show_default=False)
]
ActiveExpertsOption = Annotated[
    str | None,
    typer.Option("--active-experts", metavar="<COUNT>", help="Experts each token uses (top-k).", show_default=False),
]


def whole(text: str | None, option: str) -> int | None:
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


def shapes(model: str | None, options: dict[str, Any]) -> list[Shape]:
    """Named shapes (with --seq overriding) or one shape from the explicit options."""
    from scalecalc.hardware import architecture as arch_core

    numbers = {key: whole(options[key], "--" + key.replace("_", "-")) for key in WHOLE_SHAPE_OPTIONS}
    arch_core.check_choices(options["mlp"], options["positions"])
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
    shape = arch_core.make_shape(
            layers=int(numbers["layers"] or 0),  # checked above: all three are given
            d_model=int(numbers["d_model"] or 0),
            heads=int(numbers["heads"] or 0),
            kv_heads=numbers["kv_heads"],
            head_dim=numbers["head_dim"],
            ffn=numbers["ffn"],
            vocab=numbers["vocab"] or DEFAULT_VOCAB,
            seq=numbers["seq"] or 2048,
            mlp=options["mlp"],
            tied=options["tied"],
            bias=options["bias"],
            positions=options["positions"],
            experts=numbers["experts"] or 1,
            active_experts=numbers["active_experts"],
            name="custom",
    )
    return [shape]


def assumed_vocabulary(model: str | None, options: dict[str, Any]) -> tuple[str, ...]:
    """The note a custom shape gets when it relies on the default vocabulary (printed once the command succeeded,
    so that a refused command prints its one error line alone)."""
    if model is not None or options.get("vocab") is not None:
        return ()
    return (f"--vocab not given: using GPT-2's {DEFAULT_VOCAB} (Llama 2: 32000, Llama 3: 128256)",)
