"""Draw a :class:`~scalecalc.plotting.spec.Figure` to a PNG, SVG or PDF file with matplotlib (the ``[plot]`` extra).

matplotlib is imported only here, inside the functions, with the Agg canvas and without pyplot (no global
figure state, no display). :func:`build_figure` returns the matplotlib ``Figure`` so that tests can inspect
its axes before anything is written; :func:`save_figure` writes it.

Conventions: log axes with major ticks at the positions and human-unit labels of
:func:`scalecalc.plotting.spec.ticks` (``1e22``, ``70B``), minor ticks unlabelled; data points coloured by group
(a log colour scale with a colour bar for budgets or sizes, a qualitative palette for presets); fitted curves
in their group's colour, the frontier in black, extrapolations dashed, bootstrap bands shaded; the law and
its constants as the legend title. The labels of vertical markers (a target budget, a break) go where they
cover no data point (see :mod:`scalecalc.plotting.labels`). Size, resolution, text size and line weight come from a
style (:mod:`scalecalc.plotting.styles`); a file is exactly the figure's size.

SVG text stays text and PDF fonts are embedded as TrueType, so labels can
be searched and edited; files carry no creation date, so the same figure gives the same bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from scalecalc.errors import InputError
from scalecalc.plotting.labels import place_marker_labels
from scalecalc.plotting.spec import AxisKind, Figure, Panel, ticks
from scalecalc.plotting.styles import DEFAULT_STYLE, STYLES, Style, check_figsize, check_style, figure_size

FILE_FORMATS = ("png", "svg", "pdf")
MISSING_MATPLOTLIB = "needs matplotlib, which is not installed: pip install 'scalecalc[plot]'"
NEUTRAL = "#555555"
# Text sizes relative to the style's font size, so that one table serves every style.
RC = {
    "axes.titlesize": "large",
    "axes.labelsize": "medium",
    "legend.fontsize": "small",
    "legend.title_fontsize": "small",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.25,
    "grid.linewidth": 0.6,
    "svg.fonttype": "none",  # text stays text in SVG
    "svg.hashsalt": "scalecalc",  # stable element ids: identical figures give identical files
    "pdf.fonttype": 42,  # TrueType in PDF, editable in an illustrator
}
METADATA = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "Producer": None},
}


def file_format(path: str) -> str:
    """The format named by ``path``'s extension."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FILE_FORMATS:
        shown = f"'.{suffix}'" if suffix else "no extension"
        raise InputError(f"{path} has {shown}; give a file ending in .png, .svg or .pdf", param="path")
    return suffix


def check_path(path: str) -> str:
    """The format of a file that can be written at ``path``: a known extension in a directory that exists."""
    fmt = file_format(path)
    parent = Path(path).parent
    if parent != Path("") and not parent.is_dir():
        raise InputError(f"directory {parent} does not exist", param="path")
    return fmt


def check_matplotlib() -> None:
    from importlib.util import find_spec

    if find_spec("matplotlib") is None:
        raise InputError(MISSING_MATPLOTLIB)


def _rc(style: Style) -> dict[str, Any]:
    return {**RC, "font.size": style.font_size, "figure.dpi": style.dpi, "savefig.dpi": style.dpi}


def build_figure(figure: Figure, style: str = DEFAULT_STYLE, figsize: tuple[float, float] | None = None) -> Any:
    """The matplotlib Figure for ``figure`` (not yet written anywhere), in ``style``, ``figsize`` inches (default:
    the style's size for this many panels)."""
    look = check_style(style)
    if figsize is not None:
        check_figsize(figsize)
    try:
        import matplotlib
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure as MplFigure
    except ImportError:
        raise InputError(MISSING_MATPLOTLIB) from None
    with matplotlib.rc_context(_rc(look)):  # type: ignore[arg-type]  # keys are checked by matplotlib at run time
        count = len(figure.panels)
        colorbar = _has_colorbar(figure)
        size = figsize or figure_size(look, count, colorbar)
        result = MplFigure(figsize=size, layout="constrained")
        FigureCanvasAgg(result)  # a canvas that measures text, for placing labels (files in any format)
        axes = result.subplots(1, count, squeeze=False)[0]
        colours = _group_colours(matplotlib, figure)
        shown: set[str] = set()  # each label once, though two panels draw it
        handles: list[Any] = []
        labels: list[str] = []
        for ax, panel in zip(axes, figure.panels, strict=True):
            _draw_panel(ax, panel, colours, group_labels=not colorbar, scale=look.scale)
            more_handles, more_labels = _legend_entries(ax, panel, figure, shown)
            handles += more_handles
            labels += more_labels
        laws = [law.text() for law in figure.laws]
        if handles or laws:
            _legend(result, handles, labels, laws, most_columns=max(1, min(len(handles), 2 * count)))
        if colorbar:
            _colorbar(matplotlib, result, axes, figure)
        if figure.title:
            result.suptitle(figure.title, fontsize="x-large")
        _settle_layout(result, size)
        for ax, panel in zip(axes, figure.panels, strict=True):
            place_marker_labels(ax, panel)
    return result


def save_figure(
    figure: Figure, path: str, style: str = DEFAULT_STYLE, figsize: tuple[float, float] | None = None
) -> Any:
    """Write ``figure`` to ``path`` (format from the extension; an existing file is replaced atomically, so
    a failure leaves it as it was) in ``style`` at ``figsize`` inches; return the matplotlib Figure."""
    import io

    import matplotlib

    from scalecalc._files import check_target, write_atomically

    fmt = check_path(path)
    check_target(path, replace=True)
    drawn = build_figure(figure, style, figsize)
    encoded = io.BytesIO()  # drawn in memory, then written by the one atomic writer
    with matplotlib.rc_context(_rc(STYLES[style])):  # type: ignore[arg-type]
        drawn.savefig(encoded, format=fmt, metadata=METADATA[fmt])
    write_atomically(path, encoded.getvalue())
    return drawn


# Widths, in characters, to wrap a legend title (a law and its constants) at when it is wider than the figure.
TITLE_WRAPS = (100, 80, 60, 45, 30)


def _legend(result: Any, handles: list[Any], labels: list[str], laws: list[str], most_columns: int) -> None:
    """One legend for the figure, under the panels (never over the data), its title the laws with their
    constants: in as many columns as fit the figure's width, the title wrapped only when even one column is too
    wide (a file is the size asked for, so nothing may run off its edge)."""
    import textwrap

    renderer = result.canvas.get_renderer()
    limit = 0.98 * result.bbox.width
    titles = [laws] + [[textwrap.fill(law, width, subsequent_indent="  ") for law in laws] for width in TITLE_WRAPS]
    for lines in titles:
        for columns in range(most_columns, 0, -1):
            legend = result.legend(
                handles,
                labels,
                title="\n".join(lines) or None,
                loc="outside lower center",
                frameon=False,
                ncols=columns,
                alignment="center",
            )
            if legend.get_window_extent(renderer).width <= limit:
                return
            legend.remove()
    result.legend(handles, labels, title="\n".join(titles[-1]) or None, loc="outside lower center", frameon=False)


def _settle_layout(result: Any, size: tuple[float, float]) -> None:
    """Lay the figure out once, so that data map to their final place on the page before marker labels are
    placed; a size too small for the panels, legend and colour bar is refused rather than drawn collapsed."""
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("error", message=".*collapsed", category=UserWarning)
            result.draw_without_rendering()
    except UserWarning:
        width, height = size
        raise InputError(
            f"{width:g}x{height:g} in is too small for this figure's panels, legend and colour bar; give a larger "
            "size (or leave it out for the style's own)",
            param="figsize",
        ) from None


# -- drawing ---------------------------------------------------------------------------------------------


def _group_colours(matplotlib, figure: Figure) -> list[Any]:
    values = np.array([group.value for group in figure.groups], dtype=float)
    if figure.group_scale == "log" and len(values) > 1 and np.all(values > 0) and values.max() > values.min():
        norm = matplotlib.colors.LogNorm(values.min(), values.max())
        cmap = matplotlib.colormaps["viridis"]
        # Stop short of viridis' pale yellow end, which vanishes on white paper.
        return [cmap(0.9 * norm(v)) for v in values]
    cmap = matplotlib.colormaps["tab10"]
    return [cmap(i % 10) for i in range(len(values))]


def _colour(colours: list[Any], group: int | None) -> Any:
    return NEUTRAL if group is None else colours[group]


def _draw_panel(ax, panel: Panel, colours: list[Any], *, group_labels: bool, scale: float) -> None:
    def label(item: Any) -> str | None:
        return item.label or None if group_labels or item.group is None else None

    area = scale**2  # marker sizes are areas (points squared)
    for band in panel.bands:
        ax.fill_between(
            band.x,
            band.low,
            band.high,
            color=_colour(colours, band.group),
            alpha=0.18,
            lw=0,
            label=label(band),
            zorder=1,
        )
    for curve in panel.curves:
        width = {"frontier": 2.0, "law": 1.8}.get(curve.role, 1.2) * scale
        colour = "black" if curve.role == "frontier" and curve.group is None else _colour(colours, curve.group)
        ax.plot(
            curve.x,
            curve.y,
            color=colour,
            lw=width,
            ls="--" if curve.role == "extrapolation" else "-",
            label=label(curve),
            zorder=2,
        )
    for points in panel.points:
        colour = _colour(colours, points.group)
        if points.role == "optimum":
            ax.scatter(
                points.x,
                points.y,
                marker="*",
                s=110 * area,
                color=colour,
                edgecolors="black",
                linewidths=0.6 * scale,
                label=label(points),
                zorder=5,
            )
        elif points.role == "prediction":
            ax.scatter(
                points.x,
                points.y,
                marker="D",
                s=30 * area,
                color="white",
                edgecolors="black",
                linewidths=1.0 * scale,
                label=label(points),
                zorder=6,
            )
        elif points.role == "excluded":
            ax.scatter(
                points.x,
                points.y,
                marker="x",
                s=22 * area,
                color="#999999",
                linewidths=0.8 * scale,
                label=label(points),
                zorder=3,
            )
        else:
            ax.scatter(
                points.x,
                points.y,
                s=16 * area,
                color=colour,
                edgecolors="white",
                linewidths=0.4 * scale,
                alpha=0.9,
                label=label(points),
                zorder=3,
            )
    for points in panel.points:
        if points.low and points.high:
            mid, bottom, top = (np.array(v, dtype=float) for v in (points.y, points.low, points.high))
            error = [mid - bottom, top - mid]
            ax.errorbar(
                points.x,
                mid,
                yerr=error,
                fmt="none",
                ecolor="black",
                elinewidth=1.0 * scale,
                capsize=3 * scale,
                zorder=5,
            )
    for marker in panel.markers:
        ax.axvline(marker.x, color="#888888", ls=":", lw=1.0 * scale, zorder=1)
    ax.set_title(panel.title)
    ax.set_xlabel(panel.x.title)
    ax.set_ylabel(panel.y.title)
    for name, spec in (("x", panel.x), ("y", panel.y)):
        low, high = panel.extent(name)  # type: ignore[arg-type]
        axis = ax.xaxis if name == "x" else ax.yaxis
        if spec.log:
            (ax.set_xscale if name == "x" else ax.set_yscale)("log")
        (ax.set_xlim if name == "x" else ax.set_ylim)(low, high)
        positions, labels = ticks(low, high, spec.kind, log=spec.log, most=7)
        if len(positions) >= 2:
            axis.set_ticks(positions, labels)
            if spec.log:
                from matplotlib.ticker import LogLocator, NullFormatter

                axis.set_minor_locator(LogLocator(subs=(2, 3, 4, 5, 6, 7, 8, 9)))
                axis.set_minor_formatter(NullFormatter())


ROLE_NAMES = {"data": "runs", "optimum": "fitted optimum", "excluded": "left out of the fit", "fit": "fitted curve"}


def _legend_entries(ax, panel: Panel, figure: Figure, shown: set[str]) -> tuple[list[Any], list[str]]:
    """A panel's labelled artists not yet in the legend, then proxies: one per kind of group-coloured mark
    when a colour bar names the groups (so ten budgets take one legend entry, not ten), and one for dashed
    extrapolations."""
    from matplotlib.lines import Line2D

    handles, labels = list(ax.get_legend_handles_labels()[0]), list(ax.get_legend_handles_labels()[1])
    if _has_colorbar(figure):
        items = [p for p in panel.points if p.group is not None] + [c for c in panel.curves if c.group is not None]
        for role in dict.fromkeys(item.role for item in items):
            # Named by the items' label when they all share it ("envelope winner"), else by the role ("runs").
            names = {item.label for item in items if item.role == role}
            if role in ("data", "optimum", "excluded"):
                marker, size = {"data": ("o", 5), "optimum": ("*", 10), "excluded": ("x", 5)}[role]
                handles.append(Line2D([], [], ls="", marker=marker, ms=size, color=NEUTRAL))
            else:
                handles.append(Line2D([], [], color=NEUTRAL, lw=1.2))
            labels.append(names.pop() if len(names) == 1 and "".join(names) else ROLE_NAMES.get(role, role))
    if any(curve.role == "extrapolation" for curve in panel.curves):
        handles.append(Line2D([], [], color=NEUTRAL, ls="--", lw=1.2))
        labels.append("extrapolated")
    kept = [(h, label) for h, label in zip(handles, labels, strict=True) if label not in shown]
    shown.update(label for _, label in kept)
    return [h for h, _ in kept], [label for _, label in kept]


def _has_colorbar(figure: Figure) -> bool:
    return figure.group_scale == "log" and len(figure.groups) > 1


def _colorbar(matplotlib, result, axes, figure: Figure) -> None:
    values = [group.value for group in figure.groups]
    norm = matplotlib.colors.LogNorm(min(values), max(values))
    # The same truncated viridis as the points.
    cmap = matplotlib.colors.ListedColormap(matplotlib.colormaps["viridis"](np.linspace(0, 0.9, 256)))
    mappable = matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap)
    bar = result.colorbar(mappable, ax=list(axes), shrink=0.9, pad=0.02)
    bar.set_label(figure.group_title)
    kind: AxisKind = "flops" if "FLOP" in figure.group_title else "count"
    positions, labels = ticks(min(values), max(values), kind, most=7)
    if len(positions) >= 2:
        bar.set_ticks(positions, labels=labels)
        bar.ax.minorticks_off()
