"""Shared test set-up: stable CLI output (fixed width, no colour) and paths to the data."""

from __future__ import annotations

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


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, args: list[str], input: str | None = None):  # noqa: A002, ANN201
    """Run the CLI in-process; stdout and stderr are kept apart (``result.stdout``, ``result.stderr``)."""
    from scalecalc.cli import app

    return runner.invoke(app, args, input=input)
