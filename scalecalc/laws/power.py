"""A power law with a floor in one variable: L = E + A * x^-alpha.

x is the model size N (``variable: params``), the tokens D (``tokens``) or the training compute
C = 6ND (``flops``), so that ``loss(n_params, n_tokens)`` has the same signature as the two-variable laws.
With no floor (E omitted from a preset, or fitted with ``--fix E=0``) it is Kaplan's single-variable form
L = (x_c / x)^alpha with A = x_c^alpha (Kaplan et al. 2020, Eqs. 1.1-1.3).

Constants may be numpy arrays (one value per bootstrap draw).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from scalecalc.laws.base import FLOPS_PER_PARAM_TOKEN, Array, as_array

VARIABLES = ("params", "tokens", "flops")


def variable_values(variable: str, n_params: ArrayLike, n_tokens: ArrayLike) -> Array:
    """The value of a one-variable law's variable for runs (N, D); flops are C = 6ND."""
    n, d = as_array(n_params), as_array(n_tokens)
    if variable == "params":
        return n + 0 * d
    if variable == "tokens":
        return d + 0 * n
    if variable == "flops":
        return FLOPS_PER_PARAM_TOKEN * n * d
    raise ValueError(f"a law in {variable!r} is not a function of N and D; give values of {variable} instead")


@dataclass(frozen=True)
class PowerLaw:
    E: float | Array
    A: float | Array
    alpha: float | Array
    variable: str = "params"
    floor: bool = True

    form = "power"
    options = {"variable": VARIABLES}

    @property
    def symbols(self) -> tuple[str, ...]:
        return ("E", "A", "alpha") if self.floor else ("A", "alpha")

    @staticmethod
    def symbols_for(constants: Mapping[str, object]) -> tuple[str, ...]:
        """Symbols a preset must give: E may be left out for a law without a floor."""
        return ("E", "A", "alpha") if "E" in constants else ("A", "alpha")

    @classmethod
    def from_constants(cls, constants: Mapping[str, float | Array], variable: str = "params") -> PowerLaw:
        floor = "E" in constants
        return cls(constants["E"] if floor else 0.0, constants["A"], constants["alpha"], variable, floor)

    def constants(self) -> dict[str, float]:
        return {name: float(getattr(self, name)) for name in self.symbols}

    def value(self, x: ArrayLike) -> Array:
        """L at ``x`` (in the units of the variable)."""
        return self.E + self.A * as_array(x) ** (-np.asarray(self.alpha))

    def loss(self, n_params: ArrayLike, n_tokens: ArrayLike) -> Array:
        return self.value(variable_values(self.variable, n_params, n_tokens))
