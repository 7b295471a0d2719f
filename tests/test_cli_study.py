"""CLI tests of `scalecalc sweep`, `simulate` and `suggest`: formats, round trips, determinism, errors."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import ROOT, invoke

SWEEP = ["sweep", "--min-flops", "1e18", "--max-flops", "1e20", "--n-budgets", "3", "--sizes", "5"]
FAST = ["--trials", "20", "--bootstrap", "10", "--target-flops", "1e23", "--seed", "7"]


@pytest.fixture
def runs_csv(runner: CliRunner, tmp_path) -> str:
    result = invoke(runner, [*SWEEP, "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    path = tmp_path / "runs.csv"
    path.write_text(result.stdout)
    return str(path)


def test_sweep_csv_has_the_runs_for_a_launcher(runner: CliRunner) -> None:
    result = invoke(runner, [*SWEEP, "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 15
    assert list(rows[0])[:4] == ["run", "params", "tokens", "flops"]
    for row in rows:
        assert 6 * float(row["params"]) * float(row["tokens"]) == pytest.approx(float(row["flops"]), rel=1e-12)
    # D = C/(6N) holds by construction; the sizes are the claim: 5 per budget from N*/4 to 4 N*, evenly in log N,
    # around the preset's compute-optimal N* (from `plan`)
    for budget in ("1e+18", "1e+19", "1e+20"):
        optimum = float(invoke(runner, ["plan", "--flops", budget, "-f", "params"]).stdout)
        sizes = sorted(float(row["params"]) for row in rows if row["flops"] == budget)
        assert [n / optimum for n in sizes] == pytest.approx([0.25, 0.5, 1, 2, 4], rel=1e-9)
    assert result.stderr == ""


def test_sweep_reports_the_total_compute(runner: CliRunner) -> None:
    result = invoke(runner, [*SWEEP, "-f", "total_flops"])
    assert float(result.stdout) == pytest.approx(5 * (1e18 + 1e19 + 1e20))
    table = invoke(runner, [*SWEEP, "--format", "table", "--round", "shape"])
    assert "total compute of the study: 5.55e+20 FLOPs over 15 runs" in table.stdout
    assert "d_model" in table.stdout


def test_sweep_round_trips_into_simulate(runner: CliRunner, runs_csv: str) -> None:
    result = invoke(runner, ["simulate", "--sweep", runs_csv, *FAST, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["runs"] == 15 and document["budgets"] == 3
    assert document["study_flops"] == pytest.approx(5.55e20)
    quantities = {(row["approach"], row["quantity"]) for row in document["summary"]}
    assert quantities == {
        ("fit", "params"),
        ("fit", "tokens"),
        ("fit", "loss"),
        ("isoflop", "params"),
        ("isoflop", "tokens"),
    }
    assert all(0 <= row["coverage"] <= 1 for row in document["summary"])


def test_a_fixed_seed_gives_the_same_bytes(runner: CliRunner, runs_csv: str) -> None:
    first = invoke(runner, ["simulate", "--sweep", runs_csv, *FAST, "--format", "csv"])
    second = invoke(runner, ["simulate", "--sweep", runs_csv, *FAST, "--format", "csv"])
    assert first.exit_code == 0, first.stderr
    assert first.stdout == second.stdout
    table_one = invoke(runner, ["simulate", "--sweep", runs_csv, *FAST, "--format", "table"])
    table_two = invoke(runner, ["simulate", "--sweep", runs_csv, *FAST, "--format", "table"])
    assert table_one.stdout == table_two.stdout
    other = invoke(runner, ["simulate", "--sweep", runs_csv, *FAST[:-1], "8", "--format", "csv"])
    assert other.stdout != first.stdout


def test_no_progress_bar_when_stderr_is_not_a_terminal(runner: CliRunner, runs_csv: str) -> None:
    result = invoke(runner, ["simulate", "--sweep", runs_csv, *FAST, "--approach", "fit", "--format", "tsv"])
    assert result.exit_code == 0
    assert result.stderr == ""


def test_suggest_gives_runs_for_a_launcher(runner: CliRunner, runs_csv: str) -> None:
    args = ["suggest", runs_csv, "--next", "2", "--trials", "30", "--target-flops", "1e23", "--sizes", "9"]
    result = invoke(runner, [*args, "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert 1 <= len(rows) <= 2
    assert {"params", "tokens", "flops", "reduction"} <= set(rows[0])
    assert invoke(runner, [*args, "--format", "csv"]).stdout == result.stdout


@pytest.mark.parametrize(
    ("args", "start"),
    [
        (["--noise", "0"], "error: --noise"),
        (["--noise", "-0.01"], "error: --noise"),
        (["--noise", "nan"], "error: --noise"),
        (["--seed", "-3"], "error: --seed"),
        (["--trials", "0"], "error: --trials"),
        (["--target-flops", "lots"], "error: --target-flops"),
        (["--approach", "envelope"], "error: --approach"),
        (["--preset", "llama3-2024"], "error: --preset"),
        (["--format", "xml"], "error: --format"),
    ],
)
def test_simulate_errors_are_one_line_and_exit_2(runner: CliRunner, runs_csv: str, args: list[str], start: str) -> None:
    result = invoke(runner, ["simulate", "--sweep", runs_csv, *FAST, *args])
    assert result.exit_code == 2
    assert result.stderr.startswith(start), result.stderr
    assert result.stderr.count("\n") == 1
    assert result.stdout == ""


def test_a_seed_that_is_not_a_number_names_the_option(runner: CliRunner, runs_csv: str) -> None:
    result = invoke(runner, ["simulate", "--sweep", runs_csv, "--seed", "abc"])
    assert result.exit_code == 2
    assert "--seed" in result.stderr


@pytest.mark.parametrize(
    ("args", "start"),
    [
        ([*SWEEP, "--sizes", "1"], "error: --sizes"),
        ([*SWEEP, "--spacing", "random"], "error: --spacing"),
        ([*SWEEP, "--round", "up"], "error: --round: unknown round 'up'"),
        ([*SWEEP, "--tokens-per-param", "200"], "error: --tokens-per-param"),
        (["sweep", "--min-flops", "1e20", "--max-flops", "1e18"], "error: --max-flops"),
        (["sweep", "--min-flops", "x", "--max-flops", "1e18"], "error: --min-flops"),
        (["suggest", "missing.csv"], "error: "),
    ],
)
def test_sweep_and_suggest_errors(runner: CliRunner, args: list[str], start: str) -> None:
    result = invoke(runner, args)
    assert result.exit_code == 2
    assert result.stderr.startswith(start), result.stderr
    assert result.stderr.count("\n") == 1


def test_a_real_pipe_from_sweep_into_simulate() -> None:
    sweep = subprocess.run(
        [sys.executable, "-m", "scalecalc", *SWEEP, "--format", "csv"], capture_output=True, text=True, cwd=ROOT,
        check=True,
    )  # fmt: skip
    command = [
        sys.executable,
        "-m",
        "scalecalc",
        "simulate",
        "--sweep",
        "-",
        *FAST,
        "--approach",
        "fit",
        "-f",
        "coverage",
    ]
    first = subprocess.run(command, input=sweep.stdout, capture_output=True, text=True, cwd=ROOT)
    second = subprocess.run(command, input=sweep.stdout, capture_output=True, text=True, cwd=ROOT)
    assert first.returncode == 0, first.stderr
    assert first.stderr == ""  # stderr is a pipe: no progress bar
    assert len(first.stdout.splitlines()) == 3  # params, tokens, loss
    assert first.stdout == second.stdout
    bad = subprocess.run([*command, "--noise", "-1"], input=sweep.stdout, capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: --noise") and bad.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--next", "0"], "error: --next: is 0; give 1 to 100 runs to suggest\n"),
        (["--budget", "1e17"], "error: --budget: 1e+17 FLOPs buys no candidate run; the cheapest costs 1e+18\n"),
    ],
)
def test_suggest_errors_name_the_options_typed(runner: CliRunner, runs_csv: str, args: list[str], line: str) -> None:
    """The core names its parameters (next_runs, budget_flops); the command shows the options the user typed."""
    result = invoke(runner, ["suggest", runs_csv, "--trials", "20", *args])
    assert result.exit_code == 2
    assert result.stderr == line


def test_too_few_runs_to_fit_is_a_one_line_error(runner: CliRunner, runs_csv: str, tmp_path) -> None:
    few = tmp_path / "few.csv"
    few.write_text("\n".join(Path(runs_csv).read_text().splitlines()[:4]) + "\n")  # header + 3 runs
    for args in (["simulate", "--sweep", str(few)], ["suggest", str(few)]):
        result = invoke(runner, args)
        assert result.exit_code == 2
        assert result.stderr.startswith(f"error: {few}: 3 runs;") and result.stderr.count("\n") == 1


def test_the_progress_bar_draws_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from scalecalc.cli import study as cli

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    pipe, terminal = io.StringIO(), Terminal()
    monkeypatch.setattr(sys, "stderr", pipe)
    with cli._progress(10, "simulating") as advance:
        assert advance is None
    monkeypatch.setattr(sys, "stderr", terminal)
    with cli._progress(10, "simulating") as advance:
        assert advance is not None
        advance(10)
    assert pipe.getvalue() == ""
    assert "simulating" in terminal.getvalue() and "10/10" in terminal.getvalue()
