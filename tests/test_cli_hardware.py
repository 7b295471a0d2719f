"""`plan --gpu ...`, `arch`, `memory` and `hardware list|show` through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT, invoke

H100_BF16 = 989.4e12


def records(result) -> list[dict]:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# -- plan --gpu -----------------------------------------------------------------------------------------------------
def test_plan_adds_hours_days_cost_energy_and_memory(runner) -> None:
    args = ["plan", "--flops", "1e24,1e25", "--gpu", "h100", "--gpus", "1024", "--mfu", "0.4", "--price", "2.5"]
    rows = records(invoke(runner, [*args, "--format", "json"]))
    assert len(rows) == 2
    for row in rows:
        hours = row["flops"] / (H100_BF16 * 0.4 * 3600)
        assert row["gpu"] == "h100" and row["dtype"] == "bf16" and row["mfu"] == 0.4
        assert row["gpu_hours"] == pytest.approx(hours)
        assert row["days"] == pytest.approx(hours / 1024 / 24)
        assert row["cost_usd"] == pytest.approx(hours * 2.5)
        assert row["energy_mwh"] == pytest.approx(hours * 0.7 / 1000)
        assert row["train_state_gb"] == pytest.approx(row["params"] * 16 / 1e9)
        assert row["min_gpus"] == -(-row["params"] * 16 // 80e9)
    assert rows[0]["days"] == pytest.approx(28.6, abs=0.05)  # the reference anchor: 1e24 on 1,024 H100 at 40%


def test_plan_shows_the_default_mfu_and_approximate_price(runner) -> None:
    result = invoke(runner, ["plan", "--flops", "1e24", "--gpu", "h100", "--format", "table"])
    assert result.exit_code == 0, result.stderr
    assert "MFU" in result.stdout and "0.4000" in result.stdout
    assert "approximate" in result.stdout and "2026-06" in result.stdout
    (row,) = records(invoke(runner, ["plan", "--flops", "1e24", "--gpu", "h100", "--format", "json"]))
    assert row["mfu"] == 0.4 and row["price_per_gpu_hour"] == 2.95 and "days" not in row


def test_plan_reverse_query_from_days(runner) -> None:
    args = ["plan", "--gpu", "h100", "--gpus", "1024", "--days", "30", "--mfu", "0.4", "--format", "json"]
    (row,) = records(invoke(runner, args))
    assert row["flops"] == pytest.approx(1024 * 30 * 86400 * H100_BF16 * 0.4)
    assert row["days"] == pytest.approx(30)
    assert row["tokens"] == pytest.approx(row["flops"] / (6 * row["params"]))


def test_plan_reverse_query_for_several_durations(runner) -> None:
    rows = records(invoke(runner, ["plan", "--gpu", "b200", "--gpus", "512", "--days", "30,90", "--format", "json"]))
    assert [row["days"] for row in rows] == pytest.approx([30, 90])
    assert [row["flops"] for row in rows] == pytest.approx([512 * d * 86400 * 2250e12 * 0.4 for d in (30, 90)])


def test_plan_fp8_dtype_doubles_the_peak(runner) -> None:
    bf16 = records(invoke(runner, ["plan", "--flops", "1e24", "--gpu", "h100", "--format", "json"]))[0]
    fp8 = records(invoke(runner, ["plan", "--flops", "1e24", "--gpu", "h100", "--dtype", "fp8", "--format", "json"]))[0]
    assert bf16["gpu_hours"] / fp8["gpu_hours"] == pytest.approx(1978.9 / 989.4)


def test_plan_field_and_other_questions_with_gpu(runner) -> None:
    result = invoke(runner, ["plan", "--params", "7B", "--tokens", "2T", "--gpu", "a100", "-f", "gpu_hours"])
    assert result.exit_code == 0, result.stderr
    assert float(result.stdout) == pytest.approx(6 * 7e9 * 2e12 / (312e12 * 0.4 * 3600))


def test_plan_without_gpu_is_unchanged(runner) -> None:
    (row,) = records(invoke(runner, ["plan", "--flops", "1e24", "--format", "json"]))
    assert "gpu_hours" not in row


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--gpu", "h900"], "--gpu: unknown accelerator 'h900' (did you mean 'h800'?); known: a100, b200, gb200, h100"),
        (["--gpu", "h100", "--mfu", "0"], "--mfu: 0 is outside (0, 1]"),
        (["--gpu", "h100", "--mfu", "1.5"], "--mfu: 1.5 is outside (0, 1]"),
        (["--gpu", "h100", "--mfu", "high"], "--mfu: cannot read 'high'"),
        (["--mfu", "0.5"], "--mfu needs --gpu"),
        (["--gpu", "a100", "--dtype", "fp8"], "--dtype: a100 has no fp8 peak"),
        (["--gpu", "h100", "--gpus", "8", "--days", "3"], "give --flops or --days"),
        (["--gpu", "h100", "--gpus", "1.5"], "--gpus: '1.5' must be a whole number"),
        (["--gpu", "h100", "--price", "-2"], "--price"),
    ],
)
def test_plan_hardware_errors_are_one_line_exit_2(runner, args: list[str], message: str) -> None:
    result = invoke(runner, ["plan", "--flops", "1e24", *args])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")


def test_days_without_gpus(runner) -> None:
    result = invoke(runner, ["plan", "--gpu", "h100", "--days", "30"])
    assert result.exit_code == 2 and "--days needs --gpus" in result.stderr


# -- arch ---------------------------------------------------------------------------------------------------------
def test_arch_named_shapes(runner) -> None:
    rows = records(
        invoke(runner, ["arch", "--model", "gpt3-175b,llama3-8b,llama3-70b,llama3-405b", "--format", "json"])
    )
    sizes = {row["model"]: row["params"] for row in rows}
    assert sizes["gpt3-175b"] == pytest.approx(174.6e9, abs=0.05e9)
    assert sizes["llama3-8b"] == pytest.approx(8.03e9, abs=0.005e9)
    assert sizes["llama3-70b"] == pytest.approx(70.6e9, abs=0.05e9)
    assert sizes["llama3-405b"] == pytest.approx(406e9, abs=0.2e9)


def test_arch_explicit_shape_equals_the_named_one(runner) -> None:
    shape = ["--layers", "32", "--d-model", "4096", "--heads", "32", "--kv-heads", "8", "--ffn", "14336"]
    explicit = invoke(runner, ["arch", *shape, "--vocab", "128256", "--seq", "8k", "-f", "params"])
    named = invoke(runner, ["arch", "--model", "llama3-8b", "-f", "params"])
    assert explicit.exit_code == 0, explicit.stderr
    assert explicit.stdout == named.stdout and float(named.stdout) == 8_030_261_248


def test_arch_moe_and_conventions(runner) -> None:
    args = [
        "arch",
        "--layers",
        "32",
        "--d-model",
        "4096",
        "--heads",
        "32",
        "--kv-heads",
        "8",
        "--ffn",
        "14336",
        "--vocab",
        "32000",
        "--experts",
        "8",
        "--active-experts",
        "2",
        "--convention",
        "palm",
        "--format",
        "json",
    ]
    (row,) = records(invoke(runner, args))
    assert row["params"] == pytest.approx(46.7e9, abs=0.05e9)  # Mixtral 8x7B
    assert row["active_params"] == pytest.approx(12.9e9, abs=0.05e9)
    L, s, d = 32, 2048, 4096
    assert row["flops_per_token"] == row["flops_per_token_palm"]
    assert row["flops_per_token_palm"] - row["flops_per_token_kaplan"] == pytest.approx(6 * L * s * d)
    assert row["inference_flops_per_token"] == pytest.approx(row["flops_per_token"] / 3)


def test_arch_tokens_give_gpt3_training_compute(runner) -> None:
    (row,) = records(invoke(runner, ["arch", "--model", "gpt3-175b", "--tokens", "300B", "--format", "json"]))
    assert 6 * row["params"] * row["tokens"] == pytest.approx(3.14e23, rel=0.002)  # Brown et al. 2020, Table D.1
    assert row["training_flops"] == pytest.approx(row["flops_per_token"] * 300e9)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--layers", "2", "--d-model", "64", "--heads", "2", "--experts", "4", "--active-experts", "5"],
            "--active-experts: 5 is more than --experts 4",
        ),
        (["--layers", "2"], "give --model NAME or a shape with --d-model, --heads"),
        (["--model", "gpt5"], "--model: unknown shape 'gpt5' (did you mean 'gpt3-175b'?); known: gpt3-175b"),
        (["--model", "llama3-8b", "--layers", "3"], "--model: give a named shape or --layers"),
        (["--model", "llama3-8b", "--convention", "x"], "--convention: unknown convention 'x'"),
        (["--layers", "2.5", "--d-model", "64", "--heads", "2"], "--layers: '2.5' must be a whole number"),
    ],
)
def test_arch_errors(runner, args: list[str], message: str) -> None:
    result = invoke(runner, ["arch", *args])
    assert result.exit_code == 2 and message in result.stderr and result.stderr.count("\n") == 1


# -- memory ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("stage", "published"), [(0, 120), (1, 31.4), (2, 16.6), (3, 1.9)])
def test_memory_zero_paper_figure_1(runner, stage: int, published: float) -> None:
    result = invoke(runner, ["memory", "--params", "7.5B", "--zero", str(stage), "--dp", "64", "-f", "total_gb"])
    assert result.exit_code == 0, result.stderr
    assert float(result.stdout) == pytest.approx(published, abs=0.05)


def test_memory_kv_cache_and_quantised_weights(runner) -> None:
    args = ["memory", "--model", "llama3-70b", "--context", "131072", "--format", "json"]  # k is 1000 here
    document = records(invoke(runner, args))
    inference = {row["dtype"]: row for row in document["inference"]}
    assert inference["bf16"]["kv_cache_gb"] == pytest.approx(2 * 80 * 8 * 128 * 2 * 131072 / 1e9)
    n = document["training"]["params"]
    for dtype, size in (("fp32", 4), ("bf16", 2), ("fp8", 1), ("int8", 1), ("int4", 0.5)):
        assert inference[dtype]["weights_gb"] == pytest.approx(n * size / 1e9)
        assert inference[dtype]["weights_vs_bf16"] == pytest.approx(size / 2 - 1)  # int4 saves 75% of bf16


def test_memory_activations_and_min_gpus(runner) -> None:
    args = [
        "memory",
        "--model",
        "gpt3-175b",
        "--recompute",
        "selective",
        "--tp",
        "8",
        "--sequence-parallel",
        "--gpu",
        "a100",
        "--format",
        "json",
    ]
    summary = records(invoke(runner, args))["training"]
    per_layer = 2048 * 1 * 12288 * 34 / 8  # Korthikanti Table 2: sbh * 34/t
    assert summary["activations_gb"] == pytest.approx(96 * per_layer / 1e9)
    state_per_tp_rank = summary["params"] * 16 / 8
    room = 80e9 - 96 * per_layer
    assert summary["min_gpus"] == 8 * -(-state_per_tp_rank // room)


def test_memory_warns_when_activations_alone_overflow(runner) -> None:
    result = invoke(
        runner, ["memory", "--model", "llama3-70b", "--recompute", "none", "--gpu", "h100", "-f", "min_gpus"]
    )
    assert result.exit_code == 0
    assert result.stdout.strip() == "" and "activations alone" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give --params N or a shape"),
        (["--params", "7B", "--model", "llama3-8b"], "not both"),
        (["--params", "7B", "--zero", "5"], "--zero: 5"),
        (["--params", "7B", "--optimizer", "lion"], "--optimizer: unknown optimizer 'lion'"),
        (["--model", "llama3-8b", "--recompute", "half"], "--recompute: unknown recompute 'half'"),
        (["--params", "7B", "--gpu", "h900"], "unknown accelerator 'h900'"),
    ],
)
def test_memory_errors(runner, args: list[str], message: str) -> None:
    result = invoke(runner, ["memory", *args])
    assert result.exit_code == 2 and message in result.stderr and result.stderr.count("\n") == 1


# -- hardware list / show ---------------------------------------------------------------------------------------------
def test_hardware_list_and_show(runner) -> None:
    names = invoke(runner, ["hardware", "list", "-f", "name"]).stdout.split()
    assert {"a100", "h100", "h200", "b200", "gb200", "mi300x", "tpu-v4", "tpu-v5e", "tpu-v5p", "tpu-v6e"} <= set(names)
    shown = invoke(runner, ["hardware", "show", "h100", "--format", "json"])
    assert shown.exit_code == 0
    assert json.loads(shown.stdout)["dense_tflops"]["bf16"]["value"] == 989.4
    table = invoke(runner, ["hardware", "show", "mi300x", "--format", "table"])
    assert "1307" in table.stdout and "AMD Instinct MI300X datasheet" in table.stdout


@pytest.mark.parametrize("command", [["arch"], ["memory"], ["hardware", "list"], ["hardware", "show"]])
def test_help_has_examples(runner, command: list[str]) -> None:
    result = invoke(runner, [*command, "--help"])
    assert result.exit_code == 0 and "scalecalc " + command[0] in result.stdout


# -- a real process -------------------------------------------------------------------------------------------------
def test_subprocess_plan_with_gpu_and_error_streams() -> None:
    base = [sys.executable, "-m", "scalecalc", "plan", "--flops", "1e24"]
    ok = subprocess.run(
        [*base, "--gpu", "h100", "--gpus", "1024", "-f", "days"], capture_output=True, text=True, cwd=ROOT
    )
    assert ok.returncode == 0 and float(ok.stdout) == pytest.approx(28.6, abs=0.05)
    bad = subprocess.run([*base, "--gpu", "h100", "--mfu", "2"], capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2 and bad.stdout == "" and bad.stderr.startswith("error: --mfu")


def test_inference_aware_cost_uses_the_gpu_options(runner) -> None:
    # Two code paths price the same training run: constrained's cost model and the hardware columns.
    args = [
        "plan",
        "--flops",
        "1e23",
        "-i",
        "2T",
        "-p",
        "chinchilla",
        "--gpu",
        "h100",
        "--mfu",
        "0.45",
        "--price",
        "2.5",
        "--inference-mfu",
        "0.15",
        "--format",
        "json",
    ]
    (row,) = records(invoke(runner, args))
    assert row["train_cost"] == pytest.approx(row["cost_usd"])
    assert row["cost_usd"] == pytest.approx(row["flops"] / (H100_BF16 * 0.45 * 3600) * 2.5)
    assert row["inference_cost"] == pytest.approx(row["inference_flops"] / (H100_BF16 * 0.15 * 3600) * 2.5)


def test_help_texts_name_the_core_choices() -> None:
    # The CLI modules name these literally so that `scalecalc plan` starts without loading the core modules.
    from scalecalc.cli import _shape_options
    from scalecalc.hardware import architecture, memory

    assert _shape_options.NAMED_SHAPES_HELP == ", ".join(architecture.NAMED_SHAPES)
    assert _shape_options.OPTIMIZERS_HELP == ", ".join(memory.TRAINING_REGIMES)


def test_plan_without_gpu_does_not_load_the_hardware_modules() -> None:
    code = (
        "import sys; from scalecalc.cli import app; "
        "print(sorted(m for m in ('scalecalc.hardware', 'scalecalc.presets.hardware') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_hardware_show_follows_scalecalc_format_and_keeps_every_digit(runner, monkeypatch) -> None:
    monkeypatch.setenv("SCALECALC_FORMAT", "json")
    shown = invoke(runner, ["hardware", "show", "h100"])
    assert shown.exit_code == 0 and json.loads(shown.stdout)["name"] == "h100"
    table = invoke(runner, ["hardware", "show", "h100", "--format", "table"])
    assert "1978.9" in table.stdout  # H100 SXM dense FP8 peak, not rounded to "1979"
