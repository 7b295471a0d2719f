"""`scalecalc compare`: one budget under several presets, side by side."""

# Annotations are objects, not strings, as in cli/plan.py: typer evaluates the running command's four times.

import numpy as np

from scalecalc.cli._app import app
from scalecalc.cli._common import (
    FieldOption,
    FormatOption,
    PresetListOption,
    command,
    output,
    preset_list,
    quantities,
)
from scalecalc.cli.plan import FlopsOption
from scalecalc.errors import InputError
from scalecalc.plan import plan_compute
from scalecalc.plan.frontier import extrapolated
from scalecalc.render import Column, Table, columns_for


@command(app, flags={"presets": "--preset", "compute_flops": "--flops"}, aliases={"--presets": "--preset"})
def compare(
    flops: FlopsOption = None,
    presets: PresetListOption = None,
    fmt: FormatOption = None,
    field: FieldOption = None,
) -> None:
    """One row per preset for the same budget: how far the published laws disagree.

    \b
    scalecalc compare --flops 1e24
    scalecalc compare --flops 1e22,1e24 -p epoch-2024,chinchilla,llama3-2024 --format csv
    """
    budgets = quantities(flops, "--flops", compute=True)
    if budgets is None:
        raise InputError("give --flops (see scalecalc compare --help)")
    laws = preset_list(presets, can_answer=lambda law: law.allocation is not None)  # steplaw-2025 plans none
    names = ["preset", "params_convention", "flops", "params", "tokens", "tokens_per_param", "loss", "extrapolated"]
    data: dict[str, list] = {name: [] for name in names}
    beyond_range: list[str] = []
    for law in laws:
        result = plan_compute(law, budgets)
        data["preset"] += [law.name] * len(result)
        data["params_convention"] += [law.conventions.params] * len(result)
        for name in names[2:-1]:
            data[name] += result.columns[name].tolist()
        data["extrapolated"] += extrapolated(law, result.columns["flops"], result.columns["params"]).tolist()
        if result.warnings:
            beyond_range.append(law.name)
    ratios = np.array(data["tokens_per_param"])
    notes = [
        "params follow each preset's own convention (params_convention in --format csv/json, or `scalecalc "
        "presets show`); losses are on different corpora and "
        "tokenizers and are not comparable across presets",
    ]
    total = np.array(data["params_convention"]) == "total"
    for budget in budgets:
        at_budget = np.array(data["flops"]) == budget
        counting_total = at_budget & total
        for label, rows in (("", at_budget), (" among presets counting total parameters", counting_total)):
            # the second range says something only when some preset counts parameters another way
            if rows.sum() >= 2 and not (label and np.array_equal(rows, at_budget)):
                low, high = ratios[rows].min(), ratios[rows].max()
                notes.append(
                    f"at {budget:.3g} FLOPs tokens per parameter range from {low:.3g} to {high:.3g} "
                    f"({high / low:.1f}x){label}"
                )
    # the convention is in the note, so the table fits 80 columns; scripts get it in every row
    kinds = {"params_convention": Column("params_convention", "text", "params counted as", in_table=False)}
    table = Table(columns_for(names, kinds), data, title="compare", notes=notes)
    warnings: tuple[str, ...] = ()
    if beyond_range:  # through output(), which checks --format and --field before printing anything
        warnings = (
            f"beyond ten times the range they were fitted on for: {', '.join(beyond_range)}; "
            "treat those rows as extrapolations",
        )
    output(table, fmt, field, warnings)
