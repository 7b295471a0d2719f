"""`isoflop` and `envelope` through CliRunner (and one real subprocess): the example files end to end, every
format, --field, --save into `plan --preset`, warnings on stderr and the one-line error contract."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from tests.conftest import ROOT, error_line, invoke, rows, run

LLAMA3 = str(ROOT / "examples" / "llama3-isoflops.csv")
MARIN = str(ROOT / "examples" / "marin-dclm-isoflops.csv")
MARIN_COLUMNS = [
    "--params-col", "parameter_count", "--tokens-col", "throughput/total_tokens",
    "--loss-col", "eval/paloma/macro_loss", "--flops-col", "throughput/total_gflops", "--flops-scale", "1e9",
]  # fmt: skip
FAST = ["--bootstrap", "20"]
EPOCH = {"E": 1.8172, "A": 482.01, "B": 2085.43, "alpha": 0.3478, "beta": 0.3658}  # Besiroglu et al. 2024


def epoch_loss(n: np.ndarray, d: np.ndarray) -> np.ndarray:
    return EPOCH["E"] + EPOCH["A"] / n ** EPOCH["alpha"] + EPOCH["B"] / d ** EPOCH["beta"]


# --- isoflop on the examples --------------------------------------------------------------------------------


def test_llama3_json_reproduces_the_paper(runner: CliRunner) -> None:
    result = run(runner, ["isoflop", LLAMA3, "--flops", "3.8e25", "--format", "json", *FAST])
    document = json.loads(result.stdout)
    assert document["tokens_exponent"] == pytest.approx(0.537, abs=0.001)  # Llama Team 2024, Fig. 3
    assert document["tokens_coefficient"] == pytest.approx(0.299, abs=0.002)
    (prediction,) = document["predictions"]
    assert 15.5e12 < prediction["tokens"] < 16.6e12
    assert prediction["tokens_low"] < prediction["tokens"] < prediction["tokens_high"]
    assert len(document["budgets"]) == 10 and document["derived"] == ["params"]
    low, high = document["laws"]["tokens"]["exponent_interval"]
    assert low < 0.537 < high
    assert "extrapolation" in result.stderr  # 3.8e25 is far beyond the 1e22 budget


def test_field_prints_one_bare_value(runner: CliRunner) -> None:
    exponent = run(runner, ["isoflop", LLAMA3, "-f", "tokens_exponent", "--bootstrap", "0"]).stdout
    assert float(exponent) == pytest.approx(0.5368, abs=1e-4)
    tokens = run(runner, ["isoflop", LLAMA3, "--flops", "3.8e25", "-f", "tokens", "--bootstrap", "0"]).stdout
    assert len(tokens.splitlines()) == 1 and float(tokens) == pytest.approx(16.1e12, rel=0.01)
    budgets = run(runner, ["isoflop", LLAMA3, "-f", "flops", "--bootstrap", "0"]).stdout.split()
    assert [float(b) for b in budgets] == [6e18, 1e19, 3e19, 6e19, 1e20, 3e20, 6e20, 1e21, 3e21, 1e22]


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_delimited_output_is_the_budget_table(runner: CliRunner, fmt: str) -> None:
    result = run(runner, ["isoflop", LLAMA3, "--format", fmt, *FAST])
    table = rows(result.stdout, "," if fmt == "csv" else "\t")
    assert len(table) == 10
    assert {"flops", "status", "params", "params_low", "params_high", "tokens", "loss"} <= set(table[0])
    assert all(row["status"] == "ok" for row in table)


def test_table_output_shows_minima_laws_and_predictions(runner: CliRunner) -> None:
    result = run(runner, ["isoflop", LLAMA3, "--format", "table", "--flops", "1e22", *FAST])
    for text in ("isoFLOP minima (parabola", "tokens_per_param", "0.5368", "compute-optimal allocation at --flops"):
        assert text in result.stdout
    assert result.stderr == ""  # 1e22 is a fitted budget: nothing to warn about


def test_marin_dclm_end_to_end_with_explicit_columns(runner: CliRunner) -> None:
    result = run(runner, ["isoflop", MARIN, *MARIN_COLUMNS, "--format", "json", *FAST])
    document = json.loads(result.stdout)
    assert [b["flops"] for b in document["budgets"]] == [3e18, 9e18, 1.8e19, 3e19, 9e19, 1.8e20, 3e20]
    assert document["params_exponent"] == pytest.approx(0.42, abs=0.01)
    assert document["columns"]["flops"] == "throughput/total_gflops"
    assert "snapped" in document["grouping"]


def test_methods_are_selectable(runner: CliRunner) -> None:
    # Measured here (regression values). Each method must give its own exponent: an ignored --method would give
    # parabola's. parabola-d agrees with parabola on this file because its N is C/(6D) at one C per budget, so
    # the parabola in log D is the mirror image of the parabola in log N.
    expected = {"parabola": 0.4632208729, "parabola-d": 0.4632208729, "cubic": 0.4631487771, "akima": 0.4717960744}
    found = {}
    for method in expected:
        result = run(runner, ["isoflop", LLAMA3, "--method", method, "-f", "params_exponent", "--bootstrap", "0"])
        found[method] = float(result.stdout)
    assert found == pytest.approx(expected, rel=1e-8)
    assert abs(found["cubic"] - found["parabola"]) > 5e-5 and abs(found["akima"] - found["parabola"]) > 5e-3


def test_stdin_and_explicit_budgets(runner: CliRunner) -> None:
    text = (ROOT / "examples" / "llama3-isoflops.csv").read_text()
    result = run(runner, ["isoflop", "-", "-f", "tokens_exponent", "--bootstrap", "0"], input=text)
    assert float(result.stdout) == pytest.approx(0.5368, abs=1e-4)
    nominal = "6e18,1e19,3e19,6e19,1e20,3e20,6e20,1e21,3e21,1e22,1e23"
    result = run(runner, ["isoflop", LLAMA3, "--budgets", nominal, "-f", "tokens_exponent", "--bootstrap", "0"])
    assert float(result.stdout) == pytest.approx(0.5368, abs=1e-4)


# --- warnings ---------------------------------------------------------------------------------------------------


def synthetic_csv(tmp_path, *, drop_edge: bool = True, few: bool = True) -> str:
    """Five budgets of seven sizes around the Epoch optimum; the largest budget only below its optimum and the
    smallest with two sizes."""
    budgets = [1e18, 1e19, 1e20, 1e21, 1e22]
    lines = ["params,flops,loss"]
    a = EPOCH["beta"] / (EPOCH["alpha"] + EPOCH["beta"])
    g = (EPOCH["alpha"] * EPOCH["A"] / (EPOCH["beta"] * EPOCH["B"])) ** (1 / (EPOCH["alpha"] + EPOCH["beta"]))
    for budget in budgets:
        optimum = g * (budget / 6) ** a
        sizes = optimum * np.logspace(-1, 1, 7)
        if drop_edge and budget == budgets[-1]:
            sizes = sizes[sizes < optimum]
        if few and budget == budgets[0]:
            sizes = sizes[:2]
        for n in sizes:
            lines.append(f"{n:.6g},{budget:g},{float(epoch_loss(n, budget / (6 * n))):.6f}")
    path = tmp_path / "sweep.csv"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_edge_and_too_few_budgets_warn_on_stderr(runner: CliRunner, tmp_path) -> None:
    result = run(runner, ["isoflop", synthetic_csv(tmp_path), "--format", "tsv", *FAST])
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert any("fewer than 3 distinct sizes" in w and "1e+18" in w for w in warnings)
    assert any("smallest or largest size" in w and "1e+22" in w and "left out" in w for w in warnings)
    statuses = {float(r["flops"]): r["status"] for r in rows(result.stdout)}
    assert statuses == {1e18: "too-few-sizes", 1e19: "ok", 1e20: "ok", 1e21: "ok", 1e22: "edge-minimum"}
    assert "warning" not in result.stdout


def test_too_few_usable_budgets_is_exit_2(runner: CliRunner, tmp_path) -> None:
    path = tmp_path / "one.csv"
    path.write_text("params,flops,loss\n1e8,1e19,3.1\n2e8,1e19,3.0\n4e8,1e19,3.05\n")
    line = error_line(invoke(runner, ["isoflop", str(path)]))
    assert str(path) in line and "1 of 1 budgets have an interior minimum" in line


# --- --save into plan ---------------------------------------------------------------------------------------


def test_save_writes_a_preset_that_plan_reads(runner: CliRunner, tmp_path) -> None:
    target = tmp_path / "llama-fit.yaml"
    first = run(runner, ["isoflop", LLAMA3, "--save", str(target), "-f", "tokens_exponent", *FAST])
    assert target.is_file() and f"wrote {target}" in first.stderr
    planned = run(runner, ["plan", "--preset", str(target), "--flops", "3.8e25", "-f", "tokens"])
    assert float(planned.stdout) == pytest.approx(16.1e12, rel=0.01)
    import yaml

    document = yaml.safe_load(target.read_text())
    assert document["allocation"]["form"] == "power" and document["name"] == "llama-fit"
    assert "isoflop" in document["allocation"]["exponent"]["source"]
    # never overwritten without --force
    again = invoke(runner, ["isoflop", LLAMA3, "--save", str(target), *FAST])
    assert "already exists" in error_line(again) and "--force" in error_line(again)
    run(runner, ["isoflop", LLAMA3, "--save", str(target), "--force", "--name", "mine", *FAST])
    assert yaml.safe_load(target.read_text())["name"] == "mine"


def test_save_needs_a_yaml_name_and_a_good_field_first(runner: CliRunner, tmp_path) -> None:
    assert ".yaml" in error_line(invoke(runner, ["isoflop", LLAMA3, "--save", str(tmp_path / "law.txt")]))
    target = tmp_path / "law.yaml"
    line = error_line(invoke(runner, ["isoflop", LLAMA3, "--save", str(target), "-f", "nonsense", *FAST]))
    assert "--field" in line and not target.exists()


# --- the error contract -------------------------------------------------------------------------------------


def test_bad_cell_names_file_line_and_column(runner: CliRunner, tmp_path) -> None:
    path = tmp_path / "runs.csv"
    path.write_text("params,flops,loss\n1e8,1e19,3.1\n2e8,1e19,abc\n")
    line = error_line(invoke(runner, ["isoflop", str(path)]))
    assert f"{path} line 3, column 'loss'" in line


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["isoflop", "missing.csv"], "missing.csv: no such file"),
        (["isoflop", LLAMA3, "--loss-col", "nope"], "no column 'nope'"),
        (["isoflop", LLAMA3, "--method", "quartic"], "--method: unknown method 'quartic'"),
        (["isoflop", LLAMA3, "--flops", "lots"], "--flops: cannot read 'lots'"),
        (["isoflop", LLAMA3, "--flops-scale", "0"], "--flops-scale"),
        (["isoflop", LLAMA3, "--level", "95"], "--level"),
        (["isoflop", LLAMA3, "--format", "xml"], "--format: unknown format 'xml'"),
        (["isoflop", LLAMA3, "--budgets", "1e30"], "is not within 10% of any budget in --budgets"),
        (["envelope", LLAMA3, "--run-col", "nope"], "no column 'nope'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(runner: CliRunner, args: list[str], expected: str) -> None:
    assert expected in error_line(invoke(runner, args))


def test_flops_scale_needs_a_compute_column(runner: CliRunner, tmp_path) -> None:
    path = tmp_path / "nd.csv"
    path.write_text("params,tokens,loss\n1e8,2e9,3.1\n")
    assert "no flops column to scale" in error_line(invoke(runner, ["isoflop", str(path), "--flops-scale", "1e9"]))


def test_missing_loss_column_says_which_option_names_it(runner: CliRunner, tmp_path) -> None:
    path = tmp_path / "noloss.csv"
    path.write_text("params,tokens,val\n1e8,2e9,3.1\n")
    assert "--loss-col" in error_line(invoke(runner, ["isoflop", str(path)]))


# --- envelope ----------------------------------------------------------------------------------------------


def curves_csv(tmp_path) -> str:
    """Training curves of ten sizes (32M to 10B), each to 400 tokens per parameter, with run names."""
    lines = ["run,params,tokens,loss"]
    for i, n in enumerate(np.logspace(7.5, 10, 10)):
        for d in np.logspace(math.log10(n), math.log10(400 * n), 25):
            lines.append(f"r{i},{n:.6g},{d:.6g},{float(epoch_loss(n, d)):.6f}")
    path = tmp_path / "curves.csv"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_envelope_end_to_end(runner: CliRunner, tmp_path) -> None:
    path = curves_csv(tmp_path)
    document = json.loads(run(runner, ["envelope", path, "--flops", "1e22", "--format", "json", *FAST]).stdout)
    assert document["params_exponent"] == pytest.approx(0.5126, abs=0.01)
    assert document["columns"]["run"] == "run" and document["curves"] == 10
    assert document["segments"][0]["run"] == "r0"
    points = rows(run(runner, ["envelope", path, "--format", "csv", "--points", "50", *FAST]).stdout, ",")
    assert len(points) == 50 and set(points[0]) >= {"flops", "params", "tokens", "loss", "run", "included"}
    table = run(runner, ["envelope", path, "--format", "table", *FAST])
    assert "envelope: the run with the lowest loss" in table.stdout
    assert "won by the smallest or largest model" in table.stderr


def test_envelope_save_feeds_plan(runner: CliRunner, tmp_path) -> None:
    target = tmp_path / "a1.yaml"
    run(runner, ["envelope", curves_csv(tmp_path), "--save", str(target), *FAST])
    planned = run(runner, ["plan", "--preset", str(target), "--flops", "1e21", "-f", "params"])
    assert float(planned.stdout) > 1e9


def test_help_lists_examples(runner: CliRunner) -> None:
    for command in ("isoflop", "envelope"):
        result = run(runner, [command, "--help"])
        assert f"scalecalc {command}" in result.stdout and "--save" in result.stdout


# --- a real process -----------------------------------------------------------------------------------------


def test_real_subprocess_exit_codes_and_streams() -> None:
    ok = subprocess.run(
        [sys.executable, "-m", "scalecalc", "isoflop", LLAMA3, "--flops", "3.8e25", "-f", "tokens", "--bootstrap", "0"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert float(ok.stdout) == pytest.approx(16.1e12, rel=0.01)
    assert ok.stderr.startswith("warning: ")  # the extrapolation, on stderr only
    bad = subprocess.run(
        [sys.executable, "-m", "scalecalc", "isoflop", LLAMA3, "--loss-col", "nope"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.count("\n") == 1 and bad.stderr.startswith("error: ")


def test_best_per_size_option(runner: CliRunner, tmp_path) -> None:
    text = (ROOT / "examples" / "llama3-isoflops.csv").read_text().splitlines()
    worse = [line.replace(line.split(",")[2], str(float(line.split(",")[2]) + 0.01), 1) for line in text[1:]]
    path = tmp_path / "lr-sweep.csv"
    path.write_text("\n".join(text + worse) + "\n")
    mixed = run(runner, ["isoflop", str(path), "-f", "tokens_exponent", "--bootstrap", "0"])
    assert "repeat a size" in mixed.stderr
    best = run(runner, ["isoflop", str(path), "--best-per-size", "-f", "tokens_exponent", "--bootstrap", "0"])
    assert float(best.stdout) == pytest.approx(0.5368, abs=1e-4) and best.stderr == ""


def _shrinking_optimum_csv(tmp_path) -> str:
    """isoFLOP valleys whose minimum moves to SMALLER models as compute grows: no compute-optimal frontier."""
    lines = ["params,tokens,loss"]
    for budget in (1e18, 1e19, 1e20, 1e21):
        best = 1e9 * (budget / 1e18) ** -0.3
        for n in best * np.logspace(-1, 1, 9):
            loss = 2 + 0.5 * math.log10(n / best) ** 2
            lines.append(f"{n:.6g},{budget / (6 * n):.6g},{loss:.6g}")
    path = tmp_path / "shrinking.csv"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_an_allocation_that_is_no_frontier_is_flagged_and_strict_refuses_it(tmp_path, runner: CliRunner) -> None:
    path = _shrinking_optimum_csv(tmp_path)
    result = run(runner, ["isoflop", path, *FAST, "-f", "quality,quality_reasons"])
    quality, reasons = result.stdout.strip().split("\t")
    assert quality == "poor" and reasons.startswith("N_opt does not grow")
    assert "warning: poor fit: these data do not look like a scaling law" in result.stderr
    table = run(runner, ["isoflop", path, *FAST, "--format", "table"]).stdout
    assert "(poor fit: NOT a recommendation)" in table
    saved = tmp_path / "law.yaml"
    line = error_line(invoke(runner, ["isoflop", path, *FAST, "--strict", "--save", str(saved)]))
    assert line.startswith("error: --strict: poor fit") and not saved.exists()
    assert run(runner, ["isoflop", LLAMA3, *FAST, "--strict", "-f", "quality"]).stdout == "good\n"
