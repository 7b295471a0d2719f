"""Benchmark forecasts in two steps: a law from the run's size to a task's loss, then a sigmoid from that loss
to the task's accuracy (or any metric), each fitted on small models.

This is the model-ladder method of Bhagia et al. 2024 ("Establishing Task Scaling Laws via Compute-Efficient
Model Ladders", arXiv 2412.04403; step 1 L(N, D) = A/N^alpha + B/D^beta + E on the task loss, step 2
Acc(L) = a / (1 + e^(-k (L - L0))) + b) and of the Llama 3 report (Sec. 3.2.1: task negative log-likelihood
against training FLOPs, then a sigmoid to accuracy). The interval carries both steps' parameter uncertainty:
each step's bootstrap draws (saved by ``fit --bootstrap --save``) are paired at random, the task loss of each
draw of step 1 is fed to a draw of step 2, and the metric's interval is the percentile interval of the results.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from scalecalc._numeric import percentile_interval
from scalecalc.errors import InputError
from scalecalc.laws import LOSS_FORMS, SigmoidLaw
from scalecalc.laws.base import Array, as_array
from scalecalc.presets import Preset


@dataclass(frozen=True)
class TaskForecast:
    """Task loss and metric per run; ``*_low``/``*_high`` are NaN where a step carries no draws."""

    task_loss: Array
    metric: Array
    task_loss_low: Array
    task_loss_high: Array
    metric_low: Array
    metric_high: Array
    level: float
    warnings: tuple[str, ...] = ()


def forecast_metric(
    loss_preset: Preset, metric_preset: Preset, n_params: ArrayLike, n_tokens: ArrayLike, *, seed: int = 0
) -> TaskForecast:
    """Chain ``loss_preset`` (N, D -> task loss) and ``metric_preset`` (a sigmoid of that loss) for each run."""
    first, second = loss_preset.loss_law, metric_preset.loss_law
    if not isinstance(second, SigmoidLaw):
        raise InputError(
            f"preset {metric_preset.name} is not a sigmoid of a task loss; fit one with "
            "fit --form sigmoid --x TASK_LOSS_COLUMN --loss-col ACCURACY_COLUMN --save",
            param="metric_preset",
        )
    if first is None:
        raise InputError(f"preset {loss_preset.name} has no loss law to predict the task loss", param="loss_preset")
    n, d = as_array(n_params), as_array(n_tokens)
    task_loss = np.asarray(first.loss(n, d), dtype=np.float64)
    metric = np.asarray(second.value(task_loss), dtype=np.float64)
    level = min(loss_preset.interval_level, metric_preset.interval_level)
    warnings = tuple(
        f"preset {p.name} carries no bootstrap draws, so the interval leaves out its uncertainty "
        "(fit it with --bootstrap 1000 --save)"
        for p in (loss_preset, metric_preset)
        if not p.draws
    )
    nan = np.full(task_loss.shape, np.nan)
    if not loss_preset.draws and not metric_preset.draws:
        return TaskForecast(task_loss, metric, nan, nan, nan, nan, level, warnings)
    # One row per draw of step 1 (or the point estimate, repeated, without them); each is paired with a draw
    # of step 2 picked at random (the two bootstraps are independent).
    loss_draws = _draw_values(loss_preset, n[..., None], d[..., None]) if loss_preset.draws else task_loss[..., None]
    if metric_preset.draws:
        count = loss_draws.shape[-1] if loss_preset.draws else _draw_count(metric_preset)
        pick = np.random.default_rng(seed).integers(0, _draw_count(metric_preset), count)
        constants = {k: v[pick] for k, v in metric_preset.draws.items()}
        metric_draws = SigmoidLaw.from_constants(constants, variable=second.variable).value(loss_draws)
    else:
        metric_draws = second.value(loss_draws)
    loss_low, loss_high = percentile_interval(loss_draws, level, axis=-1) if loss_preset.draws else (nan, nan)
    metric_low, metric_high = percentile_interval(metric_draws, level, axis=-1)
    return TaskForecast(task_loss, metric, loss_low, loss_high, metric_low, metric_high, level, warnings)


def _draw_count(preset: Preset) -> int:
    return len(next(iter(preset.draws.values())))


def _draw_values(preset: Preset, n: Array, d: Array) -> Array:
    """Step 1's task loss under each of its bootstrap draws: shape (runs, draws)."""
    law = preset.loss_law
    assert law is not None, "checked by forecast_metric"
    options = {"variable": law.variable} if hasattr(law, "variable") else {}
    drawn = LOSS_FORMS[law.form].from_constants(preset.draws, **options)  # type: ignore[arg-type]
    return np.asarray(drawn.loss(n, d), dtype=np.float64)
