"""`scalecalc plot frontier` and the shared --plot/--plot-file machinery: what goes to stdout and stderr,
what is written, and the error contract."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from scalecalc.cli.plot import parse_plot_size, show_plot, terminal_chart_size
from scalecalc.errors import InputError
from scalecalc.plotting.builders import frontier_figure
from scalecalc.presets import load_preset
from tests.conftest import ROOT, invoke


def test_frontier_in_the_terminal(runner) -> None:
    result = invoke(runner, ["plot", "frontier", "-p", "epoch-2024,llama3-2024", "--plot-size", "100x24"])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].strip() == "compute-optimal frontier, 1e20 to 1e26 FLOPs"
    # 24 rows: the panel titles, the frame's top, 19 rows inside it, its bottom, tick labels, the axis title
    assert len(lines) >= 1 + 24 and "┌" in lines[2] and "└" in lines[22] and "FLOPs" in lines[24]
    assert "epoch-2024 (N∝C^0.513, D∝C^0.487)" in result.stdout and "llama3-2024" in result.stdout
    assert "\x1b[" not in result.stdout and result.stderr == ""


def test_frontier_range_and_units(runner) -> None:
    result = invoke(runner, ["plot", "frontier", "--from", "1e21", "--to", "1e23", "--plot-size", "100x20"])
    assert result.exit_code == 0, result.stderr
    assert "1e21 to 1e23 FLOPs" in result.stdout and "1e21" in result.stdout and "1e23" in result.stdout
    assert "1e26" not in result.stdout
    in_pf_days = invoke(runner, ["plot", "frontier", "--from", "100pfd", "--to", "1e23", "--plot-size", "100x20"])
    assert in_pf_days.exit_code == 0 and "8.64e21 to 1e23 FLOPs" in in_pf_days.stdout


def test_frontier_size_follows_the_terminal(runner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "90")
    monkeypatch.setenv("LINES", "40")
    result = invoke(runner, ["plot", "frontier"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 90
    top = next(i for i, line in enumerate(lines) if "┌" in line)
    assert "└" in lines[top + 28]  # 40 lines less 8 for the legend and prompt: a 32-row chart, 27 inside the frame


def test_frontier_to_a_file(runner, tmp_path) -> None:
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
def test_frontier_errors(runner, args: list[str], message: str) -> None:
    result = invoke(runner, ["plot", "frontier", *args])
    assert result.exit_code == 2
    assert message in result.stderr + result.stdout


def test_missing_matplotlib_is_one_line_exit_2(tmp_path) -> None:
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


def test_help_lists_the_command(runner) -> None:
    result = invoke(runner, ["plot", "frontier", "--help"])
    assert result.exit_code == 0 and "scalecalc plot frontier --preset" in result.stdout


# --- where --plot draws, for the commands that print data ------------------------------------------------


@pytest.fixture
def figure():
    return frontier_figure([load_preset("epoch-2024")], 1e20, 1e24)


def test_plot_goes_to_stderr_beside_machine_formats(figure, capsys, monkeypatch) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    print(json.dumps({"a": 1}))
    show_plot(figure, plot=True, plot_file=None, fmt="json", plot_size="100x20")
    captured = capsys.readouterr()
    assert json.loads(captured.out) == {"a": 1}  # stdout stays one JSON document
    assert "compute-optimal frontier" in captured.err


def test_plot_goes_to_stdout_under_a_table_on_a_terminal(figure, capsys, monkeypatch) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    show_plot(figure, plot=True, plot_file=None, fmt="table", plot_size="100x20")
    captured = capsys.readouterr()
    assert "compute-optimal frontier" in captured.out and captured.err == ""


def test_plot_goes_to_stderr_in_a_pipe(figure, capsys, monkeypatch) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False)
    show_plot(figure, plot=True, plot_file=None, fmt="table", plot_size="100x20")
    captured = capsys.readouterr()
    assert captured.out == "" and "compute-optimal frontier" in captured.err


def test_no_plot_options_draw_nothing(figure, capsys) -> None:
    show_plot(figure, plot=False, plot_file=None, fmt="table")
    assert capsys.readouterr() == ("", "")


def test_plot_file_and_terminal_together(figure, capsys, tmp_path, monkeypatch) -> None:
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


# --- --plot and --plot-file on fit, isoflop and envelope ------------------------------------------------

LLAMA3 = str(ROOT / "examples" / "llama3-isoflops.csv")
EPOCH_POINTS = str(ROOT / "examples" / "chinchilla-epoch-points.csv")


def test_isoflop_plot_beside_json_goes_to_stderr(runner) -> None:
    result = invoke(runner, ["isoflop", LLAMA3, "--flops", "3.8e25", "--bootstrap", "20", "--plot", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)  # stdout is nothing but the JSON document
    assert document["command"] == "isoflop"
    assert "isoFLOP analysis (Approach 2, parabola)" in result.stderr and "target 3.8e25" in result.stderr
    assert "C=6e18" in result.stderr and "C=1e22" in result.stderr  # the ten budgets' legend


def test_isoflop_plot_file(runner, tmp_path) -> None:
    target = tmp_path / "llama3.svg"
    result = invoke(runner, ["isoflop", LLAMA3, "--flops", "3.8e25", "--bootstrap", "20", "--plot-file", str(target)])
    assert result.exit_code == 0, result.stderr
    text = target.read_text()
    assert "compute budget C (FLOPs)" in text and "Approach 2: N_opt = k_N C^a" in text and "target 3.8e25" in text
    assert "\u2502" not in result.stdout  # no chart without --plot


def test_isoflop_bad_plot_file_fails_before_the_analysis(runner) -> None:
    result = invoke(runner, ["isoflop", LLAMA3, "--plot-file", "out.gif"])
    assert result.exit_code == 2 and ".gif" in result.stderr + result.stdout


def test_fit_plot_beside_tsv(runner) -> None:
    result = invoke(runner, ["fit", EPOCH_POINTS, "--drop-highest", "5", "--target-flops", "5.76e23", "--plot",
                             "--format", "tsv"])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    header, row = result.stdout.splitlines()
    assert header.startswith("form\t") and row.startswith("chinchilla\t")
    assert "chinchilla law fitted to 240 runs (huber)" in result.stderr and "target 5.76e23" in result.stderr
    assert "L = E + A/N^α + B/D^β" in result.stderr


def test_fit_plot_file(runner, tmp_path) -> None:
    target = tmp_path / "fit.svg"
    result = invoke(runner, ["fit", EPOCH_POINTS, "--drop-highest", "5", "--plot-file", str(target), "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    assert f"wrote {target}" in result.stderr and "model size N (parameters)" in target.read_text()


def test_envelope_plot(runner, tmp_path) -> None:
    import numpy as np

    from tests.test_plotting_builders import EPOCH

    lines = ["params,tokens,loss"]
    for n in np.geomspace(5e7, 5e9, 5):
        for d in np.geomspace(1e9, 2e11, 12):
            lines.append(f"{n:.6g},{d:.6g},{float(EPOCH.loss(n, d)):.6f}")
    curves = tmp_path / "curves.csv"
    curves.write_text("\n".join(lines) + "\n")
    result = invoke(runner, ["envelope", str(curves), "--bootstrap", "10", "--plot", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    json.loads(result.stdout)
    assert "training-curve envelope (Approach 1)" in result.stderr and "lowest loss (envelope)" in result.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["plot", "frontier"],
        ["fit", str(ROOT / "examples" / "chinchilla-epoch-points.csv"), "--format", "json"],
        ["isoflop", str(ROOT / "examples" / "llama3-isoflops.csv"), "--format", "json"],
    ],
)
def test_plot_file_never_replaces_a_file_without_force(runner, tmp_path, command) -> None:
    target = tmp_path / "mine.png"
    target.write_bytes(b"the user's own picture")
    refused = invoke(runner, [*command, "--plot-file", str(target)])
    assert refused.exit_code == 2
    assert f"--plot-file: {target} already exists" in refused.stderr and "--force" in refused.stderr
    assert target.read_bytes() == b"the user's own picture"
    replaced = invoke(runner, [*command, "--plot-file", str(target), "--force"])
    assert replaced.exit_code == 0, replaced.stderr
    assert target.read_bytes().startswith(b"\x89PNG")
