"""Backends that draw a :class:`~scalecalc.figures.Figure`: ``terminal`` (plotext) and ``files`` (matplotlib).

Both import their drawing library inside their functions, so importing this package costs nothing; the
command line decides where a picture goes (see :mod:`scalecalc.cli.plot`).
"""

from __future__ import annotations

from scalecalc.plotting.files import FILE_FORMATS, build_figure, check_matplotlib, file_format, save_figure
from scalecalc.plotting.terminal import render_text

__all__ = ["FILE_FORMATS", "build_figure", "check_matplotlib", "file_format", "render_text", "save_figure"]
