"""Every command the README and the manual (docs/*.md) show runs, as written, from a fresh directory per page
holding the shipped examples and, as in a clone, `tests/data/` (the OLMo ladder of docs/curves.md).

Commands are taken from each page's fenced code blocks in order (so `sweep ... > runs.csv` runs before the
commands that read runs.csv). A command that reads a placeholder file the page never creates (`runs.jsonl`,
`curves.csv`) is skipped; the test asserts that most of each page's commands ran (and three in four over all
pages), so an edit cannot quietly turn the check into a no-op. `scalecalc` is this interpreter's
`python -m scalecalc`.

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
from typing import NamedTuple

import pytest

from tests.conftest import ROOT

FENCE = re.compile(r"```[a-z]*\n(.*?)```", re.S)
# scalecalc itself, and the shell lines a page uses to make its inputs (`printf ... > pl.csv`, `ln -s ...`)
COMMAND = re.compile(r"^(\w+=\$\()?scalecalc |\| scalecalc |\$\(scalecalc |^printf .*> [\w.-]+$|^ln -s ")
FILE_ARGUMENT = re.compile(r"^[\w./-]+\.(csv|tsv|json|jsonl|yaml|yml)$")


PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# docs/vocabulary.md shows a deprecated spelling's note on a placeholder file: an illustration, not a task to run.
ILLUSTRATION_PAGES = {"vocabulary.md"}


class Command(NamedTuple):
    text: str
    error: str = ""  # the `error:` line a page shows after the command: it must fail with that message


def page_commands(page: Path) -> list[Command]:
    """Commands in the page's fences, in order: bare lines, and `$ `-prompted lines followed by their output."""
    commands = []
    for block in FENCE.findall(page.read_text(encoding="utf-8")):
        lines, shown = iter(block.splitlines()), False
        for line in lines:
            text = line.strip().removeprefix("$ ")
            while text.endswith("\\"):
                text = text[:-1] + " " + next(lines).strip()
            if COMMAND.search(text):
                commands.append(Command(text))
                shown = line.startswith("$ ")  # its output follows
            elif shown and line.startswith("error: "):
                commands[-1] = commands[-1]._replace(error=text)
                shown = False
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
    if words[:2] == ["ln", "-s"]:  # makes a link: its target need not exist (a page may show a dangling one)
        return []
    read = []
    for previous, word in zip(["", *words], words, strict=False):
        if previous in (">", "--save", "--plot-file") or not FILE_ARGUMENT.match(word):
            continue
        read.append(word)
    return read


def run_page(page: Path, directory: Path) -> tuple[list[str], list[str]]:
    """Run the page's commands in ``directory``; return the commands that ran and the ones skipped."""
    shutil.copytree(ROOT / "examples", directory / "examples")
    shutil.copytree(ROOT / "tests" / "data", directory / "tests" / "data")
    (directory / "docs" / "img").mkdir(parents=True)  # where the figures' own commands write them
    shim = f'scalecalc() {{ "{sys.executable}" -m scalecalc "$@"; }}\nexport -f scalecalc\n'
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    ran, skipped = [], []
    for command, error in page_commands(page):
        missing = [name for name in files_read(command) if not (directory / name).exists()]
        if missing:
            skipped.append(command)
            continue
        result = subprocess.run(
            ["bash", "-c", f"set -eo pipefail\n{shim}{fewer_trials(command)}"],
            cwd=directory,
            capture_output=True,
            text=True,
            timeout=120,
            env=environment,
        )
        if error:  # the page shows this command failing: it must, with the message shown (maybe wrapped)
            assert result.returncode in (2, 3), f"{page.name}: {command} should fail with {error}"
            assert error in result.stderr.strip(), f"{page.name}: {command}\n{result.stderr}"
        else:
            assert result.returncode == 0, f"{page.name} command failed: {command}\n{result.stderr}"
        assert "Traceback" not in result.stderr
        ran.append(command)
    return ran, skipped


_counts: dict[str, tuple[int, int]] = {}


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_page_commands_run(page: Path, tmp_path: Path) -> None:
    ran, skipped = run_page(page, tmp_path)
    _counts[page.name] = (len(ran), len(skipped))
    if (ran or skipped) and page.name not in ILLUSTRATION_PAGES:
        assert len(ran) > len(skipped), f"{page.name}: only {len(ran)} of {len(ran) + len(skipped)} ran: {skipped}"


def test_three_in_four_commands_run_over_all_pages() -> None:
    """After every page has run (this test comes after them in the file): the placeholders stay the exception."""
    if len(_counts) < len(PAGES):
        pytest.skip("needs every page's test in the same session")
    ran = sum(count for count, _ in _counts.values())
    total = sum(count + skipped for count, skipped in _counts.values())
    assert ran >= 0.75 * total, _counts


def test_the_readme_and_the_command_pages_show_commands() -> None:
    """A page that lost its code fences would pass the checks above vacuously."""
    assert len(page_commands(ROOT / "README.md")) >= 10
    for name in ("plan", "hardware", "fit", "isoflop", "study", "plots", "presets"):
        assert len(page_commands(ROOT / "docs" / f"{name}.md")) >= 3, name


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


def test_the_python_api_page_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/python-api.md's code, as written (it reads the shipped examples by `example:` name)."""
    monkeypatch.chdir(tmp_path)
    (code,) = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "python-api.md").read_text(encoding="utf-8"), re.S)
    namespace: dict[str, object] = {}
    exec(compile(code, "docs/python-api.md", "exec"), namespace)
    assert round(namespace["iso"].tokens_law.exponent, 3) == 0.537  # type: ignore[attr-defined]  # Llama 3, Fig. 3
