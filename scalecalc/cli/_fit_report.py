"""What `scalecalc fit` shows: the tables of its constants, derived quantities and fit summary for a person, the
JSON document, and a one-row primary table of every number for csv, tsv, jsonl and --field."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scalecalc.render import Column, Report, Table

if TYPE_CHECKING:
    from scalecalc.fitting import Backtest, FitResult

KINDS = {
    "params_opt": "count",
    "tokens_opt": "count",
    "tokens_per_param": "ratio",
    "x_saturation": "count",
}
CURVE_QUANTITIES = ("x_saturation", "loss_at_x", "reducible_at_x", "reducible_share_at_x")


def fit_report(result: FitResult) -> Report:
    """Tables for a person (parameters, derived quantities, fit summary), the JSON document, and a one-row
    primary table of every number for csv/tsv/jsonl and --field."""
    bootstrapped = result.bootstrap is not None
    level = f"{result.bootstrap.level:.0%}" if result.bootstrap is not None else ""

    def rows(values: dict[str, float]) -> dict[str, list[Any]]:
        data: dict[str, list[Any]] = {"name": [], "value": [], "se": [], "low": [], "high": []}
        for key, value in values.items():
            spread = result.interval(key) or (None, None, None)
            data["name"].append(key + (" (fixed)" if key in result.fixed else ""))
            data["value"].append(value)
            data["se"].append(spread[0])
            data["low"].append(spread[1])
            data["high"].append(spread[2])
        return data

    def columns(kind: str = "number") -> list[Column]:
        cols = [Column("name", "text"), Column("value", kind)]
        if bootstrapped:
            cols += [
                Column("se", kind, "SE"),
                Column("low", kind, f"{level} low"),
                Column("high", kind, f"{level} high"),
            ]
        return cols

    title = f"{result.form} fit" + (f" in {result.variable}" if result.variable else "")
    tables = [Table(columns(), rows(dict(result.constants)), title=title)]
    curve = {k: v for k, v in result.derived.items() if k in CURVE_QUANTITIES}
    if curve:
        tables.append(Table(columns(), rows(curve), title=f"saturation in {result.variable}"))
    if result.derived and not curve:
        counts = {k: v for k, v in result.derived.items() if k in KINDS}
        exponents = {k: v for k, v in result.derived.items() if k not in KINDS}
        tables.append(Table(columns(), rows(exponents), title="allocation exponents (N_opt ~ C^a, D_opt ~ C^b)"))
        if counts and result.at_flops is not None:
            title = f"compute-optimal run at {result.at_flops:.3g} FLOPs"
            if result.quality_reasons:  # shown for diagnosis, but labelled so that no one takes it as advice
                title += " (poor fit: NOT a recommendation)"
            tables.append(Table(columns("count"), rows(counts), title=title))
    ranges, optimizer = result.ranges, result.optimizer
    summary = {
        "data": result.source,
        "points": result.n_points,
        "objective": f"{result.objective['name']} = {result.objective['value']:.6g}",
        "rmse (log loss)": f"{result.rmse:.4g}",
        "R^2 (log loss)": f"{result.r2:.4f}",
        "quality": ": ".join((result.quality, "; ".join(result.quality_reasons))).rstrip(": "),
        **{f"{name} range": f"{low:.3g} to {high:.3g}" for name, (low, high) in ranges.items()},
        "optimizer": (
            f"{'converged' if optimizer.converged else 'NOT converged'}; {optimizer.starts} starts, "
            f"{optimizer.starts_at_best} reached the best, {optimizer.distinct_optima} distinct end points"
        ),
    }
    if result.bootstrap is not None:
        summary["bootstrap"] = (
            f"{result.bootstrap.resamples} resamples, seed {result.bootstrap.seed}, "
            f"{result.bootstrap.converged_fraction:.0%} converged"
        )
    notes = [*result.filters, *(f"{c} derived from C = 6ND" for c in result.derived_columns), *result.notes]
    tables.append(
        Table(
            [Column("quantity", "text"), Column("value", "text")],
            {"quantity": list(summary), "value": [str(v) for v in summary.values()]},
            title="fit",
            notes=notes,
        )
    )
    primary = _primary(result)
    if result.comparisons:
        names = list(result.comparisons[0].constants) + [
            k for k in ("a", "params_opt", "tokens_opt") if k in result.comparisons[0].derived
        ]
        data: dict[str, list[Any]] = {"objective": [c.objective for c in result.comparisons]}
        for key in names:
            data[key] = [c.constants.get(key, c.derived.get(key)) for c in result.comparisons]
        kinds = [Column("objective", "text")] + [Column(k, KINDS.get(k, "number")) for k in names]
        objectives = Table(kinds, data, title="objectives compared")
        tables.append(objectives)
        primary = objectives  # csv/tsv/jsonl carry the comparison, one row per objective
    if result.backtest is not None:
        tables.append(_backtest_table(result.backtest))
    if result.form_scores:
        primary = _forms_table(result)
        tables.append(primary)
    return Report(document=result.to_dict(), tables=tables, primary=primary)


def _backtest_table(backtest: Backtest) -> Table:
    errors = backtest.percent_errors
    notes = [
        f"fitted on {backtest.fitted_points} runs, held out {backtest.rule}: rmse {backtest.rmse:.4g} in log loss, "
        f"mean |error| {backtest.mean_abs_percent:.2f}%, worst {backtest.max_abs_percent:.2f}%"
    ]
    data = {
        backtest.x_name: list(backtest.x),
        "actual": list(backtest.actual),
        "predicted": list(backtest.predicted),
        "error_percent": [float(e) for e in errors],
    }
    columns = [Column(backtest.x_name), Column("actual"), Column("predicted"), Column("error_percent", label="error %")]
    return Table(columns, data, title="backtest on held-out runs", notes=notes)


def _forms_table(result: FitResult) -> Table:
    scores = result.form_scores
    held = any(s.held_out_rmse is not None for s in scores)
    data: dict[str, list[Any]] = {
        "rank": list(range(1, len(scores) + 1)),
        "form": [s.form + (f" ({s.variable})" if s.variable else "") for s in scores],
        "parameters": [s.free_parameters for s in scores],
        "rmse": [s.rmse for s in scores],
        "aic": [s.aic for s in scores],
        "bic": [s.bic for s in scores],
    }
    columns = [Column("rank", "integer"), Column("form", "text"), Column("parameters", "integer", "k")]
    columns += [Column("rmse"), Column("aic", label="AIC"), Column("bic", label="BIC")]
    if held:
        data["held_out_rmse"] = [s.held_out_rmse for s in scores]
        data["held_out_mean_abs_percent"] = [s.held_out_mean_abs_percent for s in scores]
        columns += [
            Column("held_out_rmse", label="test rmse"),
            Column("held_out_mean_abs_percent", label="test |err| %"),
        ]
    notes = [f"{s.form}: not fitted: {s.failure}" for s in scores if s.failure]
    notes.append(
        "ranked by "
        + ("the held-out runs' rmse (log loss)" if held else "AIC")
        + "; rmse, AIC = n ln(RSS/n) + 2k and BIC = n ln(RSS/n) + k ln n on the fitted runs' log-loss residuals"
    )
    return Table(columns, data, title="forms compared", notes=notes)


def _primary(result: FitResult) -> Table:
    data: dict[str, list[Any]] = {
        "form": [result.form],
        "points": [result.n_points],
        "objective": [result.objective["value"]],
        "rmse": [result.rmse],
        "r2": [result.r2],
    }
    for key, value in {**result.constants, **result.derived}.items():
        data[key] = [value]
        spread = result.interval(key)
        if spread is not None:
            data[f"{key}_se"], data[f"{key}_low"], data[f"{key}_high"] = [spread[0]], [spread[1]], [spread[2]]
    if result.backtest is not None:
        data["held_out_rmse"] = [result.backtest.rmse]
        data["held_out_mean_abs_percent"] = [result.backtest.mean_abs_percent]
        data["held_out_max_abs_percent"] = [result.backtest.max_abs_percent]
    data["converged"] = [result.optimizer.converged]
    data["quality"] = [result.quality]
    data["quality_reasons"] = ["; ".join(result.quality_reasons)]
    text = ("form", "converged", "quality", "quality_reasons")
    columns = [Column(k, "text" if k in text else KINDS.get(k, "number")) for k in data]
    return Table(columns, data, title="fit")
