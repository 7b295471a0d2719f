"""The one place reference data is found and read: the search path and the safe YAML loader.

Shipped data lives at the top of the source tree (``presets/``, ``presets/hardware/``, ``examples/``) and inside
the wheel as ``scalecalc/_presets`` and ``scalecalc/_examples`` (pyproject's force-include). Directories named in
``SCALECALC_PRESETS_PATH`` (separated like PATH) are searched before the shipped ones, so a user file with a
shipped name shadows it; hardware files sit in a ``hardware/`` subfolder of each directory.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from scalecalc.errors import PresetError

PRESETS_PATH_VARIABLE = "SCALECALC_PRESETS_PATH"
# A preset or hardware file is a page of constants (the shipped ones are under 10 kB): the bounds refuse a file
# that is something else, and a YAML alias bomb ("billion laughs") whose few bytes expand without bound.
MAX_FILE_BYTES = 1_000_000
MAX_VALUES = 100_000
_PACKAGE = Path(__file__).resolve().parent.parent  # scalecalc/


def shipped_dir(name: str) -> Path:
    """``scalecalc/_<name>`` in an installed wheel; ``<name>/`` beside the package in a source tree."""
    installed = _PACKAGE / f"_{name}"
    return installed if installed.is_dir() else _PACKAGE.parent / name


def builtin_presets_dir() -> Path:
    return shipped_dir("presets")


def search_dirs(subfolder: str = "") -> list[Path]:
    """The user directories (from ``SCALECALC_PRESETS_PATH``) first, then the built-in one; each joined with
    ``subfolder`` (``hardware`` for accelerators, nothing for laws)."""
    user = [Path(p) / subfolder for p in os.environ.get(PRESETS_PATH_VARIABLE, "").split(os.pathsep) if p]
    return [*user, builtin_presets_dir() / subfolder]


def find_files(subfolder: str = "") -> dict[str, Path]:
    """File stem -> ``*.yaml`` file, earlier directories shadowing later ones (user files before built-ins).

    Built-in files come first in name order; a user file with a new name follows them."""
    found: dict[str, Path] = {}
    for directory in reversed(search_dirs(subfolder)):
        for path in sorted(directory.glob("*.yaml")) if directory.is_dir() else ():
            found[path.stem] = path
    return found


def given_path(name_or_path: str, kind: str, param: str | None = None) -> Path | None:
    """The file ``name_or_path`` names when it reads as a path (``*.yaml``, ``*.yml`` or a directory part), else
    None (it is a name to look up). A path that does not exist is a :class:`PresetError` on ``param``."""
    candidate = Path(name_or_path)
    if candidate.suffix not in (".yaml", ".yml") and os.sep not in name_or_path:
        return None
    if not candidate.is_file():
        raise PresetError(f"{kind} file {name_or_path} does not exist", param=param)
    return candidate


def read_yaml(path: Path, kind: str) -> Any:
    """The parsed document of one YAML file (safe loader: plain data only); errors name the file and line."""
    import yaml

    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise PresetError(f"{path}: {kind} file larger than {MAX_FILE_BYTES:,} bytes; is it really a {kind}?")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PresetError(f"{path}: cannot read {kind}: {error}") from None
    try:
        document = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = str(getattr(error, "problem", None) or "cannot parse")[:80]
        raise PresetError(f"{path}:{where} is not valid YAML: {problem}") from None
    except RecursionError:
        raise PresetError(f"{path}: not a {kind}: nested too deeply") from None
    _check_plain_tree(document, path, kind)
    return document


def _check_plain_tree(document: Any, path: Path, kind: str) -> None:
    """Refuse a document that refers to itself (an alias inside its own anchor) or that expands, through
    aliases, to more than MAX_VALUES values; every value is visited as often as aliases repeat it."""
    count = 0
    stack: list[tuple[Any, tuple[int, ...]]] = [(document, ())]
    while stack:
        node, ancestors = stack.pop()
        count += 1
        if count > MAX_VALUES:
            raise PresetError(
                f"{path}: expands to more than {MAX_VALUES:,} values (YAML aliases repeating content?); a {kind} is "
                "a short list of constants"
            )
        if isinstance(node, dict | list):
            if id(node) in ancestors:
                raise PresetError(f"{path}: refers to itself through a YAML alias; write the values out instead")
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, (*ancestors, id(node))) for child in children)
