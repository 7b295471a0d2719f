"""Kaplan et al. 2020 (arXiv 2001.08361) joint law, Eq. 1.5 / 4.1:

    L(N, D) = [ (N_c / N)^(alpha_N / alpha_D) + D_c / D ]^alpha_D

N counts non-embedding parameters, D tokens; L is WebText2 test loss in nats/token. The law has no
irreducible term, so every positive loss is reachable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from numpy.typing import ArrayLike

from scalecalc.laws.base import Array, as_array


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
