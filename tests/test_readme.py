"""Every command the README shows runs, as written, from a fresh directory holding the shipped examples.

Commands are taken from the README's fenced code blocks in order (so `sweep ... > runs.csv` runs before the
commands that read runs.csv). A command that reads a placeholder file the README never creates (`runs.jsonl`,
`curves.csv`) is skipped; the test asserts that most commands did run, so a README edit cannot quietly turn
the check into a no-op. `scalecalc` is this interpreter's `python -m scalecalc`.

`simulate` and `suggest` repeat a whole study hundreds of times (seconds each, benchmarked in
benchmarks/bench_simulate.py); here they run with `--trials 20`, which exercises the same code.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

FENCE = re.compile(r"```[a-z]*\n(.*?)```", re.S)
COMMAND = re.compile(r"^(\w+=\$\()?scalecalc |\| scalecalc |\$\(scalecalc ")
FILE_ARGUMENT = re.compile(r"^[\w./-]+\.(csv|tsv|json|jsonl|yaml|yml)$")


def readme_commands() -> list[str]:
    commands = []
    for block in FENCE.findall((ROOT / "README.md").read_text(encoding="utf-8")):
        lines = iter(block.splitlines())
        for line in lines:
            text = line.strip()
            while text.endswith("\\"):
                text = text[:-1] + " " + next(lines).strip()
            if COMMAND.search(text):
                commands.append(text)
    return commands


def fewer_trials(command: str) -> str:
    """The command with every `simulate`/`suggest` limited to 20 trials."""
    parts = re.split(r"(\|)", command)
    for index, part in enumerate(parts):
        if re.search(r"scalecalc (simulate|suggest)\b", part):
            part = re.sub(r"--trials \d+", "", part)
            code, hash_, comment = part.partition(" #")
            parts[index] = f"{code.rstrip()} --trials 20 {hash_}{comment}".rstrip()
    return "".join(parts)


def files_read(command: str) -> list[str]:
    """File arguments a command reads (not the ones it writes with `>` or --save/--plot-file)."""
    words = shlex.split(command, comments=True)
    read = []
    for previous, word in zip(["", *words], words, strict=False):
        if previous in (">", "--save", "--plot-file") or not FILE_ARGUMENT.match(word):
            continue
        read.append(word)
    return read


def test_readme_commands_run(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    (tmp_path / "docs" / "img").mkdir(parents=True)  # where the README's own figures are written
    shim = f'scalecalc() {{ "{sys.executable}" -m scalecalc "$@"; }}\nexport -f scalecalc\n'
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    ran, skipped = [], []
    for command in readme_commands():
        missing = [name for name in files_read(command) if not (tmp_path / name).exists()]
        if missing:
            skipped.append(command)
            continue
        result = subprocess.run(
            ["bash", "-c", f"set -eo pipefail\n{shim}{fewer_trials(command)}"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            env=environment,
        )
        assert result.returncode == 0, f"README command failed: {command}\n{result.stderr}"
        assert "Traceback" not in result.stderr
        ran.append(command)
    assert len(ran) >= 0.75 * (len(ran) + len(skipped)), f"only {len(ran)} of {len(ran) + len(skipped)} ran: {skipped}"


@pytest.mark.parametrize("command", ["scalecalc plan --flops 1e24", "scalecalc fit runs.csv > out.csv"])
def test_file_arguments_are_recognised(command: str) -> None:
    assert files_read(command) == ([] if "plan" in command else ["runs.csv"])


def test_fewer_trials_rewrites_only_the_study_commands() -> None:
    assert fewer_trials("scalecalc simulate --sweep r.csv --trials 500 --seed 1  # note") == (
        "scalecalc simulate --sweep r.csv  --seed 1 --trials 20  # note"
    )
    piped = "scalecalc sweep --format csv | scalecalc suggest - --next 2"
    assert fewer_trials(piped) == "scalecalc sweep --format csv | scalecalc suggest - --next 2 --trials 20"
    assert fewer_trials("scalecalc plan --flops 1e24") == "scalecalc plan --flops 1e24"
