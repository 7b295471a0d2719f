"""The looks a figure file can take (``--style``): its size per panel, resolution, text size and line weight.

Pure data, importable without matplotlib or the rest of :mod:`scalecalc.plotting`, so that the command line can
list the styles in ``--help`` at no start-up cost. The sizes follow the media each style is for: a two-column
paper's text block is about 7 in wide (NeurIPS, ICML and ACL templates: 5.5-7 in), so two ``paper`` panels and a
colour bar fit it at 7 pt; a 16:9 slide is 13.33 x 7.5 in, so two ``slides`` panels and a colour bar fill its
width at 14 pt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scalecalc.errors import InputError


@dataclass(frozen=True)
class Style:
    """``panel``: width and height in inches of one panel; a figure of k panels is k panels wide, plus
    ``colorbar`` inches when it has a colour bar. ``scale`` multiplies marker sizes and line widths."""

    meaning: str
    panel: tuple[float, float]
    colorbar: float
    dpi: int
    font_size: float
    scale: float


STYLES: dict[str, Style] = {
    "default": Style("4.6x4 in per panel, 9 pt, 200 dpi (screen)", (4.6, 4.0), 0.8, 200, 9.0, 1.0),
    "paper": Style("3.1x2.6 in per panel, 7 pt, 300 dpi (a 7 in paper)", (3.1, 2.6), 0.6, 300, 7.0, 0.75),
    "slides": Style("6x5 in per panel, 14 pt, 150 dpi (a 16:9 slide)", (6.0, 5.0), 1.2, 150, 14.0, 1.6),
}
DEFAULT_STYLE = "default"
FIGSIZE_RANGE = (1.0, 50.0)  # inches, each side: beyond 50 in (and 200-300 dpi) a PNG is gigapixels


def figure_size(style: Style, panels: int, colorbar: bool) -> tuple[float, float]:
    """The style's size in inches of a figure of ``panels`` panels side by side."""
    width, height = style.panel
    return width * panels + (style.colorbar if colorbar else 0.0), height


def parse_figsize(text: str) -> tuple[float, float]:
    """``7x3`` (or ``7X3``, ``7×3``, ``3.5x2.6``): width and height in inches, each within FIGSIZE_RANGE."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*[xX×]\s*(\d+(?:\.\d*)?|\.\d+)\s*", text)
    if match is None:
        raise InputError(f"cannot read {text!r}; give WIDTHxHEIGHT in inches, e.g. 7x3 or 3.5x2.6", param="figsize")
    return check_figsize((float(match[1]), float(match[2])))


def check_figsize(figsize: tuple[float, float]) -> tuple[float, float]:
    low, high = FIGSIZE_RANGE
    if not all(low <= side <= high for side in figsize):  # also refuses NaN
        width, height = figsize
        raise InputError(f"{width:g}x{height:g} in: give each side from {low:g} to {high:g} inches", param="figsize")
    return figsize


def check_style(style: str) -> Style:
    if style not in STYLES:
        raise InputError(f"unknown style {style!r}; use one of {', '.join(STYLES)}", param="style")
    return STYLES[style]
