"""`plan`, `predict`, `compare` and `presets` through CliRunner: every question, every input form, the
stdout/stderr split and the exit codes."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import error_line, invoke, rows, run

EPOCH = {"E": 1.8172, "A": 482.01, "B": 2085.43, "alpha": 0.3478, "beta": 0.3658}  # Besiroglu et al. 2024
HOFFMANN = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}  # Hoffmann et al. 2022, Eq. 10


def frontier(c: dict[str, float], compute: float) -> tuple[float, float]:
    G = (c["alpha"] * c["A"] / (c["beta"] * c["B"])) ** (1 / (c["alpha"] + c["beta"]))
    n = G * (compute / 6) ** (c["beta"] / (c["alpha"] + c["beta"]))
    return n, compute / (6 * n)


def loss_of(c: dict[str, float], n: float, d: float) -> float:
    return c["E"] + c["A"] / n ** c["alpha"] + c["B"] / d ** c["beta"]


# -- plan --flops ------------------------------------------------------------------------------------------------
def test_plan_flops_default_preset_tsv_in_a_pipe(runner: CliRunner) -> None:
    result = run(runner, ["plan", "--flops", "5.76e23"])
    (row,) = rows(result.stdout)
    assert list(row)[:6] == ["preset", "flops", "params", "tokens", "tokens_per_param", "loss"]
    assert list(row)[6:9] == ["loss_low", "loss_high", "interval_source"]  # the default preset says how sure
    assert list(row)[-1] == "extrapolated"
    assert row["preset"] == "epoch-2024"  # the default, and the output names it
    n, d = frontier(EPOCH, 5.76e23)
    assert float(row["params"]) == pytest.approx(n, rel=1e-12)
    assert float(row["tokens"]) == pytest.approx(d, rel=1e-12)
    assert float(row["tokens_per_param"]) == pytest.approx(18.4, abs=0.05)  # Besiroglu et al. 2024
    assert float(row["loss"]) == pytest.approx(loss_of(EPOCH, n, d), rel=1e-12)
    assert "44x above the largest 1.3e+22" in result.stderr  # fitted up to 1.3e22 FLOPs: an extrapolation


def test_no_warning_within_ten_times_the_fitted_range(runner: CliRunner) -> None:
    assert run(runner, ["plan", "--flops", "1e23"]).stderr == ""


def test_extrapolation_warning_goes_to_stderr_only(runner: CliRunner) -> None:
    result = run(runner, ["plan", "--flops", "1e24"])
    assert result.stderr.startswith("warning: ") and "extrapolation" in result.stderr
    assert "warning" not in result.stdout
    assert len(rows(result.stdout)) == 1


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "tsv", "table"])
def test_every_format(runner: CliRunner, fmt: str) -> None:
    result = run(runner, ["plan", "--flops", "1e22,1e23", "-p", "chinchilla", "--format", fmt])
    n, d = frontier(HOFFMANN, 1e23)
    if fmt == "json":
        records = json.loads(result.stdout)
    elif fmt == "jsonl":
        records = [json.loads(line) for line in result.stdout.splitlines()]
    elif fmt in ("csv", "tsv"):
        records = [
            {k: (v if k in ("preset", "extrapolated") else float(v)) for k, v in r.items()}
            for r in rows(result.stdout, "," if fmt == "csv" else "\t")
        ]
    else:
        assert "\x1b[" not in result.stdout
        assert "chinchilla" in result.stdout and "1.00e23" in result.stdout
        assert f"{n / 1e9:.3g}B" in result.stdout and "tokens/param" in result.stdout
        return
    assert len(records) == 2
    assert records[1]["preset"] == "chinchilla"
    assert records[1]["params"] == pytest.approx(n, rel=1e-13)  # full precision in machine formats
    assert records[1]["tokens"] == pytest.approx(d, rel=1e-13)


def test_field_prints_bare_values(runner: CliRunner) -> None:
    result = run(runner, ["plan", "--flops", "1e24", "-p", "chinchilla", "-f", "params"])
    assert result.stdout.count("\n") == 1
    assert float(result.stdout) == pytest.approx(frontier(HOFFMANN, 1e24)[0], rel=1e-13)
    assert float(result.stdout) == pytest.approx(41.3e9, rel=2e-3)  # Hoffmann Eq. 10 at 1e24 (Sec. 9)
    result = run(runner, ["plan", "--flops", "1e24", "-p", "llama3-2024", "--field", "loss"])
    assert result.stdout == "\n"  # no loss law: an empty value, not "nan"


def test_comma_lists_and_repeated_flags(runner: CliRunner) -> None:
    result = run(runner, ["plan", "--flops", "1e21,1e22", "--flops", "1e23", "-c", "6667pfd", "-f", "flops"])
    assert [float(v) for v in result.stdout.split()] == [1e21, 1e22, 1e23, pytest.approx(6667 * 8.64e19)]


def test_flops_from_stdin(runner: CliRunner) -> None:
    text = "1e22\n\n# a comment\n5.76e23\n  1e24 FLOPs \n6667pfd\n2.5T\n"
    result = run(runner, ["plan", "--flops", "-", "-p", "tokens-20", "-f", "flops"], input=text)
    assert [float(v) for v in result.stdout.split()] == [1e22, 5.76e23, 1e24, pytest.approx(5.76e23, rel=1e-3), 2.5e12]


def test_flops_from_stdin_plain_numbers_fast_path(runner: CliRunner) -> None:
    budgets = [f"{10 ** (18 + i / 100):.6e}" for i in range(500)]
    result = run(runner, ["plan", "--flops", "-", "-p", "tokens-20"], input="\n".join(budgets) + "\n")
    parsed = rows(result.stdout)
    assert len(parsed) == 500
    assert all(
        math.isclose(6 * float(r["params"]) * float(r["tokens"]), float(r["flops"]), rel_tol=1e-12) for r in parsed
    )
    assert all(math.isclose(float(r["tokens"]), 20 * float(r["params"]), rel_tol=1e-12) for r in parsed)


def test_a_bad_stdin_line_is_named(runner: CliRunner) -> None:
    result = run(runner, ["plan", "--flops", "-"], input="1e22\n\n# comment\n1e23\nten\n", code=2)
    message = error_line(result)
    assert message.startswith("error: --flops (stdin line 5): cannot read 'ten'")


@pytest.mark.parametrize(
    ("stdin", "fragment"),
    [("", "stdin held no values"), ("# only a comment\n", "stdin held no values"), ("0\n", "greater than zero")],
)
def test_empty_or_bad_stdin(runner: CliRunner, stdin: str, fragment: str) -> None:
    assert fragment in error_line(run(runner, ["plan", "--flops", "-"], input=stdin, code=2))


def test_stdin_cannot_be_mixed_with_values(runner: CliRunner) -> None:
    message = error_line(run(runner, ["plan", "--flops", "-", "--flops", "1e22"], input="1e21\n", code=2))
    assert "--flops: '-' (read from stdin) cannot be combined" in message


def test_pf_days(runner: CliRunner) -> None:
    result = run(runner, ["plan", "--flops", "6667pfd", "-p", "kaplan-2020", "--format", "json"])
    (record,) = json.loads(result.stdout)
    assert record["flops"] == pytest.approx(6667 * 8.64e19, rel=1e-15)
    # Kaplan Table 6: 1.3e9 x (C in PF-days)^0.73 non-embedding parameters
    assert record["params"] == pytest.approx(1.3e9 * 6667**0.73, rel=1e-12)


# -- the other questions -----------------------------------------------------------------------------------------
def test_params_and_tokens_questions_agree_with_flops(runner: CliRunner) -> None:
    n, d = frontier(EPOCH, 1e23)
    by_params = rows(run(runner, ["plan", "--params", repr(n)]).stdout)[0]
    by_tokens = rows(run(runner, ["plan", "--tokens", repr(d)]).stdout)[0]
    for row in (by_params, by_tokens):
        assert float(row["flops"]) == pytest.approx(1e23, rel=1e-9)
        assert float(row["params"]) == pytest.approx(n, rel=1e-9)
        assert float(row["tokens"]) == pytest.approx(d, rel=1e-9)


def test_params_with_suffixes(runner: CliRunner) -> None:
    result = run(runner, ["plan", "--params", "70B,400M", "-p", "tokens-20", "--format", "json"])
    records = json.loads(result.stdout)
    assert [r["params"] for r in records] == [70e9, 400e6]
    assert records[0]["tokens"] == pytest.approx(1.4e12, rel=1e-12)
    assert records[0]["flops"] == pytest.approx(6 * 70e9 * 1.4e12, rel=1e-12)


def test_flops_with_params_half_size_overhead(runner: CliRunner) -> None:
    """Chinchilla (Eq. 10) at 1e24 FLOPs with half the compute-optimal size: about +16% compute.

    Independent computation: the run's loss from Eq. 2; the least compute reaching that loss from the
    optimality condition alpha A / N^alpha = beta B / D^beta (so L - E = (1 + alpha/beta) A / N^alpha).
    """
    c = HOFFMANN
    n_opt, _ = frontier(c, 1e24)
    n = n_opt / 2
    loss = loss_of(c, n, 1e24 / (6 * n))
    n_star = ((1 + c["alpha"] / c["beta"]) * c["A"] / (loss - c["E"])) ** (1 / c["alpha"])
    d_star = (c["beta"] * c["B"] * n_star ** c["alpha"] / (c["alpha"] * c["A"])) ** (1 / c["beta"])
    assert loss_of(c, n_star, d_star) == pytest.approx(loss, rel=1e-12)
    overhead = 1e24 / (6 * n_star * d_star) - 1
    assert overhead == pytest.approx(0.16, abs=0.01)

    result = run(runner, ["plan", "--flops", "1e24", "--params", repr(n), "-p", "chinchilla", "--format", "json"])
    (record,) = json.loads(result.stdout)
    assert record["tokens"] == pytest.approx(1e24 / (6 * n), rel=1e-12)
    assert record["loss"] == pytest.approx(loss, rel=1e-12)
    assert record["optimal_params"] == pytest.approx(n_opt, rel=1e-12)
    assert record["compute_optimal_flops"] == pytest.approx(6 * n_star * d_star, rel=1e-9)
    assert record["compute_overhead"] == pytest.approx(overhead, abs=1e-9)
    table = run(runner, ["plan", "--flops", "1e24", "--params", repr(n), "-p", "chinchilla", "--format", "table"])
    assert f"+{100 * overhead:.1f}%" in table.stdout
    assert "compute_overhead: extra compute" in table.stdout  # the note, for people


def test_params_with_tokens(runner: CliRunner) -> None:
    result = run(runner, ["plan", "--params", "7B", "--tokens", "2T,4T", "-p", "chinchilla", "--format", "json"])
    records = json.loads(result.stdout)
    assert [r["flops"] for r in records] == [pytest.approx(6 * 7e9 * 2e12), pytest.approx(6 * 7e9 * 4e12)]
    assert records[0]["loss"] == pytest.approx(loss_of(HOFFMANN, 7e9, 2e12), rel=1e-12)
    assert all(r["compute_overhead"] > 0 for r in records)


def test_unpaired_counts(runner: CliRunner) -> None:
    message = error_line(run(runner, ["plan", "--params", "7B,8B", "--tokens", "1T,2T,3T"], code=2))
    assert "--params has 2 values and --tokens 3" in message


def test_loss_question(runner: CliRunner) -> None:
    n, d = frontier(EPOCH, 1e23)
    target = loss_of(EPOCH, n, d)
    result = run(runner, ["plan", "--loss", repr(target), "--format", "json"])
    (record,) = json.loads(result.stdout)
    assert record["flops"] == pytest.approx(1e23, rel=1e-9)
    assert record["loss"] == pytest.approx(target, rel=1e-12)


@pytest.mark.parametrize("target", ["1.69", "1.5"])
def test_loss_at_or_below_e_exits_3(runner: CliRunner, target: str) -> None:
    message = error_line(run(runner, ["plan", "--loss", target, "-p", "chinchilla"], code=3))
    assert "irreducible loss E = 1.69" in message and "chinchilla" in message


def test_loss_needs_a_loss_law(runner: CliRunner) -> None:
    assert "publishes no loss law" in error_line(run(runner, ["plan", "--loss", "2", "-p", "deepseek-2024"], code=2))


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["plan"], "give one of --flops, --params, --tokens or --loss"),
        (["plan", "--flops", "1e24", "--tokens", "1T"], "give one of"),
        (["plan", "--flops", "abc"], "--flops: cannot read 'abc' as a number"),
        (["plan", "--flops", "0"], "--flops: '0' must be greater than zero"),
        (["plan", "--flops", "nan"], "--flops: 'nan' is not a finite number"),
        (["plan", "--flops", "-1e24"], "--flops: '-1e24' must be greater than zero"),
        (["plan", "--flops", "1e22,,1e23"], "--flops: empty item"),
        (["plan", "--params", "7pfd"], "--params: unknown unit 'pfd'"),
        (["plan", "--flops", "1e24", "-p", "nope"], "unknown preset 'nope'; presets: "),
        (["plan", "--flops", "1e24", "-p", "missing/law.yaml"], "preset file missing/law.yaml does not exist"),
        (["plan", "--flops", "1e24", "--format", "xml"], "--format: unknown format 'xml'"),
        (["plan", "--flops", "1e24", "-f", "N"], "--field: no field 'N'; fields: preset, flops, params"),
    ],
)
def test_bad_input_is_one_error_line_and_exit_2(runner: CliRunner, args: list[str], fragment: str) -> None:
    result = run(runner, args, code=2)
    assert fragment in error_line(result)
    assert "warning" not in result.stderr  # format and field are checked before anything is printed


def test_debug_shows_a_traceback(runner: CliRunner) -> None:
    result = run(runner, ["--debug", "plan", "--flops", "abc"], code=2)
    assert "Traceback" in result.stderr and "error: --flops" in result.stderr


def test_format_from_the_environment(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCALECALC_FORMAT", "jsonl")
    result = run(runner, ["plan", "--flops", "1e22"])
    assert json.loads(result.stdout)["flops"] == 1e22


def test_user_preset_path_and_directory(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import ROOT

    text = (
        (ROOT / "presets" / "tokens-20.yaml")
        .read_text()
        .replace("value: 20,", "value: 10,")
        .replace("name: tokens-20", "name: tokens-10")
    )
    (tmp_path / "tokens-10.yaml").write_text(text)
    by_path = run(runner, ["plan", "--flops", "6e22", "-p", str(tmp_path / "tokens-10.yaml"), "-f", "tokens_per_param"])
    assert float(by_path.stdout) == pytest.approx(10.0)
    monkeypatch.setenv("SCALECALC_PRESETS_PATH", str(tmp_path))
    by_name = run(runner, ["plan", "--flops", "6e22", "-p", "tokens-10", "-f", "preset"])
    assert by_name.stdout == "tokens-10\n"


# -- predict -----------------------------------------------------------------------------------------------------
def test_predict_from_options(runner: CliRunner) -> None:
    result = run(runner, ["predict", "--params", "7B", "--tokens", "2T", "-p", "chinchilla", "--format", "json"])
    (record,) = json.loads(result.stdout)
    assert record["predicted_loss"] == pytest.approx(loss_of(HOFFMANN, 7e9, 2e12), rel=1e-12)
    assert record["flops"] == pytest.approx(8.4e22)
    assert record["preset"] == "chinchilla"
    assert record["extrapolated"] is False  # 8.4e22 is within ten times chinchilla's largest fitted 1.3e22


def test_predict_names_its_loss_field_as_a_file_does_and_keeps_the_old_name_for_now(runner: CliRunner) -> None:
    args = ["predict", "--params", "7B", "--tokens", "2T", "-p", "chinchilla"]
    new, old = run(runner, [*args, "-f", "predicted_loss"]), run(runner, [*args, "-f", "loss"])
    assert new.stdout == old.stdout and float(new.stdout) == pytest.approx(loss_of(HOFFMANN, 7e9, 2e12), rel=1e-12)
    assert "'predicted_loss'" in old.stderr and new.stderr == ""


def test_predict_a_file_adds_predicted_loss_and_residual(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "runs.csv"
    path.write_text("name,N,D,loss\nsmall,400M,8B,3.1\nbig,70B,1.4T,1.95\n")
    result = run(runner, ["predict", str(path), "-p", "chinchilla", "--format", "csv"])
    parsed = rows(result.stdout, ",")
    assert list(parsed[0]) == ["name", "N", "D", "loss", "predicted_loss", "residual", "extrapolated"]
    assert [row["extrapolated"] for row in parsed][1] != parsed[0]["extrapolated"]  # 5.9e23 FLOPs is, 1.9e19 not
    assert parsed[0]["N"] == "400M"  # the user's cells are kept as written
    for row, n, d, observed in zip(parsed, (400e6, 70e9), (8e9, 1.4e12), (3.1, 1.95), strict=True):
        assert float(row["predicted_loss"]) == pytest.approx(loss_of(HOFFMANN, n, d), rel=1e-12)
        assert float(row["residual"]) == pytest.approx(observed - loss_of(HOFFMANN, n, d), rel=1e-9)
    table = run(runner, ["predict", str(path), "-p", "chinchilla", "--format", "table"]).stdout
    assert "2 runs: mean residual" in table


def test_predict_a_file_without_losses_and_from_stdin(runner: CliRunner) -> None:
    result = run(runner, ["predict", "-", "--format", "jsonl"], input='{"params": 1e9, "flops": 1.2e20}\n')
    record = json.loads(result.stdout)
    assert "residual" not in record
    assert record["predicted_loss"] == pytest.approx(loss_of(EPOCH, 1e9, 2e10), rel=1e-12)


@pytest.mark.parametrize(
    ("args", "stdin", "fragment"),
    [
        (["predict", "-", "-p", "llama3-2024"], "params,tokens\n1e9,2e10\n", "publishes no loss law"),
        (["predict", "-", "--params", "7B"], "params,tokens\n1e9,2e10\n", "either a FILE or --params"),
        (["predict", "--params", "7B"], None, "give --params and --tokens"),
        (["predict", "-"], "params,tokens\n1e9,2e10\n2e9,x\n", "<stdin> line 3, column 'tokens': cannot read 'x'"),
        (["predict", "-"], "size,loss\n1e9,3\n", "need two of params, tokens and flops"),
    ],
)
def test_predict_errors(runner: CliRunner, args: list[str], stdin: str | None, fragment: str) -> None:
    assert fragment in error_line(run(runner, args, input=stdin, code=2))


# -- compare -----------------------------------------------------------------------------------------------------
def test_compare_one_row_per_preset(runner: CliRunner) -> None:
    from scalecalc.presets import find_preset_files

    names = sorted(name for name in find_preset_files() if name != "steplaw-2025")  # it plans no allocation
    result = run(runner, ["compare", "--flops", "1e24", "--format", "json"])
    records = json.loads(result.stdout)
    assert sorted(r["preset"] for r in records) == names
    by_name = {r["preset"]: r for r in records}
    assert by_name["chinchilla"]["params"] == pytest.approx(41.3e9, rel=2e-3)
    assert by_name["deepseek-2024"]["tokens"] == pytest.approx(1.52e12, rel=5e-3)
    assert by_name["llama3-2024"]["loss"] is None
    assert "warning: " in result.stderr and "warning" not in result.stdout


def test_compare_spread_note_and_subsets(runner: CliRunner) -> None:
    args = ["compare", "--flops", "1e22,1e24", "--preset", "epoch-2024,chinchilla,tokens-20", "--format", "table"]
    table = run(runner, args).stdout
    # At 1e24: chinchilla 97.7, epoch 18.1, tokens-20 20.0 tokens per parameter -> 5.4x (the "about fivefold").
    n, d = frontier(HOFFMANN, 1e24)
    ne, de = frontier(EPOCH, 1e24)
    spread = (d / n) / (de / ne)
    assert f"({spread:.1f}x)" in table and "at 1e+24 FLOPs tokens per parameter range from" in table
    csv_rows = rows(run(runner, [*args[:-2], "--format", "csv"]).stdout, ",")
    assert len(csv_rows) == 6
    assert "range from" not in run(runner, [*args[:-2], "--format", "csv"]).stdout  # notes only for people


@pytest.mark.parametrize("option", [["-f", "nope"], ["--format", "xml"]])
def test_compare_checks_format_and_field_before_warning(runner: CliRunner, option: list[str]) -> None:
    result = run(runner, ["compare", "--flops", "1e24", *option], code=2)
    error_line(result)  # the error alone: no extrapolation warning printed before it


def test_compare_needs_flops(runner: CliRunner) -> None:
    assert "give --flops" in error_line(run(runner, ["compare"], code=2))


# -- presets -----------------------------------------------------------------------------------------------------
def test_presets_list(runner: CliRunner) -> None:
    from scalecalc.presets import find_preset_files

    names = run(runner, ["presets", "list", "-f", "name"]).stdout.split()
    assert names == sorted(find_preset_files())
    records = json.loads(run(runner, ["presets", "list", "--format", "json"]).stdout)
    epoch = next(r for r in records if r["name"] == "epoch-2024")
    assert epoch["form"] == "chinchilla" and "Besiroglu" in epoch["citation"]
    table = run(runner, ["presets", "list", "--format", "table"]).stdout
    assert "kaplan-2020" in table and "Kaplan et al. 2020" in table
    assert epoch["params_convention"] == "total"  # left out of the table (80 columns); `presets show` has it


def test_presets_show(runner: CliRunner) -> None:
    import yaml

    document = yaml.safe_load(run(runner, ["presets", "show", "epoch-2024"]).stdout)  # yaml in a pipe
    assert document["loss"]["constants"]["B"]["value"] == 2085.43
    as_json = json.loads(run(runner, ["presets", "show", "kaplan-2020", "--format", "json"]).stdout)
    assert as_json["allocation"]["compute_unit"] == "pf-days"
    table = run(runner, ["presets", "show", "chinchilla", "--format", "table"]).stdout
    assert "Eq. 10" in table and "406.4" in table and "alpha" in table
    assert "unknown format 'xml'" in error_line(
        run(runner, ["presets", "show", "chinchilla", "--format", "xml"], code=2)
    )
    assert "unknown preset 'nope'" in error_line(run(runner, ["presets", "show", "nope"], code=2))


def test_version(runner: CliRunner) -> None:
    from scalecalc import __version__

    assert run(runner, ["--version"]).stdout == f"scalecalc {__version__}\n"


def test_predict_file_keeps_numeric_columns_numeric_in_json(runner, tmp_path) -> None:
    runs = tmp_path / "runs.csv"
    runs.write_text("name,params,tokens,loss\nsmall,1e9,2e10,2.9\n")
    result = invoke(runner, ["predict", str(runs), "-p", "chinchilla", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    (row,) = json.loads(result.stdout)
    assert row["name"] == "small" and row["params"] == 1e9 and row["loss"] == 2.9
    expected = 1.69 + 406.4 / 1e9**0.34 + 410.7 / 2e10**0.28  # Hoffmann et al. 2022, Eq. 10
    assert row["predicted_loss"] == pytest.approx(expected, rel=1e-12)
    assert row["residual"] == pytest.approx(2.9 - expected, rel=1e-12)


def test_presets_show_follows_scalecalc_format(runner, monkeypatch) -> None:
    monkeypatch.setenv("SCALECALC_FORMAT", "json")
    result = invoke(runner, ["presets", "show", "tokens-20"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["name"] == "tokens-20"


def test_compare_spread_among_presets_that_count_parameters_alike(runner: CliRunner) -> None:
    # Kaplan's Table 6 (non-embedding N, 0.115 tokens/param at 1e24) widens the raw spread; among presets that count
    # total parameters the spread is the "about fivefold": chinchilla 97.7 over epoch-2024 18.1.
    table = run(runner, ["compare", "--flops", "1e24", "--format", "table"]).stdout
    n, d = frontier(HOFFMANN, 1e24)
    ne, de = frontier(EPOCH, 1e24)
    assert f"({(d / n) / (de / ne):.1f}x) among presets counting total" in " ".join(table.split())


def test_field_takes_several_fields_as_a_list_or_repeated(runner) -> None:
    from tests.conftest import run

    listed = run(runner, ["plan", "--flops", "1e22,1e23", "-f", "flops,params"]).stdout.splitlines()
    repeated = run(runner, ["plan", "--flops", "1e22,1e23", "-f", "flops", "-f", "params"]).stdout.splitlines()
    assert listed == repeated and len(listed) == 2
    flops, params = listed[1].split("\t")
    assert float(flops) == 1e23 and float(params) > 1e9


def test_compare_gives_the_total_parameters_range_only_when_it_differs(runner: CliRunner) -> None:
    both_total = run(runner, ["compare", "--flops", "1e24", "-p", "chinchilla,epoch-2024", "--format", "table"])
    assert both_total.stdout.count("tokens per parameter range from") == 1
    every = run(runner, ["compare", "--flops", "1e24", "--format", "table"]).stdout
    assert "range from 0.115 to 97.7" in every and "among presets counting total parameters" in " ".join(every.split())
