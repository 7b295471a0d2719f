"""Laws for the optimal batch size and peak learning rate of a run, as power laws of its compute, size and data.

Every published law we ship is a product of powers, value = k C^c N^n D^d with C = 6ND:
- DeepSeek LLM (Bi et al. 2024, Eq. 1): B_opt = 0.2920 C^0.3271 tokens, eta_opt = 0.3118 C^-0.1250, where their C
  is M D with M the non-embedding FLOPs per token (so N = M / 6 makes C = 6ND exact);
- the Step Law (Li et al. 2025): eta = 1.79 N^-0.713 D^0.307 and B = 0.58 D^0.571 tokens, N non-embedding.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from scalecalc.laws.base import FLOPS_PER_PARAM_TOKEN, Array, as_array

# The variables a hyperparameter law may raise to a power, each a key `<variable>_exponent` in a preset.
VARIABLES = ("flops", "params", "tokens")


@dataclass(frozen=True)
class PowerProduct:
    """value = coefficient * C^flops * N^params * D^tokens (exponents by variable; a missing one is 0)."""

    coefficient: float
    exponents: Mapping[str, float]

    def __call__(self, n_params: ArrayLike, n_tokens: ArrayLike) -> Array:
        n, d = as_array(n_params), as_array(n_tokens)
        value = np.full(np.broadcast(n, d).shape, self.coefficient)
        # Powers rather than exp of a sum of logs: numpy's exp is several times slower than a power here, and
        # the columns are on plan's per-row path (benchmarks/bench_hyperparameters.py).
        for variable, exponent in self.exponents.items():
            base = FLOPS_PER_PARAM_TOKEN * n * d if variable == "flops" else n if variable == "params" else d
            value = value * base**exponent
        return value

    @property
    def formula(self) -> str:
        symbols = {"flops": "C", "params": "N", "tokens": "D"}
        powers = " ".join(f"{symbols[v]}^{e:g}" for v, e in self.exponents.items())
        return f"{self.coefficient:g} {powers}"


@dataclass(frozen=True)
class HyperparameterLaws:
    """A paper's optimal batch size (tokens) and peak learning rate, the ranges it fitted them on, and how it
    counts parameters and compute."""

    citation: str
    params_convention: str
    compute_convention: str
    batch_size: PowerProduct
    learning_rate: PowerProduct
    fitted_range: Mapping[str, tuple[float, float]] = field(default_factory=dict)
