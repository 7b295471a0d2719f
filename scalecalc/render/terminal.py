"""Tables for a person: human units (70.0B, 1.40T, 5.76e23) in a Rich table that never crops a number.
Rich is imported only here, and only when a table is drawn."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from typing import Any, Literal, TextIO

from scalecalc.render.model import Table, _as_list, _plain
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


def emit_rich(tables: Sequence[Table], out: TextIO, width: int | None) -> None:
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


