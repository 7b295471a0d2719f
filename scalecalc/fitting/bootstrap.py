"""The bootstrap over points: how precisely the data pin down the constants and the allocation.

B resamples of the points are drawn with replacement (seeded); a resample is a weight per point, how often it
was drawn. All B refits run at once in the batched minimiser, each warm-started from the full-data optimum.
Standard errors use ddof = 1; intervals are percentiles at ``level`` (``scalecalc._numeric``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from scalecalc._numeric import percentile_interval
from scalecalc.fitting.diagnostics import public_constants
from scalecalc.fitting.forms import Form
from scalecalc.fitting.optimize import Problem, batch_rows, minimise
from scalecalc.fitting.result import BootstrapSummary


def bootstrap_fit(
    problem: Problem,
    z: np.ndarray,
    form: Form,
    fixed: Mapping[str, float],
    resamples: int,
    seed: int,
    level: float,
    derive: Callable[[Mapping[str, np.ndarray]], Mapping[str, np.ndarray]],
) -> BootstrapSummary:
    """Refit ``resamples`` resamples of ``problem``'s points from its optimum ``z``; summarise the constants
    (``fixed`` as in the fit) and the quantities ``derive`` computes from them (the fit's derived quantities)."""
    n = len(problem.data)
    rng = np.random.default_rng(seed)
    batch = batch_rows(problem)
    parts_z, parts_ok = [], []
    for start in range(0, resamples, batch):
        size = min(batch, resamples - start)
        counts = rng.multinomial(n, np.full(n, 1.0 / n), size=size).astype(float)
        solution = minimise(problem, np.tile(z, (size, 1)), weights=counts, max_iter=1000, near=True)
        parts_z.append(solution.z)
        parts_ok.append(solution.converged)
    draws_z = np.concatenate(parts_z)
    converged = np.concatenate(parts_ok)
    draws = public_constants(form, problem.constraints.expand(draws_z), fixed)
    draws.update(derive(draws))
    standard_errors, low, high = {}, {}, {}
    for name, values in draws.items():
        values = np.asarray(values, dtype=float)
        values = values[np.isfinite(values)]  # a draw whose exponent hit 0 has no finite allocation
        if len(values) < 2:
            standard_errors[name] = low[name] = high[name] = float("nan")
            continue
        with np.errstate(over="ignore", invalid="ignore"):  # draws of a poorly identified constant can be huge
            standard_errors[name] = float(np.std(values, ddof=1))
            low[name], high[name] = (float(v) for v in percentile_interval(values, level))
    return BootstrapSummary(
        resamples=resamples,
        seed=seed,
        level=level,
        converged_fraction=float(np.mean(converged)),
        draws={k: np.asarray(v, dtype=float) for k, v in draws.items()},
        standard_errors=standard_errors,
        low=low,
        high=high,
    )


def bootstrap_warnings(summary: BootstrapSummary, constants: Mapping[str, np.ndarray]) -> list[str]:
    """Refits that failed to converge, and constants whose interval spans more than a factor of 100."""
    messages = []
    if summary.converged_fraction < 0.95:
        messages.append(
            f"only {summary.converged_fraction:.0%} of the bootstrap refits converged; the intervals may be too narrow"
        )
    loose = [
        name
        for name, value in constants.items()
        if summary.low[name] > 0 and summary.high[name] / summary.low[name] > 100
    ]
    if loose:
        messages.append(
            f"poorly identified: the {summary.level:.0%} bootstrap interval of {', '.join(loose)} spans more than a "
            "factor of 100; consider `fixed` or `ties`, or more varied runs"
        )
    return messages


def precision_notes(summary: BootstrapSummary, derived: Mapping[str, float], at_flops: float | None) -> list[str]:
    """How wide the interval of the compute-optimal model size is, in words."""
    if "params_opt" not in derived or at_flops is None:
        return []
    value, low, high = derived["params_opt"], summary.low["params_opt"], summary.high["params_opt"]
    if not all(np.isfinite(v) and v > 0 for v in (value, low, high)):
        return [f"the data do not pin down a finite compute-optimal model size at {at_flops:.3g} FLOPs"]
    return [
        f"at {at_flops:.3g} FLOPs the data put the compute-optimal model at {value:.3g} parameters, "
        f"{summary.level:.0%} interval {low:.3g} to {high:.3g} "
        f"({100 * (low / value - 1):+.0f}% / {100 * (high / value - 1):+.0f}%, "
        f"from {summary.resamples} bootstrap resamples): plan for that spread, not for one size"
    ]
