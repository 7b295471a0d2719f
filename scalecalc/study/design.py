"""Design an isoFLOP sweep: the runs of a scaling study, before any is trained.

:func:`design_sweep` spaces ``budgets`` compute budgets geometrically from ``min_flops`` to ``max_flops``; at
each budget C it places ``sizes`` model sizes centred (in log N) on the preset's compute-optimal N*(C), from
N*/span to N* span (tokens per parameter then run from r*/span^2 to r* span^2, with r* = D*/N*), and trains each
on D = C / (6N) tokens (Kaplan et al. 2020, Sec. 2.1), so every run of a budget costs exactly C. Sizes may be
rounded to two digits or to realistic transformer shapes (12 L d^2, see ``SHAPE_*``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scalecalc.defaults import STUDY_SPAN
from scalecalc.errors import InputError
from scalecalc.laws import FLOPS_PER_PARAM_TOKEN

SPACINGS = ("log", "centre", "linear")
ROUNDINGS = ("none", "digits", "shape")
# Model shapes for rounding="shape": non-embedding N = 12 L d^2 for a classic GPT block (Kaplan et al. 2020,
# Table 1), d a multiple of 64 (the usual head dimension), depth near an aspect ratio d / L of 100: published
# shapes sit near it (GPT-3 Table 2.1 and Chinchilla Table 4: d/L 64 to 128) and Kaplan et al. 2020 Fig. 5
# find the loss flat for 20 < d/L < 200.
SHAPE_PARAMS_PER_LAYER_D2 = 12
SHAPE_WIDTH_STEP = 64
SHAPE_ASPECT_PREFERRED = 100.0


@dataclass(frozen=True)
class Sweep:
    """The runs of an isoFLOP design; ``optimal_params[i]`` is the preset's N*(C) at run i's budget."""

    n_params: np.ndarray
    n_tokens: np.ndarray
    compute_flops: np.ndarray
    optimal_params: np.ndarray
    layers: np.ndarray | None = None
    d_model: np.ndarray | None = None
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def total_flops(self) -> float:
        return float(np.sum(self.compute_flops))

    @property
    def budgets(self) -> np.ndarray:
        return np.unique(self.compute_flops)

    def columns(self) -> dict[str, np.ndarray]:
        columns = {
            "run": np.arange(1, len(self.n_params) + 1),
            "params": self.n_params,
            "tokens": self.n_tokens,
            "flops": self.compute_flops,
            "tokens_per_param": self.n_tokens / self.n_params,
            "size_ratio": self.n_params / self.optimal_params,
        }
        if self.layers is not None and self.d_model is not None:
            columns["layers"] = self.layers
            columns["d_model"] = self.d_model
        return columns


def design_sweep(
    allocation,
    min_flops: float,
    max_flops: float,
    budgets: int,
    sizes: int,
    *,
    span: float | None = None,
    tokens_per_param: tuple[float, float] | None = None,
    spacing: str = "log",
    rounding: str = "none",
) -> Sweep:
    """An isoFLOP design centred on ``allocation``'s optimum at each budget (see the module docstring).

    ``span`` (default STUDY_SPAN, 4) sets the sizes from N*/span to N* span; ``tokens_per_param=(low, high)`` instead
    fixes the range of D/N at every budget (sizes sqrt(C / 6 high) .. sqrt(C / 6 low)). ``spacing`` places the
    sizes: ``log`` evenly in log N, ``centre`` denser near N* (positions t |t|^0.5 for t evenly in [-1, 1]),
    ``linear`` evenly in N. ``rounding``: ``none``, ``digits`` (two significant digits) or ``shape`` (the
    nearest 12 L d^2 of a realistic transformer shape, see SHAPE_*), with D = C / 6N recomputed.
    """
    _check_range(min_flops, max_flops, budgets)
    if not 2 <= sizes <= 100:
        raise InputError(f"is {sizes}; give 2 to 100 sizes per budget (3 or more for a parabola)", param="sizes")
    if spacing not in SPACINGS:
        raise InputError(f"unknown spacing {spacing!r}; use one of {', '.join(SPACINGS)}", param="spacing")
    if rounding not in ROUNDINGS:
        raise InputError(f"unknown rounding {rounding!r}; use one of {', '.join(ROUNDINGS)}", param="rounding")
    if span is not None and tokens_per_param is not None:
        raise InputError("`span` and `tokens_per_param` both set the range of sizes; give one of them")
    if span is None and tokens_per_param is None:
        span = STUDY_SPAN
    if span is not None and not (math.isfinite(span) and span > 1):
        raise InputError(f"is {span:g}; give a factor above 1, such as 4 (sizes from N*/4 to 4 N*)", param="span")
    if tokens_per_param is not None:
        low, high = tokens_per_param
        if not (0 < low < high and math.isfinite(high)):
            raise InputError(
                f"{low:g}:{high:g}; give LOW:HIGH with 0 < LOW < HIGH, such as 5:200", param="tokens_per_param"
            )
    grid = np.geomspace(min_flops, max_flops, budgets)
    optimum, _ = allocation.allocate(grid)
    optimum = np.asarray(optimum, dtype=float)
    warnings: list[str] = []
    t = np.linspace(-1.0, 1.0, sizes)
    u = np.sign(t) * np.abs(t) ** 1.5 if spacing == "centre" else t
    rows_n, rows_c, rows_opt = [], [], []
    collided = 0
    for budget, n_opt in zip(grid, optimum, strict=True):
        if span is not None:
            lo, hi = n_opt / span, n_opt * span
        else:
            lo = size_at(budget, tokens_per_param[1])  # type: ignore[index]
            hi = size_at(budget, tokens_per_param[0])  # type: ignore[index]
        if spacing == "linear":
            n = lo + (hi - lo) * (t + 1) / 2
        else:
            centre, half = 0.5 * (math.log(lo) + math.log(hi)), 0.5 * (math.log(hi) - math.log(lo))
            n = np.exp(centre + half * u)
        n = _round_sizes(n, rounding)
        unique = np.unique(n)
        collided += len(n) - len(unique)
        rows_n.append(unique)
        rows_c.append(np.full(len(unique), budget))
        rows_opt.append(np.full(len(unique), n_opt))
    n_params = np.concatenate(rows_n)
    compute = np.concatenate(rows_c)
    if collided:
        warnings.append(
            f"rounding made {collided} sizes coincide with another size of the same budget; each is run once "
            "(use more `span` or fewer `sizes`, or `rounding` digits)"
        )
    if tokens_per_param is not None:
        low, high = tokens_per_param
        inside = [size_at(c, high) <= n_opt <= size_at(c, low) for c, n_opt in zip(grid, optimum, strict=True)]
        outside = [f"{c:.3g}" for c, ok in zip(grid, inside, strict=True) if not ok]
        if outside:
            warnings.append(
                f"the preset's optimum lies outside `tokens_per_param` at budgets {', '.join(outside)}: those "
                "profiles will have their minimum at an edge; widen the range"
            )
    layers = d_model = None
    if rounding == "shape":
        layers, d_model = _shapes_of(n_params)
    notes = [
        f"{len(grid)} budgets from {min_flops:.3g} to {max_flops:.3g} FLOPs, {sizes} sizes each ({spacing} spacing); "
        "D = C / 6N, so every run of a budget costs exactly its budget",
    ]
    if rounding == "shape":
        notes.append("sizes rounded to 12 L d^2 (non-embedding, Kaplan et al. 2020 Table 1), d a multiple of 64")
    return Sweep(
        n_params=n_params,
        n_tokens=compute / (FLOPS_PER_PARAM_TOKEN * n_params),
        compute_flops=compute,
        optimal_params=np.concatenate(rows_opt),
        layers=layers,
        d_model=d_model,
        warnings=tuple(warnings),
        notes=tuple(notes),
    )


def size_at(compute_flops: float, tokens_per_param: float) -> float:
    """The size N at which a run of ``compute_flops`` sees ``tokens_per_param`` tokens per parameter."""
    return math.sqrt(compute_flops / (FLOPS_PER_PARAM_TOKEN * tokens_per_param))


def _check_range(min_flops: float, max_flops: float, budgets: int) -> None:
    if not (math.isfinite(min_flops) and min_flops > 0):
        raise InputError(f"is {min_flops:g}; give a positive budget such as 1e18", param="min_flops")
    if not (math.isfinite(max_flops) and max_flops >= min_flops):
        raise InputError(f"{max_flops:g} is below `min_flops` {min_flops:g}", param="max_flops")
    if not 1 <= budgets <= 100:
        raise InputError(f"is {budgets}; give 1 to 100 budgets (2 or more to fit a power law)", param="budgets")
    if budgets > 1 and max_flops == min_flops:
        raise InputError(f"equals `min_flops`, so {budgets} budgets would coincide; widen the range", param="max_flops")


def _round_sizes(n: np.ndarray, rounding: str) -> np.ndarray:
    if rounding == "digits":
        exponent = np.floor(np.log10(n)) - 1
        return np.round(n / 10**exponent) * 10**exponent
    if rounding == "shape":
        layers, width = _shapes_of(n)
        return (SHAPE_PARAMS_PER_LAYER_D2 * layers * width.astype(float) ** 2).astype(float)
    return np.asarray(n, dtype=float)


def _shapes_of(n_params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(layers, d_model) of a realistic shape near each N (see SHAPE_* above): the depth L0 at which
    12 L d^2 = N with d / L = 100, then, among depths within 25% of L0 (at least one layer either side) and
    widths d a multiple of 64, the 12 L d^2 nearest N in log."""
    layers_out, width_out = [], []
    for n in np.asarray(n_params, dtype=float):
        depth = (n / (SHAPE_PARAMS_PER_LAYER_D2 * SHAPE_ASPECT_PREFERRED**2)) ** (1 / 3)
        reach = max(1.0, 0.25 * depth)
        layers = np.arange(max(1, math.floor(depth - reach)), math.ceil(depth + reach) + 1)
        width = np.maximum(1, np.round(np.sqrt(n / (SHAPE_PARAMS_PER_LAYER_D2 * layers)) / SHAPE_WIDTH_STEP))
        width = width * SHAPE_WIDTH_STEP
        miss = np.abs(np.log(SHAPE_PARAMS_PER_LAYER_D2 * layers * width**2 / n))
        best = int(np.argmin(np.round(miss, 9)))  # the shallowest of equally near shapes
        layers_out.append(int(layers[best]))
        width_out.append(int(width[best]))
    return np.array(layers_out), np.array(width_out)
