"""The real executable in a subprocess: exit codes, the stdout/stderr split, pipes, stdin, NO_COLOR.

Two launchers: ``python -m scalecalc`` always, and the installed ``scalecalc`` console script when it is on
PATH (after ``pip install .``). Every run is a cold start, so the runs a launcher needs are started together
(in parallel) once per module and the tests only read their results; CliRunner tests (test_cli_plan.py) cover
the behaviour in depth.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass

import pytest

from tests.conftest import ROOT

CONSOLE_SCRIPT = shutil.which("scalecalc")
ANSI = "\x1b["
FORMATS = ("json", "jsonl", "csv", "table")  # tsv: the default in a pipe, run as "plan"

# name -> (arguments, stdin)
RUNS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "plan": (("plan", "--flops", "1e24"), None),
    "stdin-field": (("plan", "--flops", "-", "-p", "tokens-20", "-f", "params"), "6e22\n\n# comment\n6667pfd\n24P\n"),
    "bad-stdin": (("plan", "--flops", "-"), "1e22\nten\n"),
    "usage": (("plan", "--flopz", "1"), None),
    "root-option-after": (("plan", "--flops", "1e24", "-q"), None),
    "infeasible": (("plan", "--loss", "1.5", "-p", "chinchilla"), None),
    **{
        f"format-{fmt}": (("plan", "--flops", "1e21,1e22", "-p", "chinchilla", "--format", fmt), None)
        for fmt in FORMATS
    },
}


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str


def _environment(**extra: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("SCALECALC_", "FORCE_COLOR"))}
    environment.update(extra)
    return environment


@pytest.fixture(
    scope="module",
    params=[
        pytest.param([sys.executable, "-m", "scalecalc"], id="python-m"),
        pytest.param(
            [CONSOLE_SCRIPT or "scalecalc"],
            id="console-script",
            marks=pytest.mark.skipif(
                CONSOLE_SCRIPT is None, reason="the scalecalc console script is not on PATH (pip install . to test it)"
            ),
        ),
    ],
)
def runs(request: pytest.FixtureRequest) -> dict[str, Run]:
    """Start every run of RUNS at once with this launcher, then collect them."""
    processes = {
        name: subprocess.Popen(
            [*request.param, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_environment(),
            cwd=ROOT,
        )
        for name, (args, _) in RUNS.items()
    }
    results = {}
    for name, process in processes.items():
        with process:
            stdout, stderr = process.communicate(RUNS[name][1] or "", timeout=120)
        results[name] = Run(process.returncode, stdout, stderr)
    return results


def one_error_line(run: Run) -> str:
    assert run.stdout == ""
    assert "Traceback" not in run.stderr
    lines = run.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), run.stderr
    assert ANSI not in run.stderr and "╭" not in run.stderr  # no Rich panel, no colour
    return lines[0]


def test_pipe_gives_tsv_on_stdout_and_the_warning_on_stderr(runs: dict[str, Run]) -> None:
    run = runs["plan"]
    assert run.returncode == 0
    rows = list(csv.DictReader(io.StringIO(run.stdout), delimiter="\t"))
    assert len(rows) == 1 and rows[0]["preset"] == "epoch-2024"
    # full precision: Besiroglu et al. 2024 constants, Hoffmann Eq. 4 frontier at 1e24 FLOPs
    alpha, beta, a, b = 0.3478, 0.3658, 482.01, 2085.43
    n_opt = (alpha * a / (beta * b)) ** (1 / (alpha + beta)) * (1e24 / 6) ** (beta / (alpha + beta))
    assert float(rows[0]["params"]) == pytest.approx(n_opt, rel=1e-13)
    assert float(rows[0]["tokens"]) / float(rows[0]["params"]) == pytest.approx(18.137, abs=1e-3)
    assert run.stderr.startswith("warning: ") and run.stderr.count("\n") == 1
    assert ANSI not in run.stdout + run.stderr


def test_field_and_stdin(runs: dict[str, Run]) -> None:
    run = runs["stdin-field"]
    assert run.returncode == 0 and run.stderr == ""
    values = [float(line) for line in run.stdout.splitlines()]
    expected = [(budget / 120) ** 0.5 for budget in (6e22, 6667 * 8.64e19, 24e15)]  # tokens-20: N = sqrt(C/120)
    assert values == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("name", "code", "fragment"),
    [
        ("bad-stdin", 2, "error: --flops (stdin line 2): cannot read 'ten'"),
        ("usage", 2, "error: No such option: --flopz"),  # a usage error is one plain line too
        ("root-option-after", 2, "-q is scalecalc's own option: put it first, scalecalc -q plan ..."),
        ("infeasible", 3, "irreducible loss E = 1.69"),
    ],
)
def test_exit_codes_and_one_line_errors(runs: dict[str, Run], name: str, code: int, fragment: str) -> None:
    assert runs[name].returncode == code
    assert fragment in one_error_line(runs[name])


def test_every_format_through_a_pipe(runs: dict[str, Run]) -> None:
    outputs = {fmt: runs[f"format-{fmt}"] for fmt in FORMATS}
    for fmt, run in outputs.items():
        assert run.returncode == 0 and run.stderr == "", (fmt, run.stderr)
    from_json = json.loads(outputs["json"].stdout)
    from_jsonl = [json.loads(line) for line in outputs["jsonl"].stdout.splitlines()]
    from_csv = list(csv.DictReader(io.StringIO(outputs["csv"].stdout)))
    assert len(from_json) == 2 and from_json == from_jsonl
    assert [float(r["params"]) for r in from_csv] == [r["params"] for r in from_json]  # full precision
    table = outputs["table"].stdout
    assert "chinchilla" in table and "1.00e21" in table and "tokens/param" in table
    assert ANSI not in "".join(r.stdout for r in outputs.values())


def test_no_color_on_a_terminal() -> None:
    """On a terminal the default is a table; with NO_COLOR set it carries no escape codes at all."""
    pty = pytest.importorskip("pty")
    master, slave = pty.openpty()
    with subprocess.Popen(
        [sys.executable, "-m", "scalecalc", "plan", "--flops", "1e22"],
        stdout=slave,
        stderr=subprocess.DEVNULL,
        env=_environment(NO_COLOR="1", TERM="xterm-256color", COLUMNS="120"),
        cwd=ROOT,
    ) as process:
        os.close(slave)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait(timeout=60)
    os.close(master)
    text = b"".join(chunks).decode()
    assert process.returncode == 0
    assert "FLOPs" in text and "tokens/param" in text  # a table, because stdout is a terminal
    assert ANSI not in text


# Modules `plan --flops` has no use for: each would be loaded (and, without .pyc files, compiled) on every cold
# start, which benchmarks/bench_startup.py holds under 2x `python -c "import numpy"`. numpy.ma comes with
# np.percentile on numpy 2.x (scalecalc._numeric stands in for it); numpy.random with the draws of epoch-2024's
# covariance, unless they come from the shipped standard normals (scalecalc.presets._normal_draws).
NOT_NEEDED_BY_PLAN = (
    "csv",
    "json",
    "matplotlib",
    "numpy.ma",
    "numpy.random",
    "plotext",
    "rich",
    "scipy",
    "scalecalc.cli.compare",
    "scalecalc.cli.predict",
    "scalecalc.fitting",
    "scalecalc.laws.allocation",
    "scalecalc.laws.broken",
    "scalecalc.laws.hyperparameters",
    "scalecalc.laws.kaplan",
    "scalecalc.laws.power",
    "scalecalc.laws.sigmoid",
    "scalecalc.plan.data_constrained",
    "scalecalc.plan.hyperparameters",
    "scalecalc.plan.inference",
    "scalecalc.plan.smaller",
    "scalecalc.presets.documents",
    "scalecalc.render.terminal",
    "scalecalc.runs",
)


def test_a_plan_in_a_pipe_loads_only_what_it_uses() -> None:
    code = (
        "import sys\n"
        "sys.argv = ['scalecalc', 'plan', '--flops', '1e24']\n"
        "from scalecalc.cli import main\n"
        "try:\n    main()\n"
        "except SystemExit:\n    pass\n"
        f"print(sorted(m for m in sys.modules if m in {NOT_NEEDED_BY_PLAN!r}), file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_environment(), cwd=ROOT, timeout=120
    )
    assert done.returncode == 0 and "loss_low" in done.stdout  # the interval was computed, without numpy.ma
    assert done.stderr.splitlines()[-1] == "[]"
