"""`scalecalc fit` through CliRunner (and real subprocesses): input formats and stdin, filters, every output
format, --field, --save into `plan --preset` and `predict`, no overwrite without --force, and the one-line
error contract (exit 2) for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from scalecalc import ChinchillaLaw, KaplanLaw
from tests.conftest import ROOT, error_line, invoke
from tests.conftest import run as run_cli

EPOCH = str(ROOT / "examples" / "chinchilla-epoch-points.csv")  # provenance: examples/SOURCES.md
EPOCH_ARGS = [EPOCH, "--drop-highest", "5"]


def run(runner: CliRunner, args: list[str], input: str | None = None, code: int = 0):
    """`scalecalc fit ARGS`, or ARGS as they are when they start with plan or predict."""
    return run_cli(runner, args if args[:1] in (["plan"], ["predict"]) else ["fit", *args], input, code)


def synthetic_rows(count: int = 30) -> list[dict[str, float]]:
    rng = np.random.default_rng(0)
    rows = []
    for c in np.logspace(18, 20, 5):
        for n in np.sqrt(c / 120) * np.logspace(-0.6, 0.6, count // 5):
            d = c / (6 * n)
            loss = (1.69 + 406.4 / n**0.34 + 410.7 / d**0.28) * np.exp(rng.normal(0, 0.003))
            rows.append({"N": n, "D": d, "loss": loss})
    return rows


def test_epoch_json_document(runner: CliRunner) -> None:
    result = run(runner, [*EPOCH_ARGS, "--format", "json", "--target-flops", "5.76e23"])
    doc = json.loads(result.stdout)
    assert doc["schema_version"] == 1 and doc["form"] == "chinchilla"
    assert doc["n_points"] == 240
    assert doc["derived_columns"] == ["tokens"]
    assert doc["parameters"]["alpha"]["value"] == pytest.approx(0.3473, abs=5e-4)
    assert doc["parameters"]["A"]["value"] == pytest.approx(477.8, rel=0.01)
    assert doc["objective"] == {"name": "huber", "delta": 0.001, "value": pytest.approx(1.0183e-3, rel=1e-4)}
    assert set(doc["ranges"]) == {"params", "tokens", "flops"}
    assert doc["derived"]["a"]["value"] == pytest.approx(0.514, abs=0.002)
    assert doc["optimizer"]["converged"] is True
    assert doc["bootstrap"] is None
    assert "tokens derived from C = 6ND" in result.stderr


def test_table_shows_parameters_summary_and_notes(runner: CliRunner) -> None:
    result = run(runner, [*EPOCH_ARGS, "--format", "table", "--bootstrap", "30", "--seed", "1"])
    out = result.stdout
    for text in ("alpha", "95% low", "points", "R^2", "tokens derived from C = 6ND", "dropped the 5 highest-loss runs"):
        assert text in out, text
    assert "compute-optimal model" in out


def test_field_and_csv(runner: CliRunner) -> None:
    alpha = run(runner, [*EPOCH_ARGS, "-f", "alpha"]).stdout.strip()
    assert float(alpha) == pytest.approx(0.3473, abs=5e-4)
    csv_text = run(runner, [*EPOCH_ARGS, "--format", "csv", "--bootstrap", "10"]).stdout
    header, row = csv_text.strip().splitlines()
    assert "alpha_low" in header.split(",") and len(row.split(",")) == len(header.split(","))


def test_save_then_plan_and_predict(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "my-law.yaml"
    result = run(runner, [*EPOCH_ARGS, "--bootstrap", "40", "--seed", "3", "--save", str(target), "-f", "beta"])
    assert "saved the fit as preset" in result.stderr
    document = yaml.safe_load(target.read_text())
    assert document["loss"]["form"] == "chinchilla"
    assert len(document["uncertainty"]["draws"]["alpha"]) == 40
    assert document["fitted_range"]["flops"][1] == pytest.approx(1.2956e22, rel=1e-3)
    plan = json.loads(run(runner, ["plan", "--flops", "1e23", "-p", str(target), "--format", "json"]).stdout)[0]
    # the 95% percentile interval of the saved draws' own allocations, each draw's law allocated on its own
    draws = document["uncertainty"]["draws"]
    allocations = [
        ChinchillaLaw.from_constants(dict(zip(draws, d, strict=True))).allocate(1e23)
        for d in zip(*draws.values(), strict=True)
    ]
    for name, values in (("params", [a[0] for a in allocations]), ("tokens", [a[1] for a in allocations])):
        expected = np.percentile(np.array(values, dtype=float), [2.5, 97.5])
        assert [plan[f"{name}_low"], plan[f"{name}_high"]] == pytest.approx(expected, rel=1e-9)
        assert plan[f"{name}_low"] < plan[name] < plan[f"{name}_high"]
    predicted = run(runner, ["predict", "--params", "7B", "--tokens", "2T", "-p", str(target), "-f", "loss"]).stdout
    expected = 1.8172 + 477.83 / 7e9**0.34731 + 2143.4 / 2e12**0.36717
    assert float(predicted) == pytest.approx(expected, rel=1e-3)


def test_save_never_overwrites_without_force(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "fit.yaml"
    target.write_text("keep me")
    message = error_line(invoke(runner, ["fit", *EPOCH_ARGS, "--save", str(target)]))
    assert "already exists" in message and "--force" in message
    assert target.read_text() == "keep me"
    run(runner, [*EPOCH_ARGS, "--save", str(target), "--force", "-f", "alpha"])
    assert "form: chinchilla" in target.read_text()


def test_power_law_preset_predicts_but_does_not_plan(runner: CliRunner, tmp_path: Path) -> None:
    rows = synthetic_rows()
    path = tmp_path / "runs.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    target = tmp_path / "power.yaml"
    run(runner, [str(path), "--form", "power", "--x", "flops", "--save", str(target), "-f", "alpha"])
    document = yaml.safe_load(target.read_text())
    assert document["loss"]["variable"] == "flops"
    predicted = run(runner, ["predict", "--params", "1B", "--tokens", "20B", "-p", str(target), "-f", "loss"]).stdout
    constants = {k: v["value"] for k, v in document["loss"]["constants"].items()}
    expected = constants["E"] + constants["A"] * (6 * 1e9 * 20e9) ** -constants["alpha"]  # L = E + A C^-alpha
    assert float(predicted) == pytest.approx(expected, rel=1e-12)
    message = error_line(invoke(runner, ["plan", "--flops", "1e22", "-p", str(target)]))
    assert "no allocation" in message


def test_kaplan_preset_gets_its_closed_form_allocation(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "runs.csv"
    path.write_text("N,D,loss\n" + "".join(f"{r['N']},{r['D']},{r['loss']}\n" for r in synthetic_rows()))
    target = tmp_path / "kaplan.yaml"
    run(runner, [str(path), "--form", "kaplan", "--save", str(target), "-f", "a"])
    plan = json.loads(run(runner, ["plan", "--flops", "1e21", "-p", str(target), "--format", "json"]).stdout)[0]
    assert 6 * plan["params"] * plan["tokens"] == pytest.approx(1e21, rel=1e-9)
    # the closed-form allocation is the saved law's minimum along C = 6ND (0.1% either side is worse)
    law = KaplanLaw.from_constants(
        {k: v["value"] for k, v in yaml.safe_load(target.read_text())["loss"]["constants"].items()}
    )
    n = plan["params"]
    low, at, high = (float(law.loss(n * s, 1e21 / (6 * n * s))) for s in (0.999, 1.0, 1.001))
    assert at < low and at < high


def test_stdin_tsv_json_and_aliases(runner: CliRunner, tmp_path: Path) -> None:
    rows = synthetic_rows()
    tsv = "n_params\ttraining_tokens\teval_loss\n" + "".join(f"{r['N']}\t{r['D']}\t{r['loss']}\n" for r in rows)
    from_stdin = run(runner, ["-", "-f", "alpha"], input=tsv).stdout
    array = tmp_path / "runs.json"
    array.write_text(json.dumps([{"Parameters": r["N"], "compute": 6 * r["N"] * r["D"], "L": r["loss"]} for r in rows]))
    from_json = run(runner, [str(array), "-f", "alpha", "--format", "tsv"])
    assert float(from_stdin) == pytest.approx(float(from_json.stdout), rel=1e-6)
    assert "tokens derived from C = 6ND" in from_json.stderr


def test_explicit_columns_and_filters(runner: CliRunner, tmp_path: Path) -> None:
    rows = synthetic_rows()
    lines = ["size,toks,lr,val\n"]
    for r in rows:
        lines.append(f"{r['N']},{r['D']},0.001,{r['loss']}\n")
        lines.append(f"{r['N']},{r['D']},0.01,{r['loss'] + 0.2}\n")  # a worse learning rate
    path = tmp_path / "sweep.csv"
    path.write_text("".join(lines))
    args = [str(path), "--params-col", "size", "--tokens-col", "toks", "--loss-col", "val", "--format", "json"]
    doc = json.loads(run(runner, [*args, "--best-per-group", "--min-flops", "3e18"]).stdout)
    assert any("lowest-loss run of each (N, D) pair" in f for f in doc["filters"])
    assert doc["n_points"] == 24
    assert doc["parameters"]["alpha"]["value"] == pytest.approx(0.34, abs=0.05)


def test_constraints_from_the_command_line(runner: CliRunner) -> None:
    doc = json.loads(run(runner, [*EPOCH_ARGS, "--fix", "E=1.69", "--tie", "alpha=beta", "--format", "json"]).stdout)
    assert doc["parameters"]["E"] == {"value": 1.69, "se": None, "low": None, "high": None, "fixed": True}
    assert doc["parameters"]["alpha"]["value"] == doc["parameters"]["beta"]["value"]
    bounded = run(runner, [*EPOCH_ARGS, "--bound", "alpha=0:0.3", "-f", "alpha"])
    assert float(bounded.stdout) == pytest.approx(0.3)
    assert "warning: alpha sits on its upper bound" in bounded.stderr


def test_compare_objectives_table(runner: CliRunner) -> None:
    out = run(runner, [*EPOCH_ARGS, "--compare-objectives", "--format", "table"]).stdout
    assert "objectives compared" in out and "envelope" in out and "squares" in out


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("params,tokens,loss\n1e8,2e9,3.0\n2e8,4e9,abc\n", "line 3, column 'loss'"),
        ("params,tokens,loss\n1e8,2e9,3.0\n2e8,4e9,nan\n", "not a finite number"),
        ("params,tokens,loss\n1e8,2e9,3.0\n0,4e9,2.9\n", "line 3, column 'params'"),
        ("params,tokens,loss\n1e8,2e9,3.0\n-2e8,4e9,2.9\n", "must be greater than zero"),
        ("params,Params,loss\n1,2,3\n", "duplicated column"),
        ("", "empty"),
        ("size,tokens,loss\n1e8,2e9,3.0\n", "names tried for params"),
        ("params,tokens,ppl\n1e8,2e9,3.0\n", "no loss column"),
        ("params,tokens,loss\n1e8,2e9,3.0\n2e8,4e9,2.9\n4e8,8e9,2.8\n", "only 3 points"),
        (
            "params,tokens,loss\n" + "".join(f"1e9,{d:.3g},{2 + 1 / d**0.1}\n" for d in np.logspace(9, 11, 7)),
            "same model size",
        ),
    ],
)
def test_bad_input_is_one_line_exit_2(runner: CliRunner, tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "runs.csv"
    path.write_text(content)
    message = error_line(invoke(runner, ["fit", str(path)]))
    assert expected in message
    assert str(path) in message


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--fix", "E"], "is not NAME=VALUE"),
        (["--fix", "E=abc"], "is not a number"),
        (["--bound", "alpha=x:1"], "LOW:HIGH"),
        (["--form", "cubic"], "unknown form"),
        (["--x", "params"], "--x"),
        (["--level", "95"], "--level"),
        (["--target-flops", "lots"], "--target-flops"),
        (["--drop-highest", "500"], "--drop-highest"),
    ],
)
def test_bad_options_are_one_line_exit_2(runner: CliRunner, args: list[str], expected: str) -> None:
    assert expected in error_line(invoke(runner, ["fit", EPOCH, *args]))


def test_help_has_examples(runner: CliRunner) -> None:
    out = invoke(runner, ["fit", "--help"]).stdout
    assert "scalecalc fit runs.csv --save my-law.yaml" in out


def test_real_subprocess_round_trip(tmp_path: Path) -> None:
    target = tmp_path / "law.yaml"
    command = [sys.executable, "-m", "scalecalc"]
    fitted = subprocess.run(
        [*command, "fit", *EPOCH_ARGS, "--bootstrap", "20", "--save", str(target), "-f", "alpha"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert fitted.returncode == 0, fitted.stderr
    assert float(fitted.stdout) == pytest.approx(0.3473, abs=5e-4)
    assert "note: saved the fit" in fitted.stderr
    planned = subprocess.run(
        [*command, "plan", "--flops", "1e24", "-p", str(target), "--format", "tsv"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert planned.returncode == 0, planned.stderr
    header, row = planned.stdout.strip().splitlines()
    assert "params_low" in header.split("\t")
    predicted = subprocess.run(
        [*command, "predict", EPOCH, "-p", str(target), "--format", "csv"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert predicted.returncode == 0, predicted.stderr
    assert len(predicted.stdout.strip().splitlines()) == 246
    again = subprocess.run(
        [*command, "fit", EPOCH, "--save", str(target)], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert again.returncode == 2 and again.stdout == "" and "already exists" in again.stderr


def test_save_refuses_a_constant_at_zero(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "zero.yaml"
    message = error_line(invoke(runner, ["fit", *EPOCH_ARGS, "--bound", "alpha=0:0", "--save", str(target)]))
    assert "lower bound must be below" in message
    message = error_line(invoke(runner, ["fit", *EPOCH_ARGS, "--fix", "alpha=0", "--save", str(target)]))
    assert "--save: the fitted alpha is 0" in message
    assert not target.exists()


def test_broken_fit_saves_and_predicts(runner: CliRunner, tmp_path: Path) -> None:
    x = np.logspace(6, 11, 40)
    loss = 1.5 + 50 * x**-0.1 * (1 + (x / 1e8) ** (1 / 0.3)) ** (-0.4 * 0.3)
    path = tmp_path / "curve.csv"
    path.write_text("params,tokens,loss\n" + "".join(f"{v},{20 * v},{lv}\n" for v, lv in zip(x, loss, strict=True)))
    target = tmp_path / "broken.yaml"
    run(
        runner, [str(path), "--form", "broken", "--x", "params", "--bootstrap", "10", "--save", str(target), "-f", "d1"]
    )
    document = yaml.safe_load(target.read_text())
    assert set(document["loss"]["constants"]) == {"E", "B", "alpha0", "alpha1", "d1", "f1"}
    predicted = run(runner, ["predict", str(path), "-p", str(target), "--format", "json"]).stdout
    residuals = [row["residual"] for row in json.loads(predicted)]
    assert max(abs(r) for r in residuals) < 1e-3
