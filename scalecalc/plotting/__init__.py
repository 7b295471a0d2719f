"""Pictures of scaling laws: a backend-neutral specification, builders that make one from a result, and two
backends that draw it.

- :mod:`~scalecalc.plotting.spec`: :class:`Figure` > :class:`Panel` > :class:`Points`, :class:`Curve`,
  :class:`Band`, :class:`Marker` (with :class:`Axis`, :class:`Group`, :class:`Law`) and tick labels in human units.
- :mod:`~scalecalc.plotting.builders`: :func:`frontier_figure` for published laws, :func:`figure_for` for an
  isoFLOP, envelope or fit result.
- :mod:`~scalecalc.plotting.terminal` (plotext) and :mod:`~scalecalc.plotting.files` (matplotlib, PNG/SVG/PDF).

The drawing libraries are imported inside the backends' functions, so importing this package costs nothing;
the command line decides where a picture goes (see :mod:`scalecalc.cli.plot`).
"""

from __future__ import annotations

from scalecalc.plotting.builders import figure_for, frontier_figure, loss_law_figure
from scalecalc.plotting.files import (
    FILE_FORMATS,
    build_figure,
    check_matplotlib,
    check_path,
    file_format,
    save_figure,
)
from scalecalc.plotting.spec import Axis, Band, Curve, Figure, Group, Law, Marker, Panel, Points
from scalecalc.plotting.terminal import render_text

__all__ = [
    "FILE_FORMATS",
    "Axis",
    "Band",
    "Curve",
    "Figure",
    "Group",
    "Law",
    "Marker",
    "Panel",
    "Points",
    "build_figure",
    "check_matplotlib",
    "check_path",
    "figure_for",
    "file_format",
    "frontier_figure",
    "loss_law_figure",
    "render_text",
    "save_figure",
]
