"""Allocation laws published without a loss law: a power law for one side, the other from C = 6ND.

``PowerAllocation`` covers Llama 3 (tokens = 0.299 C^0.537), DeepSeek LLM (tokens = 5.8316 C^0.4757),
Porian et al. (params = 0.1189 C^0.4969), Hoffmann's Approaches 1 and 2, and Kaplan's Table 6 (params in
PF-days). ``TokensPerParam`` is the fixed-ratio rule of thumb (D = 20 N).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from scalecalc.laws.base import FLOPS_PER_PARAM_TOKEN, Array, as_array


@dataclass(frozen=True)
class PowerAllocation:
    """``variable`` = coefficient * (C / compute_unit_flops)^exponent; the other side is C / (6 x variable).

    ``compute_unit_flops`` is 1 for laws stated in FLOPs and 8.64e19 for laws stated in PF-days.
    """

    variable: Literal["params", "tokens"]
    coefficient: float
    exponent: float
    compute_unit_flops: float = 1.0

    def _power(self, compute_flops: Array) -> Array:
        return self.coefficient * (compute_flops / self.compute_unit_flops) ** self.exponent

    def _inverse(self, value: Array) -> Array:
        return self.compute_unit_flops * (value / self.coefficient) ** (1 / self.exponent)

    def allocate(self, compute_flops: ArrayLike) -> tuple[Array, Array]:
        c = as_array(compute_flops)
        side = self._power(c)
        other = c / (FLOPS_PER_PARAM_TOKEN * side)
        return (side, other) if self.variable == "params" else (other, side)

    def compute_for_params(self, n_params: ArrayLike) -> Array:
        return self._compute_for(as_array(n_params), "params")

    def compute_for_tokens(self, n_tokens: ArrayLike) -> Array:
        return self._compute_for(as_array(n_tokens), "tokens")

    def _compute_for(self, value: Array, side: str) -> Array:
        if side == self.variable:
            return self._inverse(value)
        # The other side is C / (6 k (C/u)^e) = (u^e / 6k) C^(1-e): a power law in C, inverted directly.
        scale = self.compute_unit_flops**self.exponent / (FLOPS_PER_PARAM_TOKEN * self.coefficient)
        return (value / scale) ** (1 / (1 - self.exponent))


@dataclass(frozen=True)
class TokensPerParam:
    """D = ratio * N, so N = sqrt(C / (6 ratio))."""

    ratio: float

    def allocate(self, compute_flops: ArrayLike) -> tuple[Array, Array]:
        n = np.sqrt(as_array(compute_flops) / (FLOPS_PER_PARAM_TOKEN * self.ratio))
        return n, self.ratio * n

    def compute_for_params(self, n_params: ArrayLike) -> Array:
        n = as_array(n_params)
        return FLOPS_PER_PARAM_TOKEN * self.ratio * n * n

    def compute_for_tokens(self, n_tokens: ArrayLike) -> Array:
        return self.compute_for_params(as_array(n_tokens) / self.ratio)
