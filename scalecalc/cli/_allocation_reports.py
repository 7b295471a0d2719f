"""The reports of `isoflop` and `envelope`: an allocation fit as tables for a person and one JSON document.

Kept apart from the commands (which parse options, call one core function and print) because both approaches
share the law and prediction tables, and the turning of a result into rows is the same for both.
"""

from __future__ import annotations

from scalecalc.approaches.allocation_fit import AllocationFit, Prediction, law_document
from scalecalc.approaches.envelope import EnvelopeResult
from scalecalc.approaches.isoflop import IsoflopResult
from scalecalc.render import Column, Report, Table, columns_for
from scalecalc.runs import Observations

LAW_KINDS = {
    "quantity": Column("quantity", "text"),
    "coefficient": Column("coefficient", "number"),
    "coefficient_low": Column("coefficient_low", "number", "coef low"),
    "coefficient_high": Column("coefficient_high", "number", "coef high"),
    "exponent": Column("exponent", "number"),
    "exponent_low": Column("exponent_low", "number", "exp low"),
    "exponent_high": Column("exponent_high", "number", "exp high"),
}
BUDGET_KINDS = {
    "runs": Column("runs", "text"),
    "sizes": Column("sizes", "text"),
    "status": Column("status", "text"),
    "params_min": Column("params_min", "count", in_table=False),
    "params_max": Column("params_max", "count", in_table=False),
    "tokens_low": Column("tokens_low", "count", in_table=False),
    "tokens_high": Column("tokens_high", "count", in_table=False),
    "loss_low": Column("loss_low", "number", in_table=False),
    "loss_high": Column("loss_high", "number", in_table=False),
}


def isoflop_report(result: IsoflopResult, source: str, observations: Observations) -> Report:
    """Budgets, laws and predictions of Approach 2; predictions (else budgets) are the rows of csv/tsv."""
    notes = [*result.notes, *_derived_note(observations)]
    budget_table = Table(
        columns_for(list(result.budget_columns()), BUDGET_KINDS),
        result.budget_columns(),
        title=f"isoFLOP minima ({result.method}; {level_text(result.level)} bootstrap intervals, "
        f"{result.bootstrap_used} resamples)",
        notes=notes,
    )
    tables, prediction_table = _with_laws(budget_table, result, "compute-optimal allocation across budgets")
    document = {
        "command": "isoflop",
        "source": source,
        "method": result.method,
        "level": result.level,
        "bootstrap": result.bootstrap,
        "bootstrap_used": result.bootstrap_used,
        **_law_scalars(result),
        "laws": _laws(result),
        "budgets": budget_table.records(),
        "predictions": prediction_table.records() if prediction_table is not None else [],
        "grouping": result.grouping,
        "columns": dict(observations.columns),
        "derived": list(observations.derived),
        "warnings": list(result.warnings),
        "notes": notes,
    }
    return Report(document, tables, primary=prediction_table or budget_table)


def envelope_report(result: EnvelopeResult, source: str, observations: Observations, run_column: str | None) -> Report:
    """Segments, laws and predictions of Approach 1; predictions (else every envelope level) are the rows."""
    notes = [*result.notes, *_derived_note(observations)]
    segments = result.segments()
    segment_kinds = {
        "run": Column("run", "text"),
        "flops_from": Column("flops_from", "flops", "from FLOPs"),
        "flops_to": Column("flops_to", "flops", "to FLOPs"),
        "levels": Column("levels", "text"),
        "included": Column("included", "text", "in fit"),
    }
    segment_table = Table(
        columns_for(list(segments), segment_kinds), segments, title="envelope: the run with the lowest loss",
        notes=notes,
    )  # fmt: skip
    points_columns = result.point_columns()
    points_table = Table(
        columns_for(list(points_columns), {"run": Column("run", "text"), "included": Column("included", "text")}),
        points_columns,
        title="envelope",
    )
    title = (
        f"compute-optimal allocation ({level_text(result.level)} bootstrap over runs, "
        f"{result.bootstrap_used} resamples)"
    )
    tables, prediction_table = _with_laws(segment_table, result, title)
    document = {
        "command": "envelope",
        "source": source,
        "level": result.level,
        "curves": result.curves,
        "bootstrap": result.bootstrap,
        "bootstrap_used": result.bootstrap_used,
        **_law_scalars(result),
        "laws": _laws(result),
        "segments": segment_table.records(),
        "envelope": points_table.records(),
        "predictions": prediction_table.records() if prediction_table is not None else [],
        "columns": {**observations.columns, **({"run": run_column} if run_column else {})},
        "derived": list(observations.derived),
        "warnings": list(result.warnings),
        "notes": notes,
    }
    return Report(document, tables, primary=prediction_table or points_table)


def _derived_note(observations: Observations) -> list[str]:
    if not observations.derived:
        return []
    return [f"{', '.join(observations.derived)} derived from C = 6ND"]


def level_text(level: float) -> str:
    return f"{100 * level:g}%"


def _with_laws(first: Table, result: AllocationFit, law_title: str) -> tuple[list[Table], Table | None]:
    """The tables of a report: ``first``, the allocation laws, and the predictions when --flops asked for them."""
    if result.quality_reasons:
        law_title = f"{law_title} (poor fit: NOT a recommendation)"
    tables = [first, _law_table(_law_columns(result), law_title)]
    prediction_table = _prediction_table(result.prediction, result.level)
    if prediction_table is not None:
        tables.append(prediction_table)
    return tables, prediction_table


def _law_columns(result: AllocationFit) -> dict[str, list]:
    laws = result.laws
    return {
        "quantity": [law.variable for law in laws],
        "coefficient": [law.coefficient for law in laws],
        "coefficient_low": [law.coefficient_low for law in laws],
        "coefficient_high": [law.coefficient_high for law in laws],
        "exponent": [law.exponent for law in laws],
        "exponent_low": [law.exponent_low for law in laws],
        "exponent_high": [law.exponent_high for law in laws],
    }


def _law_table(columns: dict[str, list], title: str) -> Table:
    return Table(
        columns_for(list(columns), LAW_KINDS),
        columns,
        title=f"{title}: quantity = coefficient x C^exponent (C in FLOPs)",
        notes=["tokens = C / (6 params), so its exponent is 1 - a and its coefficient 1 / (6 k_N)"],
    )


def _law_scalars(result: AllocationFit) -> dict[str, object]:
    scalars: dict[str, object] = {"quality": result.quality, "quality_reasons": "; ".join(result.quality_reasons)}
    for law in result.laws:
        scalars[f"{law.variable}_coefficient"] = law.coefficient
        scalars[f"{law.variable}_exponent"] = law.exponent
        scalars[f"{law.variable}_exponent_low"] = law.exponent_low
        scalars[f"{law.variable}_exponent_high"] = law.exponent_high
    return scalars


def _laws(result: AllocationFit) -> dict[str, object]:
    return {law.variable: law_document(law, result.level) for law in result.laws}


def _prediction_table(prediction: Prediction | None, level: float) -> Table | None:
    if prediction is None:
        return None
    columns = prediction.columns()
    return Table(
        columns_for(list(columns)),
        columns,
        title=f"compute-optimal allocation at --flops ({level_text(level)} bootstrap intervals)",
    )
