"""Rendering: machine formats carry full precision and never NaN; tables show human units and never truncate."""

from __future__ import annotations

import csv
import io
import json
import math

import numpy as np
import pytest

from scalecalc.errors import InputError
from scalecalc.render import COMMON_COLUMNS, Column, Report, Table, columns_for, dumps, emit

THIRD = 1 / 3  # needs all 17 significant digits to round-trip


def _strict_json(text: str):
    def reject(constant: str) -> None:
        raise AssertionError(f"JSON contains {constant}")

    return json.loads(text, parse_constant=reject)


def _table() -> Table:
    data = {
        "preset": ["epoch-2024", "chinchilla"],
        "flops": np.array([5.76e23, 1e24]),
        "params": np.array([70e9, 41.29670241941515e9]),
        "tokens": np.array([1.4e12, THIRD * 1e13]),
        "tokens_per_param": np.array([20.0, 80.7]),
        "loss": np.array([np.nan, 1.9]),
        "compute_overhead": np.array([0.16164, np.inf]),
    }
    return Table(columns_for(list(data)), data, title="plan", notes=["a note for people"])


def _emit(result, fmt: str, **kwargs) -> str:
    out = io.StringIO()
    emit(result, fmt, out=out, **kwargs)
    return out.getvalue()


def test_json_is_an_array_of_flat_rows_with_null_for_nan() -> None:
    rows = _strict_json(_emit(_table(), "json"))
    assert isinstance(rows, list) and len(rows) == 2
    assert list(rows[0]) == ["preset", "flops", "params", "tokens", "tokens_per_param", "loss", "compute_overhead"]
    assert rows[0]["loss"] is None
    assert rows[1]["compute_overhead"] is None  # infinity too
    assert rows[1]["tokens"] == THIRD * 1e13  # full precision
    assert rows[1]["params"] == 41.29670241941515e9


def test_jsonl_is_one_object_per_line() -> None:
    lines = _emit(_table(), "jsonl").splitlines()
    assert len(lines) == 2
    rows = [_strict_json(line) for line in lines]
    assert rows[0]["preset"] == "epoch-2024" and rows[0]["loss"] is None
    assert rows[1]["tokens"] == THIRD * 1e13


@pytest.mark.parametrize(("fmt", "delimiter"), [("csv", ","), ("tsv", "\t")])
def test_delimited_has_a_header_full_precision_and_empty_cells_for_missing(fmt: str, delimiter: str) -> None:
    text = _emit(_table(), fmt)
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    assert rows[0] == ["preset", "flops", "params", "tokens", "tokens_per_param", "loss", "compute_overhead"]
    assert len(rows) == 3
    assert rows[1][5] == "" and rows[2][6] == ""
    assert float(rows[2][3]) == THIRD * 1e13
    assert "nan" not in text.lower() and "inf" not in text.lower()


def test_csv_quotes_text_with_commas() -> None:
    table = Table([Column("name", "text"), Column("x")], {"name": ["a, b"], "x": [1.5]})
    rows = list(csv.reader(io.StringIO(_emit(table, "csv"))))
    assert rows == [["name", "x"], ["a, b", "1.5"]]


def test_field_prints_bare_values_one_per_line() -> None:
    assert _emit(_table(), "table", field_name="params") == "70000000000.0\n41296702419.41515\n"
    assert _emit(_table(), "json", field_name="loss") == "\n1.9\n"  # a missing value is an empty line
    assert _emit(_table(), "tsv", field_name="preset") == "epoch-2024\nchinchilla\n"


def test_unknown_field_lists_the_fields() -> None:
    with pytest.raises(InputError, match=r"--field: no field 'N'; fields: preset, flops, params, tokens"):
        _emit(_table(), "tsv", field_name="N")


def test_unknown_format() -> None:
    with pytest.raises(InputError, match=r"--format: unknown format 'xml'"):
        _emit(_table(), "xml")


def test_table_shows_human_units_and_notes() -> None:
    text = _emit(_table(), "table", width=120)
    for shown in ("5.76e23", "1.00e24", "70.0B", "41.3B", "1.40T", "3.33T", "20.0", "80.7", "1.900", "+16.2%"):
        assert shown in text
    assert "tokens/param" in text  # the label, not the field name
    assert "a note for people" in text
    assert "\x1b[" not in text  # no ANSI codes into a file
    # machine formats omit the notes
    assert "a note" not in _emit(_table(), "csv") and "a note" not in _emit(_table(), "json")


@pytest.mark.parametrize("width", [20, 40, 60])
def test_no_number_is_truncated_at_narrow_widths(width: int) -> None:
    # Rich crops cells to "6.99e…" when a table is wider than the console: silent data loss. Nine numeric
    # columns and a long name cannot fit in 20-60 columns; every cell must still appear whole.
    names = [f"column_{i}" for i in range(9)]
    kinds = {name: Column(name, "count" if i % 2 == 0 else "flops") for i, name in enumerate(names)}
    data: dict = {
        name: np.array([123.456e9, 123.456e9]) if kinds[name].kind == "count" else np.array([6.99e23] * 2)
        for name in names
    }
    data["preset"] = ["chinchilla-unrounded", "muennighoff-2023"]
    table = Table([Column("preset", "text"), *kinds.values()], data)
    text = _emit(table, "table", width=width)
    assert "…" not in text
    assert text.count("123B") == 5 * 2
    assert text.count("6.99e23") == 4 * 2
    assert "chinchilla-unrounded" in text and "muennighoff-2023" in text


def test_columns_not_in_the_table_stay_in_machine_formats() -> None:
    table = Table(
        [Column("name", "text"), Column("citation", "text", in_table=False)],
        {"name": ["epoch-2024"], "citation": ["Besiroglu et al. 2024"]},
    )
    assert "Besiroglu" not in _emit(table, "table", width=100)
    assert "Besiroglu" in _emit(table, "csv")


def test_report_json_is_its_document_and_other_formats_its_primary_table() -> None:
    first = Table([Column("a")], {"a": [1.0, 2.0]})
    second = Table([Column("b")], {"b": [3.0]})
    report = Report({"law": "x", "E": 1.8, "draws": np.array([1.0, np.nan])}, [first, second], primary=second)
    assert _strict_json(_emit(report, "json")) == {"law": "x", "E": 1.8, "draws": [1.0, None]}
    assert _emit(report, "csv") == "b\n3.0\n"
    assert _emit(report, "jsonl") == '{"b": 3.0}\n'
    assert _emit(report, "tsv", field_name="E") == "1.8\n"  # a scalar field of the document
    assert _emit(report, "tsv", field_name="b") == "3.0\n"
    # without a primary and with several tables, jsonl is the document on one line
    plain = Report({"law": "x"}, [first, second])
    assert _emit(plain, "jsonl") == '{"law": "x"}\n'


def test_dumps_never_writes_nan_or_infinity() -> None:
    document = {"a": float("nan"), "b": [np.float64("inf"), -math.inf], "c": {"d": np.array([[1.0, np.nan]])}}
    assert _strict_json(dumps(document)) == {"a": None, "b": [None, None], "c": {"d": [[1.0, None]]}}


def test_common_columns_and_unknown_names() -> None:
    columns = columns_for(["params", "something_new"])
    assert columns[0] is COMMON_COLUMNS["params"] and columns[0].kind == "count"
    assert columns[1] == Column("something_new")


def test_money_and_percent_kinds() -> None:
    table = Table(
        [Column("cost", "money"), Column("overhead", "percent")],
        {"cost": [1.4e6, 12.5], "overhead": [-0.05, np.nan]},
    )
    text = _emit(table, "table", width=80)
    assert "$1.40M" in text and "$12.50" in text and "-5.0%" in text and "-" in text


@pytest.mark.parametrize("width", [40, 80, 120])
def test_long_numeric_headers_never_crop_a_column(width: int) -> None:
    # A plan --flops --params table (10 columns, headers longer than their cells) once lost its first and
    # last columns and cropped headers to "optimal para" at 120 columns.
    names = [
        "preset",
        "flops",
        "params",
        "tokens",
        "tokens_per_param",
        "loss",
        "optimal_params",
        "optimal_tokens",
        "compute_optimal_flops",
        "compute_overhead",
    ]
    values = ["chinchilla", 1e24, 20.6e9, 8.07e12, 391.0, 1.916, 41.3e9, 4.04e12, 8.61e23, 0.1616]
    table = Table(columns_for(names), {name: [value] for name, value in zip(names, values, strict=True)})
    text = _emit(table, "table", width=width)
    for header in ("preset", "optimal params", "optimal tokens", "optimal FLOPs (same loss)", "compute overhead"):
        assert header in text
    for cell in ("chinchilla", "1.00e24", "20.6B", "8.07T", "391", "1.916", "41.3B", "4.04T", "8.61e23", "+16.2%"):
        assert cell in text


def test_one_wide_row_is_shown_one_field_per_line() -> None:
    # plan --gpu on an 80-column terminal: 13 columns do not fit side by side, so the row is transposed.
    names = ["preset", "flops", "params", "tokens", "tokens_per_param", "loss", "optimal_params", "optimal_tokens"]
    values = ["epoch-2024", 1e24, 95.9e9, 1.74e12, 18.1, 1.96, 41.3e9, 4.04e12]
    table = Table(columns_for(names), {name: [value] for name, value in zip(names, values, strict=True)})
    lines = _emit(table, "table", width=40).splitlines()
    assert max(len(line) for line in lines) <= 40
    assert any(line.split() == ["optimal", "params", "41.3B"] for line in lines)
    assert any(line.split() == ["preset", "epoch-2024"] for line in lines)
    # several rows stay a table, drawn wider rather than cropped
    two = Table(columns_for(names), {name: [value, value] for name, value in zip(names, values, strict=True)})
    assert "optimal params" in _emit(two, "table", width=40)


def _long_table(rows: int = 25) -> Table:
    data = {
        "preset": ["epoch-2024"] * rows,
        "flops": np.geomspace(1e20, 1e24, rows),
        "gpus": np.full(rows, 1024.0),
        "fits": np.arange(rows) % 2 == 0,
        "loss": np.where(np.arange(rows) % 7 == 3, np.nan, 1.9),
    }
    kinds = {"gpus": Column("gpus", "integer"), "fits": Column("fits", "text")}
    return Table(columns_for(list(data), kinds), data)


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "tsv"])
def test_streamed_output_is_the_same_whatever_the_chunk(fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from scalecalc.render import machine

    whole = _emit(_long_table(), fmt)
    monkeypatch.setattr(machine, "STREAM_ROWS", 4)  # 25 rows in 7 chunks
    assert _emit(_long_table(), fmt) == whole
    if fmt == "json":
        records = json.loads(json.dumps(_long_table().records(), indent=2).replace("1024.0", "1024"))
        assert _strict_json(whole) == records


def test_integers_stay_integers_and_booleans_are_true_false_in_every_format() -> None:
    table = _long_table(2)
    assert _strict_json(_emit(table, "json"))[0]["gpus"] == 1024
    assert '"gpus": 1024,' in _emit(table, "json") and '"fits": true' in _emit(table, "json")
    assert json.loads(_emit(table, "jsonl").splitlines()[1]) == {
        "preset": "epoch-2024", "flops": 1e24, "gpus": 1024, "fits": False, "loss": 1.9
    }  # fmt: skip
    assert _emit(table, "csv").splitlines()[1] == "epoch-2024,1e+20,1024,true,1.9"
    assert _emit(table, "tsv", field_name="fits") == "true\nfalse\n"
    listed = Table([Column("n", "integer"), Column("ok", "text")], {"n": [3.0, 2.5], "ok": [True, None]})
    assert _emit(listed, "csv") == "n,ok\n3,true\n2.5,\n"


def test_several_fields_print_as_headerless_tsv() -> None:
    assert _emit(_table(), "json", field_name="params,tokens_per_param") == (
        "70000000000.0\t20.0\n41296702419.41515\t80.7\n"
    )
    assert _emit(_table(), "json", field_name=["preset", "loss"]) == "epoch-2024\t\nchinchilla\t1.9\n"
    report = Report({"law": "x", "E": 1.8}, [Table(columns_for(["b"]), {"b": np.array([3.0, 4.0])})])
    assert _emit(report, "tsv", field_name="b,E") == "3.0\t1.8\n4.0\t1.8\n"  # a document scalar on every row
    assert _emit(report, "tsv", field_name="law,E") == "x\t1.8\n"
    with pytest.raises(InputError, match=r"--field: no field 'N'"):
        _emit(_table(), "tsv", field_name="params,N")
