"""Accelerators and the arithmetic from a FLOPs budget to GPU-hours, days, dollars and energy.

An accelerator is one YAML file (``presets/hardware/*.yaml`` in a source tree, ``scalecalc/_presets/hardware``
in a wheel; user files in the ``hardware/`` subfolder of each ``SCALECALC_PRESETS_PATH`` directory, or any file
given by path). Schema (``schema_version: 1``):

    name, title, vendor, checked (date the figures were checked)    required strings
    aliases: [...]                                                   optional other names
    dense_tflops: {tf32|bf16|fp16|fp8|int8: {value, source}}         dense peak (no 2:4 sparsity), >= 1 entry
    memory_gb, memory_bandwidth_tbps: {value, source}                required (decimal GB and TB/s)
    power_w: {value, source}                                         optional (board power / TDP)
    price_per_hour: {value, as_of, approximate: true, source, low?, high?}   optional, USD per GPU-hour

The maths (EleutherAI cookbook; Kaplan et al. 2020; Chowdhery et al. 2022, App. B):

    gpu_hours = C / (peak * MFU * 3600)        days = gpu_hours / (n_gpus * 24)
    cost      = gpu_hours * price              energy = gpu_hours * power
    MFU       = C / (gpu_hours * 3600 * peak)  C(days) = n_gpus * days * 86400 * peak * MFU

where C is the model FLOPs of the run (6ND) and peak the dense peak of the chosen dtype. The module is pure:
the YAML files are read only when an accelerator is looked up.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
from numpy.typing import ArrayLike

from scalecalc.errors import InputError, PresetError
from scalecalc.memory import TRAINING_REGIMES, training_state_bytes

SCHEMA_VERSION = 1
DTYPES = ("tf32", "bf16", "fp16", "fp8", "int8")
SECONDS_PER_HOUR = 3600.0
HOURS_PER_DAY = 24.0

# Default model FLOPs utilisation: what well-tuned large dense runs report over their steady state. Llama 3
# 405B: 38-43% in BF16 on H100 (arXiv:2407.21783, Table 4); PaLM 540B: 46.2% (arXiv:2204.02311, Table 3);
# Gopher 32.5%, MT-NLG 30.2% (same table). Whole-run averages including restarts are lower (about 35% for
# Llama 3.1 405B and DeepSeek-V3, derived in tests/test_hardware.py). Override with --mfu.
DEFAULT_MFU = 0.40
DEFAULT_DTYPE = "bf16"


@dataclass(frozen=True)
class Price:
    """An approximate, dated price per accelerator-hour in USD."""

    value: float
    as_of: str
    source: str
    low: float | None = None
    high: float | None = None

    def describe(self) -> str:
        spread = f", range ${self.low:g}-{self.high:g}" if self.low is not None and self.high is not None else ""
        return f"${self.value:g}/GPU-hour (approximate{spread}, as of {self.as_of}: {self.source})"


@dataclass(frozen=True)
class Accelerator:
    """One accelerator's dense peak throughput per dtype (FLOP/s), memory and, where known, power and price."""

    name: str
    title: str
    vendor: str
    checked: str
    dense_flops: Mapping[str, float]  # FLOP/s (not TFLOP/s), dense
    memory_bytes: float
    memory_bandwidth: float  # bytes/s
    power_watts: float | None = None
    price: Price | None = None
    aliases: tuple[str, ...] = ()
    sources: Mapping[str, str] = field(default_factory=dict)
    path: str = ""
    document: Mapping[str, Any] = field(default_factory=dict)

    def peak_flops(self, dtype: str) -> float:
        """Dense peak FLOP/s in ``dtype``; an :class:`InputError` lists the dtypes this chip has."""
        if dtype not in self.dense_flops:
            raise InputError(f"--dtype: {self.name} has no {dtype} peak; available: {', '.join(self.dense_flops)}")
        return self.dense_flops[dtype]


# ---------------------------------------------------------------------------------------------- the maths


def gpu_hours(compute_flops: ArrayLike, peak_flops: float, mfu: float) -> np.ndarray:
    """Accelerator-hours for ``compute_flops`` model FLOPs at ``mfu`` of ``peak_flops`` (FLOP/s per device)."""
    return np.asarray(compute_flops, dtype=float) / (peak_flops * mfu * SECONDS_PER_HOUR)


def wall_clock_days(hours: ArrayLike, n_gpus: float) -> np.ndarray:
    """Calendar days for ``hours`` accelerator-hours spread over ``n_gpus`` devices (perfect scaling)."""
    return np.asarray(hours, dtype=float) / (n_gpus * HOURS_PER_DAY)


def flops_in_time(n_gpus: ArrayLike, days: ArrayLike, peak_flops: float, mfu: float) -> np.ndarray:
    """Model FLOPs that ``n_gpus`` devices deliver in ``days`` at ``mfu`` of ``peak_flops``: the reverse query."""
    return np.asarray(n_gpus, dtype=float) * np.asarray(days, dtype=float) * 86400.0 * peak_flops * mfu


def implied_mfu(compute_flops: float, hours: float, peak_flops: float) -> float:
    """The MFU a reported run implies: its model FLOPs over what its accelerator-hours could deliver at peak."""
    return compute_flops / (hours * SECONDS_PER_HOUR * peak_flops)


def energy_mwh(hours: ArrayLike, power_watts: float) -> np.ndarray:
    """Accelerator energy in MWh at board power (no host, network or cooling overhead: multiply by a PUE)."""
    return np.asarray(hours, dtype=float) * power_watts / 1e6


def check_mfu(mfu: float, option: str = "--mfu") -> float:
    if not (math.isfinite(mfu) and 0 < mfu <= 1):
        raise InputError(f"{option}: {mfu:g} is outside (0, 1]; give a fraction such as 0.4 (40% of peak)")
    return mfu


@dataclass(frozen=True)
class HardwarePlan:
    """What the plan needs to turn FLOPs into time, money, energy and memory on one accelerator."""

    accelerator: Accelerator
    mfu: float = DEFAULT_MFU
    dtype: str = DEFAULT_DTYPE
    n_gpus: float | None = None
    price: float | None = None  # USD per accelerator-hour given by the user; else the file's approximate one
    regime: str = "adamw-mixed"  # training-state bytes per parameter (memory.TRAINING_REGIMES)

    def __post_init__(self) -> None:
        check_mfu(self.mfu)
        self.accelerator.peak_flops(self.dtype)
        if self.n_gpus is not None and not (math.isfinite(self.n_gpus) and self.n_gpus >= 1):
            raise InputError(f"--gpus: {self.n_gpus:g} must be a whole number of at least 1")
        if self.price is not None and not (math.isfinite(self.price) and self.price > 0):
            raise InputError(f"--price: {self.price:g} must be a positive number of USD per GPU-hour")
        if self.regime not in TRAINING_REGIMES:
            raise InputError(f"--optimizer: unknown {self.regime!r}; use one of {', '.join(TRAINING_REGIMES)}")

    @property
    def peak(self) -> float:
        return self.accelerator.peak_flops(self.dtype)

    @property
    def hourly_price(self) -> float | None:
        if self.price is not None:
            return self.price
        return self.accelerator.price.value if self.accelerator.price is not None else None

    def flops_for_days(self, days: ArrayLike) -> np.ndarray:
        if self.n_gpus is None:
            raise InputError("--days needs --gpus: how many accelerators run for that many days")
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
        notes.append(f"cost at {chip.price.describe()}; give --price to override")
    else:
        notes.append(f"no price is recorded for {chip.name}; give --price (USD per GPU-hour) for a cost")
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


# ------------------------------------------------------------------------------------------ the loader

PRESETS_PATH_VARIABLE = "SCALECALC_PRESETS_PATH"


def hardware_dirs() -> list[Path]:
    """User ``hardware/`` folders (from ``SCALECALC_PRESETS_PATH``) first, then the built-in one."""
    from scalecalc.presets import builtin_presets_dir

    user = [Path(p) / "hardware" for p in os.environ.get(PRESETS_PATH_VARIABLE, "").split(os.pathsep) if p]
    return [*user, builtin_presets_dir() / "hardware"]


def find_hardware_files() -> dict[str, Path]:
    """Accelerator file stem -> file, earlier directories shadowing later ones."""
    found: dict[str, Path] = {}
    for directory in reversed(hardware_dirs()):
        for path in sorted(directory.glob("*.yaml")) if directory.is_dir() else ():
            found[path.stem] = path
    return found


def _key(text: str) -> str:
    return re.sub(r"[\s_]+", "-", text.strip().lower())


def load_accelerator(name_or_path: str) -> Accelerator:
    """An accelerator by name or alias (``h100``, ``H100-SXM``, ``v5p``) or by path to a YAML file."""
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml") or os.sep in name_or_path:
        if not candidate.is_file():
            raise PresetError(f"--gpu: hardware file {name_or_path} does not exist")
        return load_accelerator_file(candidate)
    wanted = _key(name_or_path)
    files = find_hardware_files()
    if wanted in files:
        return load_accelerator_file(files[wanted])
    accelerators = [load_accelerator_file(path) for path in files.values()]
    for accelerator in accelerators:
        if wanted in {_key(alias) for alias in (accelerator.name, *accelerator.aliases)}:
            return accelerator
    known = ", ".join(sorted(a.name for a in accelerators))
    raise PresetError(f"--gpu: unknown accelerator {name_or_path!r}; known: {known} (or give a path to a .yaml file)")


def load_all_accelerators() -> list[Accelerator]:
    return [load_accelerator_file(path) for path in find_hardware_files().values()]


def load_accelerator_file(path: Path) -> Accelerator:
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PresetError(f"{path}: cannot read hardware file: {error}") from None
    try:
        document = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise PresetError(f"{path}:{where} is not valid YAML: {getattr(error, 'problem', error)}") from None
    return accelerator_from_document(document, str(path))


def accelerator_from_document(document: Any, origin: str) -> Accelerator:
    """Validate a parsed hardware document; errors name ``origin`` and the dotted key."""

    def fail(key: str, problem: str) -> NoReturn:
        raise PresetError(f"{origin}: key '{key}' {problem}")

    if not isinstance(document, dict):
        raise PresetError(f"{origin}: a hardware file must be a YAML mapping of keys to values")
    version = document.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        fail("schema_version", f"is {version!r}; this scalecalc reads version {SCHEMA_VERSION}")

    def text(key: str) -> str:
        value = document.get(key)
        if not isinstance(value, str | int | float) or isinstance(value, bool) or not str(value).strip():
            fail(key, "is missing or is not a non-empty string")
        return str(value)

    def positive(value: Any, key: str) -> float:
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                pass
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
            fail(key, f"is {value!r}; expected a number greater than zero")
        return float(value)

    sources: dict[str, str] = {}

    def constant(section: Mapping[str, Any], key: str, where: str) -> float:
        entry = section.get(key)
        if not isinstance(entry, dict) or "value" not in entry:
            fail(where, "is missing or has no 'value' (write {value: ..., source: ...})")
        source = entry.get("source")
        if not isinstance(source, str) or not source.strip():
            fail(where + ".source", "is missing: every figure names its datasheet or page")
        sources[where] = source
        return positive(entry["value"], where + ".value")

    name = _key(text("name"))
    peaks = document.get("dense_tflops")
    if not isinstance(peaks, dict) or not peaks:
        fail("dense_tflops", "is missing or empty; give at least bf16: {value: ..., source: ...}")
    dense = {}
    for dtype in peaks:
        if dtype not in DTYPES:
            fail(f"dense_tflops.{dtype}", f"is not a known dtype; use {', '.join(DTYPES)}")
        dense[dtype] = constant(peaks, dtype, f"dense_tflops.{dtype}") * 1e12
    power = constant(document, "power_w", "power_w") if "power_w" in document else None
    price = None
    if "price_per_hour" in document:
        entry = document["price_per_hour"]
        if not isinstance(entry, dict):
            fail("price_per_hour", "must be a mapping {value, as_of, approximate: true, source}")
        if entry.get("approximate") is not True:
            fail("price_per_hour.approximate", "must be true: a shipped price is a dated approximation")
        if not str(entry.get("as_of", "")).strip():
            fail("price_per_hour.as_of", "is missing: say when the price was seen (e.g. 2026-06)")
        low = positive(entry["low"], "price_per_hour.low") if "low" in entry else None
        high = positive(entry["high"], "price_per_hour.high") if "high" in entry else None
        price = Price(
            constant(document, "price_per_hour", "price_per_hour"),
            str(entry["as_of"]),
            sources["price_per_hour"],
            low,
            high,
        )
    aliases = document.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        fail("aliases", "must be a list of names")
    return Accelerator(
        name=name,
        title=text("title"),
        vendor=text("vendor"),
        checked=text("checked"),
        dense_flops=dense,
        memory_bytes=constant(document, "memory_gb", "memory_gb") * 1e9,
        memory_bandwidth=constant(document, "memory_bandwidth_tbps", "memory_bandwidth_tbps") * 1e12,
        power_watts=power,
        price=price,
        aliases=tuple(aliases),
        sources=sources,
        path=origin,
        document=document,
    )
