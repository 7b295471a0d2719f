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

import csv
import io
import json
import math
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TextIO

import numpy as np

from scalecalc.errors import InputError
from scalecalc.units import format_count, format_number, format_scientific

FORMATS = ("table", "json", "jsonl", "csv", "tsv")


def _format_percent(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    return f"{100 * value:+.1f}%"


def _format_money(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    return f"${format_count(value)}" if value >= 1e4 else f"${value:,.2f}"


# How a table shows each kind of column. Machine formats ignore kinds.
FORMATTERS: dict[str, Callable[[Any], str]] = {
    "count": format_count,  # parameters, tokens, GPUs: 70.0B, 1.40T
    "flops": format_scientific,  # 5.76e23
    "number": format_number,  # losses, exponents, ratios: 4 significant digits
    "ratio": lambda v: format_number(v, 3),  # tokens per parameter: 18.4
    "percent": _format_percent,  # fractions shown as +16.2%
    "money": _format_money,
    "exact": lambda v: "-" if v is None else f"{v:.10g}",  # constants as published, every digit
    "text": lambda v: "-" if v is None else str(v),
    "integer": lambda v: "-" if v is None or not math.isfinite(v) else f"{v:,.0f}",  # GPUs, devices: 1,024
}


@dataclass(frozen=True)
class Column:
    name: str  # stable snake_case field name used by json/csv/--field
    kind: str = "number"  # a key of FORMATTERS
    label: str = ""  # table header; defaults to the name
    in_table: bool = True  # False: too long for a person's table, kept in machine formats


@dataclass(frozen=True)
class Table:
    """Columns of equal length. Values are numpy arrays or sequences; NaN and None mean "no value"."""

    columns: Sequence[Column]
    data: Mapping[str, Sequence[Any] | np.ndarray]
    title: str = ""
    notes: Sequence[str] = ()  # shown under the table for a person; machine formats omit them

    def __len__(self) -> int:
        return len(next(iter(self.data.values()))) if self.data else 0

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]

    def records(self) -> list[dict[str, Any]]:
        """Rows as plain Python dicts with JSON-safe values (NaN/inf become None)."""
        cells = [[_plain(v) for v in _as_list(self.data[name])] for name in self.names]
        return [dict(zip(self.names, row, strict=True)) for row in zip(*cells, strict=True)]


@dataclass(frozen=True)
class Report:
    """A result richer than one table (a fit): ``document`` for JSON, ``tables`` for a person."""

    document: Mapping[str, Any]
    tables: Sequence[Table]
    primary: Table | None = None  # what csv/tsv/jsonl and --field show; the first table by default
    notes: Sequence[str] = field(default_factory=tuple)

    @property
    def main_table(self) -> Table:
        return self.primary if self.primary is not None else self.tables[0]


def _as_list(values: Sequence[Any] | np.ndarray) -> list[Any]:
    return values.tolist() if isinstance(values, np.ndarray) else list(values)


def _plain(value: Any) -> Any:
    """A JSON-safe Python value: numpy scalars unwrapped, NaN and infinities as None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


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


def emit(
    result: Table | Report,
    fmt: str,
    *,
    field_name: str | None = None,
    out: TextIO | None = None,
    width: int | None = None,
) -> None:
    """Write ``result`` to ``out`` (stdout) in ``fmt``; ``field_name`` prints one field's bare values."""
    out = sys.stdout if out is None else out
    table = result.main_table if isinstance(result, Report) else result
    if field_name is not None:
        _emit_field(result, table, field_name, out)
    elif fmt == "table":
        tables = result.tables if isinstance(result, Report) else [result]
        _emit_rich(tables, out, width)
    elif fmt == "json":
        document = result.document if isinstance(result, Report) else table.records()
        out.write(dumps(document, indent=2) + "\n")
    elif fmt == "jsonl":
        _emit_jsonl(result, table, out)
    elif fmt in ("csv", "tsv"):
        write_delimited(table, out, "," if fmt == "csv" else "\t")
    else:
        raise InputError(f"--format: unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def _emit_jsonl(result: Table | Report, table: Table, out: TextIO) -> None:
    if isinstance(result, Report) and result.primary is None and len(result.tables) != 1:
        out.write(dumps(result.document) + "\n")
        return
    out.writelines(dumps(record) + "\n" for record in table.records())


def _emit_field(result: Table | Report, table: Table, name: str, out: TextIO) -> None:
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
        raise InputError(f"--field: no field {name!r}; fields: {valid}")


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


def _emit_rich(tables: Sequence[Table], out: TextIO, width: int | None) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table as RichTable

    # NO_COLOR: Rich drops colours itself but still writes bold and italic; a set NO_COLOR means no escapes at all
    styles: Literal["auto"] | None = None if os.environ.get("NO_COLOR") else "auto"
    console = Console(file=out, width=width, soft_wrap=False, color_system=styles)
    for index, table in enumerate(tables):
        if index:
            console.print()
        rich_table = RichTable(title=table.title or None, box=box.SIMPLE_HEAD, title_justify="left")
        shown = [column for column in table.columns if column.in_table]
        formatters = [FORMATTERS[column.kind] for column in shown]
        cells = [
            [fmt(_plain(v)) for v in _as_list(table.data[column.name])]
            for fmt, column in zip(formatters, shown, strict=True)
        ]
        for column, texts in zip(shown, cells, strict=True):
            numeric = column.kind != "text"
            header = column.label or column.name
            # a numeric column never wraps, so its header must fit whole (Rich measures headers by word)
            words = [header] if numeric else header.split()
            longest = max([len(text) for text in texts] + [len(word) for word in words])
            # fold, never truncate: a number cut to "6.99e…" is silent data loss. Short text (names) keeps
            # its full width; long text (titles) wraps.
            rich_table.add_column(
                header,
                justify="right" if numeric else "left",
                overflow="fold",
                no_wrap=numeric,
                min_width=longest if numeric or longest <= 24 else None,
            )
        for row in zip(*cells, strict=True):
            rich_table.add_row(*row)
        target = console
        if _minimum_width(console, rich_table) > console.width and len(table) == 1:
            # one wide row reads better as one field per line than as a table the terminal has to wrap
            rich_table = RichTable(title=table.title or None, box=box.SIMPLE_HEAD, title_justify="left")
            labels = [column.label or column.name for column in shown]
            values = [texts[0] for texts in cells]
            rich_table.add_column("field", no_wrap=True, min_width=max(map(len, labels)))
            rich_table.add_column("value", justify="right", no_wrap=True, min_width=max(map(len, values)))
            for label, value in zip(labels, values, strict=True):
                rich_table.add_row(label, value)
        if _minimum_width(console, rich_table) > console.width:  # never crop a column: draw wider, let it wrap
            target = Console(file=out, width=_natural_width(console, rich_table), soft_wrap=False, color_system=styles)
        target.print(rich_table)
        for note in table.notes:
            console.print(note, style="dim", highlight=False, markup=False)


def _minimum_width(console: Any, renderable: Any) -> int:
    return console.measure(renderable, options=console.options.update_width(10**5)).minimum


def _natural_width(console: Any, renderable: Any) -> int:
    return console.measure(renderable, options=console.options.update_width(10**5)).maximum


# Display kinds and headers of the fields that several commands share.
COMMON_COLUMNS: dict[str, Column] = {
    column.name: column
    for column in (
        Column("preset", "text"),
        Column("flops", "flops", "FLOPs"),
        Column("params", "count"),
        Column("tokens", "count"),
        Column("tokens_per_param", "ratio", "tokens/param"),
        Column("loss", "number"),
        Column("params_low", "count"),
        Column("params_high", "count"),
        Column("tokens_low", "count"),
        Column("tokens_high", "count"),
        Column("optimal_params", "count", "optimal params"),
        Column("optimal_tokens", "count", "optimal tokens"),
        Column("compute_optimal_flops", "flops", "optimal FLOPs (same loss)"),
        Column("compute_overhead", "percent", "compute overhead"),
        Column("predicted_loss", "number", "predicted loss"),
        Column("residual", "number"),
        # plan beyond compute-optimal (scalecalc.plan): repeated data, inference demand, smaller models
        Column("unique_tokens", "count", "unique tokens"),
        Column("epochs", "ratio"),
        Column("effective_tokens", "count", "effective tokens"),
        Column("effective_params", "count", "effective params"),
        Column("unconstrained_params", "count", "unconstrained params"),
        Column("unconstrained_tokens", "count", "unconstrained tokens"),
        Column("unconstrained_loss", "number", "unconstrained loss"),
        Column("repetition_loss_penalty", "number", "loss lost to repeats"),
        Column("repetition_overhead", "percent", "repeat overhead (same loss)"),
        Column("inference_tokens", "count", "inference tokens"),
        Column("inference_flops", "flops", "inference FLOPs"),
        Column("total_flops", "flops", "total FLOPs"),
        Column("compute_optimal_params", "count", "compute-optimal params"),
        Column("compute_optimal_tokens", "count", "compute-optimal tokens"),
        Column("compute_optimal_total_flops", "flops", "compute-optimal total FLOPs"),
        Column("saved_flops", "flops", "saved FLOPs"),
        Column("total_saving", "percent", "saving"),
        Column("train_cost", "money", "training cost"),
        Column("inference_cost", "money", "inference cost"),
        Column("total_cost", "money", "total cost"),
        Column("compute_optimal_total_cost", "money", "compute-optimal total cost"),
        Column("cost_saving", "percent", "cost saving"),
        Column("size_ratio", "ratio", "size / optimal"),
        Column("token_ratio", "ratio", "tokens / optimal"),
    )
}


def columns_for(names: Sequence[str], kinds: Mapping[str, Column] | None = None) -> list[Column]:
    """Columns for ``names``: from ``kinds`` first, then the common ones, else plain numbers."""
    kinds = kinds or {}
    return [kinds.get(name) or COMMON_COLUMNS.get(name) or Column(name) for name in names]
