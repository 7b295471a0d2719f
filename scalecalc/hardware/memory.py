"""Training and inference memory of a transformer: model state, activations, KV cache, quantised weights.

Sources:
- Bytes per parameter of weights, gradients and optimizer state: Rajbhandari et al. 2020, "ZeRO" (Sec. 3.1:
  mixed-precision Adam holds 2 + 2 + K bytes with K = 12), EleutherAI "Transformer Math 101" (2023) and the
  cookbook's ``calc_transformer_mem.py`` (8-bit Adam, SGD with momentum).
- ZeRO stages (same paper, Sec. 5 and Fig. 1): stage 1 shards the optimizer state, stage 2 also the gradients,
  stage 3 also the weights, each over the data-parallel degree N_d.
- Activations per layer for a 16-bit GPT layer: Korthikanti et al. 2022, "Reducing Activation Recomputation in
  Large Transformer Models" (arXiv:2205.05198), Table 2, with sequence s, micro-batch b, hidden h, heads a and
  tensor-parallel degree t.
- KV cache: 2 (K and V) x layers x kv_heads x head_dim x bytes x sequence x batch.

Memory is in bytes; the CLI shows decimal GB (1e9 bytes). :func:`memory_report` puts it together for one model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from scalecalc.errors import InputError
from scalecalc.hardware.architecture import Shape, count_params

if TYPE_CHECKING:
    from scalecalc.presets.hardware import Accelerator


@dataclass(frozen=True)
class StateBytes:
    """Bytes per parameter of model weights, gradients and optimizer state for one training regime."""

    weights: float
    grads: float
    optimizer: float
    label: str
    source: str

    @property
    def total(self) -> float:
        return self.weights + self.grads + self.optimizer


TRAINING_REGIMES: dict[str, StateBytes] = {
    "adamw-fp32": StateBytes(
        4,
        4,
        8,
        "fp32 AdamW: fp32 weights and gradients, m and v",
        "Transformer Math 101 (EleutherAI 2023): 4 + 4 + 8 = 16 bytes/param",
    ),
    "adamw-mixed": StateBytes(
        2,
        2,
        12,
        "bf16 mixed-precision AdamW: fp32 master weights, m and v",
        "ZeRO (Rajbhandari et al. 2020), Sec. 3.1: 2 + 2 + K with K = 12, 16 bytes/param",
    ),
    "adamw-mixed-fp32-grads": StateBytes(
        2,
        4,
        12,
        "bf16 mixed-precision AdamW with fp32 gradient accumulation",
        "Transformer Math 101: gradients kept in fp32, 2 + 4 + 12 = 18 bytes/param",
    ),
    "adam-8bit": StateBytes(
        2,
        2,
        6,
        "8-bit Adam: fp32 master weights, 8-bit m and v",
        "Transformer Math 101; Dettmers et al. 2022 (bitsandbytes): 4 + 1 + 1 = 6 optimizer bytes",
    ),
    "sgd-momentum": StateBytes(
        2,
        2,
        8,
        "mixed-precision SGD with momentum: fp32 master weights and momentum",
        "Transformer Math 101: 4 + 4 = 8 optimizer bytes, 12 bytes/param",
    ),
}

# Bytes per weight for inference (and for --kv-dtype). int4 is half a byte; real int4 formats add group scales
# (e.g. one fp16 scale per 128 weights: +0.125 bits/weight), which are not counted here.
WEIGHT_BYTES: dict[str, float] = {"fp32": 4.0, "bf16": 2.0, "fp16": 2.0, "fp8": 1.0, "int8": 1.0, "int4": 0.5}
INFERENCE_DTYPES = ("fp32", "bf16", "fp8", "int8", "int4")
RECOMPUTE = ("none", "selective", "full")


def training_state_bytes(n_params: ArrayLike, regime: str = "adamw-mixed") -> np.ndarray:
    """Unsharded weights + gradients + optimizer state, in bytes."""
    return np.asarray(n_params, dtype=float) * _regime(regime).total


def _regime(regime: str) -> StateBytes:
    if regime not in TRAINING_REGIMES:
        raise InputError(f"unknown {regime!r}; use one of {', '.join(TRAINING_REGIMES)}", param="regime")
    return TRAINING_REGIMES[regime]


def activation_bytes_per_layer(
    seq: float,
    batch: float,
    hidden: float,
    heads: float,
    *,
    tp: int = 1,
    sequence_parallel: bool = False,
    recompute: str = "none",
) -> float:
    """Activation bytes one transformer layer keeps for the backward pass (Korthikanti et al. 2022, Table 2).

    none:      s b h (10 + 24/t + 5 a s / (h t))     with sequence parallelism  s b h (34/t + 5 a s / (h t))
    selective: s b h (10 + 24/t)                     with sequence parallelism  s b h 34/t
    full:      2 s b h  (only the layer input is kept; everything else is recomputed)

    The 5as/h term is the attention score matrix and its softmax/dropout; FlashAttention-style kernels never
    store it, so "selective" is also the right choice for a model that uses them.
    """
    if recompute not in RECOMPUTE:
        raise InputError(f"unknown {recompute!r}; use one of {', '.join(RECOMPUTE)}", param="recompute")
    if tp < 1:
        raise InputError(f"{tp} must be at least 1", param="tp")
    sbh = seq * batch * hidden
    attention = 5 * heads * seq / (hidden * tp)
    if recompute == "full":
        return 2 * sbh
    linear = 34 / tp if sequence_parallel else 10 + 24 / tp
    return sbh * (linear + (attention if recompute == "none" else 0.0))


def kv_cache_bytes(
    layers: float, kv_heads: float, head_dim: float, seq: float, batch: float, dtype_bytes: float
) -> float:
    """Keys and values of every layer for ``batch`` sequences of ``seq`` tokens."""
    return 2 * layers * kv_heads * head_dim * dtype_bytes * seq * batch


def inference_weight_bytes(n_params: float, dtype: str) -> float:
    if dtype not in WEIGHT_BYTES:
        raise InputError(f"unknown weight dtype {dtype!r}; use one of {', '.join(WEIGHT_BYTES)}")
    return n_params * WEIGHT_BYTES[dtype]


@dataclass(frozen=True)
class TrainingMemory:
    """Per-device training memory in bytes, and the assumptions behind it."""

    regime: str
    zero_stage: int
    data_parallel: int
    model_parallel: int  # tensor x pipeline: each device holds 1/model_parallel of the model state
    weights: float
    grads: float
    optimizer: float
    activations: float
    n_params: float

    @property
    def state(self) -> float:
        return self.weights + self.grads + self.optimizer

    @property
    def total(self) -> float:
        return self.state + self.activations

    @property
    def bytes_per_param(self) -> float:
        return TRAINING_REGIMES[self.regime].total


def training_memory(
    n_params: float,
    *,
    regime: str = "adamw-mixed",
    zero_stage: int = 0,
    data_parallel: int = 1,
    tp: int = 1,
    pp: int = 1,
    activations: float = 0.0,
) -> TrainingMemory:
    """Weights, gradients and optimizer state per device, sharded by ZeRO stage over ``data_parallel`` devices.

    Tensor and pipeline parallelism split the model state ``tp * pp`` ways first; ZeRO then shards each
    device's share over the data-parallel group (Rajbhandari et al. 2020, Fig. 1: a 7.5B model with N_d = 64
    needs 120, 31.4, 16.6 and 1.9 GB at stages 0-3). ``activations`` (bytes per device) are added as given.
    """
    per = _regime(regime)
    if zero_stage not in (0, 1, 2, 3):
        raise InputError(f"{zero_stage} is not a ZeRO stage; use 0, 1, 2 or 3", param="zero_stage")
    for param, value in (("data_parallel", data_parallel), ("tp", tp), ("pp", pp)):
        if value < 1:
            raise InputError(f"{value} must be at least 1", param=param)
    share = n_params / (tp * pp)
    dp = float(data_parallel)
    return TrainingMemory(
        regime=regime,
        zero_stage=zero_stage,
        data_parallel=data_parallel,
        model_parallel=tp * pp,
        weights=share * per.weights / (dp if zero_stage >= 3 else 1),
        grads=share * per.grads / (dp if zero_stage >= 2 else 1),
        optimizer=share * per.optimizer / (dp if zero_stage >= 1 else 1),
        activations=activations,
        n_params=n_params,
    )


def min_devices(state_bytes: float, activation_bytes: float, device_bytes: float) -> int | None:
    """Fewest devices whose memory holds the model state sharded over all of them (ZeRO-3 / FSDP) plus each
    device's own activations: the smallest n with state/n + activations <= device memory. None when the
    activations alone fill the device (recompute, a smaller micro-batch or tensor parallelism is needed)."""
    room = device_bytes - activation_bytes
    if room <= 0:
        return None
    return max(1, math.ceil(state_bytes / room))


# ------------------------------------------------------------------------------ one model on one accelerator


@dataclass(frozen=True)
class InferenceMemory:
    """Inference memory of the weights in one dtype plus the KV cache (NaN without a shape), in bytes."""

    dtype: str
    weights: float
    kv_cache: float
    devices: int | None  # accelerators needed to hold weights and cache; None without an accelerator

    @property
    def bytes_per_param(self) -> float:
        return WEIGHT_BYTES[self.dtype]

    @property
    def total(self) -> float:
        return self.weights + (0.0 if math.isnan(self.kv_cache) else self.kv_cache)


@dataclass(frozen=True)
class MemoryReport:
    """Training memory per device and inference memory by dtype of one model (``scalecalc memory``)."""

    shape: Shape | None  # None: the model is a parameter count only (model state, no activations or KV cache)
    n_params: float
    training: TrainingMemory
    tp: int
    pp: int
    recompute: str
    accelerator: Accelerator | None
    min_gpus: int | None  # None without an accelerator, or when the activations alone fill one
    inference: tuple[InferenceMemory, ...]
    notes: tuple[str, ...]

    @property
    def fits(self) -> bool | None:
        """Whether one accelerator holds the training memory per device (None without an accelerator)."""
        return None if self.accelerator is None else bool(self.training.total <= self.accelerator.memory_bytes)


def check_parallel_split(shape: Shape, tp: int, pp: int) -> None:
    """Tensor parallelism splits attention heads across devices and pipeline parallelism splits layers into
    stages (Narayanan et al. 2021, Sec. 2): a split that leaves a device a fraction of a head, or no layer, is
    not a run anyone can launch."""
    if tp > 0 and shape.heads % tp:
        raise InputError(f"{tp} does not divide the {shape.heads} attention heads; give a divisor of them", param="tp")
    if pp > shape.layers:
        raise InputError(f"{pp} pipeline stages for {shape.layers} layers; give at most {shape.layers}", param="pp")


def memory_report(
    *,
    shape: Shape | None = None,
    n_params: float | None = None,
    regime: str = "adamw-mixed",
    zero_stage: int = 0,
    data_parallel: int = 1,
    tp: int = 1,
    pp: int = 1,
    micro_batch: float = 1,
    recompute: str = "selective",
    sequence_parallel: bool = False,
    accelerator: Accelerator | None = None,
    context: int | None = None,
    infer_batch: float = 1,
    kv_dtype: str = "bf16",
) -> MemoryReport:
    """Training memory per device (weights, gradients, optimizer state, activations) and inference memory of the
    weights in every dtype of :data:`INFERENCE_DTYPES` plus a KV cache of ``infer_batch`` sequences of ``context``
    tokens (default: the shape's sequence) in ``kv_dtype``.

    Give a ``shape`` (activations and KV cache counted) or ``n_params`` (model state only). With an
    ``accelerator``, ``min_gpus`` is the fewest devices that hold the state sharded over all of them (ZeRO-3) plus
    each device's activations, counting the ``tp * pp`` model-parallel copies.
    """
    if recompute not in RECOMPUTE:
        raise InputError(f"unknown {recompute!r}; use one of {', '.join(RECOMPUTE)}", param="recompute")
    if kv_dtype not in WEIGHT_BYTES:
        raise InputError(f"unknown {kv_dtype!r}; use one of {', '.join(WEIGHT_BYTES)}", param="kv_dtype")
    if shape is not None:
        check_parallel_split(shape, tp, pp)
        n_params = count_params(shape).total
    elif n_params is None:
        raise InputError("give a shape or a number of parameters", param="n_params")
    notes: list[str] = []
    activations = 0.0
    if shape is not None:
        per_layer = activation_bytes_per_layer(
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
    training = training_memory(
        n_params,
        regime=regime,
        zero_stage=zero_stage,
        data_parallel=data_parallel,
        tp=tp,
        pp=pp,
        activations=activations,
    )
    min_gpus = None
    if accelerator is not None:
        state = training_state_bytes(n_params, regime) / (tp * pp)
        devices = min_devices(float(state), activations, accelerator.memory_bytes)
        min_gpus = devices * tp * pp if devices is not None else None
        notes.append(
            f"min_gpus: fewest {accelerator.name} ({accelerator.memory_bytes / 1e9:g} GB) holding the state "
            "sharded over all of them (ZeRO-3) plus each device's activations; no buffers or fragmentation"
        )
    kv = float("nan")
    if shape is not None:
        kv = kv_cache_bytes(
            shape.layers, shape.kv_heads, shape.head_dim, context or shape.seq, infer_batch, WEIGHT_BYTES[kv_dtype]
        )
    inference = []
    for dtype in INFERENCE_DTYPES:
        row = InferenceMemory(dtype, inference_weight_bytes(n_params, dtype), kv, None)
        if accelerator is not None:
            row = replace(row, devices=math.ceil(row.total / accelerator.memory_bytes))
        inference.append(row)
    return MemoryReport(
        shape, n_params, training, tp, pp, recompute, accelerator, min_gpus, tuple(inference), tuple(notes)
    )
