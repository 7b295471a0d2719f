"""`scalecalc isoflop` and `scalecalc envelope`: Chinchilla's Approaches 2 and 1 on your own runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scalecalc.approaches import envelope as approach1
from scalecalc.approaches import isoflop as approach2
from scalecalc.approaches import profiles
from scalecalc.approaches.budgets import DEFAULT_SNAP
from scalecalc.cli._allocation_reports import envelope_report, isoflop_report, level_text
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
    quantities,
    resolve_format,
    write_new_file,
)
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
from scalecalc.presets import PARAM_CONVENTIONS, dump_preset
from scalecalc.presets.documents import from_allocation
from scalecalc.render import check_field
from scalecalc.runs import column_list, find_column, normalise, read_observations, read_table, scale_column
from scalecalc.units import parse_quantity, shown

RUN_ALIASES = ("run", "run_id", "run_name", "name")

FileArgument = Annotated[
    str, typer.Argument(help="Runs: CSV, TSV, JSON or JSONL (- for stdin); any two of N, D, C plus loss.")
]
FlopsScale = Annotated[
    str | None,
    typer.Option(
        "--flops-scale",
        metavar="<FACTOR>",
        help="Multiply the compute column by this before use: 1e9 for GFLOPs, 3 for forward-pass-only counts.",
        show_default=False,
    ),
]
TargetsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--flops", "-c", metavar="<FLOPS>",
        help="Budgets to extrapolate the fitted law to (1e24, 3.8e25); a comma list or repeated.",
        show_default=False,
    ),
]  # fmt: skip
BootstrapOption = Annotated[
    int,
    typer.Option("--bootstrap", click_type=Count(), help="Bootstrap resamples over runs for the intervals (0: none)."),
]
LevelOption = Annotated[float, typer.Option("--level", click_type=Fraction(), help="Interval level (0.95 or 95%).")]
SeedOption = Annotated[int, typer.Option("--seed", help="Seed of the bootstrap's random generator.")]
EdgesOption = Annotated[
    bool,
    typer.Option("--include-edges", help="Keep budgets (or compute levels) whose minimum lies at an edge in the fit."),
]
SaveOption = Annotated[
    str | None,
    typer.Option(
        "--save",
        metavar="<FILE>",
        help="Write the fitted allocation as a preset FILE.yaml for `plan --preset`.",
        show_default=False,
    ),
]
ForceOption = Annotated[bool, typer.Option("--force", help="Let --save and --plot-file replace existing files.")]
NameOption = Annotated[
    str | None,
    typer.Option(
        "--name", metavar="<NAME>", help="Preset name for --save (default: the file name).", show_default=False
    ),
]
ConventionOption = Annotated[
    str,
    typer.Option(
        "--params-convention", click_type=Choice(PARAM_CONVENTIONS), help="How your N counts parameters, for --save."
    ),
]


def read_runs(file: str, columns: dict[str, str | None], flops_scale: str | None):
    """The table and its observations, read exactly as `fit` reads them, the compute column scaled first."""
    table = read_table(file)
    if flops_scale is not None:
        factor = parse_quantity(flops_scale, "--flops-scale")
        table = scale_column(table, "flops", factor, columns.get("flops"))
    return table, read_observations(table, columns)


@command(
    app,
    flags={"tolerance": "--snap", "nominal_budgets": "--budgets", "targets": "--flops"},
    aliases={"-m": "--method"},
)
def isoflop(
    file: FileArgument,
    method: Annotated[
        str,
        typer.Option("--method", click_type=Choice(profiles.METHODS), help="How each profile's minimum is found."),
    ] = profiles.DEFAULT_METHOD,
    flops: TargetsOption = None,
    snap: Annotated[
        float,
        typer.Option(
            "--snap",
            click_type=Fraction(),
            help="A budget takes runs up to this fraction above its smallest run (or near --budgets).",
        ),
    ] = DEFAULT_SNAP,
    budgets: Annotated[
        list[str] | None,
        typer.Option(
            "--budgets",
            metavar="<FLOPS>",
            help="Nominal budgets to snap runs to (1e18,3e18,...), instead of clustering.",
            show_default=False,
        ),
    ] = None,  # fmt: skip
    params_col: ParamsColOption = None,
    tokens_col: TokensColOption = None,
    flops_col: FlopsColOption = None,
    loss_col: LossColOption = None,
    flops_scale: FlopsScale = None,
    bootstrap: BootstrapOption = 200,
    level: LevelOption = 0.95,
    seed: SeedOption = 0,
    include_edges: EdgesOption = False,
    best_per_size: Annotated[
        bool,
        typer.Option("--best-per-size", help="Keep only the lowest loss of each size within a budget (LR sweeps)."),
    ] = False,
    save: SaveOption = None,
    force: ForceOption = False,
    name: NameOption = None,
    params_convention: ConventionOption = "total",
    strict: StrictOption = False,
    fmt: FormatOption = None,
    field: FieldOption = None,
    plot: PlotOption = False,
    plot_file: PlotFileOption = None,
    figsize: FigsizeOption = None,
    style: StyleOption = DEFAULT_STYLE,
) -> None:
    """IsoFLOP profiles (Chinchilla Approach 2): the best model size per compute budget, and the power laws
    N_opt = k_N C^a, D_opt = k_D C^b through those minima, with bootstrap intervals.

    \b
    scalecalc isoflop example:llama3-isoflops --flops 3.8e25         # Llama 3: D_opt = 0.299 C^0.537
    scalecalc isoflop runs.csv --method cubic --format json
    scalecalc isoflop example:marin-dclm-isoflops --params-col parameter_count \\
        --tokens-col throughput/total_tokens --loss-col eval/paloma/macro_loss \\
        --flops-col throughput/total_gflops --flops-scale 1e9
    scalecalc isoflop runs.csv --save my-law.yaml && scalecalc plan --preset my-law.yaml --flops 1e24
    scalecalc isoflop runs.csv -f params_exponent
    scalecalc isoflop lr-sweep.csv --best-per-size     # several learning rates per size: keep the best
    """
    profiles.check_method(method)  # before the runs are read
    resolve_format(fmt)  # a bad --format fails before the fit
    _check_stdin(file, flops)
    _check_save(save, force, plot_file)
    check_plot_target(plot_file, force)
    columns = {"params": params_col, "tokens": tokens_col, "flops": flops_col, "loss": loss_col}
    table, observations = read_runs(file, columns, flops_scale)
    nominal = quantities(budgets, "--budgets", compute=True)
    targets = quantities(flops, "--flops", compute=True)
    result = approach2.fit_isoflops(
        observations.n_params,
        observations.n_tokens,
        observations.compute_flops,
        observations.loss,
        method=method,
        snap=snap,
        nominal_budgets=None if nominal is None else nominal.tolist(),
        targets=targets,
        bootstrap=bootstrap,
        level=level,
        seed=seed,
        include_edges=include_edges,
        best_per_size=best_per_size,
        source=table.source,
        locations=table.locations,
    )
    check_strict(strict, result.quality_reasons)  # before --save writes anything
    report = isoflop_report(result, table.source, observations)
    if field:
        check_field(report, field)  # before --save writes anything
    if save is not None:
        what = f"least-squares line through {len(result.included)} isoFLOP minima"
        _save(save, force, name, result, table.source, f"isoflop --method {result.method}", observations,
              params_convention, what)  # fmt: skip
    output(report, fmt, field, (*result.warnings, *quality_warnings(result.quality_reasons, recommends=True)))
    show_plot(
        result,
        plot=plot,
        plot_file=plot_file,
        fmt=fmt,
        figsize=figsize,
        style=style,
        observations=observations,
        best_per_size=best_per_size,
    )


@command(app, flags={"targets": "--flops", "run_column": "--run-col"})
def envelope(
    file: FileArgument,
    flops: TargetsOption = None,
    run_col: Annotated[
        str | None,
        typer.Option(
            metavar="<COLUMN>",
            help=f"Column naming each run (default: {', '.join(RUN_ALIASES)}, else one run per size).",
            show_default=False,
        ),
    ] = None,  # fmt: skip
    points: Annotated[
        int, typer.Option("--points", click_type=Count(), help="Compute levels on the envelope's log-spaced grid.")
    ] = (approach1.DEFAULT_POINTS),
    params_col: ParamsColOption = None,
    tokens_col: TokensColOption = None,
    flops_col: FlopsColOption = None,
    loss_col: LossColOption = None,
    flops_scale: FlopsScale = None,
    bootstrap: BootstrapOption = 200,
    level: LevelOption = 0.95,
    seed: SeedOption = 0,
    include_edges: EdgesOption = False,
    save: SaveOption = None,
    force: ForceOption = False,
    name: NameOption = None,
    params_convention: ConventionOption = "total",
    strict: StrictOption = False,
    fmt: FormatOption = None,
    field: FieldOption = None,
    plot: PlotOption = False,
    plot_file: PlotFileOption = None,
    figsize: FigsizeOption = None,
    style: StyleOption = DEFAULT_STYLE,
) -> None:
    """Training-curve envelope (Chinchilla Approach 1): for each compute level the lowest loss over all runs,
    the model size that reached it, and the power laws N_opt = k_N C^a, D_opt = k_D C^b through them.

    \b
    The input holds training curves: several rows per run (params, tokens seen so far, loss).
    scalecalc envelope curves.csv --flops 1e24
    scalecalc envelope curves.csv --run-col run --points 500 --format json
    scalecalc envelope curves.csv --save approach1.yaml
    scalecalc envelope curves.csv --format csv > envelope.csv     # every compute level of the envelope
    """
    resolve_format(fmt)  # a bad --format fails before the fit
    _check_stdin(file, flops)
    _check_save(save, force, plot_file)
    check_plot_target(plot_file, force)
    columns = {"params": params_col, "tokens": tokens_col, "flops": flops_col, "loss": loss_col}
    table, observations = read_runs(file, columns, flops_scale)
    run_column = _run_column(table, run_col)
    runs = None if run_column is None else ["" if v is None else str(v).strip() for v in table.cells[run_column]]
    targets = quantities(flops, "--flops", compute=True)
    result = approach1.fit_envelope(
        observations.n_params,
        observations.compute_flops,
        observations.loss,
        runs,
        points=points,
        targets=targets,
        bootstrap=bootstrap,
        level=level,
        seed=seed,
        include_edges=include_edges,
        locations=table.locations,
        run_column=run_column or "params",
    )
    check_strict(strict, result.quality_reasons)  # before --save writes anything
    report = envelope_report(result, table.source, observations, run_column)
    if field:
        check_field(report, field)
    if save is not None:
        _save(save, force, name, result, table.source, "envelope", observations, params_convention,
              f"least-squares line through {int(result.included.sum())} envelope levels")  # fmt: skip
    output(report, fmt, field, (*result.warnings, *quality_warnings(result.quality_reasons, recommends=True)))
    show_plot(result, plot=plot, plot_file=plot_file, fmt=fmt, figsize=figsize, style=style, observations=observations)


# --- helpers ------------------------------------------------------------------------------------------------


def _check_stdin(file: str, flops: list[str] | None) -> None:
    if file == "-" and flops == ["-"]:
        raise InputError("--flops -: stdin already holds the runs (FILE is -); give --flops values instead")


def _check_save(save: str | None, force: bool, plot_file: str | None) -> None:
    if save is None:
        if force and plot_file is None:
            raise InputError("--force only applies to --save FILE.yaml and --plot-file FILE")
        return
    if Path(save).suffix.lower() not in (".yaml", ".yml"):
        raise InputError(f"--save: {save} should end in .yaml so that `plan --preset {save}` reads it as a file")
    check_new_file(save, force=force, option="--save")  # fail before the (slower) fit, not after


def _run_column(table, explicit: str | None) -> str | None:
    by_key = {normalise(name): name for name in table.header}
    if explicit is not None:
        if normalise(explicit) not in by_key:
            raise InputError(f"{table.source}: no column {shown(explicit)}; columns: {column_list(table.header)}")
        return by_key[normalise(explicit)]
    used = {find_column(table, role) for role in ("params", "tokens", "flops", "loss")}
    for alias in RUN_ALIASES:
        if alias in by_key and by_key[alias] not in used:
            return by_key[alias]
    return None


def _save(
    path: str,
    force: bool,
    name: str | None,
    result,
    source: str,
    how: str,
    observations,
    params_convention: str,
    what: str,
) -> None:
    if params_convention not in PARAM_CONVENTIONS:
        raise InputError(f"--params-convention: {params_convention!r}; use one of {', '.join(PARAM_CONVENTIONS)}")
    law = result.params_law
    interval = (
        f"{level_text(result.level)} bootstrap interval of the exponent "
        f"[{law.exponent_low:.4g}, {law.exponent_high:.4g}]"
    )
    document = from_allocation(
        name or Path(path).stem,
        law,
        title=f"Allocation fitted by scalecalc {how.split()[0]} to {source}",
        citation=f"scalecalc {how} on {source} ({len(observations)} runs)",
        source=f"scalecalc {how} on {source}: {what}; {interval}",
        params_convention=params_convention,
        loss_description=f"column {observations.columns.get('loss', 'loss')!r} of {source}",
        fitted_flops=result.fitted_flops,
        fitted_params=result.fitted_params,
        notes=f"N_opt = {law.coefficient:.6g} C^{law.exponent:.6g}; D_opt = C / (6 N_opt). {interval}.",
    )
    write_new_file(path, dump_preset(document), force=force)
    note(f"wrote {path}; use it with: scalecalc plan --preset {path} --flops 1e24")
