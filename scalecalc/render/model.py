"""What a command hands to the renderer: typed columns in a :class:`Table`, or a :class:`Report` (one JSON
document plus the tables a person sees). NaN and None mean "no value" in every format."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


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
        Column("loss_low", "number"),
        Column("loss_high", "number"),
        Column("interval_source", "text", "interval from", in_table=False),  # the table says it in a note
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
        # hyperparameter laws (scalecalc.plan.hyperparameters)
        Column("batch_tokens", "count", "batch tokens"),
        Column("batch_sequences", "count", "batch seqs"),
        Column("learning_rate", "number", "peak LR"),
        Column("steps", "count"),
        Column("token_ratio", "ratio", "tokens / optimal"),
        # a row beyond ten times the preset's fitted range: the warning says so to a person, this column to a script
        Column("extrapolated", "text", in_table=False),
    )
}


def columns_for(names: Sequence[str], kinds: Mapping[str, Column] | None = None) -> list[Column]:
    """Columns for ``names``: from ``kinds`` first, then the common ones, else plain numbers."""
    kinds = kinds or {}
    return [kinds.get(name) or COMMON_COLUMNS.get(name) or Column(name) for name in names]
