"""How output looks to a person and how a script silences or configures it: every command's default table fits
the terminal (80 and 120 columns, NO_COLOR), -q/--quiet, the config file and its precedence, the environment
named in its own errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import ROOT, error_line, invoke, rows, run
from tests.test_cli_isoflop import curves_csv

EXAMPLES = ROOT / "examples"
STUDY = ["--trials", "20", "--bootstrap", "10", "--target-flops", "1e23", "--seed", "7"]


def _tables(tmp: Path, runner: CliRunner) -> dict[str, list[str]]:
    """Every command's default table, with the widest inputs the README shows (many columns, long text)."""
    sweep = tmp / "sweep.csv"
    sweep.write_text(run(runner, ["sweep", "--min-flops", "1e18", "--max-flops", "1e20", "--budgets", "3",
                                  "--sizes", "5", "--format", "csv"]).stdout)  # fmt: skip
    return {
        "plan": ["plan", "--flops", "1e24"],
        "plan --gpu": ["plan", "--flops", "1e22,1e23,1e24", "--gpu", "h100", "--gpus", "1024", "--price", "2.5"],
        "plan -i --gpu": ["plan", "--flops", "1e23", "-i", "2T", "--gpu", "h100", "--price", "2.5",
                          "--inference-mfu", "0.15"],  # fmt: skip
        "plan -u": ["plan", "--flops", "1e22", "-u", "1B,5B,25B", "-p", "muennighoff-2023"],
        "predict": ["predict", "--params", "7B", "--tokens", "2T", "-p", "chinchilla"],
        "predict FILE": ["predict", str(EXAMPLES / "chinchilla-epoch-points.csv"), "-p", "chinchilla"],
        "compare": ["compare", "--flops", "1e24"],
        "fit": ["fit", str(EXAMPLES / "chinchilla-epoch-points.csv")],
        "isoflop": ["isoflop", str(EXAMPLES / "llama3-isoflops.csv"), "--bootstrap", "20"],
        "envelope": ["envelope", curves_csv(tmp), "--bootstrap", "20"],
        "sweep": ["sweep", "--min-flops", "1e18", "--max-flops", "1e21"],
        "simulate": ["simulate", "--sweep", str(sweep), *STUDY],
        "suggest": ["suggest", str(sweep), "--next", "3", "--target-flops", "1e23"],
        "arch": ["arch", "--model", "llama3-8b,llama3-70b,llama3-405b"],
        "memory": ["memory", "--model", "llama3-70b", "--zero", "3", "--dp", "64", "--tp", "8", "--gpu", "h100"],
        "hardware list": ["hardware", "list"],
        "hardware show": ["hardware", "show", "h100"],
        "presets list": ["presets", "list"],
        "presets show": ["presets", "show", "kaplan-2020"],
        "examples list": ["examples", "list"],
        "config show": ["config", "show"],
    }


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    return _tables(tmp_path_factory.mktemp("tables"), CliRunner())



@pytest.mark.parametrize("columns", [80, 120])
def test_every_default_table_fits_the_terminal_with_its_numbers_whole(
    runner: CliRunner, tables: dict[str, list[str]], monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    monkeypatch.setenv("NO_COLOR", "1")
    for name, args in tables.items():
        text = run(runner, [*args, "--format", "table"]).stdout
        widest = max(len(line) for line in text.splitlines())
        assert widest <= columns, f"`{name}` is {widest} columns wide at {columns}:\n{text}"
        assert "\x1b[" not in text and "…" not in text, name  # no colour under NO_COLOR, nothing cut
    # a number is never folded across lines: plan's numbers appear whole in the 80-column table
    monkeypatch.setenv("COLUMNS", "80")
    wide = run(runner, [*tables["plan --gpu"], "--format", "table"]).stdout
    for value in ("1.00e24", "95.9B", "1.74T", "$175k"):
        assert value in wide


def test_a_table_too_wide_for_the_terminal_shows_one_field_per_line(
    runner: CliRunner, tables: dict[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    text = run(runner, [*tables["plan --gpu"], "--format", "table"]).stdout
    assert "field" in text.splitlines()[2] and text.count("GPU-hours") == 3  # one block per budget
    monkeypatch.setenv("COLUMNS", "240")  # the grid with the loss, size and token intervals is 220 wide
    assert run(runner, [*tables["plan --gpu"], "--format", "table"]).stdout.count("GPU-hours") == 1  # a grid


def test_a_title_wraps_at_the_terminal_not_at_the_table(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    text = run(runner, ["plan", "--flops", "1e24", "--gpu", "h100", "--gpus", "1024", "--format", "table"]).stdout
    assert text.splitlines()[0] == "plan (epoch-2024) on 1024 x h100"


# -- scripts -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["plan", "--flops", "1e20,1e26"], "params"),
        (["predict", "--params", "1B,1T", "--tokens", "20B,20T"], "predicted_loss"),
        (["compare", "--flops", "1e20,1e26", "--presets", "epoch-2024"], "params"),
    ],
)
def test_plan_predict_and_compare_rows_say_which_are_extrapolations(runner: CliRunner, args, field) -> None:
    records = json.loads(run(runner, [*args, "--format", "json"]).stdout)
    assert [record["extrapolated"] for record in records] == [False, True]  # 1e26 is 7692x beyond epoch-2024's
    assert all(record[field] is not None for record in records)


def test_quiet_silences_notes_and_warnings_not_errors(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["plan", "--flops", "1e26"]
    assert "warning:" in run(runner, args).stderr
    loud = run(runner, args).stdout
    for quiet in (["-q", *args], ["--quiet", *args]):
        result = run(runner, quiet)
        assert result.stderr == "" and result.stdout == loud
    monkeypatch.setenv("SCALECALC_QUIET", "1")
    assert run(runner, args).stderr == ""
    assert "--flops" in error_line(invoke(runner, ["plan", "--flops", "-1"]))  # errors still show
    monkeypatch.setenv("SCALECALC_QUIET", "0")
    assert "warning:" in run(runner, args).stderr


def test_a_bad_format_from_the_environment_names_the_variable(runner: CliRunner, monkeypatch) -> None:
    monkeypatch.setenv("SCALECALC_FORMAT", "yaml")
    assert error_line(invoke(runner, ["plan", "--flops", "1e22"])).startswith("error: $SCALECALC_FORMAT: ")
    assert "--format:" in error_line(invoke(runner, ["plan", "--flops", "1e22", "--format", "yaml"]))
    assert run(runner, ["plan", "--flops", "1e22", "--format", "csv"]).stdout.startswith("preset,")


@pytest.mark.parametrize("args", [[], ["presets"], ["hardware"], ["config"]])
def test_bare_commands_and_groups_show_help_and_succeed(args: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from scalecalc.cli import main; main()", *args],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout and result.stderr == ""


# -- the config file ---------------------------------------------------------------------------------------------


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "scalecalc" / "config.toml"
    path.parent.mkdir()
    monkeypatch.delenv("SCALECALC_CONFIG")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    return path


def test_config_path_follows_xdg_and_the_variable(runner: CliRunner, config: Path, monkeypatch) -> None:
    assert run(runner, ["config", "path"]).stdout.strip() == str(config)
    monkeypatch.setenv("SCALECALC_CONFIG", "/somewhere/else.toml")
    assert run(runner, ["config", "path"]).stdout.strip() == "/somewhere/else.toml"


def test_precedence_option_then_environment_then_config_then_built_in(
    runner: CliRunner, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = ["plan", "--flops", "1e22"]
    assert rows(run(runner, plan).stdout)[0]["preset"] == "epoch-2024"  # built in
    config.write_text('preset = "chinchilla"\nformat = "csv"\nmfu = 0.5\nprice = 3\n')
    assert rows(run(runner, plan).stdout, ",")[0]["preset"] == "chinchilla"  # the file
    assert rows(run(runner, [*plan, "-p", "kaplan-2020"]).stdout, ",")[0]["preset"] == "kaplan-2020"  # the option
    monkeypatch.setenv("SCALECALC_FORMAT", "jsonl")
    assert json.loads(run(runner, plan).stdout)["preset"] == "chinchilla"  # the environment beats the file
    assert run(runner, [*plan, "--format", "tsv"]).stdout.startswith("preset\t")  # the option beats both
    monkeypatch.delenv("SCALECALC_FORMAT")
    # a configured --mfu and --price wait for a --gpu instead of demanding one
    (row,) = rows(run(runner, [*plan, "--gpu", "h100"]).stdout, ",")
    assert float(row["mfu"]) == 0.5
    (row,) = rows(run(runner, [*plan, "--gpu", "h100", "--mfu", "0.3"]).stdout, ",")
    assert float(row["mfu"]) == 0.3
    shown = {r["key"]: r for r in rows(run(runner, ["config", "show", "--format", "csv"]).stdout, ",")}
    assert shown["preset"]["value"] == "chinchilla" and shown["preset"]["source"] == "config file"
    assert shown["gpu"]["source"] == "built-in"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("gpus = 3\n", "unknown key 'gpus'"),
        ("mfu = [0.4\n", "not valid TOML"),
        ("level = 'high'\n", "key 'level' must be a number"),
        ("format = 'yaml'\n", "key 'format' is 'yaml'"),
        ("preset = true\n", "key 'preset' must be a string"),
        # values, refused where the file can be named (used later they read as a bad --mfu, --price or --level)
        ("mfu = 2\n", "key 'mfu' is 2; give a fraction in (0, 1]"),
        ("mfu = 'abc'\n", "key 'mfu' is 'abc'"),
        ("price = -1\n", "key 'price' is -1; give a positive price"),
        ("level = 1.5\n", "key 'level' is 1.5; give a fraction between 0 and 1"),
    ],
)
def test_a_bad_config_is_one_error_naming_the_file_and_key(
    runner: CliRunner, config: Path, text: str, message: str
) -> None:
    config.write_text(text)
    for args in (["plan", "--flops", "1e22"], ["config", "show"]):
        line = error_line(invoke(runner, args))
        assert str(config) in line and message in line
    assert run(runner, ["config", "path"]).stdout.strip() == str(config)  # the way to find it still works
