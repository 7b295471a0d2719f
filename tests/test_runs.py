"""Reading tables of runs: formats, sniffing, stdin, and errors that name the file, line and column."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pytest

from scalecalc.errors import InputError
from scalecalc.runs import read_observations, read_table
from tests.conftest import DATA, ROOT

EXAMPLES = ROOT / "examples"  # provenance: examples/SOURCES.md and tests/data/SOURCES.md
CSV = "params,tokens,loss\n1e9,2e10,3.0\n2e9,4e10,2.8\n"
ROWS = {"params": [1e9, 2e9], "tokens": [2e10, 4e10], "loss": [3.0, 2.8]}
RECORDS = [{"params": 1e9, "tokens": 2e10, "loss": 3.0}, {"params": 2e9, "tokens": 4e10, "loss": 2.8}]


def _file(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _check(observations) -> None:
    np.testing.assert_array_equal(observations.n_params, ROWS["params"])
    np.testing.assert_array_equal(observations.n_tokens, ROWS["tokens"])
    np.testing.assert_array_equal(observations.loss, ROWS["loss"])
    np.testing.assert_allclose(observations.compute_flops, 6 * np.array(ROWS["params"]) * ROWS["tokens"], rtol=1e-15)
    assert observations.derived == ("flops",)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("runs.csv", CSV),
        ("runs.tsv", CSV.replace(",", "\t")),
        ("runs.json", json.dumps(RECORDS)),
        ("runs.jsonl", "".join(json.dumps(record) + "\n" for record in RECORDS)),
    ],
)
def test_formats_by_extension_and_by_content(tmp_path: Path, name: str, text: str) -> None:
    _check(read_observations(read_table(_file(tmp_path, name, text))))
    _check(read_observations(read_table(_file(tmp_path, "runs.txt", text))))  # sniffed
    _check(read_observations(read_table("-", stdin=io.StringIO(text))))  # stdin, sniffed


def test_stdin_locations_name_stdin() -> None:
    table = read_table("-", stdin=io.StringIO(CSV))
    assert table.source == "<stdin>"
    assert table.locations == ["<stdin> line 2", "<stdin> line 3"]


def test_suffixes_in_cells(tmp_path: Path) -> None:
    path = _file(tmp_path, "runs.csv", "params,tokens,loss\n70B,1.4T,1.9\n400M,8.0B,3.1\n")
    observations = read_observations(read_table(path))
    np.testing.assert_array_equal(observations.n_params, [70e9, 400e6])
    np.testing.assert_array_equal(observations.n_tokens, [1.4e12, 8e9])


def test_whitespace_bom_blank_lines_and_case(tmp_path: Path) -> None:
    text = "\ufeffParams , Tokens,LOSS\n\n 1e9 , 2e10 ,3.0\n2e9,4e10,2.8\n\n"
    table = read_table(_file(tmp_path, "runs.csv", text))
    assert table.header == ("Params", "Tokens", "LOSS")
    assert table.locations == [f"{table.source} line 3", f"{table.source} line 4"]  # blank lines still counted
    _check(read_observations(table))


def test_aliases_on_real_data() -> None:
    # Besiroglu et al. 2024's points extracted from Hoffmann Fig. 4: columns "Model Size", "Training FLOP", "loss".
    observations = read_observations(read_table(str(EXAMPLES / "chinchilla-epoch-points.csv")))
    assert len(observations) == 245
    assert observations.columns == {"params": "Model Size", "flops": "Training FLOP", "loss": "loss"}
    assert observations.derived == ("tokens",)
    np.testing.assert_allclose(
        6 * observations.n_params * observations.n_tokens, observations.compute_flops, rtol=1e-12
    )


def test_explicit_columns(tmp_path: Path) -> None:
    path = _file(tmp_path, "runs.csv", "size,data,val\n1e9,2e10,3.0\n2e9,4e10,2.8\n")
    table = read_table(path)
    _check(read_observations(table, {"params": "size", "tokens": "data", "loss": "val"}))
    with pytest.raises(InputError, match=r"no column 'nope'; columns: size, data, val"):
        read_observations(table, {"params": "nope"})


def test_missing_columns_list_what_was_tried(tmp_path: Path) -> None:
    path = _file(tmp_path, "runs.csv", "size,tokens,loss\n1e9,2e10,3.0\n")
    with pytest.raises(InputError) as raised:
        read_observations(read_table(path))
    message = str(raised.value)
    assert message.startswith(f"{path}: need two of params, tokens and flops")
    assert "columns found: size, tokens, loss" in message and "--params-col" in message
    no_loss = _file(tmp_path, "noloss.csv", "params,tokens\n1e9,2e10\n")
    with pytest.raises(InputError, match=r"no loss column.*--loss-col"):
        read_observations(read_table(no_loss))
    assert np.isnan(read_observations(read_table(no_loss), need_loss=False).loss).all()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("  \n\n", "the file is empty"),
        ("params,tokens,loss\n", "has a header but no data rows"),
        ("params,tokens,loss\n1e9,2e10\n", "line 2: 2 fields where the header has 3"),
        ("params,tokens,loss\n1e9,2e10,3,4\n", "line 2: 4 fields where the header has 3"),
        ("params,tokens,Params\n1,2,3\n", "duplicated column 'Params' in the header (also 'params')"),
    ],
)
def test_malformed_tables(tmp_path: Path, text: str, message: str) -> None:
    path = _file(tmp_path, "runs.csv", text)
    with pytest.raises(InputError) as raised:
        read_table(path)
    assert str(raised.value).startswith(path)
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("abc", "cannot read 'abc' as a number"),
        ("nan", "'nan' is not a finite number"),
        ("NaN", "'NaN' is not a finite number"),
        ("inf", "not a finite number"),
        ("-1", "must be greater than zero"),
        ("0", "must be greater than zero"),
        ("", "empty value"),
        ("3 nats", "unknown unit"),
    ],
)
def test_bad_cells_name_file_line_and_column(tmp_path: Path, cell: str, message: str) -> None:
    path = _file(tmp_path, "runs.csv", f"params,tokens,loss\n1e9,2e10,3.0\n2e9,4e10,{cell}\n")
    with pytest.raises(InputError) as raised:
        read_observations(read_table(path))
    assert str(raised.value).startswith(f"{path} line 3, column 'loss': ")
    assert message in str(raised.value)


@pytest.mark.parametrize("value", ["true", "[1]", '{"a": 1}', '"x"', "null", "-2", "0"])
def test_bad_json_values_name_the_record(tmp_path: Path, value: str) -> None:
    """A JSON cell that is not a positive number is an input error naming the line, never silently read
    (``true`` is not 1 parameter, ``[1]`` is not a number) and never an unexpected failure."""
    text = f'{{"params": 1e9, "tokens": 2e10, "loss": 3}}\n{{"params": {value}, "tokens": 4e10, "loss": 2.8}}\n'
    path = _file(tmp_path, "runs.jsonl", text)
    with pytest.raises(InputError) as raised:
        read_observations(read_table(path))
    assert str(raised.value).startswith(f"{path} line 2, column 'params': ")


def test_jsonl_missing_key_is_an_empty_value(tmp_path: Path) -> None:
    path = _file(tmp_path, "runs.jsonl", '{"params": 1e9, "tokens": 2e10, "loss": 3}\n{"params": 2e9, "loss": 2.8}\n')
    with pytest.raises(InputError, match=rf"{path} line 2, column 'tokens': empty value"):
        read_observations(read_table(path))


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("runs.json", '{"params": 1}', "expected a JSON array of objects"),
        ("runs.json", "[]", "contains no runs"),
        ("runs.json", "[1, 2]", "record 1: expected an object"),
        ("runs.json", '[{"params": 1,}]', "not valid JSON (line 1"),
        ("runs.jsonl", '{"params": 1}\n{"params": \n', "not valid JSONL (line 2"),
    ],
)
def test_malformed_json(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = _file(tmp_path, name, text)
    with pytest.raises(InputError, match=re.escape(message)):
        read_table(path)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=rf"{tmp_path / 'nope.csv'}: no such file"):
        read_table(str(tmp_path / "nope.csv"))
    with pytest.raises(InputError, match="is a directory"):
        read_table(str(tmp_path))


def test_derives_the_missing_quantity(tmp_path: Path) -> None:
    path = _file(tmp_path, "runs.csv", "params,flops,loss\n1e9,1.2e20,3.0\n")
    observations = read_observations(read_table(path))
    assert observations.derived == ("tokens",)
    assert observations.n_tokens[0] == pytest.approx(2e10, rel=1e-15)
    path = _file(tmp_path, "runs2.csv", "D,C,L\n2e10,1.2e20,3.0\n")
    observations = read_observations(read_table(path))
    assert observations.derived == ("params",)
    assert observations.n_params[0] == pytest.approx(1e9, rel=1e-15)


def test_windows_line_endings(tmp_path: Path) -> None:
    path = tmp_path / "runs.csv"
    path.write_bytes(CSV.replace("\n", "\r\n").encode())
    _check(read_observations(read_table(str(path))))


@pytest.mark.parametrize(
    ("name", "columns"),
    [
        # Llama 3 Fig. 2 isoFLOP points (digitised): compute_budget, training_tokens, validation_loss
        (
            EXAMPLES / "llama3-isoflops.csv",
            {"flops": "compute_budget", "tokens": "training_tokens", "loss": "validation_loss"},
        ),
        # (Mis)Fitting survey runs (Li et al. 2025): N, D, C (and their non-embedding variants), loss
        (DATA / "misfitting-runs.csv", {"params": "N", "tokens": "D", "flops": "C", "loss": "loss"}),
    ],
)
def test_aliases_find_the_columns_of_shared_data(name: Path, columns: dict[str, str]) -> None:
    observations = read_observations(read_table(str(name)))
    assert observations.columns == columns
    assert len(observations) > 10
    assert np.all(observations.loss > 0)


def _both_paths(path: str):
    """The table as the fast reader reads it, and as the careful path reads it."""
    from scalecalc import runs

    return read_table(path), runs._read_delimited(path, Path(path).read_text(), ",")


def test_the_fast_reader_agrees_with_the_careful_path(tmp_path: Path) -> None:
    rows = "\n".join(f"{7e7 * (i + 1)!r},{1.4e9 * (i + 1)},{3.0 - i / 10}" for i in range(20))
    path = _file(tmp_path, "runs.csv", "params,tokens,loss\n" + rows + "\n")
    fast, careful = _both_paths(path)
    assert isinstance(fast.cells["params"], np.ndarray)  # it did take the fast path
    assert fast.locations == careful.locations and fast.locations[-1] == f"{path} line 21"
    a, b = read_observations(fast), read_observations(careful)
    for name in ("n_params", "n_tokens", "compute_flops", "loss"):
        assert np.array_equal(getattr(a, name), getattr(b, name))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("70B,1.4T,1.9\n400M,8.0B,3.1\n", None),  # suffixes: the careful path reads them
        ("7e10,1.4e12,1.9\n\n4e8,8e9,3.1\n", None),  # a blank line: locations must still count it
        ('"7e10",1.4e12,1.9\n4e8,8e9,3.1\n', None),  # quoting
        ("7e10,1.4e12,1.9\n4e8,8e9,-3.1\n", "line 3, column 'loss'"),
        ("7e10,1.4e12,1.9\n4e8,8e9\n", "line 3: 2 fields where the header has 3"),
        ("7e10,1.4e12,1.9\n4e8,8e9,nan\n", "line 3, column 'loss'"),
    ],
)
def test_rows_the_fast_reader_cannot_take_go_the_careful_way(tmp_path: Path, body: str, message: str | None) -> None:
    path = _file(tmp_path, "runs.csv", "params,tokens,loss\n" + body)
    if message is None:
        observations = read_observations(read_table(str(path)))
        assert len(observations) == 2 and observations.locations[-1] == f"{path} line {body.count(chr(10)) + 1}"
        return
    with pytest.raises(InputError, match=re.escape(message)):
        read_observations(read_table(str(path)))


def test_a_column_with_a_suffix_reads_its_plain_cells_as_numpy_does(tmp_path: Path) -> None:
    # One 70B sends a column cell by cell; its plain cells must still read exactly as numpy reads a column of plain
    # numbers (1e1_0 is 1e10 to numpy and float(), though not to the option parser), and a bad cell is still named.
    plain = ["4.2e8", "1e1_0", " 12e8 ", "0012e7"]
    path = tmp_path / "runs.csv"
    path.write_text("params,tokens,loss\n" + "".join(f"{n},2e10,3\n" for n in [*plain, "70B"]))
    read = read_observations(read_table(str(path)))
    assert np.array_equal(read.n_params, [*np.array(plain, dtype=np.float64), 70e9])
    path.write_text("params,tokens,loss\n4.2e8,2e10,3\n70B,2e10,3\nabc,2e10,3\n")
    with pytest.raises(InputError, match=r"runs.csv line 4, column 'params': cannot read 'abc'"):
        read_observations(read_table(str(path)))
