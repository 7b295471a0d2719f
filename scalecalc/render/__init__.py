"""Render result tables and reports: a Rich table for a person, or json | jsonl | csv | tsv for a program.

Every command hands one of two things to :func:`emit`:

* a :class:`Table`: named, typed columns (numpy arrays or lists) -- plan rows, per-budget rows, ...
* a :class:`Report`: one JSON document (``--format json`` prints it as one object) plus the tables a person
  sees; csv/tsv/jsonl and ``--field`` use its ``primary`` table.

Machine formats carry full-precision numbers (``repr`` of the float), never NaN or Infinity (JSON ``null``,
an empty CSV cell); tables show human units (70.0B, 1.40T, 5.76e23). Rich is imported only here, and only
when a table is drawn.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

from scalecalc.errors import InputError
from scalecalc.render import machine
from scalecalc.render.machine import check_field, dumps, json_safe, write_delimited
from scalecalc.render.model import COMMON_COLUMNS, Column, Report, Table, columns_for

FORMATS = ("table", "json", "jsonl", "csv", "tsv")

__all__ = [
    "COMMON_COLUMNS",
    "FORMATS",
    "Column",
    "Report",
    "Table",
    "check_field",
    "columns_for",
    "dumps",
    "emit",
    "json_safe",
    "write_delimited",
]


def emit(
    result: Table | Report,
    fmt: str,
    *,
    field_name: str | Sequence[str] | None = None,
    out: TextIO | None = None,
    width: int | None = None,
) -> None:
    """Write ``result`` to ``out`` (stdout) in ``fmt``; ``field_name`` (``a,b`` or a list) prints the chosen fields'
    bare values, tab-separated."""
    out = sys.stdout if out is None else out
    table = result.main_table if isinstance(result, Report) else result
    if field_name:
        machine.emit_field(result, table, field_name, out)
    elif fmt == "table":
        from scalecalc.render import terminal  # a person's table only: a script's formats start without it

        tables = result.tables if isinstance(result, Report) else [result]
        terminal.emit_rich(tables, out, width)
    elif fmt == "json":
        machine.emit_json(result, table, out)
    elif fmt == "jsonl":
        machine.emit_jsonl(result, table, out)
    elif fmt in ("csv", "tsv"):
        write_delimited(table, out, "," if fmt == "csv" else "\t")
    else:
        raise InputError(f"--format: unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


