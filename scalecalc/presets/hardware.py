"""Accelerator files: dense peak throughput per dtype, memory, power and an approximate, dated price.

An accelerator is one YAML file (``presets/hardware/*.yaml`` in a source tree, ``scalecalc/_presets/hardware``
in a wheel; user files in the ``hardware/`` subfolder of each ``SCALECALC_PRESETS_PATH`` directory, or any file
given by path). Schema (``schema_version: 1``):

    name, title, vendor, checked (date the figures were checked)    required strings
    aliases: [...]                                                   optional other names
    dense_tflops: {tf32|bf16|fp16|fp8|int8: {value, source}}         dense peak (no 2:4 sparsity), >= 1 entry
    memory_gb, memory_bandwidth_tbps: {value, source}                required (decimal GB and TB/s)
    power_w: {value, source}                                         optional (board power / TDP)
    price_per_hour: {value, as_of, approximate: true, source, low?, high?}   optional, USD per GPU-hour

The arithmetic from FLOPs to hours, days, dollars and energy is :mod:`scalecalc.hardware.accelerators`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scalecalc.errors import InputError, PresetError, did_you_mean
from scalecalc.presets._loader import find_files, given_path, read_yaml, search_dirs
from scalecalc.presets._reader import Reader

SCHEMA_VERSION = 1
HARDWARE_FOLDER = "hardware"
DTYPES = ("tf32", "bf16", "fp16", "fp8", "int8")


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
            raise InputError(
                f"{self.name} has no {dtype} peak; available: {', '.join(self.dense_flops)}", param="dtype"
            )
        return self.dense_flops[dtype]


def hardware_dirs() -> list[Path]:
    """User ``hardware/`` folders (from ``SCALECALC_PRESETS_PATH``) first, then the built-in one."""
    return search_dirs(HARDWARE_FOLDER)


def find_hardware_files() -> dict[str, Path]:
    """Accelerator file stem -> file, earlier directories shadowing later ones."""
    return find_files(HARDWARE_FOLDER)


def _key(text: str) -> str:
    return re.sub(r"[\s_]+", "-", text.strip().lower())


def load_accelerator(name_or_path: str) -> Accelerator:
    """An accelerator by name or alias (``h100``, ``H100-SXM``, ``v5p``) or by path to a YAML file."""
    path = given_path(name_or_path, "hardware", param="accelerator")
    if path is not None:
        return load_accelerator_file(path)
    wanted = _key(name_or_path)
    files = find_hardware_files()
    if wanted in files:
        return load_accelerator_file(files[wanted])
    accelerators = [load_accelerator_file(path) for path in files.values()]
    for accelerator in accelerators:
        if wanted in {_key(alias) for alias in (accelerator.name, *accelerator.aliases)}:
            return accelerator
    names = sorted(a.name for a in accelerators)
    known = ", ".join(names)
    raise PresetError(
        f"unknown accelerator {name_or_path!r}{did_you_mean(name_or_path, names)}; known: {known} "
        "(or give a path to a .yaml file)",
        param="accelerator",
    )


def load_all_accelerators() -> list[Accelerator]:
    return [load_accelerator_file(path) for path in find_hardware_files().values()]


def load_accelerator_file(path: Path) -> Accelerator:
    return accelerator_from_document(read_yaml(path, "hardware file"), str(path))


def accelerator_from_document(document: Any, origin: str) -> Accelerator:
    """Validate a parsed hardware document; errors name ``origin`` and the dotted key."""
    reader = Reader(origin, "hardware file", "its datasheet or page")
    document = reader.mapping(document, "")
    version = document.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        reader.fail("schema_version", f"is {version!r}; this scalecalc reads version {SCHEMA_VERSION}")
    sources: dict[str, str] = {}

    def constant(section: Mapping[str, Any], key: str, where: str) -> float:
        read = reader.constant(section, key, where.removesuffix(key))
        sources[where] = read.source
        return read.value

    def text(key: str) -> str:
        return reader.text(document, key, numbers=True)

    name = _key(text("name"))
    peaks = document.get("dense_tflops")
    if not isinstance(peaks, dict) or not peaks:
        reader.fail("dense_tflops", "is missing or empty; give at least bf16: {value: ..., source: ...}")
    dense = {}
    for dtype in peaks:
        if dtype not in DTYPES:
            reader.fail(f"dense_tflops.{dtype}", f"is not a known dtype; use {', '.join(DTYPES)}")
        dense[dtype] = constant(peaks, dtype, f"dense_tflops.{dtype}") * 1e12
    power = constant(document, "power_w", "power_w") if "power_w" in document else None
    price = None
    if "price_per_hour" in document:
        entry = document["price_per_hour"]
        if not isinstance(entry, dict):
            reader.fail("price_per_hour", "must be a mapping {value, as_of, approximate: true, source}")
        if entry.get("approximate") is not True:
            reader.fail("price_per_hour.approximate", "must be true: a shipped price is a dated approximation")
        if not str(entry.get("as_of", "")).strip():
            reader.fail("price_per_hour.as_of", "is missing: say when the price was seen (e.g. 2026-06)")
        low = reader.positive(entry["low"], "price_per_hour.low") if "low" in entry else None
        high = reader.positive(entry["high"], "price_per_hour.high") if "high" in entry else None
        price = Price(
            constant(document, "price_per_hour", "price_per_hour"),
            str(entry["as_of"]),
            sources["price_per_hour"],
            low,
            high,
        )
    aliases = document.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        reader.fail("aliases", "must be a list of names")
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
