"""Kaplan et al. 2020 (arXiv 2001.08361) joint law, Eq. 1.5 / 4.1:

    L(N, D) = [ (N_c / N)^(alpha_N / alpha_D) + D_c / D ]^alpha_D

N counts non-embedding parameters, D tokens; L is WebText2 test loss in nats/token. The law has no
irreducible term, so every positive loss is reachable.

The law's own least-compute frontier is closed-form. With x = (N_c/N)^(alpha_N/alpha_D), y = D_c/D and
K = L^(1/alpha_D), a loss L means x + y = K, and N D = N_c D_c x^(-p) / y with p = alpha_D / alpha_N.
Minimising x^(-p) / (K - x) gives x = p K / (1 + p), y = K / (1 + p), so on the frontier
N = N_c (p K / (1 + p))^(-p) and D = D_c (1 + p) / K: N grows as C^(p / (1 + p)) (0.575 with Table 2's
constants). This is not Kaplan's Table 6 allocation (N ∝ C_min^0.73), which comes from the L(N, S) fits with
the critical batch size; the kaplan-2020 preset plans budgets with Table 6 and measures "least compute for a
loss" with this frontier, so that no run can beat it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from numpy.typing import ArrayLike

from scalecalc.laws.base import FLOPS_PER_PARAM_TOKEN, Array, as_array


@dataclass(frozen=True)
class KaplanLaw:
    N_c: float | Array
    D_c: float | Array
    alpha_N: float | Array
    alpha_D: float | Array

    form = "kaplan"
    symbols = ("N_c", "D_c", "alpha_N", "alpha_D")

    @classmethod
    def from_constants(cls, constants: Mapping[str, float | Array]) -> KaplanLaw:
        return cls(**{name: constants[name] for name in cls.symbols})

    def constants(self) -> dict[str, float]:
        return {name: float(getattr(self, name)) for name in self.symbols}

    def loss(self, n_params: ArrayLike, n_tokens: ArrayLike) -> Array:
        n, d = as_array(n_params), as_array(n_tokens)
        return ((self.N_c / n) ** (self.alpha_N / self.alpha_D) + self.D_c / d) ** self.alpha_D

    @property
    def _p(self) -> float | Array:
        return self.alpha_D / self.alpha_N

    def _frontier_at(self, k: Array) -> tuple[Array, Array]:
        p = self._p
        return self.N_c * (p * k / (1 + p)) ** (-p), self.D_c * (1 + p) / k

    def compute_for_loss(self, loss: ArrayLike) -> Array:
        """Least C = 6ND at which this law reaches ``loss`` (every positive loss is reachable)."""
        n, d = self._frontier_at(as_array(loss) ** (1 / self.alpha_D))
        return FLOPS_PER_PARAM_TOKEN * n * d

    def optimal_at_loss(self, loss: ArrayLike) -> tuple[Array, Array]:
        """(N, D) of the least-compute run reaching ``loss``."""
        return self._frontier_at(as_array(loss) ** (1 / self.alpha_D))
