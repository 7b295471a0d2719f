"""`scalecalc sweep`, `simulate` and `suggest`: plan the scaling study itself (core in scalecalc/study/)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

import numpy as np
import typer

from scalecalc import study
from scalecalc.approaches.profiles import METHODS as PROFILE_METHODS
from scalecalc.cli._app import app
from scalecalc.cli._common import (
    FieldOption,
    FlopsColOption,
    FormatOption,
    ParamsColOption,
    PresetOption,
    TokensColOption,
    command,
    output,
    quiet_enabled,
    resolve_format,
    single_quantity,
)
from scalecalc.cli._types import Choice, Count, Fraction
from scalecalc.defaults import (
    PRESET,
    STUDY_BOOTSTRAP,
    STUDY_LEVEL,
    STUDY_NOISE,
    STUDY_SPAN,
    STUDY_TRIALS,
    TARGET_FACTOR,
)
from scalecalc.errors import InputError
from scalecalc.presets import load_preset
from scalecalc.render import Column, Report, Table, check_field, columns_for
from scalecalc.runs import read_observations, read_table
from scalecalc.units import parse_quantity

NoiseOption = Annotated[
    float,
    typer.Option(
        "--noise", click_type=Fraction(), help="Log-space sd of the simulated losses (0.01: each loss off by about 1%)."
    ),
]
TrialsOption = Annotated[int, typer.Option("--trials", click_type=Count(), help="Simulated studies.")]
SeedOption = Annotated[int, typer.Option("--seed", help="Seed of the simulation (same seed, same output).")]
TargetOption = Annotated[
    str | None,
    typer.Option(
        "--target-flops", metavar="<FLOPS>",
        help="Budget to extrapolate to (default: 100x the largest budget of the runs).",
        show_default=False,
    ),
]  # fmt: skip
SpanOption = Annotated[
    float | None,
    typer.Option(
        "--span", help="Sizes from N*/SPAN to N* x SPAN around each budget's optimum N* (default 4).",
        show_default=False,
    ),
]  # fmt: skip

SWEEP_KINDS = {
    "run": Column("run", "integer"),
    "layers": Column("layers", "integer"),
    "d_model": Column("d_model", "integer", "d_model"),
}
SUMMARY_KINDS = {
    "approach": Column("approach", "text"),
    "quantity": Column("quantity", "text"),
    "truth": Column("truth", "number"),
    "median": Column("median", "number"),
    "bias": Column("bias", "percent"),
    "low": Column("low", "number", "band low"),
    "high": Column("high", "number", "band high"),
    "spread": Column("spread", "number", "band width/truth"),
    "log_sd": Column("log_sd", "number", "sd log10"),
    "coverage": Column("coverage", "number", "coverage"),
    "coverage_se": Column("coverage_se", "number", "± se"),
    "interval_width": Column("interval_width", "number", "interval width/truth"),
    "trials": Column("trials", "integer"),
}
SUGGEST_KINDS = {
    "step": Column("step", "integer"),
    "log_sd_before": Column("log_sd_before", "number", "sd log10 N_opt before"),
    "log_sd_after": Column("log_sd_after", "number", "after"),
    "reduction": Column("reduction", "percent"),
    "cumulative_flops": Column("cumulative_flops", "flops", "cumulative FLOPs"),
}


@command(app, flags={"rounding": "--round", "budgets": "--n-budgets"}, aliases={"--budgets": "--n-budgets"})
def sweep(
    min_flops: Annotated[
        str, typer.Option("--min-flops", metavar="<FLOPS>", help="Smallest budget (FLOPs or PF-days).")
    ],
    max_flops: Annotated[str, typer.Option("--max-flops", metavar="<FLOPS>", help="Largest budget.")],
    budgets: Annotated[
        int, typer.Option("--n-budgets", click_type=Count(), help="How many budgets, spaced geometrically.")
    ] = 6,
    sizes: Annotated[int, typer.Option("--sizes", click_type=Count(), help="Model sizes per budget.")] = 9,
    preset: PresetOption = PRESET,
    span: SpanOption = None,
    tokens_per_param: Annotated[
        str | None,
        typer.Option(
            "--tokens-per-param",
            metavar="<LOW:HIGH>",
            help="LOW:HIGH range of tokens per parameter at every budget (instead of --span).",
            show_default=False,
        ),
    ] = None,  # fmt: skip
    spacing: Annotated[
        str,
        typer.Option(
            "--spacing", click_type=Choice(study.SPACINGS), help="Where the sizes sit (centre: denser at N*)."
        ),
    ] = "log",
    rounding: Annotated[
        str,
        typer.Option(
            "--round",
            click_type=Choice(study.ROUNDINGS),
            help="Round sizes: none, digits (2 significant) or shape (12 L d^2, d a multiple of 64).",
        ),
    ] = "none",
    fmt: FormatOption = None,
    field: FieldOption = None,
) -> None:
    """Design an isoFLOP sweep: at each budget, sizes centred on the preset's compute-optimal N*, each trained
    on D = C / 6N tokens; with the total compute of the study.

    \b
    scalecalc sweep --min-flops 1e18 --max-flops 1e21 --n-budgets 6 --sizes 9
    scalecalc sweep --min-flops 1e18 --max-flops 1e21 --format csv > runs.csv     # for a launcher
    scalecalc sweep --min-flops 1e18 --max-flops 1e20 --tokens-per-param 5:200 --round shape
    scalecalc sweep --min-flops 1e18 --max-flops 1e21 --span 3 --spacing centre -f total_flops
    """
    resolve_format(fmt)
    low = parse_quantity(min_flops, "--min-flops", compute=True)
    high = parse_quantity(max_flops, "--max-flops", compute=True)
    ratio = _ratio_range(tokens_per_param)
    chosen = load_preset(preset)
    allocation = chosen.allocation or chosen.loss_law
    if allocation is None:  # pragma: no cover - the preset schema requires one of them
        raise InputError(f"--preset: {preset} has neither an allocation nor a loss law")
    design = study.design_sweep(
        allocation, low, high, budgets, sizes, span=span, tokens_per_param=ratio, spacing=spacing, rounding=rounding
    )
    columns = design.columns()
    notes = [
        *design.notes,
        f"total compute of the study: {design.total_flops:.4g} FLOPs over {len(design.n_params)} runs "
        f"(size_ratio: N / N* of preset {chosen.name})",
    ]
    table = Table(columns_for(list(columns), SWEEP_KINDS), columns, title=f"isoFLOP sweep ({chosen.name})", notes=notes)
    document = {
        "command": "sweep",
        "preset": chosen.name,
        "runs": len(design.n_params),
        "budgets": len(design.budgets),
        "total_flops": design.total_flops,
        "spacing": spacing,
        "rounding": rounding,
        "sweep": table.records(),
        "warnings": list(design.warnings),
        "notes": notes,
    }
    output(Report(document, [table], primary=table), fmt, field, design.warnings)


@command(app, flags={"approaches": "--approach"})
def simulate(
    sweep_file: Annotated[
        str,
        typer.Option(
            "--sweep",
            metavar="<FILE>",
            help="The runs (CSV, TSV, JSON, JSONL; - for stdin), e.g. from `scalecalc sweep`.",
        ),
    ],
    preset: PresetOption = PRESET,
    noise: NoiseOption = STUDY_NOISE,
    target_flops: TargetOption = None,
    trials: TrialsOption = STUDY_TRIALS,
    seed: SeedOption = 0,
    level: Annotated[
        float, typer.Option("--level", click_type=Fraction(), help="Interval level (0.9 or 90%).")
    ] = STUDY_LEVEL,
    bootstrap: Annotated[
        int,
        typer.Option(
            "--bootstrap", click_type=Count(), help="Bootstrap resamples per trial for its interval (0: no coverage)."
        ),
    ] = STUDY_BOOTSTRAP,
    approach: Annotated[
        list[str] | None,
        typer.Option(
            "--approach",
            metavar="<APPROACH>",
            help="fit (Approach 3), isoflop (Approach 2), or both (comma list).",
            show_default=False,
        ),
    ] = None,  # fmt: skip
    method: Annotated[
        str, typer.Option("--method", click_type=Choice(PROFILE_METHODS), help="isoflop's profile method.")
    ] = "parabola",
    fit_mode: Annotated[
        str,
        typer.Option(
            "--fit-mode",
            click_type=Choice(study.FIT_MODES),
            help="warm: batched refits from the first trial's optimum; full: fit each.",
        ),
    ] = "warm",
    params_col: ParamsColOption = None,
    tokens_col: TokensColOption = None,
    flops_col: FlopsColOption = None,
    fmt: FormatOption = None,
    field: FieldOption = None,
) -> None:
    """Is this sweep good enough? Simulate the study many times: draw noisy losses for its runs from the
    preset's law, refit each as `fit` (Approach 3) and as `isoflop` (Approach 2) do, and report the spread,
    bias and interval coverage of the extrapolated N_opt, D_opt and loss at --target-flops.

    \b
    scalecalc sweep --min-flops 1e18 --max-flops 1e21 --format csv > runs.csv
    scalecalc simulate --sweep runs.csv --noise 0.01 --target-flops 1e24 --trials 500 --seed 1
    scalecalc simulate --sweep runs.csv --approach fit --bootstrap 0      # spread and bias only, fastest
    scalecalc sweep --min-flops 1e18 --max-flops 1e20 --format csv | scalecalc simulate --sweep - --format json
    """
    resolve_format(fmt)
    study.check_simulation_options(noise, trials, seed, level, bootstrap)
    approaches = _approaches(approach)
    law = study.chinchilla_truth(load_preset(preset).loss_law, preset)
    observations, source = _read_design(sweep_file, params_col, tokens_col, flops_col)
    target = _target(target_flops, observations.compute_flops)
    total = trials * len(approaches)
    with _progress(total, "simulating") as advance:
        result = study.simulate_study(
            law, observations.n_params, observations.n_tokens, observations.compute_flops,
            target_flops=target, noise=noise, trials=trials, seed=seed, level=level, bootstrap=bootstrap,
            approaches=approaches, method=method, fit_mode=fit_mode, source=source, progress=advance,
        )  # fmt: skip
    columns = result.summary_columns()
    notes = [
        *result.notes,
        f"study: {result.runs} runs at {result.budgets} budgets, {result.study_flops:.4g} FLOPs ({source})",
        "bias: median / truth - 1; sd log10: winsorised sd of log10 of the estimates; ± se: the binomial sd of "
        "the coverage of exact intervals",
    ]
    table = Table(
        columns_for(list(columns), SUMMARY_KINDS),
        columns,
        title=f"simulated studies at {target:.3g} FLOPs ({result.trials} trials, noise {noise:g}, seed {seed})",
        notes=notes,
    )
    document = {
        "command": "simulate",
        "source": source,
        "preset": preset,
        "target_flops": target,
        "noise": noise,
        "trials": result.trials,
        "seed": seed,
        "level": level,
        "bootstrap": bootstrap,
        "fit_mode": result.fit_mode,
        "runs": result.runs,
        "budgets": result.budgets,
        "study_flops": result.study_flops,
        "truth": dict(result.truth),
        "summary": table.records(),
        "warnings": list(result.warnings),
        "notes": notes,
    }
    output(Report(document, [table], primary=table), fmt, field, result.warnings)


@command(app, flags={"next_runs": "--next", "budget_flops": "--budget"})
def suggest(
    file: Annotated[str, typer.Argument(help="Runs done so far (CSV, TSV, JSON, JSONL; - for stdin); losses unused.")],
    next_runs: Annotated[int, typer.Option("--next", click_type=Count(), help="How many runs to suggest.")] = 5,
    budget: Annotated[
        str | None,
        typer.Option(
            "--budget",
            metavar="<FLOPS>",
            help="Most compute the suggested runs may spend together.",
            show_default=False,
        ),
    ] = None,
    preset: PresetOption = PRESET,
    noise: NoiseOption = STUDY_NOISE,
    target_flops: TargetOption = None,
    trials: Annotated[
        int, typer.Option("--trials", click_type=Count(), help="Simulated studies per candidate.")
    ] = study.SUGGEST_TRIALS,
    seed: SeedOption = 0,
    span: Annotated[float, typer.Option("--span", help="Candidate sizes from N*/SPAN to N* x SPAN.")] = STUDY_SPAN,
    sizes: Annotated[
        int,
        typer.Option(
            "--sizes",
            click_type=Count(),
            help="Candidate sizes per budget (17: a default sweep's 9 and the midpoints).",
        ),
    ] = study.SUGGEST_SIZES,
    params_col: ParamsColOption = None,
    tokens_col: TokensColOption = None,
    flops_col: FlopsColOption = None,
    fmt: FormatOption = None,
    field: FieldOption = None,
) -> None:
    """Which few runs to train next: the candidates (sizes at the budgets run so far, and at sqrt(10) and 10
    times the largest) that narrow the simulated spread of the extrapolated N_opt most per FLOP, one at a time.

    \b
    scalecalc suggest runs.csv --next 5
    scalecalc suggest runs.csv --next 3 --budget 3e20 --target-flops 1e24
    scalecalc suggest runs.csv --format csv > next.csv      # params, tokens, flops for a launcher
    """
    resolve_format(fmt)
    study.check_simulation_options(noise, trials, seed)
    if not 2 <= sizes <= 50:
        raise InputError(f"--sizes: is {sizes}; give 2 to 50 candidate sizes per budget")
    cap = single_quantity(budget, "--budget", compute=True)
    law = study.chinchilla_truth(load_preset(preset).loss_law, preset)
    observations, source = _read_design(file, params_col, tokens_col, flops_col)
    target = _target(target_flops, observations.compute_flops)
    with _progress(next_runs, "choosing runs") as advance:
        result = study.suggest_runs(
            law, observations.n_params, observations.n_tokens, observations.compute_flops, next_runs=next_runs,
            target_flops=target, budget_flops=cap, noise=noise, trials=trials, seed=seed, span=span, sizes=sizes,
            source=source, progress=advance,
        )  # fmt: skip
    columns = result.columns()
    notes = [
        *result.notes,
        f"runs done: {len(observations.n_params)} ({source}); sd of log10 N_opt with them alone: "
        f"{result.baseline_spread:.4g} (a factor of {10**result.baseline_spread:.3g})",
    ]
    table = Table(columns_for(list(columns), SUGGEST_KINDS), columns, title="suggested next runs", notes=notes)
    document = {
        "command": "suggest",
        "source": source,
        "preset": preset,
        "target_flops": target,
        "noise": noise,
        "trials": trials,
        "seed": seed,
        "baseline_log_sd": result.baseline_spread,
        "candidates": result.candidates,
        "suggested_flops": float(np.sum(result.compute_flops)),
        "suggestions": table.records(),
        "warnings": list(result.warnings),
        "notes": notes,
    }
    report = Report(document, [table], primary=table)
    if field:
        check_field(report, field)
    output(report, fmt, field, result.warnings)


# --- helpers ------------------------------------------------------------------------------------------------


def _ratio_range(text: str | None) -> tuple[float, float] | None:
    if text is None:
        return None
    parts = text.split(":")
    if len(parts) != 2:
        raise InputError(f"--tokens-per-param: {text!r}; give LOW:HIGH, such as 5:200")
    return parse_quantity(parts[0], "--tokens-per-param"), parse_quantity(parts[1], "--tokens-per-param")


def _approaches(values: list[str] | None) -> tuple[str, ...]:
    if not values:
        return study.APPROACHES
    chosen: list[str] = []
    for text in values:
        for item in (part.strip() for part in text.split(",")):
            if item not in study.APPROACHES:
                raise InputError(f"--approach: unknown {item!r}; use fit, isoflop, or both (fit,isoflop)")
            if item not in chosen:
                chosen.append(item)
    return tuple(chosen)


def _read_design(path: str, params_col: str | None, tokens_col: str | None, flops_col: str | None):
    table = read_table(path)
    columns = {"params": params_col, "tokens": tokens_col, "flops": flops_col}
    observations = read_observations(table, columns, need_loss=False)
    return observations, table.source


def _target(text: str | None, compute_flops: np.ndarray) -> float:
    value = single_quantity(text, "--target-flops", compute=True)
    return TARGET_FACTOR * float(np.max(compute_flops)) if value is None else value


@contextmanager
def _progress(total: int, label: str) -> Iterator[Callable[[int], None] | None]:
    """A Rich progress bar on stderr, only when stderr is a terminal (never in a pipe or a log file); the
    finished bar stays, as a record of the trials run and the time taken."""
    if not sys.stderr.isatty() or quiet_enabled():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=Console(file=sys.stderr), transient=False,
    ) as bar:  # fmt: skip
        task = bar.add_task(label, total=total)
        yield lambda done: bar.advance(task, done)
