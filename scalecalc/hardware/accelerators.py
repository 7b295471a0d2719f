"""Accelerators and the arithmetic from a FLOPs budget to GPU-hours, days, dollars and energy.

The accelerator itself (peaks, memory, power, price) is read from its file by :mod:`scalecalc.presets.hardware`.

The maths (EleutherAI cookbook; Kaplan et al. 2020; Chowdhery et al. 2022, App. B):

    gpu_hours = C / (peak * MFU * 3600)        days = gpu_hours / (n_gpus * 24)
    cost      = gpu_hours * price              energy = gpu_hours * power
    MFU       = C / (gpu_hours * 3600 * peak)  C(days) = n_gpus * days * 86400 * peak * MFU

where C is the model FLOPs of the run (6ND) and peak the dense peak of the chosen dtype. The module is pure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from scalecalc import defaults
from scalecalc.errors import InputError
from scalecalc.hardware.memory import TRAINING_REGIMES, training_state_bytes
from scalecalc.presets.hardware import Accelerator
from scalecalc.units import SECONDS_PER_DAY, SECONDS_PER_HOUR

HOURS_PER_DAY = 24.0


def gpu_hours(compute_flops: ArrayLike, peak_flops: float, mfu: float) -> np.ndarray:
    """Accelerator-hours for ``compute_flops`` model FLOPs at ``mfu`` of ``peak_flops`` (FLOP/s per device)."""
    return np.asarray(compute_flops, dtype=float) / (peak_flops * mfu * SECONDS_PER_HOUR)


def wall_clock_days(hours: ArrayLike, n_gpus: float) -> np.ndarray:
    """Calendar days for ``hours`` accelerator-hours spread over ``n_gpus`` devices (perfect scaling)."""
    return np.asarray(hours, dtype=float) / (n_gpus * HOURS_PER_DAY)


def flops_in_time(n_gpus: ArrayLike, days: ArrayLike, peak_flops: float, mfu: float) -> np.ndarray:
    """Model FLOPs that ``n_gpus`` devices deliver in ``days`` at ``mfu`` of ``peak_flops``: the reverse query."""
    return np.asarray(n_gpus, dtype=float) * np.asarray(days, dtype=float) * SECONDS_PER_DAY * peak_flops * mfu


def implied_mfu(compute_flops: float, hours: float, peak_flops: float) -> float:
    """The MFU a reported run implies: its model FLOPs over what its accelerator-hours could deliver at peak."""
    return compute_flops / (hours * SECONDS_PER_HOUR * peak_flops)


def energy_mwh(hours: ArrayLike, power_watts: float) -> np.ndarray:
    """Accelerator energy in MWh at board power (no host, network or cooling overhead: multiply by a PUE)."""
    return np.asarray(hours, dtype=float) * power_watts / 1e6


def check_mfu(mfu: float) -> float:
    if not (math.isfinite(mfu) and 0 < mfu <= 1):
        raise InputError(f"{mfu:g} is outside (0, 1]; give a fraction such as 0.4 (40% of peak)", param="mfu")
    return mfu


@dataclass(frozen=True)
class HardwarePlan:
    """What the plan needs to turn FLOPs into time, money, energy and memory on one accelerator."""

    accelerator: Accelerator
    # Model FLOPs utilisation: what well-tuned large dense runs report over their steady state. Llama 3 405B:
    # 38-43% in BF16 on H100 (arXiv:2407.21783, Table 4); PaLM 540B: 46.2% (arXiv:2204.02311, Table 3); Gopher
    # 32.5%, MT-NLG 30.2% (same table). Whole-run averages including restarts are lower (about 35% for Llama 3.1
    # 405B and DeepSeek-V3, derived in tests/test_hardware.py).
    mfu: float = defaults.MFU
    dtype: str = defaults.DTYPE
    n_gpus: float | None = None
    price: float | None = None  # USD per accelerator-hour given by the user; else the file's approximate one
    regime: str = "adamw-mixed"  # training-state bytes per parameter (memory.TRAINING_REGIMES)

    def __post_init__(self) -> None:
        check_mfu(self.mfu)
        self.accelerator.peak_flops(self.dtype)
        if self.n_gpus is not None and not (math.isfinite(self.n_gpus) and self.n_gpus >= 1):
            raise InputError(f"{self.n_gpus:g} must be a whole number of at least 1", param="n_gpus")
        if self.price is not None and not (math.isfinite(self.price) and self.price > 0):
            raise InputError(f"{self.price:g} must be a positive number of USD per GPU-hour", param="price")
        if self.regime not in TRAINING_REGIMES:
            raise InputError(f"unknown {self.regime!r}; use one of {', '.join(TRAINING_REGIMES)}", param="regime")

    @property
    def peak(self) -> float:
        return self.accelerator.peak_flops(self.dtype)

    @property
    def hourly_price(self) -> float | None:
        if self.price is not None:
            return self.price
        return self.accelerator.price.value if self.accelerator.price is not None else None

    def flops_for_days(self, days: ArrayLike) -> np.ndarray:
        """Model FLOPs that ``n_gpus`` accelerators deliver in ``days`` at this plan's MFU."""
        if self.n_gpus is None:
            raise InputError("needs a number of accelerators (n_gpus) to run for that many days", param="days")
        return flops_in_time(self.n_gpus, days, self.peak, self.mfu)


@dataclass(frozen=True)
class HardwareColumns:
    """Extra plan columns (equal length to the plan), with notes and warnings for the reader."""

    columns: dict[str, Any]
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


def hardware_columns(compute_flops: ArrayLike, n_params: ArrayLike, hardware: HardwarePlan) -> HardwareColumns:
    """GPU-hours, days, cost, energy and training-state memory for each plan row.

    ``compute_flops`` and ``n_params`` are plan columns. Memory counts weights, gradients and optimizer state
    at ``hardware.regime`` bytes per parameter, sharded ZeRO-3 style over all ``n_gpus``; activations depend on
    the shape and batch and are left to ``scalecalc memory``.
    """
    compute = np.asarray(compute_flops, dtype=float)
    params = np.asarray(n_params, dtype=float)
    chip = hardware.accelerator
    rows = compute.shape
    hours = gpu_hours(compute, hardware.peak, hardware.mfu)
    columns: dict[str, Any] = {
        "gpu": [chip.name] * compute.size,
        "dtype": [hardware.dtype] * compute.size,
        "mfu": np.full(rows, hardware.mfu),
        "gpu_hours": hours,
    }
    notes = [
        f"{chip.title}: dense {hardware.dtype} peak {hardware.peak / 1e12:g} TFLOP/s per device at MFU "
        f"{hardware.mfu:g}; gpu_hours = FLOPs / (peak x MFU x 3600)"
    ]
    warnings: list[str] = []
    if hardware.n_gpus is not None:
        columns["gpus"] = np.full(rows, hardware.n_gpus)
        columns["days"] = wall_clock_days(hours, hardware.n_gpus)
    price = hardware.hourly_price
    columns["price_per_gpu_hour"] = np.full(rows, np.nan if price is None else price)
    columns["cost_usd"] = hours * price if price is not None else np.full(rows, np.nan)
    if hardware.price is not None:
        notes.append(f"cost at the given ${hardware.price:g} per GPU-hour")
    elif chip.price is not None:
        notes.append(f"cost at {chip.price.describe()}; give `price` to override")
    else:
        notes.append(f"no price is recorded for {chip.name}; give `price` (USD per GPU-hour) for a cost")
    if chip.power_watts is not None:
        columns["energy_mwh"] = energy_mwh(hours, chip.power_watts)
        notes.append(f"energy at {chip.power_watts:g} W board power per device, without host, network or cooling (PUE)")
    state = training_state_bytes(params, hardware.regime)
    usable = chip.memory_bytes
    columns["train_state_gb"] = state / 1e9
    columns["min_gpus"] = np.ceil(state / usable)
    if hardware.n_gpus is not None:
        per_gpu = state / hardware.n_gpus
        columns["state_gb_per_gpu"] = per_gpu / 1e9
        if np.any(per_gpu > usable):
            warnings.append(
                f"weights, gradients and optimizer state do not fit on {hardware.n_gpus:g} x {chip.name} "
                f"({chip.memory_bytes / 1e9:g} GB each) even fully sharded for some rows; see min_gpus"
            )
    regime = TRAINING_REGIMES[hardware.regime]
    notes.append(
        f"train_state_gb: weights + gradients + optimizer state at {regime.total:g} bytes/param ({regime.label}); "
        "min_gpus shards it ZeRO-3 style and ignores activations (see scalecalc memory)"
    )
    return HardwareColumns(columns, tuple(notes), tuple(warnings))
