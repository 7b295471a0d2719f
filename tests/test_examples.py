"""`scalecalc examples`: every shipped example is listed with its provenance heading and can be read."""

from __future__ import annotations

from pathlib import Path

from scalecalc.presets.examples import find_example, list_examples
from scalecalc.runs import read_observations, read_table
from tests.conftest import ROOT, invoke


def test_every_example_file_is_listed_with_a_description_from_sources() -> None:
    examples = list_examples()
    files = sorted(p.name for p in (ROOT / "examples").iterdir() if p.suffix == ".csv")
    assert sorted(e.path.name for e in examples) == files
    assert all(e.description for e in examples), "each example needs a '## `file`: description' heading"


def test_every_example_reads_as_a_table_and_the_aliased_ones_as_runs() -> None:
    for example in list_examples():
        assert len(read_table(str(example.path))) > 50
    # The Marin export needs explicit columns (docs: isoflop worked example); these two resolve by alias.
    for name in ("chinchilla-epoch-points", "llama3-isoflops"):
        observations = read_observations(read_table(str(find_example(name).path)))
        assert len(observations) > 100


def test_examples_cli_lists_and_prints_paths(runner) -> None:
    listed = invoke(runner, ["examples", "list", "-f", "name"])
    assert listed.exit_code == 0
    assert "llama3-isoflops" in listed.stdout.split()
    path = invoke(runner, ["examples", "path", "llama3-isoflops"])
    assert path.exit_code == 0
    assert Path(path.stdout.strip()) == find_example("llama3-isoflops").path


def test_unknown_example_is_a_one_line_error(runner) -> None:
    result = invoke(runner, ["examples", "path", "nope"])
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("error: unknown example 'nope'; examples: ")
    assert len(result.stderr.strip().splitlines()) == 1
