"""Training and inference memory against the ZeRO paper, Korthikanti et al. 2022 and hand arithmetic."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scalecalc.errors import InputError
from scalecalc.hardware import memory as mem
from scalecalc.hardware.architecture import count_params, named_shape


# -- bytes per parameter (Transformer Math 101; ZeRO Sec. 3.1) ------------------------------------------------------
@pytest.mark.parametrize(
    ("regime", "total"),
    [("adamw-fp32", 16), ("adamw-mixed", 16), ("adamw-mixed-fp32-grads", 18), ("adam-8bit", 10), ("sgd-momentum", 12)],
)
def test_bytes_per_param_table(regime: str, total: float) -> None:
    assert mem.TRAINING_REGIMES[regime].total == total
    assert float(mem.training_state_bytes(1e9, regime)) == total * 1e9


# -- ZeRO, Rajbhandari et al. 2020, Figure 1: a 7.5B model, N_d = 64, K = 12 ------------------------------------
@pytest.mark.parametrize(("stage", "published_gb"), [(0, 120), (1, 31.4), (2, 16.6), (3, 1.9)])
def test_zero_paper_figure_1(stage: int, published_gb: float) -> None:
    memory = mem.training_memory(7.5e9, regime="adamw-mixed", zero_stage=stage, data_parallel=64)
    assert memory.state / 1e9 == pytest.approx(published_gb, abs=0.05)


def test_model_parallelism_splits_state_before_zero() -> None:
    memory = mem.training_memory(8e9, zero_stage=1, data_parallel=4, tp=2, pp=2, activations=1e9)
    share = 8e9 / 4
    assert memory.weights == share * 2 and memory.grads == share * 2 and memory.optimizer == share * 12 / 4
    assert memory.total == memory.state + 1e9


# -- activations, Korthikanti et al. 2022, Table 2 ------------------------------------------------------------------
def test_gpt3_attention_term_and_the_70_percent_saving() -> None:
    # Sec. 5: for GPT-3 175B (a = 96, s = 2048, h = 12288) 5as/h = 80, so selective recomputation stores 34 of
    # 34 + 80 bytes per s*b*h: a 70% cut in activation memory.
    s, b, h, a = 2048, 1, 12288, 96
    assert 5 * a * s / h == 80
    none = mem.activation_bytes_per_layer(s, b, h, a, recompute="none")
    selective = mem.activation_bytes_per_layer(s, b, h, a, recompute="selective")
    assert none == s * b * h * (34 + 80)
    assert 1 - selective / none == pytest.approx(0.70, abs=0.005)


@pytest.mark.parametrize("t", [1, 2, 8])
def test_table_2_rows_with_tensor_and_sequence_parallelism(t: int) -> None:
    s, b, h, a = 4096, 2, 8192, 64
    sbh = s * b * h
    attention = 5 * a * s / (h * t)
    assert mem.activation_bytes_per_layer(s, b, h, a, tp=t) == pytest.approx(sbh * (10 + 24 / t + attention))
    assert mem.activation_bytes_per_layer(s, b, h, a, tp=t, sequence_parallel=True) == pytest.approx(
        sbh * (34 / t + attention)
    )
    assert mem.activation_bytes_per_layer(s, b, h, a, tp=t, recompute="selective") == pytest.approx(sbh * (10 + 24 / t))
    assert mem.activation_bytes_per_layer(
        s, b, h, a, tp=t, sequence_parallel=True, recompute="selective"
    ) == pytest.approx(sbh * 34 / t)
    assert mem.activation_bytes_per_layer(s, b, h, a, tp=t, recompute="full") == 2 * sbh


# -- KV cache and quantised weights -------------------------------------------------------------------------------
def test_llama3_70b_kv_cache() -> None:
    # 2 (K, V) x 80 layers x 8 kv heads x 128 dims x 2 bytes = 327,680 bytes (320 KiB) per token in bf16.
    shape = named_shape("llama3-70b")
    per_token = mem.kv_cache_bytes(shape.layers, shape.kv_heads, shape.head_dim, 1, 1, 2)
    assert per_token == 327_680 == 320 * 1024
    assert mem.kv_cache_bytes(80, 8, 128, 131072, 1, 2) / 1e9 == pytest.approx(42.95, abs=0.01)
    assert mem.kv_cache_bytes(80, 8, 128, 131072, 4, 1) == 2 * mem.kv_cache_bytes(80, 8, 128, 131072, 1, 2)


def test_inference_weights_by_dtype() -> None:
    n = count_params(named_shape("llama3-405b")).total
    assert mem.inference_weight_bytes(n, "bf16") / 1e9 == pytest.approx(810, rel=0.005)  # "810 GB in fp16"
    assert mem.inference_weight_bytes(8.03e9, "bf16") / 1e9 == pytest.approx(16.06)  # Llama 3 8B safetensors
    assert [mem.inference_weight_bytes(1.0, d) for d in mem.INFERENCE_DTYPES] == [4, 2, 1, 1, 0.5]
    with pytest.raises(InputError, match="int3"):
        mem.inference_weight_bytes(1.0, "int3")


# -- the fewest devices ---------------------------------------------------------------------------------------------
@settings(max_examples=100, deadline=None)
@given(st.floats(1e9, 1e14), st.floats(0, 70e9), st.sampled_from([16e9, 80e9, 192e9]))
def test_min_devices_is_the_smallest_that_fits(state: float, activations: float, device: float) -> None:
    n = mem.min_devices(state, activations, device)
    if activations >= device:
        assert n is None
        return
    assert n is not None
    assert state / n + activations <= device * (1 + 1e-12)
    if n > 1:
        assert state / (n - 1) + activations > device


def test_min_devices_of_a_70b_model_on_h100() -> None:
    # 70B x 16 bytes = 1,120 GB of state; with 20 GB of activations each 80 GB device holds 60 GB of it.
    assert mem.min_devices(70e9 * 16, 20e9, 80e9) == math.ceil(1120 / 60)


# -- bad input ------------------------------------------------------------------------------------------------------
def test_bad_memory_options() -> None:
    with pytest.raises(InputError, match="^zero_stage: 4"):
        mem.training_memory(1e9, zero_stage=4)
    with pytest.raises(InputError, match="^regime: unknown 'lion'"):
        mem.training_memory(1e9, regime="lion")
    with pytest.raises(InputError, match="^recompute: unknown"):
        mem.activation_bytes_per_layer(1, 1, 1, 1, recompute="some")
    with pytest.raises(InputError, match="^data_parallel: 0 must be"):
        mem.training_memory(1e9, data_parallel=0)


# -- one model on one accelerator (scalecalc memory) ---------------------------------------------------------------
def test_memory_report_adds_up_its_parts() -> None:
    from scalecalc.presets.hardware import load_accelerator

    shape = named_shape("llama3-70b")
    h100 = load_accelerator("h100")
    report = mem.memory_report(shape=shape, zero_stage=3, data_parallel=64, tp=8, micro_batch=1, accelerator=h100)
    n = count_params(shape).total
    activations = shape.layers * mem.activation_bytes_per_layer(
        shape.seq, 1, shape.d_model, shape.heads, tp=8, recompute="selective"
    )
    assert report.n_params == n
    assert report.training.total == pytest.approx(16 * n / 8 / 64 + activations)
    # the fewest H100s holding 16 bytes/param sharded over all of them plus each device's activations, x tp
    assert report.min_gpus == 8 * math.ceil(16 * n / 8 / (h100.memory_bytes - activations))
    assert report.fits is True
    bf16 = next(row for row in report.inference if row.dtype == "bf16")
    kv = 2 * shape.layers * shape.kv_heads * shape.head_dim * 2 * shape.seq
    assert bf16.weights == 2 * n and bf16.kv_cache == kv and bf16.devices == math.ceil((2 * n + kv) / 80e9)


def test_memory_report_of_a_parameter_count_has_no_activations_or_kv_cache() -> None:
    report = mem.memory_report(n_params=7.5e9, zero_stage=3, data_parallel=64)
    assert report.training.total == pytest.approx(16 * 7.5e9 / 64)  # ZeRO paper, Fig. 1: 1.9 GB
    assert report.min_gpus is None and report.fits is None
    assert all(math.isnan(row.kv_cache) for row in report.inference)
    with pytest.raises(InputError, match="^kv_dtype: unknown 'fp6'"):
        mem.memory_report(n_params=1e9, kv_dtype="fp6")
