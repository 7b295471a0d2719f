"""Pictures of scaling laws: a backend-neutral specification, builders that make one from a result, and two
backends that draw it.

- :mod:`~scalecalc.plotting.spec`: :class:`Figure` > :class:`Panel` > :class:`Points`, :class:`Curve`,
  :class:`Band`, :class:`Marker` (with :class:`Axis`, :class:`Group`, :class:`Law`) and tick labels in human units.
- :mod:`~scalecalc.plotting.builders`: :func:`frontier_figure` for published laws, :func:`figure_for` for an
  isoFLOP, envelope or fit result.
- :mod:`~scalecalc.plotting.terminal` (plotext) and :mod:`~scalecalc.plotting.files` (matplotlib, PNG/SVG/PDF).
- :mod:`~scalecalc.plotting.styles`: the looks of a file (``--style``), pure data.

The drawing libraries are imported inside the backends' functions, and this package's modules on first use, so
importing it costs nothing; the command line decides where a picture goes (see :mod:`scalecalc.cli.plot`).
"""

from __future__ import annotations

import importlib
from typing import Any

# Each public name and the module that defines it. They are imported on first use (PEP 562), so that the
# command line can read :mod:`~scalecalc.plotting.styles` for its help without importing the builders.
_HOMES = {
    "FILE_FORMATS": "files",
    "build_figure": "files",
    "check_matplotlib": "files",
    "check_path": "files",
    "file_format": "files",
    "save_figure": "files",
    "figure_for": "builders",
    "frontier_figure": "builders",
    "loss_law_figure": "builders",
    "STYLES": "styles",
    "render_text": "terminal",
    **dict.fromkeys(("Axis", "Band", "Curve", "Figure", "Group", "Law", "Marker", "Panel", "Points"), "spec"),
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)


__all__ = sorted(_HOMES)
