"""Machine formats: json, jsonl, csv, tsv and ``--field``, with full-precision numbers (``repr`` of the float),
never NaN or Infinity (JSON ``null``, an empty CSV cell); integers as integers (an ``integer`` column's 1024, not
1024.0) and booleans as ``true``/``false`` in every format.

The json and csv modules load with the first value they write: a plan in a pipe (tsv) starts without them.

Tables are written STREAM_ROWS rows at a time, so that the text of a million-row plan never sits in memory whole:
memory grows with the columns (the numbers themselves), not with the text they print as.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TextIO

import numpy as np

from scalecalc.errors import InputError, did_you_mean
from scalecalc.render.model import Column, Report, Table, _as_list, _plain

STREAM_ROWS = 10_000  # rows turned into text at once: ~1 MB of text per chunk


def json_safe(value: Any) -> Any:
    """Recursively make a document JSON-safe (numpy arrays to lists, NaN to None)."""
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return [json_safe(v) for v in value.tolist()]
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return _plain(value)


def dumps(document: Any, *, indent: int | None = None) -> str:
    import json

    return json.dumps(json_safe(document), allow_nan=False, indent=indent)


def field_names(field_name: str | Sequence[str]) -> list[str]:
    """The fields of ``-f a,b`` (or of a repeated ``-f a -f b``), in order."""
    given = [field_name] if isinstance(field_name, str) else list(field_name)
    return [name.strip() for text in given for name in text.split(",") if name.strip()]


def emit_json(result: Table | Report, table: Table, out: TextIO) -> None:
    """A Report's document, or the table as a JSON array of records, written a chunk of records at a time."""
    import json

    if isinstance(result, Report):
        out.write(dumps(result.document, indent=2) + "\n")
        return
    if not len(table):
        out.write("[]\n")
        return
    keys = [json.dumps(name) for name in table.names]
    out.write("[\n")
    first = True
    for rows in _chunks(table, table.columns, "json"):
        text = ",\n".join(
            "  {\n" + ",\n".join(f"    {key}: {cell}" for key, cell in zip(keys, row, strict=True)) + "\n  }"
            for row in rows
        )
        out.write(text if first else ",\n" + text)
        first = False
    out.write("\n]\n")


def emit_jsonl(result: Table | Report, table: Table, out: TextIO) -> None:
    import json

    if isinstance(result, Report) and result.primary is None and len(result.tables) != 1:
        out.write(dumps(result.document) + "\n")
        return
    keys = [json.dumps(name) for name in table.names]
    for rows in _chunks(table, table.columns, "json"):
        out.writelines(
            "{" + ", ".join(f"{key}: {cell}" for key, cell in zip(keys, row, strict=True)) + "}\n" for row in rows
        )


def emit_field(result: Table | Report, table: Table, field_name: str | Sequence[str], out: TextIO) -> None:
    """The values of the chosen fields, one row per line, tab-separated, no header; a field of the document
    (a scalar of a Report) repeats on every row."""
    names = field_names(field_name)
    check_field(result, names)
    scalars = _scalar_fields(result)
    if not any(name in table.data for name in names):
        out.write("\t".join(_machine_value(scalars[name]) for name in names) + "\n")
        return
    data = {name: table.data[name] if name in table.data else [scalars[name]] * len(table) for name in names}
    kinds = {column.name: column for column in table.columns}
    chosen = Table([kinds.get(name, Column(name)) for name in names], data)
    for rows in _chunks(chosen, chosen.columns, "text"):
        out.writelines("\t".join(row) + "\n" for row in rows)


def _scalar_fields(result: Table | Report) -> dict[str, Any]:
    document = result.document if isinstance(result, Report) else {}
    return {k: v for k, v in document.items() if not isinstance(v, Mapping | list)}


def check_field(result: Table | Report, field_name: str | Sequence[str]) -> None:
    """Raise an InputError listing the valid fields unless every name in ``field_name`` is one of ``result``'s
    fields."""
    table = result.main_table if isinstance(result, Report) else result
    scalars = _scalar_fields(result)
    names = field_names(field_name)
    if not names:
        raise InputError("--field: no field named; give one or more, such as -f params,tokens")
    for name in names:
        if name not in table.data and name not in scalars:
            valid = ", ".join([*table.names, *(k for k in scalars if k not in table.data)])
            raise InputError(f"--field: no field {name!r}{did_you_mean(name, valid.split(', '))}; fields: {valid}")


def _machine_value(value: Any, style: str = "text", integer: bool = False) -> str:
    """One cell: ``text`` for csv, tsv and --field (missing is empty), ``json`` for a JSON value; ``integer``:
    a whole float is written as the integer it is."""
    value = _plain(value)
    if value is None:
        return "null" if style == "json" else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if integer and value.is_integer() and abs(value) < 2**53 else repr(value)
    if isinstance(value, int) or style == "text":
        return str(value)
    if isinstance(value, str):
        return _json_string(value)
    import json

    return json.dumps(value, allow_nan=False)


@functools.lru_cache(maxsize=1024)
def _json_string(text: str) -> str:
    """A string as JSON, remembered: a column repeats a few names (the preset) on every row."""
    import json

    return json.dumps(text)


def _column_texts(values: Sequence[Any] | np.ndarray, column: Column, style: str) -> list[str]:
    """A slice of a column as text; numeric arrays take a fast path (million-row plans)."""
    missing = "null" if style == "json" else ""
    if isinstance(values, np.ndarray) and values.dtype.kind == "b":
        return ["true" if v else "false" for v in values.tolist()]
    if isinstance(values, np.ndarray) and values.dtype.kind in "iu":
        return list(map(str, values.tolist()))
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        finite = np.isfinite(values)
        if column.kind == "integer":
            whole = finite & (values == np.round(values)) & (np.abs(values) < 2**53)
            texts = [str(int(v)) if w else repr(v) for v, w in zip(values.tolist(), whole.tolist(), strict=True)]
        else:
            texts = list(map(float.__repr__, values.tolist()))
        for index in np.flatnonzero(~finite):
            texts[index] = missing
        return texts
    return [_machine_value(v, style, column.kind == "integer") for v in _as_list(values)]


def _chunks(table: Table, columns: Sequence[Column], style: str) -> Iterator[list[tuple[str, ...]]]:
    """The table's rows as text, STREAM_ROWS at a time."""
    for start in range(0, len(table), STREAM_ROWS):
        stop = min(len(table), start + STREAM_ROWS)
        texts = [_column_texts(table.data[column.name][start:stop], column, style) for column in columns]
        yield list(zip(*texts, strict=True))


def write_delimited(table: Table, out: TextIO, delimiter: str) -> None:
    """CSV or TSV with a header row; full-precision numbers; empty cells for missing values."""
    if delimiter == "\t":
        # Plain join is several times faster than the csv module for 100k-row outputs; TSV cells are
        # numbers and names without tabs or newlines, so nothing needs quoting.
        out.write("\t".join(table.names) + "\n")
        for rows in _chunks(table, table.columns, "text"):
            out.writelines("\t".join(row) + "\n" for row in rows)
        return
    import csv

    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.names)
    for rows in _chunks(table, table.columns, "text"):
        writer.writerows(rows)
