"""Read tables of runs from CSV, TSV, JSON (an array of objects) or JSONL files, from stdin (``-``), or from a
shipped example (``example:NAME``).

The reader keeps every cell as the user wrote it and remembers where it came from, so that a bad value is
reported as ``runs.csv line 7, column 'loss': ...``. Numeric columns are parsed with the same rules as
command-line quantities (``70B``, ``1.4T``, ``5.76e23``). Columns are found case-insensitively through
aliases, or named explicitly.
"""

from __future__ import annotations

import csv
import io
import json
import math
import sys
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from scalecalc.errors import InputError
from scalecalc.laws import FLOPS_PER_PARAM_TOKEN
from scalecalc.units import parse_quantity, shown

FORMAT_BY_SUFFIX = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}

# Column aliases, matched case-insensitively after folding spaces, dashes and dots to underscores.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "params": ("params", "n", "n_params", "parameters", "model_size", "parameter_count", "num_params"),
    "tokens": ("tokens", "d", "n_tokens", "training_tokens", "train_tokens", "num_tokens"),
    "flops": ("flops", "c", "compute", "training_flop", "training_flops", "compute_budget", "compute_flops"),
    "loss": ("loss", "l", "validation_loss", "eval_loss", "val_loss"),
}


@dataclass(frozen=True)
class RawTable:
    """Cells as read, by column; ``locations[i]`` says where data row ``i`` came from."""

    source: str
    header: tuple[str, ...]
    cells: Mapping[str, Sequence[Any] | np.ndarray]
    locations: Sequence[str]

    def __len__(self) -> int:
        return len(self.locations)


@dataclass(frozen=True)
class Observations:
    """Runs with N (parameters), D (tokens), C (FLOPs) and loss; NaN where a quantity is absent.

    ``derived`` names the quantities computed from C = 6ND rather than read.
    """

    source: str
    n_params: np.ndarray
    n_tokens: np.ndarray
    compute_flops: np.ndarray
    loss: np.ndarray
    columns: Mapping[str, str] = field(default_factory=dict)  # role -> column name used
    derived: tuple[str, ...] = ()
    locations: Sequence[str] = ()
    x: np.ndarray | None = None  # the one variable of a curve read by read_curve (columns["x"] names it)

    def __len__(self) -> int:
        return len(self.loss)


def read_table(path: str, stdin: TextIO | None = None, fmt: str | None = None) -> RawTable:
    """Read ``path`` (stdin for ``-``, a shipped file for ``example:NAME``) as CSV, TSV, JSON or JSONL, by extension
    or by content."""
    if path == "-":
        source, text = "<stdin>", read_stdin(stdin, "runs")
    else:
        from scalecalc.presets.examples import example_path  # the example index only when a file is read

        source, path = path, example_path(path)
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise InputError(f"{path}: no such file") from None
        except IsADirectoryError:
            raise InputError(f"{path}: is a directory, not a table of runs") from None
        except (OSError, UnicodeDecodeError) as error:
            raise InputError(f"{path}: cannot read: {error}") from None
    if not text.strip():
        raise InputError(f"{source}: the file is empty; expected a header and at least one row")
    fmt = fmt or FORMAT_BY_SUFFIX.get(Path(path).suffix.lower()) or _sniff(text)
    if fmt in ("json", "jsonl"):
        return _read_json(source, text, fmt)
    delimiter = "\t" if fmt == "tsv" else ","
    plain = _read_plain_numbers(source, text, delimiter, None if path == "-" else path)
    return plain or _read_delimited(source, text, delimiter)


def read_stdin(stdin: TextIO | None, what: str) -> str:
    """All of stdin (``stdin``, else ``sys.stdin``) as text; a closed or unreadable stdin is an InputError."""
    stream = stdin or sys.stdin
    if stream is None:  # started with stdin closed (`<&-`)
        raise InputError(f"stdin is closed; pipe the {what} in or give a file name instead of -")
    try:
        return stream.read()
    except UnicodeDecodeError:
        raise InputError(f"stdin is not UTF-8 text; pipe the {what} in as CSV, TSV, JSON or JSONL text") from None
    except (OSError, ValueError) as error:  # ValueError: a stream closed under us
        raise InputError(f"cannot read stdin: {error}") from None


def _sniff(text: str) -> str:
    start = text.lstrip()[:1]
    if start == "[":
        return "json"
    if start == "{":
        return "jsonl"
    return "tsv" if "\t" in text.splitlines()[0] else "csv"


class _LineLocations(Sequence[str]):
    """``{source} line {n}`` for data rows on consecutive lines from ``first``, made when asked for (a list of
    a million such strings would cost more memory than the numbers)."""

    def __init__(self, source: str, first: int, count: int) -> None:
        self.source, self.first, self.rows = source, first, count

    def __len__(self) -> int:
        return self.rows

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self.rows))]
        if not -self.rows <= index < self.rows:
            raise IndexError(index)
        return f"{self.source} line {self.first + index % self.rows}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and len(other) == self.rows and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]


def _read_plain_numbers(source: str, text: str, delimiter: str, path: str | None) -> RawTable | None:
    """The fast path: a header on line 1, then only plain numbers, positive and finite, one row per line, read
    by numpy's C parser. None when any cell needs the careful path of :func:`_read_delimited` (a suffix such as
    70B, quoting, text, a blank line, a ragged row, a bad value to report by row and column). numpy reads
    ``path`` itself when there is one: from a file its parser is a fifth faster than from a string."""
    first_line = text[: text.find("\n")] if "\n" in text else text
    header = tuple(cell.strip() for cell in next(csv.reader([first_line], delimiter=delimiter), []))
    lines = text.count("\n") - 1 + (not text.endswith("\n"))  # after the header
    if lines < 1 or not all(header):
        return None
    try:
        with warnings.catch_warnings():
            # "input contained no data" (only blank lines after the header): the careful path says what is wrong
            warnings.simplefilter("error", UserWarning)
            values = np.loadtxt(
                io.StringIO(text) if path is None else path,
                delimiter=delimiter,
                dtype=np.float64,
                ndmin=2,
                comments=None,
                skiprows=1,
                encoding="utf-8-sig",
            )
    except (ValueError, UserWarning):
        return None
    plain = values.shape == (lines, len(header)) and bool(np.all(np.isfinite(values)) and np.all(values > 0))
    if not plain:  # a blank line was skipped (line numbers would be off), or a value the careful path reports
        return None
    _check_header(source, header)
    cells = {name: np.ascontiguousarray(values[:, i]) for i, name in enumerate(header)}
    return RawTable(source, header, cells, _LineLocations(source, 2, lines))


def _read_delimited(source: str, text: str, delimiter: str) -> RawTable:
    # newline=None reads bare CR line endings (old Mac files, some spreadsheet exports) as line ends
    reader = csv.reader(io.StringIO(text, newline=None), delimiter=delimiter)
    rows: list[list[str]] = []
    try:
        rows.extend(reader)
    except csv.Error as error:
        raise InputError(
            f"{source} line {reader.line_num}: not valid {'TSV' if delimiter == chr(9) else 'CSV'} ({error}); "
            "look for an unterminated quote"
        ) from None
    line_numbers = [i + 1 for i, row in enumerate(rows) if any(cell.strip() for cell in row)]
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:  # only delimiters and blank lines
        raise InputError(f"{source}: holds no header and no runs; expected a header and at least one row")
    header = tuple(cell.strip() for cell in rows[0])
    _check_header(source, header)
    body, lines = rows[1:], line_numbers[1:]
    if not body:
        raise InputError(f"{source}: has a header but no data rows")
    for row, line in zip(body, lines, strict=True):
        if len(row) != len(header):
            raise InputError(f"{source} line {line}: {len(row)} fields where the header has {len(header)}")
    cells = {name: [row[i] for row in body] for i, name in enumerate(header)}
    return RawTable(source, header, cells, [f"{source} line {line}" for line in lines])


def _read_json(source: str, text: str, fmt: str) -> RawTable:
    number = 0
    try:
        if fmt == "json":
            records = json.loads(text)
            if not isinstance(records, list):
                raise InputError(f"{source}: expected a JSON array of objects, one per run")
            where = [f"{source} record {i + 1}" for i in range(len(records))]
        else:
            lines = [(i + 1, line) for i, line in enumerate(text.splitlines()) if line.strip()]
            records = []
            for number, line in lines:  # noqa: B007 - `number` names the bad line in the error below
                records.append(json.loads(line))
            where = [f"{source} line {number}" for number, _ in lines]
    except RecursionError:
        raise InputError(f"{source}: not valid {fmt.upper()}: nested too deeply (a run is one flat object)") from None
    except json.JSONDecodeError as error:
        bad_line = error.lineno if fmt == "json" else number  # each JSONL line is parsed alone: its lineno is 1
        raise InputError(f"{source}: not valid {fmt.upper()} (line {bad_line}: {error.msg})") from None
    if not records:
        raise InputError(f"{source}: contains no runs")
    header: list[str] = []
    for record, location in zip(records, where, strict=True):
        if not isinstance(record, dict):
            raise InputError(f"{location}: expected an object with one key per column")
        header.extend(key for key in record if key not in header)
    _check_header(source, tuple(header))
    cells = {name: [record.get(name) for record in records] for name in header}
    return RawTable(source, tuple(header), cells, where)


def _check_header(source: str, header: tuple[str, ...]) -> None:
    if not any(header):
        raise InputError(f"{source}: the header row is empty")
    seen: dict[str, str] = {}
    for name in header:
        key = normalise(name)
        if key in seen:
            raise InputError(
                f"{source}: duplicated column {shown(name)} in the header (also {shown(seen[key])}); rename one"
            )
        seen[key] = name


def normalise(name: str) -> str:
    return "_".join(name.strip().lower().replace("-", " ").replace(".", " ").split())


def find_column(table: RawTable, role: str, explicit: str | None = None) -> str | None:
    """The column holding ``role`` (params, tokens, flops, loss): the explicit name or the first alias."""
    by_key = {normalise(name): name for name in table.header}
    if explicit is not None:
        if normalise(explicit) not in by_key:
            raise InputError(f"{table.source}: no column {shown(explicit)}; columns: {column_list(table.header)}")
        return by_key[normalise(explicit)]
    for alias in COLUMN_ALIASES[role]:
        if alias in by_key:
            return by_key[alias]
    return None


def column_list(header: Sequence[str], limit: int = 8) -> str:
    """The first columns of a header for an error message, each cut short (a header may be a whole file)."""
    names = ", ".join(name if len(name) <= 24 else name[:21] + "..." for name in header[:limit])
    return names + (f" (and {len(header) - limit} more)" if len(header) > limit else "")


def missing_column_error(table: RawTable, role: str) -> InputError:
    return InputError(
        f"{table.source}: no {role} column; columns found: {column_list(table.header)}; "
        f"names tried: {', '.join(COLUMN_ALIASES[role])} (name it with --{role}-col)"
    )


def numeric_column(table: RawTable, column: str) -> np.ndarray:
    """Parse a column of positive quantities; a bad cell raises an error naming its row and column."""
    values = table.cells[column]
    try:
        array = np.array(values, dtype=np.float64)
        # numpy reads JSON true as 1.0 and [1] as a nested row: only a flat column of non-booleans is fast
        numbers = isinstance(values, np.ndarray) and values.dtype.kind == "f"  # from the fast reader
        plain = array.shape == (len(values),) and (numbers or bool not in set(map(type, values)))
        if plain and np.all(np.isfinite(array)) and np.all(array > 0):
            return array
    except (TypeError, ValueError, OverflowError):  # OverflowError: a JSON integer beyond any float
        pass
    # Cell by cell: a plain number as float() reads it (as numpy did above), and only the cells it cannot read
    # through parse_quantity, which reads suffixes (70B) and names a bad cell's row and column. parse_quantity
    # costs 20 times a float(): a file of a million rows with one 70B in it would wait seconds for it.
    parsed = np.empty(len(values))
    for i, value in enumerate(values):
        try:
            number = float(value) if isinstance(value, str | int | float) and not isinstance(value, bool) else 0.0
        except (ValueError, OverflowError):
            number = 0.0
        if not 0 < number < math.inf:
            where = f"{table.locations[i]}, column {column!r}"
            if value is None or (isinstance(value, str) and not value.strip()):
                raise InputError(f"{where}: empty value; fill it in or remove the row")
            number = parse_quantity(value, where)
        parsed[i] = number
    return parsed


def scale_column(table: RawTable, role: str, factor: float, explicit: str | None = None) -> RawTable:
    """A copy of ``table`` with its ``role`` column multiplied by ``factor`` (1e9 for a column of GFLOPs), for use
    before N = C / 6D or D = C / 6N is derived from it. The error names the parameter ``<role>_scale``."""
    column = find_column(table, role, explicit)
    if column is None:
        raise InputError(
            f"{table.source} has no {role} column to scale; name it with --{role}-col", param=f"{role}_scale"
        )
    cells = dict(table.cells)
    cells[column] = (numeric_column(table, column) * factor).tolist()
    return RawTable(table.source, table.header, cells, table.locations)


def read_observations(
    table: RawTable, columns: Mapping[str, str | None] | None = None, *, need_loss: bool = True
) -> Observations:
    """Runs from a table: any two of N, D, C (the third from C = 6ND) and, if ``need_loss``, the loss.

    ``columns`` maps a role to an explicit column name (from ``--params-col`` and the like).
    """
    columns = columns or {}
    found = {role: find_column(table, role, columns.get(role)) for role in COLUMN_ALIASES}
    if need_loss and found["loss"] is None:
        raise missing_column_error(table, "loss")
    present = [role for role in ("params", "tokens", "flops") if found[role] is not None]
    if len(present) < 2:
        missing = next(role for role in ("params", "tokens", "flops") if found[role] is None)
        raise InputError(
            f"{table.source}: need two of params, tokens and flops, found {', '.join(present) or 'none'}; "
            f"columns found: {column_list(table.header)}; names tried for {missing}: "
            f"{', '.join(COLUMN_ALIASES[missing])} (name it with --{missing}-col)"
        )
    values = {role: numeric_column(table, found[role]) for role in present}  # type: ignore[arg-type]
    derived: tuple[str, ...] = ()
    with np.errstate(all="ignore"):  # an under- or overflow is named below
        if "flops" not in values:
            values["flops"] = FLOPS_PER_PARAM_TOKEN * values["params"] * values["tokens"]
            derived = ("flops",)
        elif "params" not in values:
            values["params"] = values["flops"] / (FLOPS_PER_PARAM_TOKEN * values["tokens"])
            derived = ("params",)
        elif "tokens" not in values:
            values["tokens"] = values["flops"] / (FLOPS_PER_PARAM_TOKEN * values["params"])
            derived = ("tokens",)
    for role in derived:
        bad = ~(np.isfinite(values[role]) & (values[role] > 0))
        if bad.any():
            raise InputError(
                f"{table.locations[int(np.argmax(bad))]}: {role} from C = 6ND comes out as {values[role][bad][0]:g} "
                "(beyond floating point); check the units of the other columns"
            )
    loss = numeric_column(table, found["loss"]) if found["loss"] is not None else np.full(len(table), np.nan)
    return Observations(
        source=table.source,
        n_params=values["params"],
        n_tokens=values["tokens"],
        compute_flops=values["flops"],
        loss=loss,
        columns={role: name for role, name in found.items() if name is not None},
        derived=derived,
        locations=table.locations,
    )


def read_curve(table: RawTable, x: str, columns: Mapping[str, str | None] | None = None) -> Observations:
    """Runs for a one-variable law: the column ``x`` and the loss (or any metric named as ``columns["loss"]``).

    ``x`` is params, tokens or flops (found through their aliases, or ``columns[x]``), or any column by name.
    Nothing is derived: the sizes the file does not hold are NaN.
    """
    columns = columns or {}
    roles = ("params", "tokens", "flops")
    if x in roles:
        x_column = find_column(table, x, columns.get(x))
        if x_column is None:
            raise missing_column_error(table, x)
    else:
        x_column = find_column(table, "loss", x)  # any column, by its name
    loss_column = find_column(table, "loss", columns.get("loss"))
    if loss_column is None:
        raise missing_column_error(table, "loss")
    if normalise(loss_column) == normalise(str(x_column)):
        raise InputError(f"{table.source}: column {loss_column!r} cannot be both the variable and the metric")
    values = numeric_column(table, str(x_column))
    missing = np.full(len(values), np.nan)
    return Observations(
        source=table.source,
        n_params=values if x == "params" else missing,
        n_tokens=values if x == "tokens" else missing,
        compute_flops=values if x == "flops" else missing,
        loss=numeric_column(table, loss_column),
        columns={"x": str(x_column), "loss": loss_column},
        locations=table.locations,
        x=values,
    )
