"""`scalecalc plan` beyond compute-optimal: --unique-tokens, --inference-tokens, --loss with --params."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT, invoke

SARDANA_PRESET = """\
name: sardana-exponents
title: Hoffmann et al. 2022 Approach 3 with the exponents Sardana et al. 2024 use
citation: Hoffmann et al. 2022, Eq. 10; Sardana et al. 2024, arXiv 2401.00448
conventions: {params: total, compute: flops, loss: nats/token}
loss:
  form: chinchilla
  constants:
    E: {value: 1.69, source: Hoffmann et al. 2022, Eq. 10}
    A: {value: 406.4, source: Hoffmann et al. 2022, Eq. 10}
    B: {value: 410.7, source: Hoffmann et al. 2022, Eq. 10}
    alpha: {value: 0.336, source: as used by Sardana et al. and de Vries}
    beta: {value: 0.283, source: as used by Sardana et al. and de Vries}
"""


def records(result) -> list[dict]:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_unique_tokens_reproduce_the_datablations_optimum(runner) -> None:
    result = invoke(runner, ["plan", "--flops", "9.26e21", "-u", "25B", "-p", "muennighoff-2023", "--format", "json"])
    (row,) = records(result)
    assert row["params"] == pytest.approx(6.8e9, rel=0.02)
    assert row["tokens"] == pytest.approx(227e9, rel=0.02)
    assert row["epochs"] == pytest.approx(9.1, abs=0.1)
    assert row["loss"] > row["unconstrained_loss"]
    assert result.stderr == ""


def test_table_says_which_overhead_is_which(runner) -> None:
    result = invoke(runner, ["plan", "--loss", "2.0", "--params", "7.65B", "-p", "chinchilla", "--format", "table"])
    assert result.exit_code == 0, result.stderr
    assert "not the overhead `plan --flops C --params N` reports" in result.stdout
    half = invoke(runner, ["plan", "--loss", "2.0", "--params", "7.65B", "-p", "chinchilla", "-f", "compute_overhead"])
    assert float(half.stdout) == pytest.approx(0.21, abs=0.01)  # 7.65B is half the 15.3B optimum for loss 2.0


def test_inference_tokens_with_a_hand_written_preset(runner, tmp_path) -> None:
    path = tmp_path / "sardana.yaml"
    path.write_text(SARDANA_PRESET, encoding="utf-8")
    budget = invoke(runner, ["plan", "--params", "13B", "-p", str(path), "-f", "flops"]).stdout.strip()
    result = invoke(runner, ["plan", "--flops", budget, "-i", "2T", "-p", str(path), "--format", "json"])
    (row,) = records(result)
    assert row["params"] == pytest.approx(7e9, rel=0.03)
    assert row["saved_flops"] == pytest.approx(1.7e22, abs=0.05e22)
    assert row["total_flops"] == pytest.approx(row["flops"] + row["inference_flops"])


def test_both_constraints_and_a_sweep(runner) -> None:
    args = ["plan", "--loss", "2.3,2.4", "-i", "10T", "-u", "20B", "-p", "muennighoff-2023", "--format", "jsonl"]
    result = invoke(runner, args)
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["loss"] for row in rows] == [2.3, 2.4]
    assert all(row["epochs"] > 1 and row["total_saving"] > 0 for row in rows)


def test_cost_options_report_a_cost_saving(runner) -> None:
    args = ["plan", "--flops", "1e23", "-i", "2T", "--inference-mfu", "0.2", "-p", "chinchilla", "--format", "json"]
    (row,) = records(invoke(runner, args))
    assert row["cost_saving"] > row["total_saving"] > 0
    # a fraction option takes a percentage too, as every other one does (issue 13)
    (as_percent,) = records(invoke(runner, [*args[:6], "20%", *args[7:]]))
    assert as_percent == row


def test_decay_overrides_change_the_plan(runner) -> None:
    base = ["plan", "--flops", "1e22", "-u", "5B", "-p", "muennighoff-2023", "-f", "loss"]
    default = float(invoke(runner, base).stdout)
    harsher = float(invoke(runner, [*base, "--rd-star", "5"]).stdout)
    assert harsher > default


def test_a_preset_without_decay_constants_warns_on_stderr(runner) -> None:
    result = invoke(runner, ["plan", "--flops", "1e22", "-u", "50B", "-p", "chinchilla", "-f", "epochs"])
    assert result.exit_code == 0
    assert float(result.stdout) > 1
    assert "warning: preset chinchilla has no data_constrained section" in result.stderr


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--loss", "2.0", "-u", "1B", "-p", "muennighoff-2023"], 3, "best reachable loss is 2.76"),
        (["--loss", "2.0", "--params", "100M", "-p", "chinchilla"], 3, "any size above 1.48e+09"),
        (["--loss", "1.6", "-i", "1T", "-p", "chinchilla"], 3, "irreducible loss E = 1.69"),
        (["--tokens", "1T", "-u", "1B"], 2, "--tokens combines with --unique-tokens only as a given run"),
        (["--flops", "1e22", "--rd-star", "5"], 2, "add --unique-tokens"),
        (["--flops", "1e22", "--inference-mfu", "0.3"], 2, "need --inference-tokens"),
        (["--flops", "1e22", "-i", "1T", "--inference-mfu", "40"], 2, "inference MFU is 40"),
        (["--flops", "1e22", "-u", "lots"], 2, "--unique-tokens: cannot read 'lots'"),
        (["--flops", "1e22", "-u", "1B", "-p", "kaplan-2020"], 2, "Chinchilla-form loss law"),
    ],
)
def test_errors_and_exit_codes(runner, args: list[str], code: int, message: str) -> None:
    result = invoke(runner, ["plan", *args])
    assert result.exit_code == code
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and message in result.stderr


def test_infeasible_exit_code_from_a_real_process() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "scalecalc", "plan", "--loss", "2.0", "-u", "1B", "-p", "muennighoff-2023"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert completed.returncode == 3
    assert completed.stdout == ""
    assert completed.stderr.startswith("error: with 1e+09 unique tokens no model reaches loss 2")


def test_gpu_options_price_the_training_side_in_dollars(runner) -> None:
    args = ["plan", "--flops", "1e23", "-i", "2T", "--gpu", "h100", "--mfu", "0.45", "--price", "2.5"]
    (row,) = records(invoke(runner, [*args, "--inference-mfu", "0.15", "-p", "chinchilla", "--format", "json"]))
    assert row["train_cost"] == pytest.approx(row["gpu_hours"] * 2.5)  # the hardware columns' own GPU-hours
    # inference runs at a third of the training MFU on the same GPU and price: 3x the dollars per FLOP
    assert row["inference_cost"] == pytest.approx(row["train_cost"] / row["flops"] * 3 * row["inference_flops"])
    assert row["total_cost"] == pytest.approx(row["train_cost"] + row["inference_cost"])
    assert row["cost_saving"] > row["total_saving"] > 0
