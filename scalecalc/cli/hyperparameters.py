"""`scalecalc hyperparameters`: the batch size and learning rate published laws give for a run."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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
    single_quantity,
)
from scalecalc.cli.plan import FLAGS, ParamsOption, SeqLenOption, TokensOption
from scalecalc.errors import InputError
from scalecalc.plan.hyperparameters import recommend_hyperparameters
from scalecalc.plan.request import paired
from scalecalc.render import Column, Table, columns_for


@command(app, flags={"n_params": "--params", "n_tokens": "--tokens", "seq_len": "--seq-len", "presets": "--preset"})
def hyperparameters(
    params: ParamsOption = None,
    tokens: TokensOption = None,
    seq_len: SeqLenOption = None,
    presets: PresetListOption = None,
    fmt: FormatOption = None,
    field: FieldOption = None,
) -> None:
    """Optimal batch size, peak learning rate and steps for a run of N parameters on D tokens, under every
    published law: one row per law, and how far they disagree.

    \b
    scalecalc hyperparameters --params 7B --tokens 2T --seq-len 4096
    scalecalc hyperparameters --params 1B --tokens 100B -p steplaw-2025 -f learning_rate
    """
    sizes, data = quantities(params, "--params"), quantities(tokens, "--tokens")
    if sizes is None or data is None:
        raise InputError("give --params and --tokens (see scalecalc hyperparameters --help)")
    n, d = paired(FLAGS, ("n_params", sizes), ("n_tokens", data))
    laws = preset_list(presets, can_answer=lambda law: law.hyperparameters is not None)
    result = recommend_hyperparameters(laws, n, d, single_quantity(seq_len, "--seq-len"))
    data_columns: dict[str, Sequence[Any] | np.ndarray] = {"preset": result.presets, **result.columns}
    kinds = {"flops": Column("flops", "flops", "FLOPs", in_table=False)}  # 6ND, for scripts: the table fits 80
    table = Table(columns_for(list(data_columns), kinds), data_columns, title="hyperparameters", notes=result.notes)
    output(table, fmt, field, result.warnings)
