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


def test_example_names_read_the_shipped_file_wherever_runs_are_read() -> None:
    by_name = read_table("example:llama3-isoflops")
    by_path = read_table(str(find_example("llama3-isoflops").path))
    assert by_name.source == "example:llama3-isoflops"  # what error locations and `fit`'s JSON `source` name
    assert by_name.header == by_path.header
    for name in by_name.header:  # numpy arrays from the fast reader, lists of text from the careful one
        assert list(by_name.cells[name]) == list(by_path.cells[name])


def test_example_names_work_in_every_command_that_reads_runs(runner) -> None:
    fitted = invoke(runner, ["fit", "example:chinchilla-epoch-points", "--drop-highest", "5", "-f", "alpha"])
    assert fitted.exit_code == 0, fitted.stderr
    assert abs(float(fitted.stdout) - 0.3473) < 5e-4  # Besiroglu et al. 2024's refit: alpha = 0.3473
    isoflop = invoke(runner, ["isoflop", "example:llama3-isoflops", "-f", "tokens_exponent"])
    assert isoflop.exit_code == 0, isoflop.stderr
    assert abs(float(isoflop.stdout) - 0.537) < 1e-3  # Llama Team 2024, Fig. 3: D_opt = 0.299 C^0.537
    predicted = invoke(runner, ["predict", "example:chinchilla-epoch-points", "-p", "chinchilla", "-f", "residual"])
    assert predicted.exit_code == 0, predicted.stderr
    assert len(predicted.stdout.split()) == 245


def test_a_misspelt_example_name_is_one_line_with_a_suggestion(runner) -> None:
    result = invoke(runner, ["fit", "example:llama3-isoflop"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "error: unknown example 'llama3-isoflop'; did you mean 'llama3-isoflops'? examples: "
        "chinchilla-epoch-points, llama3-isoflops, marin-dclm-isoflops (scalecalc examples list)"
    ]
