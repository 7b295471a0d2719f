"""A smoothly broken power law in one variable (Caballero, Gupta, Rish & Krueger 2022, "Broken Neural
Scaling Laws", arXiv 2210.14891, Eq. 1):

    L = a + b x^-c0 prod_{i=1..n} (1 + (x / d_i)^(1/f_i))^(-c_i f_i)

Between breaks the curve is a power law; at x ~ d_i its log-log slope changes by c_i, over a width set by
the sharpness f_i (small f: a sharp corner). We store the slope of each segment rather than the changes:
alpha0 = c0 and alpha_i = c0 + c1 + ... + c_i (the slope after break i), because loss curves fall with
scale so every segment slope is positive, as the preset schema wants every constant to be. Symbols:
E = a (the floor), B = b, alpha0, and per break alpha_i, d_i (in units of the variable), f_i.

x is params, tokens or flops (C = 6ND), as for :class:`~scalecalc.laws.power.PowerLaw`; E may be omitted
for a curve without a floor. Constants may be numpy arrays (one value per bootstrap draw).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from scalecalc.laws.base import Array
from scalecalc.laws.power import VARIABLES, variable_values


@dataclass(frozen=True)
class BrokenPowerLaw:
    E: float | Array
    B: float | Array
    slopes: tuple[float | Array, ...]  # alpha0, alpha1, ... (one more than breaks)
    breaks: tuple[float | Array, ...]  # d1, d2, ...
    sharpness: tuple[float | Array, ...]  # f1, f2, ...
    variable: str = "params"
    floor: bool = True

    form = "broken"
    options = {"variable": VARIABLES}

    @staticmethod
    def symbols_for_breaks(count: int, floor: bool = True) -> tuple[str, ...]:
        names = ["E"] if floor else []
        names += ["B", "alpha0"]
        for i in range(1, count + 1):
            names += [f"alpha{i}", f"d{i}", f"f{i}"]
        return tuple(names)

    @staticmethod
    def symbols_for(constants: Mapping[str, object]) -> tuple[str, ...]:
        """Symbols a preset must give, from the breaks it names (d1, d2, ...); at least one break."""
        count = max([int(m.group(1)) for key in constants if (m := re.fullmatch(r"d(\d+)", str(key)))] or [1])
        return BrokenPowerLaw.symbols_for_breaks(count, "E" in constants)

    @property
    def symbols(self) -> tuple[str, ...]:
        return self.symbols_for_breaks(len(self.breaks), self.floor)

    @classmethod
    def from_constants(cls, constants: Mapping[str, float | Array], variable: str = "params") -> BrokenPowerLaw:
        count = sum(1 for key in constants if re.fullmatch(r"d\d+", str(key)))
        floor = "E" in constants
        return cls(
            E=constants["E"] if floor else 0.0,
            B=constants["B"],
            slopes=tuple(constants[f"alpha{i}"] for i in range(count + 1)),
            breaks=tuple(constants[f"d{i}"] for i in range(1, count + 1)),
            sharpness=tuple(constants[f"f{i}"] for i in range(1, count + 1)),
            variable=variable,
            floor=floor,
        )

    def constants(self) -> dict[str, float]:
        values: dict[str, float] = {"E": float(self.E)} if self.floor else {}
        values["B"] = float(self.B)
        values["alpha0"] = float(self.slopes[0])
        for i in range(1, len(self.breaks) + 1):
            values[f"alpha{i}"] = float(self.slopes[i])
            values[f"d{i}"] = float(self.breaks[i - 1])
            values[f"f{i}"] = float(self.sharpness[i - 1])
        return values

    def loss(self, n_params: ArrayLike, n_tokens: ArrayLike) -> Array:
        return self.value(variable_values(self.variable, n_params, n_tokens))

    def value(self, x: ArrayLike) -> Array:
        """L at ``x`` (in the units of the variable)."""
        log_x = np.log(np.asarray(x, dtype=float))
        # In logs: log b - c0 log x - sum c_i f_i softplus((log x - log d_i) / f_i), softplus = log(1 + e^z).
        term = np.log(self.B) - self.slopes[0] * log_x
        for i, (d, f) in enumerate(zip(self.breaks, self.sharpness, strict=True)):
            change = np.asarray(self.slopes[i + 1]) - np.asarray(self.slopes[i])
            term = term - change * f * np.logaddexp(0.0, (log_x - np.log(d)) / f)
        return self.E + np.exp(term)
