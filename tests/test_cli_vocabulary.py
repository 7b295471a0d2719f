"""One vocabulary across commands (issue 13): each shared concept is the same option everywhere, every option's
default and choices appear in its --help, and the old spellings still work for one release with a note."""

from __future__ import annotations

import json
import re

import pytest
import typer
from typer.core import TyperGroup, TyperOption

from scalecalc.cli import app
from scalecalc.cli._types import Choice, Count, Fraction
from tests.conftest import ROOT, error_line, invoke, run

EPOCH = str(ROOT / "examples" / "chinchilla-epoch-points.csv")
LLAMA3 = str(ROOT / "examples" / "llama3-isoflops.csv")


def _commands() -> dict[str, object]:
    found: dict[str, object] = {}

    def walk(command: object, path: tuple[str, ...]) -> None:
        if isinstance(command, TyperGroup):
            for name, sub in command.commands.items():
                walk(sub, (*path, name))
        else:
            found[" ".join(path)] = command

    walk(typer.main.get_command(app), ())
    return found


COMMANDS = _commands()


def _options(path: str) -> dict[str, TyperOption]:
    return {param.name: param for param in COMMANDS[path].params if isinstance(param, TyperOption)}  # type: ignore[attr-defined]


# concept -> (long option, short flag or None, parameter type, commands that must offer it)
VOCABULARY = {
    "budget": ("--flops", "-c", None, ["plan", "compare", "isoflop", "envelope"]),
    "target budget": ("--target-flops", None, None, ["fit", "simulate", "suggest"]),
    "preset": (
        "--preset",
        "-p",
        None,
        ["plan", "predict", "compare", "hyperparameters", "sweep", "simulate", "suggest", "plot frontier"],
    ),
    "level": ("--level", None, Fraction, ["fit", "isoflop", "envelope", "simulate"]),
    "bootstrap": ("--bootstrap", None, Count, ["fit", "isoflop", "envelope", "simulate"]),
    "seed": ("--seed", None, None, ["fit", "isoflop", "envelope", "simulate", "suggest"]),
    "trials": ("--trials", None, Count, ["simulate", "suggest"]),
    "sizes": ("--sizes", None, Count, ["sweep", "suggest"]),
    "model": ("--model", "-m", None, ["arch", "memory"]),
    "params": ("--params", "-n", None, ["plan", "predict", "memory"]),
    "tokens": ("--tokens", "-d", None, ["plan", "predict", "arch"]),
    "gpu": ("--gpu", None, None, ["plan", "memory"]),
    "format": ("--format", None, None, [p for p in COMMANDS if not p.endswith(" path") and p != "plot frontier"]),
    "field": ("--field", "-f", None, [p for p in COMMANDS if not p.endswith((" show", " path", "plot frontier"))]),
    "params column": ("--params-col", None, None, ["predict", "fit", "isoflop", "envelope", "simulate", "suggest"]),
    "loss column": ("--loss-col", None, None, ["predict", "fit", "isoflop", "envelope"]),
    "params convention": ("--params-convention", None, Choice, ["fit", "isoflop", "envelope"]),
}


@pytest.mark.parametrize("concept", sorted(VOCABULARY))
def test_a_shared_concept_is_the_same_option_in_every_command(concept: str) -> None:
    long, short, kind, commands = VOCABULARY[concept]
    spellings = {}
    for path in commands:
        matching = [option for option in _options(path).values() if long in option.opts]
        assert matching, f"{path} has no {long} ({concept})"
        option = matching[0]
        spellings[path] = tuple(sorted(option.opts))
        if kind is not None:
            assert isinstance(option.type, kind), f"{path} {long} is {option.type!r}, not {kind.__name__}"
    assert len(set(spellings.values())) == 1, spellings
    assert (short in next(iter(spellings.values()))) if short else all(len(s) == 1 for s in spellings.values())


def test_a_short_flag_means_one_thing_across_commands() -> None:
    meaning: dict[str, set[str]] = {}
    for path in COMMANDS:
        for option in _options(path).values():
            long = max(option.opts, key=len)
            for flag in option.opts:
                if not flag.startswith("--"):
                    meaning.setdefault(flag, set()).add(long)
    assert {flag: longs for flag, longs in meaning.items() if len(longs) > 1} == {}


@pytest.mark.parametrize("path", sorted(COMMANDS))
def test_help_shows_every_options_default_and_choices(path: str) -> None:
    text = re.sub(r"\s+", " ", run(typer.testing.CliRunner(), [*path.split(), "--help"]).stdout)
    for option in _options(path).values():
        if option.hidden or option.name == "help":
            continue
        long = max(option.opts, key=len)
        assert long in text, f"{path}: {long} missing from --help"
        if isinstance(option.type, Choice):
            assert "<" + "|".join(option.type.choices) + ">" in text, f"{path} {long}: choices missing"
        if option.is_flag or option.default is None or option.multiple:
            continue
        assert f"[default: {option.default}]" in text, f"{path} {long}: default {option.default!r} missing"


def test_help_shows_bracketed_text_rich_markup_used_to_swallow() -> None:
    runner = typer.testing.CliRunner()
    assert "[default: 50257, GPT-2's" in re.sub(r"\s+", " ", run(runner, ["arch", "--help"]).stdout)
    assert "pip install 'scalecalc[plot]'" in re.sub(r"\s+", " ", run(runner, ["fit", "--help"]).stdout)
    assert "[default: 0.4]" in re.sub(r"\s+", " ", run(runner, ["plan", "--help"]).stdout)


def test_root_help_lists_exit_codes_and_environment_variables() -> None:
    text = run(typer.testing.CliRunner(), ["--help"]).stdout
    for fragment in ("Exit codes", "3 ", "SCALECALC_FORMAT", "SCALECALC_PRESETS_PATH", "SCALECALC_DEBUG", "NO_COLOR"):
        assert fragment in text


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (["fit", EPOCH, "--ci", "0.9"], ["fit", EPOCH, "--level", "0.9"]),
        (
            ["fit", EPOCH, "--at-flops=1e24"],
            ["fit", EPOCH, "--target-flops=1e24"],
        ),
        (["compare", "-c", "1e24", "--presets", "chinchilla"], ["compare", "-c", "1e24", "-p", "chinchilla"]),
        (
            ["sweep", "--min-flops", "1e18", "--max-flops", "1e20", "--budgets", "3"],
            ["sweep", "--min-flops", "1e18", "--max-flops", "1e20", "--n-budgets", "3"],
        ),
    ],
)
def test_old_spellings_work_for_one_release_with_a_note(old: list[str], new: list[str]) -> None:
    runner = typer.testing.CliRunner()
    before = run(runner, [*old, "--format", "json"])
    after = run(runner, [*new, "--format", "json"])
    assert before.stdout == after.stdout
    spelling = old[[i for i, arg in enumerate(old) if arg not in new][0]].split("=")[0]
    assert f"note: {spelling} is deprecated" in before.stderr
    assert "deprecated" not in after.stderr
    assert spelling not in run(runner, [new[0], "--help"]).stdout.split()


@pytest.mark.parametrize("method", [["-m", "cubic"], ["-mcubic"]])
def test_isoflops_method_lost_its_m_which_means_model_elsewhere(method: list[str]) -> None:
    runner = typer.testing.CliRunner()
    result = run(runner, ["isoflop", LLAMA3, *method, "--bootstrap", "0", "-f", "params_exponent"])
    new = run(runner, ["isoflop", LLAMA3, "--method", "cubic", "--bootstrap", "0", "-f", "params_exponent"])
    assert result.stdout == new.stdout
    assert "note: -m is deprecated" in result.stderr
    assert "-m," not in run(runner, ["isoflop", "--help"]).stdout


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["plan", "-c", "1e24", "--format", "jsn"], "--format: unknown format 'jsn' (did you mean 'json'?)"),
        (["plan", "-c", "1e24", "-p", "chinchila"], "unknown preset 'chinchila' (did you mean 'chinchilla'?)"),
        (["plan", "-c", "1e24", "--gpu", "h10"], "unknown accelerator 'h10' (did you mean 'h100'?)"),
        (["arch", "-m", "llama3-8"], "unknown shape 'llama3-8' (did you mean 'llama3-8b'?)"),
        (["plan", "-c", "1e24", "-f", "parms"], "no field 'parms' (did you mean 'params'?)"),
        (["fit", "x.csv", "--form", "chinchila"], "--form: unknown form 'chinchila' (did you mean 'chinchilla'?)"),
        (["presets", "show", "chinchilla", "--format", "yml"], "--format: unknown format 'yml' (did you mean 'yaml'?)"),
        (["fit", "x.csv", "--bootstrap", "1.5"], "--bootstrap: '1.5' is not a whole number"),
        (["fit", "x.csv", "--level", "high"], "--level: 'high' is not a fraction"),
    ],
)
def test_typos_get_did_you_mean_in_one_error_line(args: list[str], fragment: str) -> None:
    assert fragment in error_line(invoke(typer.testing.CliRunner(), args))


def test_quantities_take_suffixes_case_and_percentages_where_people_write_them() -> None:
    runner = typer.testing.CliRunner()
    plain = run(runner, ["plan", "-c", "1e24", "-p", "chinchilla", "-f", "params"]).stdout
    assert run(runner, ["plan", "-c", "1e24", "-p", "Chinchilla", "-f", "params"]).stdout == plain
    seventy = run(runner, ["plan", "-n", "70B", "-f", "flops"]).stdout
    assert run(runner, ["plan", "-n", "70b", "-f", "flops"]).stdout == seventy
    gpu = ["plan", "-c", "1e24", "--gpu", "H100", "--gpus", "1k", "-f", "days"]
    assert run(runner, [*gpu, "--mfu", "40%"]).stdout == run(runner, [*gpu, "--gpus", "1000", "--mfu", "0.4"]).stdout
    sweep = ["sweep", "--min-flops", "1e18", "--max-flops", "1e20", "--n-budgets", "3", "-f", "params"]
    assert run(runner, [*sweep, "--sizes", "5"]).stdout == run(runner, [*sweep, "--sizes", "5.0"]).stdout
    # 95% is 0.95 exactly (95 * 0.01 would be 0.9500000000000001), in the level the JSON document reports
    fit = ["fit", "example:chinchilla-epoch-points", "--bootstrap", "20", "--format", "json"]
    assert json.loads(run(runner, [*fit, "--level", "95%"]).stdout)["bootstrap"]["level"] == 0.95


def test_a_custom_shape_says_which_vocabulary_it_assumed() -> None:
    args = ["arch", "--layers", "32", "--d-model", "4096", "--heads", "32", "--kv-heads", "8", "--ffn", "14336"]
    runner = typer.testing.CliRunner()
    assumed = run(runner, [*args, "-f", "params"])
    assert "note: --vocab not given: using GPT-2's 50257" in assumed.stderr
    llama = run(runner, [*args, "--vocab", "128256", "-f", "params"])  # Llama-3-8B: 8.03B (Meta's model card)
    assert llama.stderr == ""
    assert float(llama.stdout) == pytest.approx(8.03e9, rel=2e-3)


def test_choice_lists_named_for_start_up_match_the_core() -> None:
    from scalecalc.cli import fit, memory
    from scalecalc.cli._shape_options import MLPS, POSITIONS
    from scalecalc.fitting import FORMS
    from scalecalc.hardware import architecture
    from scalecalc.hardware import memory as memory_core

    assert fit.FORMS == FORMS
    assert memory.RECOMPUTE == memory_core.RECOMPUTE
    assert memory.KV_DTYPES == memory_core.INFERENCE_DTYPES
    assert MLPS == tuple(architecture.MLPS)
    assert POSITIONS == architecture.POSITIONS


def test_core_messages_name_parameters_and_the_cli_shows_the_options_typed() -> None:
    from scalecalc.cli._common import with_options

    assert with_options("widen `snap` or give `nominal_budgets`", {"nominal_budgets": "--budgets"}) == (
        "widen --snap or give --budgets"
    )
    commands = "see `scalecalc presets show` and `fit --save`"
    assert with_options(commands) == commands


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["sweep", "--min-flops", "1e20", "--max-flops", "1e18"], "--max-flops: 1e+18 is below --min-flops 1e+20"),
        (["sweep", "--min-flops", "1e18", "--max-flops", "1e20", "--span", "3", "--tokens-per-param", "5:200"],
         "--span and --tokens-per-param both set"),
        (["arch", "--layers", "2", "--d-model", "100", "--heads", "3"], "does not divide --d-model 100; give --head"),
    ],
)  # fmt: skip
def test_core_errors_show_the_options_in_their_text(args: list[str], fragment: str) -> None:
    assert fragment in error_line(invoke(typer.testing.CliRunner(), args))


def test_core_notes_show_the_renamed_option() -> None:
    result = run(typer.testing.CliRunner(), ["fit", EPOCH, "--format", "table"])
    assert "(set --target-flops)" in re.sub(r"\s+", " ", result.stdout + result.stderr)
    assert "`" not in result.stderr


def test_no_core_message_names_a_command_in_backticks() -> None:
    # A backticked word in a core message is a parameter, which the CLI shows as its option: `fit` in a note came
    # out as "--fit", a flag that does not exist. Scan every string the core builds (docstrings aside).
    import ast

    commands = {word for name in COMMANDS for word in name.split()}
    found = []
    for path in (ROOT / "scalecalc").rglob("*.py"):
        if "cli" in path.relative_to(ROOT / "scalecalc").parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                words = re.findall(r"`([a-z][a-z0-9_]*)`", node.value)
                found += [(path.name, word) for word in words if word in commands]
    assert found == []
