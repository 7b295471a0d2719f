"""The Chinchilla parametric law, L(N, D) = E + A / N^alpha + B / D^beta, and its closed-form optimum.

Hoffmann et al. 2022 (arXiv 2203.15556), Eq. 2 gives the form and Eq. 4 the efficient frontier under
C = 6ND. Symbols as in the paper: E is the irreducible loss, A and alpha the model-size term, B and beta the
data term.

Frontier (Lagrange multiplier on log N + log D = log(C/6)): at the optimum
    alpha * A / N^alpha = beta * B / D^beta,
which gives
    G = (alpha A / (beta B))^(1 / (alpha + beta)),
    N_opt = G (C/6)^a,   D_opt = (C/6)^b / G,   a = beta / (alpha + beta),   b = alpha / (alpha + beta),
and the reducible loss on the frontier is (1 + alpha/beta) * A / N_opt^alpha, which inverts in closed form
for the least compute that reaches a loss.

Constants may be numpy arrays (one value per bootstrap draw); every method broadcasts them against its
argument, so uncertainty bands cost one vectorised call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from scalecalc.laws.base import FLOPS_PER_PARAM_TOKEN, Array, as_array


@dataclass(frozen=True)
class ChinchillaLaw:
    E: float | Array
    A: float | Array
    B: float | Array
    alpha: float | Array
    beta: float | Array

    form = "chinchilla"
    symbols = ("E", "A", "B", "alpha", "beta")

    @classmethod
    def from_constants(cls, constants: Mapping[str, float | Array]) -> ChinchillaLaw:
        return cls(**{name: constants[name] for name in cls.symbols})

    def constants(self) -> dict[str, float]:
        return {name: float(getattr(self, name)) for name in self.symbols}

    def loss(self, n_params: ArrayLike, n_tokens: ArrayLike) -> Array:
        n, d = as_array(n_params), as_array(n_tokens)
        return self.E + self.A / n**self.alpha + self.B / d**self.beta

    # -- frontier -----------------------------------------------------------------------------------
    @property
    def params_exponent(self) -> float | Array:
        """a in N_opt ∝ C^a (Hoffmann Table 2)."""
        return self.beta / (self.alpha + self.beta)

    @property
    def tokens_exponent(self) -> float | Array:
        """b in D_opt ∝ C^b."""
        return self.alpha / (self.alpha + self.beta)

    @property
    def frontier_coefficient(self) -> float | Array:
        """G of Hoffmann Eq. 4 (inf where it overflows: Python's float power would raise instead)."""
        with np.errstate(over="ignore"):
            return np.power(self.alpha * self.A / (self.beta * self.B), 1 / (self.alpha + self.beta))

    def allocate(self, compute_flops: ArrayLike) -> tuple[Array, Array]:
        c = as_array(compute_flops)
        n = self.frontier_coefficient * (c / FLOPS_PER_PARAM_TOKEN) ** self.params_exponent
        return n, c / (FLOPS_PER_PARAM_TOKEN * n)

    def compute_for_params(self, n_params: ArrayLike) -> Array:
        n = as_array(n_params)
        return FLOPS_PER_PARAM_TOKEN * (n / self.frontier_coefficient) ** (1 / self.params_exponent)

    def compute_for_tokens(self, n_tokens: ArrayLike) -> Array:
        d = as_array(n_tokens)
        return FLOPS_PER_PARAM_TOKEN * (d * self.frontier_coefficient) ** (1 / self.tokens_exponent)

    def frontier_loss(self, compute_flops: ArrayLike) -> Array:
        n, d = self.allocate(compute_flops)
        return self.loss(n, d)

    def compute_for_loss(self, loss: ArrayLike) -> Array:
        """Least C = 6ND reaching ``loss``; NaN where the loss is at or below E (unreachable)."""
        reducible = as_array(loss) - self.E
        with np.errstate(invalid="ignore", divide="ignore"):
            n = ((1 + self.alpha / self.beta) * self.A / reducible) ** (1 / self.alpha)
            n = np.where(reducible > 0, n, np.nan)
            return self.compute_for_params(n)

    def optimal_at_loss(self, loss: ArrayLike) -> tuple[Array, Array]:
        """(N, D) of the least-compute run reaching ``loss`` (NaN where unreachable)."""
        return self.allocate(self.compute_for_loss(loss))

    # -- off the frontier ---------------------------------------------------------------------------
    def tokens_for_loss(self, n_params: ArrayLike, loss: ArrayLike) -> Array:
        """Tokens a model of ``n_params`` needs to reach ``loss``; NaN where that size never reaches it."""
        data_term = as_array(loss) - self.E - self.A / as_array(n_params) ** self.alpha
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(data_term > 0, (self.B / data_term) ** (1 / self.beta), np.nan)
