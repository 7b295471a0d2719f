"""`scalecalc fit`: fit a scaling law to a table of runs, with uncertainty, and save it as a preset."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import numpy as np
import typer

from scalecalc.cli._app import app
from scalecalc.cli._common import (
    FieldOption,
    FlopsColOption,
    FormatOption,
    LossColOption,
    ParamsColOption,
    StrictOption,
    TokensColOption,
    check_new_file,
    check_strict,
    command,
    note,
    output,
    quality_warnings,
    resolve_format,
    single_quantity,
    write_new_file,
)
from scalecalc.cli._fit_report import fit_report
from scalecalc.cli._types import Choice, Count, Fraction
from scalecalc.cli.plot import (
    FigsizeOption,
    PlotFileOption,
    PlotOption,
    StyleOption,
    check_plot_target,
    show_plot,
)
from scalecalc.errors import InputError
from scalecalc.plotting.styles import DEFAULT_STYLE
from scalecalc.presets import PARAM_CONVENTIONS, dump_preset, from_fit
from scalecalc.render import check_field

if TYPE_CHECKING:
    from scalecalc.runs import Observations

ColumnOption = Annotated[str | None, typer.Option(show_default=False)]

# scalecalc.fitting.FORMS, named here so that start-up need not import the engine (a test checks they agree).
FORMS = ("chinchilla", "kaplan", "power", "broken", "sigmoid")


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
    "holdout_largest": "--holdout-largest",
    "holdout_above": "--holdout-above",
    "at_x": "--at-x",
    "saturation": "--saturation",
}


@command(app, flags=FLAGS, aliases={"--ci": "--level", "--at-flops": "--target-flops"})
def fit(
    file: Annotated[str, typer.Argument(help="Runs: CSV, TSV, JSON (array of objects) or JSONL; - reads stdin.")],
    form: Annotated[str, typer.Option("--form", click_type=Choice(FORMS), help="The law to fit.")] = "chinchilla",
    x: Annotated[
        str | None,
        typer.Option(
            "--x",
            metavar="<COLUMN>",
            help="Variable of a power, broken or sigmoid law: params, tokens, flops or any column by name "
            "(default params; flops for sigmoid). The metric is the loss column (--loss-col names any other).",
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
    compare_forms: Annotated[
        bool,
        typer.Option(
            "--compare-forms", help="Also fit every form the data allow; rank by held-out error (or AIC) with BIC."
        ),
    ] = False,
    holdout_largest: Annotated[
        int,
        typer.Option(
            "--holdout-largest",
            help="Backtest: fit without the K largest runs (by compute; by --x for one-variable forms) and "
            "report the error predicting them.",
        ),
    ] = 0,
    holdout_above: Annotated[
        str | None,
        typer.Option(
            "--holdout-above", help="Backtest: hold out the runs above this size (compute, or --x).", show_default=False
        ),
    ] = None,
    at_x: Annotated[
        str | None,
        typer.Option(
            "--at-x",
            help="Size for the reducible loss left (power, broken; default 10x the largest).",
            show_default=False,
        ),
    ] = None,
    saturation: Annotated[
        float,
        typer.Option(help="x_saturation is where one more 10x buys less than this fraction of the loss."),
    ] = 0.01,
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
    strict: StrictOption = False,
    fmt: FormatOption = None,
    field: FieldOption = None,
    plot: PlotOption = False,
    plot_file: PlotFileOption = None,
    figsize: FigsizeOption = None,
    style: StyleOption = DEFAULT_STYLE,
) -> None:
    """Fit a scaling law to your runs: constants, fit quality, allocation and (with --bootstrap) intervals.

    The default is the published procedure (Hoffmann et al. 2022, App. D.2): L = E + A/N^alpha + B/D^beta,
    Huber loss (delta 1e-3) on log residuals summed over runs, from Hoffmann's initialisation grid. When
    one of N, D, C is missing it is derived from C = 6ND.

    \b
    scalecalc fit runs.csv
    scalecalc fit example:chinchilla-epoch-points --drop-highest 5 --bootstrap 1000 --seed 42 --target-flops 5.76e23
    scalecalc fit runs.csv --save my-law.yaml && scalecalc plan --flops 1e24 -p my-law.yaml
    scalecalc fit runs.jsonl --best-per-group --min-flops 1e18 --fix E=1.69 --tie alpha=beta
    scalecalc fit curve.csv --form power --x flops --fix E=0
    scalecalc fit curve.csv --form broken --x params --breaks 1
    scalecalc fit runs.csv --compare-objectives
    scalecalc fit curve.csv --form power --x params --holdout-largest 2 --compare-forms
    scalecalc fit ladder.csv --form sigmoid --x task_loss --loss-col accuracy --bootstrap 500
    cat runs.csv | scalecalc fit - -f alpha
    """
    # The fitting engine is imported here, not at the top, to keep every other command's start-up fast.
    from scalecalc.fitting import CurveQuestions, FitSpec, Holdout, best_per_group, compute_range, drop_highest, fit_law

    resolve_format(fmt)  # a bad --format fails before the fit, and before anything is written
    check_new_file(save, force=force, option="--save")
    check_plot_target(plot_file, force)
    observations = _read_runs(
        file, form, x, {"params": params_col, "tokens": tokens_col, "flops": flops_col, "loss": loss_col}
    )
    if observations.x is not None:
        x = observations.columns["x"] if x not in ("params", "tokens", "flops") else x
        if best_per_run or min_flops is not None or max_flops is not None:
            raise InputError(
                f"{file}: --best-per-group, --min-flops and --max-flops need runs with N and D; "
                f"this fit reads only the {x} column"
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
        holdout=Holdout(holdout_largest, single_quantity(holdout_above, "--holdout-above")),
        compare_forms=compare_forms,
        curve=CurveQuestions(single_quantity(at_x, "--at-x"), saturation),
    )
    text = (
        None
        if save is None
        else dump_preset(from_fit(result, name=name or Path(save).stem, params_convention=params_convention))
    )
    check_strict(strict, result.quality_reasons)  # before --save writes anything
    report = fit_report(result)
    if field is not None:
        check_field(report, field)  # before --save writes anything
    if save is not None and text is not None:
        write_new_file(save, text, force=force)
        if result.form == "sigmoid":
            note(f"saved the fit as preset {save}: forecast with scalecalc predict -p TASK-LOSS-LAW.yaml --then {save}")
        else:
            note(f"saved the fit as preset {save}: use it with scalecalc plan -p {save} or scalecalc predict -p {save}")
    if observations.derived and resolve_format(fmt) != "table":  # a table says so in its notes
        note(f"{', '.join(observations.derived)} derived from C = 6ND")
    poor = quality_warnings(result.quality_reasons, recommends="params_opt" in result.derived)
    output(report, fmt, field, (*result.warnings, *poor))
    show_plot(result, plot=plot, plot_file=plot_file, fmt=fmt, figsize=figsize, style=style, observations=observations)


def _read_runs(file: str, form: str, x: str | None, columns: dict[str, str | None]) -> Observations:
    """A one-variable form reads its variable's column and the metric alone; a size it does not find is
    derived from the other two through C = 6ND (and said so). Two-variable forms read N, D and C."""
    from scalecalc.runs import find_column, read_curve, read_observations, read_table

    table = read_table(file)
    if form in ("power", "broken", "sigmoid"):
        variable = x or ("flops" if form == "sigmoid" else "params")
        sizes = ("params", "tokens", "flops")
        if variable not in sizes or find_column(table, variable, columns.get(variable)) is not None:
            return read_curve(table, variable, columns)
    return read_observations(table, columns)


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
