"""Fuzzing the command line as a hostile user would: malformed files, option values and preset documents.

Every case asserts the stderr contract of a refused input (tests/conftest.py::error_line): exit 2 (3 when
infeasible), nothing on stdout, one `error:` line of at most ~200 characters, no traceback. Accepted input must
exit 0. pytest turns warnings into errors, so a raw numpy RuntimeWarning inside a command shows up as exit 1
(an "unexpected failure") and fails the case. Runs in-process through CliRunner, so the suite stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import DATA, ROOT, error_line, invoke

EXAMPLES = ROOT / "examples"
MAX_ERROR_LENGTH = 290  # "about 200 characters"; the longest (an unknown preset) lists all 11 shipped presets
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

RUNS = "params,tokens,loss\n" + "".join(
    f"{n:g},{d:g},{1.69 + 406.4 / n**0.34 + 410.7 / d**0.28:.5f}\n"
    for n in (1e8, 3e8, 1e9, 3e9) for d in (2e9, 6e9, 2e10)
)  # fmt: skip


def refused(result, code: int | None = None, path: Path | None = None) -> str:
    """The error line, checked; its length is measured without ``path`` (the user chose how long that is)."""
    line = error_line(result)
    if code is not None:
        assert result.exit_code == code, line
    assert len(line.replace(str(path), "FILE") if path else line) <= MAX_ERROR_LENGTH, line
    return line


def settled(result) -> None:
    """Accepted (exit 0) or refused with the contract; never exit 1, never a traceback."""
    assert "Traceback" not in result.stderr
    assert "RuntimeWarning" not in result.stderr
    if result.exit_code != 0:
        refused(result)


# -- hand-written hostile cases: (args, stdin, expected exit code, a fragment the error names) -------------------

HOSTILE: list[tuple[list[str], str | None, int, str]] = [
    # stdin
    (["plan", "--flops", "-"], "", 2, "stdin held no values"),
    (["plan", "--flops", "-"], "1e20\nbanana\n", 2, "stdin line 2"),
    (["fit", "-"], "", 2, "empty"),
    (["fit", "-"], "\n,\n", 2, "no header and no runs"),
    (["fit", "-"], "params,tokens,loss\r1e8,2e9,3.0\r2e8,4e9,2.9\r", 2, "only 2 points"),
    (["fit", "-"], '[{"params": 1' + "0" * 400 + ', "tokens": 1e9, "loss": 3}]', 2, "too large"),
    (["fit", "-"], "[" * 100_000 + "]" * 100_000, 2, "nested too deeply"),
    (["fit", "-"], 'params,tokens,loss\n"' + "1" * 200_000 + '",1,2\n', 2, "field larger"),
    (["fit", "-"], 'params,tokens,loss\n"1e8,2e9,3.0\nSECRET,x,y\n', 2, "line 2"),
    (["fit", "-"], "params,tokens,loss\n" + "x" * 5000 + ",1,2\n", 2, "column 'params'"),
    (["fit", "-"], "params,tokens,loss\n1e8,1e-400,2\n2e8,1e-400,2\n", 2, "too small"),
    (["fit", "-"], '{"params": [1, 2], "tokens": 1e9, "loss": 3}\n', 2, "expected a number"),
    (["fit", "-"], '{"params": true, "tokens": 1e9, "loss": 3}\n', 2, "expected a number"),
    (["fit", "-"], "[1, 2, 3]", 2, "expected an object"),
    (["fit", "-"], '{"a": 1}\n{"a": ', 2, "not valid JSONL"),
    (["fit", "-"], "params,params,loss\n1,2,3\n", 2, "duplicated column"),
    (["fit", "-"], ",".join(f"c{i}" for i in range(500)) + "\n" + ",".join("1" * 500) + "\n", 2, "more)"),
    (["fit", "-"], "params,tokens,loss\n1e8,2e9,nan\n", 2, "not a finite number"),
    (["fit", "-"], "params,flops,loss\n1e300,1e-300,2\n3e300,1e-300,2\n", 2, "C = 6ND"),
    (["predict", "-"], "params,tokens\n1e-300,1e-300\n", 2, "C = 6ND"),
    (["simulate", "--sweep", "-"], "", 2, "empty"),
    # seeds, fractions, counts
    (["fit", str(EXAMPLES / "chinchilla-epoch-points.csv"), "--seed", "-1"], None, 2, "--seed"),
    (["isoflop", str(EXAMPLES / "llama3-isoflops.csv"), "--seed", "-1"], None, 2, "--seed"),
    (["envelope", str(EXAMPLES / "chinchilla-epoch-points.csv"), "--seed", "-1"], None, 2, "--seed"),
    (["simulate", "--sweep", "-", "--seed", "-1"], RUNS, 2, "--seed"),
    (["isoflop", str(EXAMPLES / "llama3-isoflops.csv"), "--snap", "nan"], None, 2, "--snap"),
    (["isoflop", str(EXAMPLES / "llama3-isoflops.csv"), "--snap", "inf"], None, 2, "--snap"),
    (["isoflop", str(EXAMPLES / "llama3-isoflops.csv"), "--snap", "-0.1"], None, 2, "--snap"),
    (["fit", "-", "--fix", "E=1.69,A=406,B=410,alpha=0.34,beta=0.28"], RUNS, 2, "nothing to fit"),
    # numbers at the edge of floating point
    (["predict", "--params", "1e-300", "--tokens", "1e-300"], None, 2, "--params"),
    (["predict", "--params", "1", "--tokens", "1e-310"], None, 2, "--params"),
    (["predict", "--params", "1e300", "--tokens", "1e300"], None, 2, "--params"),
    (["plan", "--loss", "1e300"], None, 2, "--loss"),
    (["plan", "--loss", "1.0"], None, 3, "irreducible"),
    (["plan", "--params", "1e-300"], None, 2, "--params"),
    (["plan", "--tokens", "1e-300"], None, 2, "--tokens"),
    (["plan", "--flops", "1e-400"], None, 2, "too small"),
    (["plan", "--flops", "1e400"], None, 2, "too large"),
    (["plan", "--flops", "1" + "0" * 400], None, 2, "too large"),
    (["plan", "--flops", "1e20", "--params", "1e-300"], None, 2, "--flops"),
    (["plan", "--flops", "nan"], None, 2, "not a finite number"),
    (["plan", "--flops", "-inf"], None, 2, "not a finite number"),
    (["plan", "--flops", "0"], None, 2, "greater than zero"),
    (["plan", "--flops", "1e20,,1e21"], None, 2, "empty item"),
    (["plan", "--flops", "7E"], None, 2, "--flops"),
    (["plan", "--flops", "x" * 10_000], None, 2, "cannot read"),
    # options
    (["plot", "frontier", "--plot-size", "100000x100000"], None, 2, "too large"),
    (["plot", "frontier", "--plot-size", "1x1"], None, 2, "too small"),
    (["plot", "frontier", "--plot-size", "wide"], None, 2, "cannot read"),
    (["arch", "--model", "llama3-8b", "--mlp", "bogus"], None, 2, "--mlp"),
    (["arch", "--model", "llama3-8b", "--positions", "bogus"], None, 2, "--positions"),
    (["arch", "--layers", "32", "--d-model", "4096", "--heads", "32", "--mlp", "bogus"], None, 2, "--mlp"),
    # a typo of a billion resamples ran for hours: refused above MAX_BOOTSTRAP
    (["fit", "-", "--bootstrap", "1000000000"], RUNS, 2, "at most 100000"),
    (["isoflop", "example:llama3-isoflops", "--bootstrap", "1e9"], None, 2, "at most 100000"),
    (["simulate", "--sweep", "-", "--bootstrap", "1e9"], "params,tokens\n1e8,2e9\n2e8,1e9\n", 2, "at most 100000"),
    # a run so small its tokens per parameter overflow: the data-constrained path lacked the finiteness guard
    (["predict", "--params", "1e-320", "--tokens", "0.5", "--unique-tokens", "1"], None, 2, "--params"),
    # a product of such sizes overflowed float (OverflowError, exit 1)
    (["arch", "--layers", "4", "--d-model", "1e308", "--heads", "1e20", "--head-dim", "10"], None, 2, "--d-model"),
    (["memory", "--layers", "4", "--d-model", "64", "--heads", "4", "--vocab", "1e30"], None, 2, "--vocab"),
    (["memory", "--model", "llama3-8b", "--tp", "3"], None, 2, "--tp"),
    (["memory", "--model", "llama3-8b", "--pp", "1000"], None, 2, "--pp"),
    (["memory", "--model", "llama3-8b", "--tp", "0"], None, 2, "--tp"),
    (["plan", "--flops", "1e20", "--format", "garbage"], None, 2, "--format"),
    (["plan", "--flops", "1e20", "--format", "json", "-f", "nonesuch"], None, 2, "nonesuch"),
    (["plan", "--flops", "1e20", "-p", "nonesuch"], None, 2, "nonesuch"),
    (["plan", "--flops", "1e20", "-p", "/nonexistent/x.yaml"], None, 2, "does not exist"),
    (["plan", "--flops", "1e20", "-p", "x" * 5000], None, 2, "unknown preset"),
]


@pytest.mark.parametrize(("args", "stdin", "code", "fragment"), HOSTILE, ids=[str(i) for i in range(len(HOSTILE))])
def test_hostile_input_is_refused_with_one_line(runner, args, stdin, code, fragment) -> None:
    line = refused(invoke(runner, args, input=stdin), code)
    assert fragment in line


# -- hostile preset documents ------------------------------------------------------------------------------------

CHINCHILLA = (ROOT / "presets" / "chinchilla.yaml").read_text(encoding="utf-8")
BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True)
)
PRESET_DOCUMENTS = {
    "alias bomb": (BOMB, "expands to more than"),
    "self reference": ("name: x\nnotes: &x [*x]\n", "refers to itself"),
    "self reference in a mapping": ("&x {name: x, loss: *x}\n", "refers to itself"),
    "tiny constant": (CHINCHILLA.replace("A: {value: 406.4", "A: {value: 1e-320"), "too small"),
    "huge integer": (CHINCHILLA.replace("A: {value: 406.4", "A: {value: 1" + "0" * 400), "too large"),
    "negative draws": (
        CHINCHILLA
        + "uncertainty:\n  level: 0.9\n  draws:\n"
        + "".join(f"    {s}: [1.0, -1.0]\n" for s in ("E", "A", "B", "alpha", "beta")),
        "greater than zero",
    ),
    "unterminated quote": ('name: "abc\nSECRET-LINE\n' + "more: 1\n" * 50, "not valid YAML"),
    "not a mapping": ("- 1\n- 2\n", "mapping"),
    "binary": ("\x00\x01\x02", "preset"),
    "empty": ("", "mapping"),
    "long key": (CHINCHILLA + "k" * 1000 + ": 1\n", "not a preset key"),
    "too large": ("# " + "x" * 1_100_000 + "\n", "larger than"),
}


@pytest.mark.parametrize("case", list(PRESET_DOCUMENTS))
@pytest.mark.parametrize("command", [["plan", "--flops", "1e22"], ["presets", "show", "--format", "json"]])
def test_hostile_preset_is_refused(runner, tmp_path: Path, case: str, command: list[str]) -> None:
    text, fragment = PRESET_DOCUMENTS[case]
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    args = [*command, str(path)] if command[0] == "presets" else [*command, "-p", str(path)]
    line = refused(invoke(runner, args), 2, path)
    assert fragment in line
    assert "SECRET-LINE" not in line


# -- hypothesis: file contents, option values, preset documents --------------------------------------------------

cells = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**400), max_value=10**400).map(str),
    st.sampled_from(["", "70B", "1.4T", "-1", "0", "nan", "1e-320", "1e400", '"', "'", "\r", "\t", "7E", "1,5"]),
    st.text(max_size=12),
)


@st.composite
def delimited_tables(draw) -> str:
    header = draw(st.lists(st.sampled_from(["params", "tokens", "flops", "loss", "N", "D", "C", "x", ""]), max_size=5))
    rows = draw(st.lists(st.lists(cells, max_size=5), max_size=6))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return newline.join(",".join(row) for row in [header, *rows]) + newline


json_values = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers(-(10**400), 10**400) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
json_records = st.lists(
    st.dictionaries(st.sampled_from(["params", "tokens", "flops", "loss", "N"]), json_values, max_size=4), max_size=5
)


@FUZZ
@given(text=delimited_tables())
def test_fuzzed_csv_for_fit(runner, text: str) -> None:
    settled(invoke(runner, ["fit", "-", "--format", "json"], input=text))


@FUZZ
@given(records=json_records, lines=st.booleans())
def test_fuzzed_json_for_predict(runner, records: list, lines: bool) -> None:
    text = "\n".join(json.dumps(r) for r in records) if lines else json.dumps(records)
    settled(invoke(runner, ["predict", "-", "--format", "json"], input=text))


@FUZZ
@given(text=st.text(max_size=200))
def test_fuzzed_text_for_isoflop(runner, text: str) -> None:
    settled(invoke(runner, ["isoflop", "-", "--bootstrap", "0", "--format", "json"], input=text))


quantities = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["1e-300", "1e-320", "1e300", "1e308", "70B", "1.4T", "6667pfd", "1e24 FLOP", "", "-", "1e20,"]),
    st.text(max_size=10),
)


@FUZZ
@given(option=st.sampled_from(["--flops", "--params", "--tokens", "--loss"]), value=quantities)
def test_fuzzed_plan_options(runner, option: str, value: str) -> None:
    if value == "-":
        value = "--"  # "-" would read the runner's empty stdin (a case of its own above)
    settled(invoke(runner, ["plan", option, value, "--format", "json"]))


@FUZZ
@given(params=quantities, tokens=quantities, preset=st.sampled_from(["chinchilla", "epoch-2024", "kaplan-2020"]))
def test_fuzzed_predict_options(runner, params: str, tokens: str, preset: str) -> None:
    settled(invoke(runner, ["predict", "--params", params, "--tokens", tokens, "-p", preset, "--format", "json"]))


@FUZZ
@given(
    shape=st.lists(st.integers(min_value=-2, max_value=10**6), min_size=3, max_size=3),
    tp=st.integers(min_value=-1, max_value=100),
    pp=st.integers(min_value=-1, max_value=100),
    mlp=st.sampled_from(["gelu", "swiglu", "bogus", ""]),
)
def test_fuzzed_memory_options(runner, shape: list[int], tp: int, pp: int, mlp: str) -> None:
    layers, d_model, heads = shape
    args = ["memory", "--layers", str(layers), "--d-model", str(d_model), "--heads", str(heads)]
    settled(invoke(runner, [*args, "--tp", str(tp), "--pp", str(pp), "--mlp", mlp, "--format", "json"]))


constant_values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**400),
    st.sampled_from([1e-320, 0.0, -1.0, "6e18", "x", None, [], {}, True]),
)


@FUZZ
@given(values=st.dictionaries(st.sampled_from(["E", "A", "B", "alpha", "beta"]), constant_values, max_size=5))
@example(values={"B": 5.508e-260})  # G = (alpha A / beta B)^(1/(alpha+beta)) overflowed Python's float power
def test_fuzzed_preset_constants(runner, tmp_path: Path, values: dict) -> None:
    import yaml

    document = yaml.safe_load(CHINCHILLA)
    for symbol, value in values.items():
        document["loss"]["constants"][symbol]["value"] = value
    path = tmp_path / "fuzzed.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    settled(invoke(runner, ["plan", "--flops", "1e22", "-p", str(path), "--format", "json"]))


def test_the_misfitting_runs_are_read(runner) -> None:
    """A real file with many columns and long names still reads (the fuzzers above must not be all refusals)."""
    result = invoke(runner, ["predict", str(DATA / "misfitting-runs.csv"), "-p", "chinchilla", "--format", "json"])
    assert result.exit_code == 0, result.stderr
