"""The example data shipped with scalecalc (``examples/`` in a source tree, ``scalecalc/_examples`` in a wheel).

Each file's one-line description is its heading in ``SOURCES.md`` (``## `name.csv`: description``), so the
provenance file stays the single place that describes the data. Wherever a table of runs is read, ``example:NAME``
names one of these files, so that commands in the help and the manual work outside a clone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from scalecalc.errors import InputError
from scalecalc.presets._loader import shipped_dir

EXAMPLE_PREFIX = "example:"  # `scalecalc fit example:chinchilla-epoch-points` reads a shipped file
_HEADING = re.compile(r"^## `(?P<file>[^`]+)`:\s*(?P<title>.+)$", re.MULTILINE)


@dataclass(frozen=True)
class Example:
    name: str  # the file name without its extension
    path: Path
    description: str


def examples_dir() -> Path:
    return shipped_dir("examples")


def list_examples() -> list[Example]:
    directory = examples_dir()
    sources = directory / "SOURCES.md"
    titles = (
        {m["file"]: m["title"].strip() for m in _HEADING.finditer(sources.read_text(encoding="utf-8"))}
        if sources.is_file()
        else {}
    )
    return [
        Example(path.stem, path, titles.get(path.name, ""))
        for path in sorted(directory.iterdir())
        if path.is_file() and path.suffix in (".csv", ".tsv", ".json", ".jsonl")
    ]


def find_example(name: str) -> Example:
    examples = {example.name: example for example in list_examples()}
    key = Path(name).stem
    if key not in examples:
        import difflib

        close = difflib.get_close_matches(key, examples, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise InputError(f"unknown example {name!r}; {hint}examples: {', '.join(examples)} (scalecalc examples list)")
    return examples[key]


def example_path(path: str) -> str:
    """The file ``path`` names: a shipped example's file for ``example:NAME``, else ``path`` itself."""
    if not path.startswith(EXAMPLE_PREFIX):
        return path
    return str(find_example(path.removeprefix(EXAMPLE_PREFIX)).path)
