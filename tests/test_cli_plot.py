"""`scalecalc plot frontier` and the shared --plot/--plot-file machinery: what goes to stdout and stderr,
what is written, and the error contract."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from scalecalc.cli.plot import parse_plot_size, show_plot, terminal_chart_size
from scalecalc.errors import InputError
from scalecalc.figures import frontier_figure
from scalecalc.presets import load_preset
from tests.conftest import ROOT, invoke


def test_frontier_in_the_terminal(runner) -> None:  # noqa: ANN001
    result = invoke(runner, ["plot", "frontier", "-p", "epoch-2024,llama3-2024", "--plot-size", "100x24"])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].strip() == "compute-optimal frontier, 1e20 to 1e26 FLOPs"
    # 24 rows: the panel titles, the frame's top, 19 rows inside it, its bottom, tick labels, the axis title
    assert len(lines) >= 1 + 24 and "┌" in lines[2] and "└" in lines[22] and "FLOPs" in lines[24]
    assert "epoch-2024 (N∝C^0.513, D∝C^0.487)" in result.stdout and "llama3-2024" in result.stdout
    assert "\x1b[" not in result.stdout and result.stderr == ""


def test_frontier_range_and_units(runner) -> None:  # noqa: ANN001
    result = invoke(runner, ["plot", "frontier", "--from", "1e21", "--to", "1e23", "--plot-size", "100x20"])
    assert result.exit_code == 0, result.stderr
    assert "1e21 to 1e23 FLOPs" in result.stdout and "1e21" in result.stdout and "1e23" in result.stdout
    assert "1e26" not in result.stdout
    in_pf_days = invoke(runner, ["plot", "frontier", "--from", "100pfd", "--to", "1e23", "--plot-size", "100x20"])
    assert in_pf_days.exit_code == 0 and "8.64e21 to 1e23 FLOPs" in in_pf_days.stdout


def test_frontier_size_follows_the_terminal(runner, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("COLUMNS", "90")
    monkeypatch.setenv("LINES", "40")
    result = invoke(runner, ["plot", "frontier"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 90
    top = next(i for i, line in enumerate(lines) if "┌" in line)
    assert "└" in lines[top + 28]  # 40 lines less 8 for the legend and prompt: a 32-row chart, 27 inside the frame


def test_frontier_to_a_file(runner, tmp_path) -> None:  # noqa: ANN001 - PNG and PDF bytes: test_plotting
    target = tmp_path / "frontier.svg"
    result = invoke(runner, ["plot", "frontier", "-p", "chinchilla,kaplan-2020", "--plot-file", str(target)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "" and f"wrote {target}" in result.stderr
    text = target.read_text()
    assert text.startswith("<?xml") and "kaplan-2020" in text and "D_opt (tokens)" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--plot-file", "out.jpg"], ".jpg"),
        (["--plot-file", "no/such/dir/out.png"], "does not exist"),
        (["--from", "1e26", "--to", "1e20"], "--from 1e26 must be below --to 1e20"),
        (["--from", "lots"], "--from"),
        (["--plot-size", "10"], "--plot-size"),
        (["--plot-size", "10x5"], "too small"),
        (["-p", "nonesuch"], "unknown preset 'nonesuch'"),
        (["-p", ","], "--preset"),
    ],
)
def test_frontier_errors(runner, args: list[str], message: str) -> None:  # noqa: ANN001
    result = invoke(runner, ["plot", "frontier", *args])
    assert result.exit_code == 2
    assert message in result.stderr + result.stdout


def test_missing_matplotlib_is_one_line_exit_2(tmp_path) -> None:  # noqa: ANN001
    code = (
        "import sys; sys.modules['matplotlib'] = None; "
        "sys.argv = ['scalecalc', 'plot', 'frontier', '--plot-file', sys.argv[1]]; "
        "from scalecalc.cli import main; main()"
    )
    target = tmp_path / "f.png"
    done = subprocess.run(
        [sys.executable, "-c", code, str(target)], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "pip install 'scalecalc[plot]'" in done.stderr
    assert not target.exists()


def test_help_lists_the_command(runner) -> None:  # noqa: ANN001
    result = invoke(runner, ["plot", "frontier", "--help"])
    assert result.exit_code == 0 and "scalecalc plot frontier --preset" in result.stdout


# --- where --plot draws, for the commands that print data ------------------------------------------------


@pytest.fixture
def figure():  # noqa: ANN201
    return frontier_figure([load_preset("epoch-2024")], 1e20, 1e24)


def test_plot_goes_to_stderr_beside_machine_formats(figure, capsys, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    print(json.dumps({"a": 1}))
    show_plot(figure, plot=True, plot_file=None, fmt="json", plot_size="100x20")
    captured = capsys.readouterr()
    assert json.loads(captured.out) == {"a": 1}  # stdout stays one JSON document
    assert "compute-optimal frontier" in captured.err


def test_plot_goes_to_stdout_under_a_table_on_a_terminal(figure, capsys, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    show_plot(figure, plot=True, plot_file=None, fmt="table", plot_size="100x20")
    captured = capsys.readouterr()
    assert "compute-optimal frontier" in captured.out and captured.err == ""


def test_plot_goes_to_stderr_in_a_pipe(figure, capsys, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False)
    show_plot(figure, plot=True, plot_file=None, fmt="table", plot_size="100x20")
    captured = capsys.readouterr()
    assert captured.out == "" and "compute-optimal frontier" in captured.err


def test_no_plot_options_draw_nothing(figure, capsys) -> None:  # noqa: ANN001
    show_plot(figure, plot=False, plot_file=None, fmt="table")
    assert capsys.readouterr() == ("", "")


def test_plot_file_and_terminal_together(figure, capsys, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False)
    target = tmp_path / "f.svg"
    show_plot(figure, plot=True, plot_file=str(target), fmt="csv", plot_size="100x20")
    captured = capsys.readouterr()
    assert target.exists() and f"wrote {target}" in captured.err and captured.out == ""


def test_plot_size_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    assert parse_plot_size("100x30") == (100, 30) and parse_plot_size(" 80 X 20 ") == (80, 20)
    with pytest.raises(InputError, match="WIDTHxHEIGHT"):
        parse_plot_size("wide")
    monkeypatch.setenv("COLUMNS", "150")
    monkeypatch.setenv("LINES", "50")
    assert terminal_chart_size(sys.stderr) == (150, 40)  # at most 40 rows
    monkeypatch.setenv("LINES", "10")
    assert terminal_chart_size(sys.stderr) == (150, 12)  # at least 12


def test_the_cli_imports_no_drawing_library() -> None:
    code = "import sys, scalecalc.cli; print(sorted(m for m in ('plotext', 'matplotlib') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.stdout.strip() == "[]"  # cold start of `plan` stays as it was
