"""Draw a :class:`~scalecalc.plotting.spec.Figure` in the terminal with plotext (imported only when drawing).

Log axes are drawn as linear axes over log10 of the data, with ticks placed and labelled by
:func:`scalecalc.plotting.spec.ticks` (``1e22``, ``100B``): the same ticks the file backend uses, in human units.
(plotext 6.1's own log scale mislays explicit ticks: it takes their limits before the logarithm.)

Glyphs tell the series apart even without colour: data points take one marker per colour group (``●``,
``■``, ``▲``, ...), fitted optima ``★``, runs left out of a fit ``×``; curves are braille lines, dashed
where they extrapolate; bands are dotted (``·``) at their low and high edges. The legend is printed as text
under the chart, so that it never hides data, followed by the law and the figure's notes.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np

from scalecalc.plotting.spec import Band, Curve, Figure, Panel, Points, ticks

GROUP_GLYPHS = ("●", "■", "▲", "◆", "▼", "✚", "○", "□", "△", "◇")
# Without colour, curves are told apart by the character they are drawn with (as gnuplot's dumb terminal does).
CURVE_GLYPHS = ("+", "x", "*", "o", "=", "~", "^", "%", "#", "&")
NEUTRAL_CURVE_GLYPH = "•"  # the frontier, a law's fit: curves outside any colour group
OPTIMUM_GLYPH = "★"
EXCLUDED_GLYPH = "×"
PREDICTION_GLYPH = "◎"
BAND_GLYPH = "·"
# plotext's 256-colour codes, in the order of its own default palette (blue, green, red, cyan, magenta, ...)
PALETTE = (12, 10, 9, 14, 13, 11, 208, 129, 34, 196)
NEUTRAL = 244  # grey, for points and curves outside any group (e.g. the frontier)
MIN_PANEL_WIDTH = 44  # panels go side by side only when each gets at least this many columns
DOT_SPACING = 2  # an extrapolated curve is dotted: one mark every DOT_SPACING columns


def glyph(group: int | None, role: str = "data") -> str:
    if role == "optimum":
        return OPTIMUM_GLYPH
    if role == "excluded":
        return EXCLUDED_GLYPH
    if role == "prediction":
        return PREDICTION_GLYPH
    return GROUP_GLYPHS[(group or 0) % len(GROUP_GLYPHS)]


def curve_glyph(group: int | None, color: bool) -> str:
    """Braille lines in colour; without colour, one character per group."""
    if color:
        return "braille"
    return NEUTRAL_CURVE_GLYPH if group is None else CURVE_GLYPHS[group % len(CURVE_GLYPHS)]


def render_text(figure: Figure, width: int, height: int, *, color: bool = False) -> str:
    """The figure as text: a chart of ``width`` x ``height`` cells, then the legend, law and notes lines
    (wrapped to ``width``). ANSI colours only with ``color=True``."""
    import plotext as plt

    plt.terminal.limit(False, False)  # draw at the size asked for, not the size of the tty running us
    canvas = plt.figure
    canvas.clear()
    count = len(figure.panels)
    side_by_side = width >= MIN_PANEL_WIDTH * count
    rows, cols = (1, count) if side_by_side else (count, 1)
    canvas.plot_size(width, height)
    if count > 1:
        canvas.subplots(rows, cols)
    canvas.theme("simple" if color else "colorless")  # after subplots(), which start from the default theme
    panel_width = width // cols
    panel_height = height // rows
    for index, panel in enumerate(figure.panels):
        target = canvas.subplot(*((1, index + 1) if side_by_side else (index + 1, 1))) if count > 1 else canvas
        _draw_panel(plt, target, panel, panel_width, panel_height, color)
    chart = canvas.build().string(colorless=not color)
    lines = [line.rstrip() for line in chart.splitlines()]
    title = figure.title.center(width).rstrip()
    return "\n".join([title, *lines, *_legend(plt, figure, width, color)]) + "\n"


def _scaled(values, log: bool) -> list[float]:
    array = np.asarray(values, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        array = np.log10(array) if log else array
    return array.tolist()


def _pixel(plt, group: int | None):
    return plt.pixel(foreground=NEUTRAL if group is None else PALETTE[group % len(PALETTE)])


def _draw_panel(plt, target, panel: Panel, width: int, height: int, color: bool) -> None:
    # The y axis title goes in the panel title: plotext prints it under the tick labels, where it runs into
    # the x axis title.
    title = panel.title if panel.y.title in panel.title else f"{panel.title}: {panel.y.title}"
    target.title(title if len(title) <= width - 2 else panel.y.title)
    target.label(panel.x.title, "x")
    for band in panel.bands:
        for edge in (band.low, band.high):
            x, y = _finite(_scaled(band.x, panel.x.log), _scaled(edge, panel.y.log))
            if x:
                target.draw(target.signal(x, y, marker=plt.marker(BAND_GLYPH, _pixel(plt, band.group))))
    for curve in panel.curves:
        _draw_curve(plt, target, panel, curve, color, width)
    for points in panel.points:
        for at, low, high in zip(points.x, points.low, points.high, strict=False):  # error bars: vertical strokes
            xs, ys = _finite(_scaled([at, at], panel.x.log), _scaled([low, high], panel.y.log))
            if len(xs) == 2:
                bar = target.signal(xs, ys, marker="|")
                bar.lines()
                target.draw(bar)
    for points in panel.points:
        marker = plt.marker(glyph(points.group, points.role), _pixel(plt, points.group))
        x, y = _finite(_scaled(points.x, panel.x.log), _scaled(points.y, panel.y.log))
        if x:
            target.draw(target.signal(x, y, marker=marker))
    for vertical in panel.markers:
        target.line(_scaled([vertical.x], panel.x.log)[0], "vertical")
    for name, axis, most in (("x", panel.x, max(2, width // 11)), ("y", panel.y, max(2, height // 4))):
        low, high = panel.extent(name)  # type: ignore[arg-type]
        positions, labels = ticks(low, high, axis.kind, log=axis.log, most=most)
        ruler = target.ruler(name)
        ruler.lim(*_scaled([low, high], axis.log))
        if positions:
            ruler.ticks(_scaled(positions, axis.log), labels)


def _finite(x: list[float], y: list[float]) -> tuple[list[float], list[float]]:
    """The pairs plotext can draw: NaN and infinite values (a log of zero, a missing loss) are left out."""
    keep = [i for i in range(len(x)) if math.isfinite(x[i]) and math.isfinite(y[i])]
    return [x[i] for i in keep], [y[i] for i in keep]


def _draw_curve(plt, target, panel: Panel, curve: Curve, color: bool, width: int) -> None:
    x, y = _finite(_scaled(curve.x, panel.x.log), _scaled(curve.y, panel.y.log))
    if len(x) < 2:
        return
    if curve.role == "extrapolation":
        # Dotted: one mark every DOT_SPACING columns, not joined (a dashed line of this resolution reads
        # as solid).
        low, high = _scaled(panel.extent("x"), panel.x.log)
        columns = max(2, int(round(abs(x[-1] - x[0]) / (high - low) * width / DOT_SPACING)))
        grid = np.linspace(x[0], x[-1], columns)
        order = np.argsort(x)
        y = np.interp(grid, np.array(x)[order], np.array(y)[order]).tolist()
        x = grid.tolist()
    symbol = "•" if color and curve.role == "extrapolation" else curve_glyph(curve.group, color)
    signal = target.signal(x, y, marker=plt.marker(symbol, _pixel(plt, curve.group)))
    if curve.role != "extrapolation":
        signal.lines()
    target.draw(signal)


def _legend(plt, figure: Figure, width: int, color: bool) -> list[str]:
    """One entry per labelled series (glyph and label), then the laws and notes, wrapped to ``width``."""
    entries: list[str] = []
    seen: set[str] = set()
    for panel in figure.panels:
        items: list[Points | Curve | Band] = [*panel.points, *panel.curves, *panel.bands]
        for item in items:
            if not item.label or item.label in seen:
                continue
            seen.add(item.label)
            role = getattr(item, "role", "band")
            if role in ("data", "optimum", "excluded", "prediction"):
                symbol = glyph(item.group, role)
            elif role == "band":
                symbol = BAND_GLYPH * 2
            elif color:
                symbol = "• •" if role == "extrapolation" else "──"
            else:
                symbol = (
                    curve_glyph(item.group, color)
                    + (" " if role == "extrapolation" else "")
                    + curve_glyph(item.group, color)
                )
            if color:
                symbol = plt.colorize(symbol, _pixel(plt, item.group)).string()
            entries.append(f"{symbol} {item.label}")
        for vertical in panel.markers:
            if vertical.label not in seen:
                seen.add(vertical.label)
                entries.append(f"│ {vertical.label}")
    lines = _pack(entries, width)
    for text in (*(law.text() for law in figure.laws), *figure.notes):
        lines += textwrap.wrap(text, width, subsequent_indent="  ") or [""]
    return lines


def _pack(entries: list[str], width: int) -> list[str]:
    """Entries side by side, separated by three spaces, as many to a line as fit."""
    lines: list[str] = []
    current = ""
    for entry in entries:
        visible = len(_strip_ansi(entry))
        if current and len(_strip_ansi(current)) + 3 + visible > width:
            lines.append(current)
            current = ""
        current = f"{current}   {entry}" if current else entry
    if current:
        lines.append(current)
    return lines


def _strip_ansi(text: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", text)
