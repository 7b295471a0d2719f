"""Parameter and FLOPs counts of a decoder-only transformer from its shape, and named shapes of known models.

Parameters (EleutherAI cookbook ``calc_transformer_params.py``, corrected; d = d_model, H = heads,
G = kv_heads, q = head_dim, f = ffn width, V = vocab, E = experts):

    attention   d*H*q (Q) + 2*d*G*q (K, V) + H*q*d (out)            [+ H*q + 2*G*q + d biases]
    MLP         n_lin * d * f per expert, n_lin = 2 (GELU) or 3 (SwiGLU)   [+ f (+f) + d biases]
    router      d * E per layer when E > 1
    norms       2 per layer + 1 final: 2d each (LayerNorm with bias) or d (RMSNorm)
    positions   s*d (learned), 0 (rotary), or d*H*q per layer (Transformer-XL relative, as in Gopher/Chinchilla)
    embeddings  V*d, plus V*d for an untied output head

A classic GPT (H*q = d, f = 4d, G = H) has about 12*L*d^2 non-embedding parameters (Kaplan et al. 2020, Table 1).

FLOPs per token: a matmul with P weights costs 2P FLOPs forward and 4P backward, so training costs 6N per
token where N counts the weights used in matmuls per token: active (routed) parameters minus the input
embedding lookup and learned positions (the output head is a matmul and is counted). The attention
score and value products add, per token and layer, 2*s*H*q forward in Kaplan et al. 2020 (Table 1, with the
causal halving: training 6N + 6*L*s*H*q) or 4*s*H*q in PaLM's MFU accounting (Chowdhery et al. 2022, App. B:
6N + 12*L*H*q*s, no causal halving). Inference costs one forward pass: 2N plus the forward attention term.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from scalecalc.errors import InputError, did_you_mean
from scalecalc.units import shown

MLPS = {"gelu": 2, "swiglu": 3}  # number of d x f matrices per MLP
POSITIONS = ("rotary", "learned", "relative", "none")
LARGEST_DIMENSION = 2**53
CONVENTIONS = {"kaplan": 6, "palm": 12}  # training attention FLOPs per token = factor * L * s * H * q


@dataclass(frozen=True)
class Shape:
    """A decoder-only transformer. ``None`` fields take their documented defaults in :func:`make_shape`."""

    layers: int
    d_model: int
    heads: int
    kv_heads: int
    head_dim: int
    ffn: int
    vocab: int
    seq: int
    mlp: str = "swiglu"
    tied: bool = False
    bias: bool = False
    positions: str = "rotary"
    experts: int = 1
    active_experts: int = 1
    name: str = ""
    source: str = ""


def check_choices(mlp: str, positions: str) -> None:
    """Refuse an MLP type or position encoding this module does not count (also when a named shape ignores it)."""
    if mlp not in MLPS:
        raise InputError(f"unknown {shown(mlp)}; use one of {', '.join(MLPS)}", param="mlp")
    if positions not in POSITIONS:
        raise InputError(f"unknown {shown(positions)}; use one of {', '.join(POSITIONS)}", param="positions")


def make_shape(
    *,
    layers: int,
    d_model: int,
    heads: int,
    kv_heads: int | None = None,
    head_dim: int | None = None,
    ffn: int | None = None,
    vocab: int = 50257,
    seq: int = 2048,
    mlp: str = "swiglu",
    tied: bool = False,
    bias: bool = False,
    positions: str = "rotary",
    experts: int = 1,
    active_experts: int | None = None,
    name: str = "",
    source: str = "",
) -> Shape:
    """Validate a shape and fill defaults: kv_heads = heads (multi-head attention), head_dim = d_model / heads,
    ffn = 4 d (GELU) or 8d/3 rounded up to a multiple of 256 (SwiGLU, as in Llama), active_experts = 1 if
    experts > 1 else 1."""
    required = {"layers": layers, "d_model": d_model, "heads": heads, "vocab": vocab, "seq": seq, "experts": experts}
    optional = {"kv_heads": kv_heads, "head_dim": head_dim, "ffn": ffn, "active_experts": active_experts}
    for param, value in required.items():
        if value < 1:
            raise InputError(f"{value} must be a positive whole number", param=param)
    for param, size in (*required.items(), *optional.items()):
        # the counts are products of these: past 2^53 a size is no longer an exact float, and a product of a few
        # such sizes overflows float altogether
        if size is not None and size > LARGEST_DIMENSION:
            raise InputError(f"{shown(size)} is too large; give at most 2^53 ({LARGEST_DIMENSION:.3g})", param=param)
    check_choices(mlp, positions)
    kv_heads = heads if kv_heads is None else kv_heads
    if not 1 <= kv_heads <= heads or heads % kv_heads:
        raise InputError(
            f"{kv_heads} must divide `heads` {heads} (1 for multi-query, {heads} for multi-head)", param="kv_heads"
        )
    if head_dim is None:
        if d_model % heads:
            raise InputError(f"{heads} does not divide `d_model` {d_model}; give `head_dim`", param="heads")
        head_dim = d_model // heads
    if head_dim < 1:
        raise InputError(f"{head_dim} must be a positive whole number", param="head_dim")
    if ffn is None:
        ffn = 4 * d_model if mlp == "gelu" else 256 * -(-(8 * d_model // 3) // 256)
    if ffn < 1:
        raise InputError(f"{ffn} must be a positive whole number", param="ffn")
    active = 1 if active_experts is None else active_experts
    if active < 1:
        raise InputError(f"{active} must be at least 1", param="active_experts")
    if active > experts:
        raise InputError(
            f"{active} is more than `experts` {experts}; a token can use at most every expert", param="active_experts"
        )
    return Shape(
        layers,
        d_model,
        heads,
        kv_heads,
        head_dim,
        ffn,
        vocab,
        seq,
        mlp,
        tied,
        bias,
        positions,
        experts,
        active,
        name,
        source,
    )


@dataclass(frozen=True)
class ParamCount:
    """Parameter counts and FLOPs per token of a shape."""

    shape: Shape
    total: float
    active: float  # parameters a token passes through (total for a dense model)
    embedding: float  # input embedding + untied output head + learned positions
    matmul: float  # N of 6N: active weights in matmuls per token (output head included, lookups excluded)
    attention_flops_fwd: float  # per token forward, Kaplan convention (2 * L * s * H * q)

    @property
    def non_embedding(self) -> float:
        return self.total - self.embedding

    @property
    def active_non_embedding(self) -> float:
        return self.active - self.embedding

    def training_flops_per_token(self, convention: str = "kaplan") -> float:
        """6N plus the attention term: 6*L*s*H*q (Kaplan) or 12*L*s*H*q (PaLM)."""
        if convention not in CONVENTIONS:
            raise InputError(f"unknown {convention!r}; use one of {', '.join(CONVENTIONS)}", param="convention")
        return 6 * self.matmul + 3 * self.attention_flops_fwd * CONVENTIONS[convention] / 6

    def inference_flops_per_token(self, convention: str = "kaplan") -> float:
        """One forward pass: a third of the training FLOPs (2N plus the forward attention term)."""
        return self.training_flops_per_token(convention) / 3


def count_params(shape: Shape) -> ParamCount:
    d, hq, gq = shape.d_model, shape.heads * shape.head_dim, shape.kv_heads * shape.head_dim
    attention = d * hq + 2 * d * gq + hq * d + (hq + 2 * gq + d if shape.bias else 0)
    if shape.positions == "relative":
        attention += d * hq  # Transformer-XL position projection W_R per layer (Dai et al. 2019, Sec. 3.3)
    expert = MLPS[shape.mlp] * d * shape.ffn
    if shape.bias:
        expert += (MLPS[shape.mlp] - 1) * shape.ffn + d
    router = d * shape.experts if shape.experts > 1 else 0
    norm = 2 * d if shape.bias else d
    layer = attention + shape.experts * expert + router + 2 * norm
    input_embedding = shape.vocab * d
    head = 0 if shape.tied else shape.vocab * d
    positions = shape.seq * d if shape.positions == "learned" else 0
    total = shape.layers * layer + norm + input_embedding + head + positions
    inactive = shape.layers * (shape.experts - shape.active_experts) * expert
    active = total - inactive
    embedding = input_embedding + head + positions
    matmul = active - embedding + shape.vocab * d  # the output projection is a matmul (tied or not)
    attention_fwd = 2 * shape.layers * shape.seq * hq
    return ParamCount(shape, float(total), float(active), float(embedding), float(matmul), float(attention_fwd))


# Named shapes. Each cites the paper or config it comes from; tests check the counts against the published
# totals (GPT-3 175B "174.6B", Llama 3 8B 8.03B, 70B 70.6B, 405B 405.9B, ...).
NAMED_SHAPES: dict[str, Shape] = {
    shape.name: shape
    for shape in (
        make_shape(
            name="gpt3-175b",
            layers=96,
            d_model=12288,
            heads=96,
            vocab=50257,
            seq=2048,
            mlp="gelu",
            tied=True,
            bias=True,
            positions="learned",
            source="Brown et al. 2020, Table 2.1: 96 layers, d 12288, 96 heads of 128, ffn 4d, context 2048",
        ),
        make_shape(
            name="gpt3-6.7b",
            layers=32,
            d_model=4096,
            heads=32,
            vocab=50257,
            seq=2048,
            mlp="gelu",
            tied=True,
            bias=True,
            positions="learned",
            source="Brown et al. 2020, Table 2.1: 32 layers, d 4096, 32 heads of 128",
        ),
        make_shape(
            name="chinchilla-70b",
            layers=80,
            d_model=8192,
            heads=64,
            ffn=32768,
            vocab=32000,
            seq=2048,
            mlp="gelu",
            tied=False,
            positions="relative",
            source="Hoffmann et al. 2022, Table 4: 80 layers, d 8192, 64 heads of 128, ffn 4d; relative "
            "positions as in Gopher (Rae et al. 2021)",
        ),
        make_shape(
            name="gopher-280b",
            layers=80,
            d_model=16384,
            heads=128,
            ffn=65536,
            vocab=32000,
            seq=2048,
            mlp="gelu",
            tied=False,
            positions="relative",
            source="Rae et al. 2021, Table 1: 80 layers, d 16384, 128 heads of 128, ffn 4d",
        ),
        make_shape(
            name="palm-540b",
            layers=118,
            d_model=18432,
            heads=48,
            kv_heads=1,
            head_dim=256,
            ffn=73728,
            vocab=256000,
            seq=2048,
            mlp="swiglu",
            tied=True,
            positions="rotary",
            source="Chowdhery et al. 2022, Table 1: 118 layers, d 18432, 48 heads of 256, multi-query, "
            "ffn 4d SwiGLU, shared 256k embeddings, no biases",
        ),
        make_shape(
            name="llama2-7b",
            layers=32,
            d_model=4096,
            heads=32,
            ffn=11008,
            vocab=32000,
            seq=4096,
            source="Touvron et al. 2023 (Llama 2); HF config: 32 layers, d 4096, ffn 11008, vocab 32000",
        ),
        make_shape(
            name="llama3-8b",
            layers=32,
            d_model=4096,
            heads=32,
            kv_heads=8,
            ffn=14336,
            vocab=128256,
            seq=8192,
            source="Llama Team 2024, Table 3: 32 layers, d 4096, ffn 14336, 32/8 heads, vocab 128256",
        ),
        make_shape(
            name="llama3-70b",
            layers=80,
            d_model=8192,
            heads=64,
            kv_heads=8,
            ffn=28672,
            vocab=128256,
            seq=8192,
            source="Llama Team 2024, Table 3: 80 layers, d 8192, ffn 28672, 64/8 heads",
        ),
        make_shape(
            name="llama3-405b",
            layers=126,
            d_model=16384,
            heads=128,
            kv_heads=8,
            ffn=53248,
            vocab=128256,
            seq=8192,
            source="Llama Team 2024, Table 3: 126 layers, d 16384, ffn 53248, 128/8 heads",
        ),
        make_shape(
            name="mixtral-8x7b",
            layers=32,
            d_model=4096,
            heads=32,
            kv_heads=8,
            ffn=14336,
            vocab=32000,
            seq=32768,
            experts=8,
            active_experts=2,
            source="Jiang et al. 2024 (Mixtral of Experts), Table 1: 32 layers, d 4096, 8 experts, top-2",
        ),
    )
}


def named_shape(name: str, **overrides: object) -> Shape:
    """A named shape, optionally with fields replaced (``seq=4096``)."""
    key = name.strip().lower()
    if key not in NAMED_SHAPES:
        raise InputError(
            f"unknown shape {name!r}{did_you_mean(name, NAMED_SHAPES)}; known: {', '.join(NAMED_SHAPES)}", param="model"
        )
    shape = NAMED_SHAPES[key]
    return replace(shape, **overrides) if overrides else shape  # type: ignore[arg-type]
