"""Reference data in YAML: law presets, accelerator files and the shipped examples, and documents made from results.

``_loader`` finds and reads the files (one search path, one safe YAML loader); ``laws`` validates law presets,
``hardware`` accelerator files, ``examples`` lists the example data; ``documents`` turns results into presets.
The names below are the law presets' API; import the others from their modules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scalecalc._lazy import lazy_exports
from scalecalc.presets._loader import PRESETS_PATH_VARIABLE, builtin_presets_dir
from scalecalc.presets.laws import (
    COMPUTE_UNITS,
    PARAM_CONVENTIONS,
    SCHEMA_VERSION,
    Constant,
    Conventions,
    Preset,
    dump_preset,
    find_preset_files,
    load_all_presets,
    load_preset,
    load_preset_file,
    preset_from_document,
)

if TYPE_CHECKING:
    from scalecalc.presets.documents import from_allocation, from_fit

# documents (presets made from results) load when `fit --save` or `isoflop --save` asks, not on every plan
__getattr__ = lazy_exports(__name__, {"from_allocation": "documents", "from_fit": "documents"})

__all__ = [
    "COMPUTE_UNITS",
    "PARAM_CONVENTIONS",
    "PRESETS_PATH_VARIABLE",
    "SCHEMA_VERSION",
    "Constant",
    "Conventions",
    "Preset",
    "builtin_presets_dir",
    "dump_preset",
    "find_preset_files",
    "from_allocation",
    "from_fit",
    "load_all_presets",
    "load_preset",
    "load_preset_file",
    "preset_from_document",
]
