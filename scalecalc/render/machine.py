"""Machine formats: json, jsonl, csv, tsv and ``--field``, with full-precision numbers (``repr`` of the float),
never NaN or Infinity (JSON ``null``, an empty CSV cell)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

import numpy as np

from scalecalc.errors import InputError, did_you_mean
from scalecalc.render.model import Report, Table, _as_list, _plain


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
    return json.dumps(json_safe(document), allow_nan=False, indent=indent)


def emit_jsonl(result: Table | Report, table: Table, out: TextIO) -> None:
    if isinstance(result, Report) and result.primary is None and len(result.tables) != 1:
        out.write(dumps(result.document) + "\n")
        return
    out.writelines(dumps(record) + "\n" for record in table.records())


def emit_field(result: Table | Report, table: Table, name: str, out: TextIO) -> None:
    check_field(result, name)
    if name in table.data:
        out.writelines(_machine_value(v) + "\n" for v in _as_list(table.data[name]))
    else:
        out.write(_machine_value(_scalar_fields(result)[name]) + "\n")


def _scalar_fields(result: Table | Report) -> dict[str, Any]:
    document = result.document if isinstance(result, Report) else {}
    return {k: v for k, v in document.items() if not isinstance(v, Mapping | list)}


def check_field(result: Table | Report, name: str) -> None:
    """Raise an InputError listing the valid fields unless ``name`` is one of ``result``'s fields."""
    table = result.main_table if isinstance(result, Report) else result
    scalars = _scalar_fields(result)
    if name not in table.data and name not in scalars:
        valid = ", ".join([*table.names, *(k for k in scalars if k not in table.data)])
        raise InputError(f"--field: no field {name!r}{did_you_mean(name, valid.split(', '))}; fields: {valid}")


def _machine_value(value: Any) -> str:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _machine_texts(values: Sequence[Any] | np.ndarray) -> list[str]:
    """A column's cells as machine text; float arrays take a fast path (100,000-row plans)."""
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        texts = list(map(float.__repr__, values.tolist()))
        for index in np.flatnonzero(~np.isfinite(values)):
            texts[index] = ""
        return texts
    return [_machine_value(v) for v in _as_list(values)]


def write_delimited(table: Table, out: TextIO, delimiter: str) -> None:
    """CSV or TSV with a header row; full-precision numbers; empty cells for missing values."""
    columns = [_machine_texts(table.data[name]) for name in table.names]
    if delimiter == "\t":
        # Plain join is several times faster than the csv module for 100k-row outputs; TSV cells are
        # numbers and names without tabs or newlines, so nothing needs quoting.
        out.write("\t".join(table.names) + "\n")
        out.writelines("\t".join(row) + "\n" for row in zip(*columns, strict=True))
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.names)
    writer.writerows(zip(*columns, strict=True))
    out.write(buffer.getvalue())


