"""Tables for a person: human units (70.0B, 1.40T, 5.76e23) in a Rich table that never crops a number.
Rich is imported only here, and only when a table is drawn."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from typing import Any, Literal, TextIO

from scalecalc.render.model import Column, Table, _as_list, _plain
from scalecalc.units import format_count, format_number, format_scientific


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


# A text column after the first whose cells run past LONG_TEXT may wrap, down to NARROWEST_TEXT, before the
# table turns to one field per line.
LONG_TEXT = 24
NARROWEST_TEXT = 12


def emit_rich(tables: Sequence[Table], out: TextIO, width: int | None) -> None:
    """Each table at the terminal's width: as a grid when its numbers fit whole and its text columns can wrap,
    else one field per line (a row a block); wider than the terminal only when even that cannot fit."""
    from rich.console import Console

    # NO_COLOR: Rich drops colours itself but still writes bold and italic; a set NO_COLOR means no escapes at all
    styles: Literal["auto"] | None = None if os.environ.get("NO_COLOR") else "auto"
    console = Console(file=out, width=width, soft_wrap=False, color_system=styles)
    for index, table in enumerate(tables):
        if index:
            console.print()
        shown = [column for column in table.columns if column.in_table]
        cells = [[FORMATTERS[column.kind](_plain(v)) for v in _as_list(table.data[column.name])] for column in shown]
        if table.title:  # above the table, not in it: a title wraps at the terminal, not at the table's width
            console.print(table.title, style="italic", highlight=False, markup=False)
        rich_table, squeeze = _grid(shown, cells)
        if _natural_width(console, rich_table) - squeeze > console.width:
            rich_table, squeeze = _records(shown, cells)
        target = console
        if _natural_width(console, rich_table) - squeeze > console.width:  # never crop a number: draw wider
            target = Console(file=out, width=_natural_width(console, rich_table), soft_wrap=False, color_system=styles)
        target.print(rich_table)
        for note in table.notes:
            console.print(note, style="dim", highlight=False, markup=False)


def _wraps(position: int, column: Column, texts: Sequence[str]) -> bool:
    """Long text after the first column (titles, paths, citations) may wrap; names, short labels and numbers
    keep their width."""
    return position > 0 and column.kind == "text" and max(map(len, texts), default=0) > LONG_TEXT


def _grid(shown: Sequence[Column], cells: Sequence[Sequence[str]]) -> tuple[Any, int]:
    """The table as a grid, and how much its wrapping text columns can give up (see :func:`_squeeze`)."""
    from rich import box
    from rich.table import Table as RichTable

    rich_table = RichTable(box=box.SIMPLE_HEAD)
    for position, (column, texts) in enumerate(zip(shown, cells, strict=True)):
        header = column.label or column.name
        wraps = _wraps(position, column, texts)
        # a column that never wraps must fit its header whole (Rich measures headers by word)
        longest = max([len(text) for text in texts] + [len(header)])
        rich_table.add_column(
            header,
            justify="left" if column.kind == "text" else "right",
            overflow="fold",  # a path without spaces folds rather than being cut to "…"
            no_wrap=not wraps,
            min_width=None if wraps else longest,
        )
    for row in zip(*cells, strict=True):
        rich_table.add_row(*row)
    squeeze = sum(
        _squeeze([*texts, column.label or column.name], NARROWEST_TEXT)
        for position, (column, texts) in enumerate(zip(shown, cells, strict=True))
        if _wraps(position, column, texts)
    )
    return rich_table, squeeze


def _squeeze(texts: Sequence[str], narrowest: int) -> int:
    """How much narrower than its widest text a wrapping column can be drawn: Rich squeezes only the columns
    that wrap, widest first, so a table whose natural width less its squeeze fits never cuts a number."""
    return max(max(map(len, texts), default=0) - narrowest, 0)


def _records(shown: Sequence[Column], cells: Sequence[Sequence[str]]) -> tuple[Any, int]:
    """One field per line, a blank line between rows: what a table too wide for the terminal becomes."""
    from rich import box
    from rich.table import Table as RichTable
    from rich.text import Text

    labels = [column.label or column.name for column in shown]
    numbers = [text for column, texts in zip(shown, cells, strict=True) if column.kind != "text" for text in texts]
    narrowest = max([NARROWEST_TEXT, *map(len, numbers)])
    rich_table = RichTable(box=box.SIMPLE_HEAD)
    rich_table.add_column("field", no_wrap=True, min_width=max(map(len, labels)))
    rich_table.add_column("value", overflow="fold")
    rows = list(zip(*cells, strict=True))
    for number, row in enumerate(rows):
        for position, (column, label, value) in enumerate(zip(shown, labels, row, strict=True)):
            text = Text(value, justify="left" if column.kind == "text" else "right")
            rich_table.add_row(label, text, end_section=position == len(shown) - 1 and number < len(rows) - 1)
    return rich_table, _squeeze([text for texts in cells for text in texts], narrowest)


def _natural_width(console: Any, renderable: Any) -> int:
    return console.measure(renderable, options=console.options.update_width(10**5)).maximum
