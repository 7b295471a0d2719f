"""A logistic (sigmoid) curve in one variable, for metrics that jump: accuracy against a task loss or against
compute.

    y = y_left + (y_right - y_left) / (1 + exp(-k (t - t0)))

t is log x when x is a size (params, tokens, flops), so that the jump is symmetric on a log axis, and x itself
for any other column (a task loss, say). x0 is the midpoint ("where it takes off"): t0 = log x0 or x0. y_left
and y_right are the two plateaus (the curve falls when y_right < y_left), and k > 0 the steepness per unit of t.
This is the step-2 form of the OLMo model ladder (Bhagia et al. 2024, arXiv 2412.04403; `sigmoid_fit` in
allenai/OLMo olmo/scaling/scaling_laws/fitting_functions.py: Acc(L) = a / (1 + e^(-k (L - L0))) + b), written
with its two plateaus, b = y_left and a + b = y_right, so that every constant is positive. The Llama 3 report
(Sec. 3.2.1) fits the same kind of curve but publishes no constants.

Constants may be numpy arrays (one value per bootstrap draw).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike

from scalecalc.laws.base import Array, as_array
from scalecalc.laws.power import VARIABLES, variable_values


def on_log_axis(variable: str) -> bool:
    """Sizes (params, tokens, flops) jump on a log axis; any other column on its own scale."""
    return variable in VARIABLES


@dataclass(frozen=True)
class SigmoidLaw:
    y_left: float | Array
    y_right: float | Array
    k: float | Array
    x0: float | Array
    variable: str = "flops"

    form = "sigmoid"
    symbols = ("y_left", "y_right", "k", "x0")
    options: ClassVar[dict[str, tuple[str, ...]]] = {}  # the variable is any column name (see presets.laws)

    @classmethod
    def from_constants(cls, constants: Mapping[str, float | Array], variable: str = "flops") -> SigmoidLaw:
        return cls(constants["y_left"], constants["y_right"], constants["k"], constants["x0"], variable)

    def constants(self) -> dict[str, float]:
        return {name: float(getattr(self, name)) for name in self.symbols}

    def value(self, x: ArrayLike) -> Array:
        """y at ``x`` (in the units of the variable)."""
        x = as_array(x)
        if on_log_axis(self.variable):
            z = np.asarray(self.k) * (np.log(x) - np.log(self.x0))
        else:
            z = np.asarray(self.k) * (x - np.asarray(self.x0))
        with np.errstate(over="ignore"):
            share = 1.0 / (1.0 + np.exp(-z))
        return self.y_left + (np.asarray(self.y_right) - self.y_left) * share

    def loss(self, n_params: ArrayLike, n_tokens: ArrayLike) -> Array:
        if not on_log_axis(self.variable):
            raise ValueError(f"a sigmoid in {self.variable!r} is not a function of N and D")
        return self.value(variable_values(self.variable, n_params, n_tokens))
