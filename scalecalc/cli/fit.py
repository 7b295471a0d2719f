"""`scalecalc fit`: fit a scaling law to a table of runs, with uncertainty, and save it as a preset."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
import typer

from scalecalc.cli._app import app
from scalecalc.cli._common import (
    Choice,
    Count,
    FieldOption,
    FlopsColOption,
    FormatOption,
    Fraction,
    LossColOption,
    ParamsColOption,
    TokensColOption,
    command,
    note,
    output,
    resolve_format,
    single_quantity,
    write_new_file,
)
from scalecalc.cli.plot import PlotFileOption, PlotOption, check_plot_target, show_plot
from scalecalc.errors import InputError
from scalecalc.presets import PARAM_CONVENTIONS, dump_preset, from_fit
from scalecalc.render import Column, Report, Table

if TYPE_CHECKING:
    from scalecalc.fitting import FitResult

ColumnOption = Annotated[str | None, typer.Option(show_default=False)]

# scalecalc.fitting.FORMS, named here so that start-up need not import the engine (a test checks they agree).
FORMS = ("chinchilla", "kaplan", "power", "broken")


# The core's parameter names that differ from the options that set them (see cli._common.command).
FLAGS = {
    "level": "--level",
    "at_flops": "--target-flops",
    "variable": "--x",
    "fixed": "--fix",
    "ties": "--tie",
    "bounds": "--bound",
    "count": "--drop-highest",
    "low": "--min-flops",
    "result": "--save",  # from_fit refuses a result it cannot save
}


@command(app, flags=FLAGS, aliases={"--ci": "--level", "--at-flops": "--target-flops"})
def fit(
    file: Annotated[str, typer.Argument(help="Runs: CSV, TSV, JSON (array of objects) or JSONL; - reads stdin.")],
    form: Annotated[str, typer.Option("--form", click_type=Choice(FORMS), help="The law to fit.")] = "chinchilla",
    x: Annotated[
        str | None,
        typer.Option(
            "--x", click_type=Choice(("params", "tokens", "flops")), help="Variable of a power or broken law (C = 6ND)."
        ),
    ] = None,
    breaks: Annotated[
        int, typer.Option("--breaks", click_type=Count(), help="Number of breaks of a broken power law.")
    ] = 1,
    params_col: ParamsColOption = None,
    tokens_col: TokensColOption = None,
    flops_col: FlopsColOption = None,
    loss_col: LossColOption = None,
    best_per_run: Annotated[
        bool, typer.Option("--best-per-group", help="Keep the lowest-loss run of each (N, D) pair (after an LR sweep).")
    ] = False,
    drop: Annotated[int, typer.Option("--drop-highest", click_type=Count(), help="Drop the K highest-loss runs.")] = 0,
    min_flops: Annotated[
        str | None, typer.Option(metavar="<FLOPS>", help="Keep runs with at least this compute.", show_default=False)
    ] = None,
    max_flops: Annotated[
        str | None, typer.Option(metavar="<FLOPS>", help="Keep runs with at most this compute.", show_default=False)
    ] = None,
    objective: Annotated[
        str,
        typer.Option(
            click_type=Choice(("huber", "squares", "envelope")),
            help="huber, squares (least squares) or envelope (lower envelope).",
        ),
    ] = "huber",
    delta: Annotated[float, typer.Option(help="Huber delta on log-loss residuals (Hoffmann et al.: 1e-3).")] = 1e-3,
    fix: Annotated[
        list[str] | None,
        typer.Option("--fix", metavar="<NAME=VALUE>", help="Fix a constant: E=1.69 (repeatable or comma-separated)."),
    ] = None,
    tie: Annotated[
        list[str] | None, typer.Option("--tie", metavar="<NAME=NAME>", help="Tie two constants: alpha=beta.")
    ] = None,
    bound: Annotated[
        list[str] | None,
        typer.Option(
            "--bound", metavar="<NAME=LOW:HIGH>", help="Bound a constant: alpha=0:1 (paper scale).", show_default=False
        ),
    ] = None,
    grid: Annotated[
        str,
        typer.Option(
            click_type=Choice(("projected", "full")),
            help="projected (fast, covers Hoffmann's grid) or full (all 4,500 starts; slow cross-check).",
        ),
    ] = "projected",
    bootstrap: Annotated[
        int,
        typer.Option("--bootstrap", click_type=Count(), help="Bootstrap resamples for intervals (e.g. 1000; 0: none)."),
    ] = 0,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap.")] = 0,
    ci: Annotated[float, typer.Option("--level", click_type=Fraction(), help="Interval level (0.95 or 95%).")] = 0.95,
    at_flops: Annotated[
        str | None,
        typer.Option(
            "--target-flops",
            metavar="<FLOPS>",
            help="Budget for the derived compute-optimal N and D (default: 100x the largest run).",
            show_default=False,
        ),
    ] = None,
    compare_objectives: Annotated[
        bool, typer.Option("--compare-objectives", help="Also fit every objective and show how far the results move.")
    ] = False,
    save: Annotated[
        str | None,
        typer.Option(
            "--save", metavar="<FILE>", help="Write the fit as a preset YAML for plan/predict.", show_default=False
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace existing --save and --plot-file files.")] = False,
    name: Annotated[
        str | None,
        typer.Option(metavar="<NAME>", help="Preset name for --save (default: the file name).", show_default=False),
    ] = None,
    params_convention: Annotated[
        str, typer.Option(click_type=Choice(PARAM_CONVENTIONS), help="How the runs count parameters, for --save.")
    ] = "total",
    fmt: FormatOption = None,
    field: FieldOption = None,
    plot: PlotOption = False,
    plot_file: PlotFileOption = None,
) -> None:
    """Fit a scaling law to your runs: constants, fit quality, allocation and (with --bootstrap) intervals.

    The default is the published procedure (Hoffmann et al. 2022, App. D.2): L = E + A/N^alpha + B/D^beta,
    Huber loss (delta 1e-3) on log residuals summed over runs, from Hoffmann's initialisation grid. When
    one of N, D, C is missing it is derived from C = 6ND.

    \b
    scalecalc fit runs.csv
    scalecalc fit chinchilla.csv --drop-highest 5 --bootstrap 1000 --seed 42 --target-flops 5.76e23
    scalecalc fit runs.csv --save my-law.yaml && scalecalc plan --flops 1e24 -p my-law.yaml
    scalecalc fit runs.jsonl --best-per-group --min-flops 1e18 --fix E=1.69 --tie alpha=beta
    scalecalc fit curve.csv --form power --x flops --fix E=0
    scalecalc fit curve.csv --form broken --x params --breaks 1
    scalecalc fit runs.csv --compare-objectives
    cat runs.csv | scalecalc fit - -f alpha
    """
    # The fitting engine is imported here, not at the top, to keep every other command's start-up fast.
    from scalecalc.fitting import FitSpec, best_per_group, compute_range, drop_highest, fit_law
    from scalecalc.runs import read_observations, read_table

    check_plot_target(plot_file, force)
    if save is not None and Path(save).exists() and not force:
        raise InputError(f"--save: {save} already exists; choose another name or add --force to overwrite it")
    table = read_table(file)
    observations = read_observations(
        table, {"params": params_col, "tokens": tokens_col, "flops": flops_col, "loss": loss_col}
    )
    filters = []
    if best_per_run:
        observations, message = best_per_group(observations)
        filters.append(message)
    observations, message = compute_range(
        observations,
        single_quantity(min_flops, "--min-flops", compute=True),
        single_quantity(max_flops, "--max-flops", compute=True),
    )
    filters.append(message)
    observations, message = drop_highest(observations, drop)
    filters.append(message)
    spec = FitSpec(
        form=form,
        variable=x,
        breaks=breaks,
        objective=objective,
        delta=delta,
        fixed=_assignments(fix, "--fix"),
        ties=tuple(_ties(tie)),
        bounds=_bounds(bound),
        grid=grid,
    )
    result = fit_law(
        observations,
        spec,
        bootstrap=bootstrap,
        seed=seed,
        level=ci,
        at_flops=single_quantity(at_flops, "--target-flops", compute=True),
        compare_objectives=compare_objectives,
        filters=tuple(filters),
    )
    text = (
        None
        if save is None
        else dump_preset(from_fit(result, name=name or Path(save).stem, params_convention=params_convention))
    )
    if observations.derived and resolve_format(fmt) != "table":  # a table says so in its notes
        note(f"{', '.join(observations.derived)} derived from C = 6ND")
    if save is not None and text is not None:
        write_new_file(save, text, force=force)
        note(f"saved the fit as preset {save}: use it with scalecalc plan -p {save} or scalecalc predict -p {save}")
    output(fit_report(result), fmt, field, result.warnings)
    show_plot(result, plot=plot, plot_file=plot_file, fmt=fmt, observations=observations)


# -- option parsing -----------------------------------------------------------------------------------------
def _pairs(texts: list[str] | None, option: str) -> list[tuple[str, str]]:
    pairs = []
    for text in texts or []:
        for item in text.split(","):
            item = item.strip()
            if not item:
                continue
            if "=" not in item:
                raise InputError(f"{option}: {item!r} is not NAME=VALUE (e.g. {option} alpha=beta or E=1.69)")
            left, right = (part.strip() for part in item.split("=", 1))
            if not left or not right:
                raise InputError(f"{option}: {item!r} is not NAME=VALUE")
            pairs.append((left, right))
    return pairs


def _assignments(texts: list[str] | None, option: str) -> dict[str, float]:
    values = {}
    for name, text in _pairs(texts, option):
        try:
            values[name] = float(text)
        except ValueError:
            raise InputError(f"{option} {name}={text}: {text!r} is not a number") from None
    return values


def _ties(texts: list[str] | None) -> list[tuple[str, str]]:
    return _pairs(texts, "--tie")


def _bounds(texts: list[str] | None) -> dict[str, tuple[float, float]]:
    bounds = {}
    for name, text in _pairs(texts, "--bound"):
        parts = text.split(":")
        try:
            low, high = (
                float(p) if p.strip() else default for p, default in zip(parts, (-np.inf, np.inf), strict=True)
            )
        except ValueError:
            raise InputError(
                f"--bound {name}={text}: write LOW:HIGH, e.g. --bound alpha=0:1 (either side may be empty)"
            ) from None
        bounds[name] = (low, high)
    return bounds


# -- output -------------------------------------------------------------------------------------------------
KINDS = {
    "params_opt": "count",
    "tokens_opt": "count",
    "tokens_per_param": "ratio",
}


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
    if result.derived:
        counts = {k: v for k, v in result.derived.items() if k in KINDS}
        exponents = {k: v for k, v in result.derived.items() if k not in KINDS}
        tables.append(Table(columns(), rows(exponents), title="allocation exponents (N_opt ~ C^a, D_opt ~ C^b)"))
        if counts and result.at_flops is not None:
            tables.append(
                Table(columns("count"), rows(counts), title=f"compute-optimal run at {result.at_flops:.3g} FLOPs")
            )
    ranges, optimizer = result.ranges, result.optimizer
    summary = {
        "data": result.source,
        "points": result.n_points,
        "objective": f"{result.objective['name']} = {result.objective['value']:.6g}",
        "rmse (log loss)": f"{result.rmse:.4g}",
        "R^2 (log loss)": f"{result.r2:.4f}",
        "params range": f"{ranges['params'][0]:.3g} to {ranges['params'][1]:.3g}",
        "tokens range": f"{ranges['tokens'][0]:.3g} to {ranges['tokens'][1]:.3g}",
        "flops range": f"{ranges['flops'][0]:.3g} to {ranges['flops'][1]:.3g}",
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
    if result.comparisons:
        names = list(result.comparisons[0].constants) + [
            k for k in ("a", "params_opt", "tokens_opt") if k in result.comparisons[0].derived
        ]
        data: dict[str, list[Any]] = {"objective": [c.objective for c in result.comparisons]}
        for key in names:
            data[key] = [c.constants.get(key, c.derived.get(key)) for c in result.comparisons]
        kinds = [Column("objective", "text")] + [Column(k, KINDS.get(k, "number")) for k in names]
        tables.append(Table(kinds, data, title="objectives compared"))
    primary = _primary(result)
    return Report(document=result.to_dict(), tables=tables, primary=primary)


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
    data["converged"] = [result.optimizer.converged]
    columns = [Column(k, "text" if k in ("form", "converged") else KINDS.get(k, "number")) for k in data]
    return Table(columns, data, title="fit")
