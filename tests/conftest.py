"""Shared test set-up: stable CLI output (fixed width, no colour) and paths to the data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def _stable_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TERM", "dumb")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("SCALECALC_FORMAT", raising=False)
    monkeypatch.delenv("SCALECALC_PRESETS_PATH", raising=False)
    monkeypatch.delenv("SCALECALC_DEBUG", raising=False)
    monkeypatch.delenv("SCALECALC_QUIET", raising=False)
    monkeypatch.setenv("SCALECALC_CONFIG", os.devnull)  # an empty config: the developer's own file stays out


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, args: list[str], input: str | None = None):
    """Run the CLI in-process; stdout and stderr are kept apart (``result.stdout``, ``result.stderr``)."""
    from scalecalc.cli import app

    return runner.invoke(app, args, input=input)


def run(runner: CliRunner, args: list[str], input: str | None = None, code: int = 0):
    """Invoke the CLI and check its exit code (showing stdout and stderr when it differs)."""
    result = invoke(runner, args, input=input)
    assert result.exit_code == code, (result.stdout, result.stderr)
    return result


def error_line(result) -> str:
    """The one `error: ...` line of a command refused for bad input (2) or as infeasible (3): nothing on stdout,
    no traceback."""
    assert result.exit_code in (2, 3), (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.stderr
    return lines[0]


def rows(text: str, delimiter: str = "\t") -> list[dict[str, str]]:
    """Rows of CSV/TSV output as dicts."""
    import csv
    import io

    return list(csv.DictReader(io.StringIO(text), delimiter=delimiter))
