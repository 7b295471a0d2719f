"""Accelerator files and the FLOPs -> GPU-hours -> days -> dollars -> energy arithmetic, against published runs."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scalecalc.errors import InputError, PresetError
from scalecalc.hardware import accelerators as hw
from scalecalc.hardware.architecture import count_params, named_shape
from scalecalc.presets import hardware as chips

REQUIRED = ["a100", "h100", "h200", "b200", "gb200", "mi300x", "tpu-v4", "tpu-v5e", "tpu-v5p", "tpu-v6e"]


# -- the shipped files ----------------------------------------------------------------------------------------
def test_every_required_accelerator_ships_and_loads() -> None:
    names = {chip.name for chip in chips.load_all_accelerators()}
    assert set(REQUIRED) | {"h800"} <= names


# Dense peak TFLOP/s, memory GB and bandwidth TB/s as published (see each file's sources): NVIDIA's tables
# quote 2:4-sparse figures, so dense = sparse / 2 (H100: 1,979 sparse BF16; B200: 4.5 PF sparse BF16).
PUBLISHED = {
    "a100": {"bf16": 312, "tf32": 156, "memory": 80, "bandwidth": 2.039},
    "h100": {"bf16": 1979 / 2, "fp8": 3958 / 2, "tf32": 989 / 2, "memory": 80, "bandwidth": 3.35},
    "h200": {"bf16": 1979 / 2, "fp8": 3958 / 2, "memory": 141, "bandwidth": 4.8},
    "b200": {"bf16": 4500 / 2, "fp8": 9000 / 2, "tf32": 2200 / 2, "memory": 180, "bandwidth": 7.7},
    "gb200": {"bf16": 5000 / 2, "fp8": 10000 / 2, "tf32": 2500 / 2, "memory": 186, "bandwidth": 8.0},
    "mi300x": {"bf16": 1307.4, "fp8": 2614.9, "tf32": 653.7, "memory": 192, "bandwidth": 5.3},
    "tpu-v4": {"bf16": 275, "memory": 32 * 2**30 / 1e9, "bandwidth": 1.2},
    "tpu-v5e": {"bf16": 197, "memory": 16, "bandwidth": 0.819},
    "tpu-v5p": {"bf16": 459, "memory": 95, "bandwidth": 2.765},
    "tpu-v6e": {"bf16": 918, "memory": 32, "bandwidth": 1.638},
}


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_dense_peaks_memory_and_bandwidth_match_the_datasheets(name: str) -> None:
    chip = chips.load_accelerator(name)
    expected = PUBLISHED[name]
    for dtype in ("bf16", "fp8", "tf32"):
        if dtype in expected:
            assert chip.peak_flops(dtype) == pytest.approx(expected[dtype] * 1e12, rel=1e-3)
    assert chip.memory_bytes == pytest.approx(expected["memory"] * 1e9, rel=1e-3)
    assert chip.memory_bandwidth == pytest.approx(expected["bandwidth"] * 1e12, rel=1e-3)


def test_no_fp8_where_the_chip_has_none() -> None:
    for name in ("a100", "tpu-v4", "tpu-v5e", "tpu-v5p", "tpu-v6e"):
        assert "fp8" not in chips.load_accelerator(name).dense_flops
    with pytest.raises(InputError, match=r"dtype: a100 has no fp8 peak; available: tf32, bf16"):
        chips.load_accelerator("a100").peak_flops("fp8")


def test_every_figure_has_a_source_and_every_price_a_date() -> None:
    for chip in chips.load_all_accelerators():
        assert all(source.strip() for source in chip.sources.values())
        assert any(key.startswith("dense_tflops.") for key in chip.sources)
        if chip.price is not None:
            assert chip.price.as_of and chip.document["price_per_hour"]["approximate"] is True


def test_names_and_aliases_are_case_insensitive() -> None:
    assert chips.load_accelerator("H100").name == "h100"
    assert chips.load_accelerator("H100-SXM").name == "h100"
    assert chips.load_accelerator("v5p").name == "tpu-v5p"
    assert chips.load_accelerator("Trillium").name == "tpu-v6e"


def test_unknown_accelerator_lists_the_known_ones() -> None:
    with pytest.raises(PresetError) as caught:
        chips.load_accelerator("h900")
    message = str(caught.value)
    assert "unknown accelerator 'h900'" in message and "\n" not in message
    for name in REQUIRED:
        assert name in message


# -- golden: published runs imply their MFU ----------------------------------------------------------------------
def test_llama_3_1_405b_implies_an_mfu_near_35_percent() -> None:
    # Llama 3.1 model card: 405B trained with 3.8e25 FLOPs over 30.84M H100-80GB GPU-hours. The paper reports
    # 38-43% BF16 MFU in steady state (arXiv:2407.21783, Table 4); over the whole run (restarts, ramp) ~35%.
    mfu = hw.implied_mfu(3.8e25, 30.84e6, chips.load_accelerator("h100").peak_flops("bf16"))
    assert mfu == pytest.approx(3.8e25 / (30.84e6 * 3600 * 989.4e12))
    assert 0.33 < mfu < 0.40


def test_deepseek_v3_implies_about_35_percent_of_bf16_peak() -> None:
    # DeepSeek-V3 report (arXiv:2412.19437): 14.8T tokens, 37B activated parameters, 2.664M H800 GPU-hours of
    # pre-training (Table 1; 2.788M in all). Trained in FP8, so the FP8 MFU is half.
    flops = 6 * 37e9 * 14.8e12
    h800 = chips.load_accelerator("h800")
    assert hw.implied_mfu(flops, 2.664e6, h800.peak_flops("bf16")) == pytest.approx(0.35, abs=0.01)
    assert hw.implied_mfu(flops, 2.664e6, h800.peak_flops("fp8")) == pytest.approx(0.17, abs=0.01)


def test_palm_540b_reproduces_its_published_46_2_percent_mfu() -> None:
    # Chowdhery et al. 2022, Sec. 4.1 and App. B: 238.3K tokens/s on 6144 TPU v4 chips, 6N + 12*L*H*Q*T
    # FLOPs per token, reported MFU 46.2%.
    per_token = count_params(named_shape("palm-540b")).training_flops_per_token("palm")
    tokens_per_hour = 238.3e3 * 3600
    mfu = hw.implied_mfu(per_token * tokens_per_hour, 6144.0, chips.load_accelerator("tpu-v4").peak_flops("bf16"))
    assert mfu == pytest.approx(0.462, abs=0.001)


def test_the_reference_anchor_1e24_flops_on_h100() -> None:
    # planner reference A4: 1e24 FLOPs on H100 at 40% MFU = 7.0e5 GPU-hours, 28.6 days on 1,024 GPUs, $1.4-2.8M
    hours = float(hw.gpu_hours(1e24, 989.4e12, 0.4)[()])
    assert hours == pytest.approx(7.02e5, rel=0.005)
    assert float(hw.wall_clock_days(hours, 1024)[()]) == pytest.approx(28.6, abs=0.05)
    # $1.4-2.8M is the cost at $2-4 per GPU-hour
    assert hours * 2.0 == pytest.approx(1.4e6, rel=0.01) and hours * 4.0 == pytest.approx(2.8e6, rel=0.01)


def test_energy_of_the_llama_3_1_405b_run() -> None:
    # 30.84M GPU-hours at the model card's 700 W TDP: 21,588 MWh of GPU energy (before host, network, PUE).
    assert float(hw.energy_mwh(30.84e6, 700.0)[()]) == pytest.approx(30.84e6 * 0.7 / 1e3)


@settings(max_examples=60, deadline=None)
@given(st.floats(1, 1e5), st.floats(0.01, 1000), st.floats(1e12, 1e16), st.floats(0.01, 1.0))
def test_days_to_flops_and_back(n_gpus: float, days: float, peak: float, mfu: float) -> None:
    flops = hw.flops_in_time(n_gpus, days, peak, mfu)
    back = hw.wall_clock_days(hw.gpu_hours(flops, peak, mfu), n_gpus)
    assert float(back[()]) == pytest.approx(days, rel=1e-9)
    assert hw.implied_mfu(float(flops[()]), n_gpus * days * 24, peak) == pytest.approx(mfu, rel=1e-9)


@pytest.mark.parametrize("mfu", [0.0, -0.1, 1.0001, 1.5, math.nan, math.inf])
def test_mfu_outside_zero_one(mfu: float) -> None:
    with pytest.raises(InputError, match=r"mfu: .* is outside \(0, 1\]"):
        hw.check_mfu(mfu)


def test_mfu_of_one_is_allowed() -> None:
    assert hw.check_mfu(1.0) == 1.0


# -- the row maths behind `plan --gpu` ----------------------------------------------------------------------------
def test_hardware_columns_against_hand_arithmetic() -> None:
    chip = chips.load_accelerator("h100")
    plan = hw.HardwarePlan(chip, mfu=0.5, n_gpus=2048, price=2.0)
    flops = np.array([1e23, 1e24])
    params = np.array([3e10, 9e10])
    extra = hw.hardware_columns(flops, params, plan)
    hours = flops / (989.4e12 * 0.5 * 3600)
    np.testing.assert_allclose(extra.columns["gpu_hours"], hours)
    np.testing.assert_allclose(extra.columns["days"], hours / 2048 / 24)
    np.testing.assert_allclose(extra.columns["cost_usd"], hours * 2.0)
    np.testing.assert_allclose(extra.columns["energy_mwh"], hours * 700 / 1e6)
    np.testing.assert_allclose(extra.columns["train_state_gb"], params * 16 / 1e9)  # bf16 mixed AdamW
    np.testing.assert_array_equal(extra.columns["min_gpus"], [6, 18])  # ceil(480/80), ceil(1440/80)
    np.testing.assert_allclose(extra.columns["state_gb_per_gpu"], params * 16 / 2048 / 1e9)
    assert list(extra.columns["mfu"]) == [0.5, 0.5]
    assert any("given $2" in note for note in extra.notes)


def test_default_price_is_marked_approximate_and_tpus_have_none() -> None:
    h100 = hw.hardware_columns([1e24], [1e11], hw.HardwarePlan(chips.load_accelerator("h100")))
    assert h100.columns["cost_usd"][0] == pytest.approx(h100.columns["gpu_hours"][0] * 2.95)
    assert any("approximate" in note and "2026-06" in note for note in h100.notes)
    tpu = hw.hardware_columns([1e24], [1e11], hw.HardwarePlan(chips.load_accelerator("tpu-v5p")))
    assert math.isnan(tpu.columns["cost_usd"][0]) and "energy_mwh" not in tpu.columns
    assert any("give `price`" in note for note in tpu.notes)


def test_state_that_does_not_fit_warns() -> None:
    plan = hw.HardwarePlan(chips.load_accelerator("h100"), n_gpus=8)
    extra = hw.hardware_columns([1e25], [4e11], plan)  # 6.4 TB of state over 8 x 80 GB
    assert extra.warnings and "do not fit" in extra.warnings[0]


def test_days_need_gpus_and_plan_values_are_checked() -> None:
    with pytest.raises(InputError, match=r"^days: needs a number of accelerators \(n_gpus\)"):
        hw.HardwarePlan(chips.load_accelerator("h100")).flops_for_days([30])
    with pytest.raises(InputError, match="^n_gpus: 0.5 must be a whole number"):
        hw.HardwarePlan(chips.load_accelerator("h100"), n_gpus=0.5)
    with pytest.raises(InputError, match="^price: -1 must be a positive number"):
        hw.HardwarePlan(chips.load_accelerator("h100"), price=-1.0)


def test_reverse_query_30_days_on_1024_h100() -> None:
    plan = hw.HardwarePlan(chips.load_accelerator("h100"), mfu=0.4, n_gpus=1024)
    assert float(plan.flops_for_days([30])[0]) == pytest.approx(1024 * 30 * 86400 * 989.4e12 * 0.4)


# -- user files and the wheel layout ---------------------------------------------------------------------------------
USER_CHIP = """\
name: my-chip
title: A lab accelerator
vendor: Lab
checked: "2026-11-01"
dense_tflops:
  bf16: {value: 500, source: "our benchmark"}
memory_gb: {value: 64, source: "spec sheet"}
memory_bandwidth_tbps: {value: 2.0, source: "spec sheet"}
"""


def test_user_hardware_folder_on_the_presets_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "hardware").mkdir()
    (tmp_path / "hardware" / "my-chip.yaml").write_text(USER_CHIP)
    monkeypatch.setenv("SCALECALC_PRESETS_PATH", str(tmp_path))
    chip = chips.load_accelerator("my-chip")
    assert chip.peak_flops("bf16") == 500e12 and chip.power_watts is None and chip.price is None
    assert "my-chip" in {c.name for c in chips.load_all_accelerators()}


def test_hardware_file_by_path(tmp_path: Path) -> None:
    path = tmp_path / "chip.yaml"
    path.write_text(USER_CHIP)
    assert chips.load_accelerator(str(path)).name == "my-chip"
    with pytest.raises(PresetError, match="does not exist"):
        chips.load_accelerator(str(tmp_path / "missing.yaml"))


def test_installed_layout_reads_the_hardware_folder_inside_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A wheel ships presets/ as scalecalc/_presets (pyproject force-include), so hardware/ comes along.
    from scalecalc.presets import _loader

    (tmp_path / "hardware").mkdir()
    (tmp_path / "hardware" / "my-chip.yaml").write_text(USER_CHIP)
    monkeypatch.setattr(_loader, "builtin_presets_dir", lambda: tmp_path)
    assert chips.hardware_dirs()[-1] == tmp_path / "hardware"
    assert [c.name for c in chips.load_all_accelerators()] == ["my-chip"]


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (lambda d: d["dense_tflops"]["bf16"].pop("source"), "dense_tflops.bf16.source"),
        (lambda d: d["dense_tflops"].update({"bf16-sparse": {"value": 1, "source": "x"}}), "dense_tflops.bf16-sparse"),
        (lambda d: d.pop("memory_gb"), "memory_gb"),
        (lambda d: d["dense_tflops"]["bf16"].update({"value": -5}), "dense_tflops.bf16.value"),
        (
            lambda d: d.update({"price_per_hour": {"value": 2, "as_of": "2026", "source": "x"}}),
            "price_per_hour.approximate",
        ),
        (
            lambda d: d.update({"price_per_hour": {"value": 2, "approximate": True, "source": "x"}}),
            "price_per_hour.as_of",
        ),
    ],
)
def test_schema_errors_name_the_file_and_key(change, key: str) -> None:
    import yaml

    document = yaml.safe_load(USER_CHIP)
    change(document)
    with pytest.raises(PresetError, match=rf"^mine\.yaml: key '{key}'"):
        chips.accelerator_from_document(document, "mine.yaml")
