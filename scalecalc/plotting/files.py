"""Draw a :class:`~scalecalc.plotting.spec.Figure` to a PNG, SVG or PDF file with matplotlib (the ``[plot]`` extra).

matplotlib is imported only here, inside the functions, with the Agg canvas and without pyplot (no global
figure state, no display). :func:`build_figure` returns the matplotlib ``Figure`` so that tests can inspect
its axes before anything is written; :func:`save_figure` writes it.

Conventions: log axes with major ticks at the positions and human-unit labels of
:func:`scalecalc.plotting.spec.ticks` (``1e22``, ``70B``), minor ticks unlabelled; data points coloured by group
(a log colour scale with a colour bar for budgets or sizes, a qualitative palette for presets); fitted curves
in their group's colour, the frontier in black, extrapolations dashed, bootstrap bands shaded; the law and
its constants as the legend title. SVG text stays text and PDF fonts are embedded as TrueType, so labels can
be searched and edited; files carry no creation date, so the same figure gives the same bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from scalecalc.errors import InputError
from scalecalc.plotting.spec import AxisKind, Figure, Panel, ticks

FILE_FORMATS = ("png", "svg", "pdf")
MISSING_MATPLOTLIB = "needs matplotlib, which is not installed: pip install 'scalecalc[plot]'"
PANEL_SIZE = (4.6, 4.0)  # inches per panel: two panels fit a two-column paper's full width at 9 pt
DPI = 200
NEUTRAL = "#555555"
STYLE = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 7.5,
    "legend.title_fontsize": 7.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.25,
    "grid.linewidth": 0.6,
    "svg.fonttype": "none",  # text stays text in SVG
    "svg.hashsalt": "scalecalc",  # stable element ids: identical figures give identical files
    "pdf.fonttype": 42,  # TrueType in PDF, editable in an illustrator
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.05,
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


def build_figure(figure: Figure) -> Any:
    """The matplotlib Figure for ``figure`` (not yet written anywhere)."""
    try:
        import matplotlib
        from matplotlib.figure import Figure as MplFigure
    except ImportError:
        raise InputError(MISSING_MATPLOTLIB) from None
    with matplotlib.rc_context(STYLE):  # type: ignore[arg-type]  # keys are checked by matplotlib at run time
        count = len(figure.panels)
        colorbar = _has_colorbar(figure)
        size = (PANEL_SIZE[0] * count + (0.8 if colorbar else 0.0), PANEL_SIZE[1])
        result = MplFigure(figsize=size, layout="constrained")
        axes = result.subplots(1, count, squeeze=False)[0]
        colours = _group_colours(matplotlib, figure)
        shown: set[str] = set()  # each label once, though two panels draw it
        handles: list[Any] = []
        labels: list[str] = []
        for ax, panel in zip(axes, figure.panels, strict=True):
            _draw_panel(ax, panel, colours, group_labels=not colorbar)
            more_handles, more_labels = _legend_entries(ax, panel, figure, shown)
            handles += more_handles
            labels += more_labels
        title = "\n".join(law.text() for law in figure.laws) or None
        if handles or title:
            # One legend for the figure, under the panels: never over the data, and wide enough for a law's
            # constants.
            result.legend(
                handles,
                labels,
                title=title,
                loc="outside lower center",
                frameon=False,
                ncols=max(1, min(len(handles), 2 * count)),
                alignment="center",
            )
        if colorbar:
            _colorbar(matplotlib, result, axes, figure)
        if figure.title:
            result.suptitle(figure.title, fontsize=11)
    return result


def save_figure(figure: Figure, path: str) -> Any:
    """Write ``figure`` to ``path`` (format from the extension; an existing file is replaced atomically, so
    a failure leaves it as it was); return the matplotlib Figure."""
    import io

    import matplotlib

    from scalecalc._files import check_target, write_atomically

    fmt = check_path(path)
    check_target(path, replace=True)
    drawn = build_figure(figure)
    encoded = io.BytesIO()  # drawn in memory, then written by the one atomic writer
    with matplotlib.rc_context(STYLE):  # type: ignore[arg-type]
        drawn.savefig(encoded, format=fmt, dpi=DPI, metadata=METADATA[fmt])
    write_atomically(path, encoded.getvalue())
    return drawn


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


def _draw_panel(ax, panel: Panel, colours: list[Any], *, group_labels: bool) -> None:
    def label(item: Any) -> str | None:
        return item.label or None if group_labels or item.group is None else None

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
        width = {"frontier": 2.0, "law": 1.8}.get(curve.role, 1.2)
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
                s=110,
                color=colour,
                edgecolors="black",
                linewidths=0.6,
                label=label(points),
                zorder=5,
            )
        elif points.role == "prediction":
            ax.scatter(
                points.x,
                points.y,
                marker="D",
                s=30,
                color="white",
                edgecolors="black",
                linewidths=1.0,
                label=label(points),
                zorder=6,
            )
        elif points.role == "excluded":
            ax.scatter(
                points.x, points.y, marker="x", s=22, color="#999999", linewidths=0.8, label=label(points), zorder=3
            )
        else:
            ax.scatter(
                points.x,
                points.y,
                s=16,
                color=colour,
                edgecolors="white",
                linewidths=0.4,
                alpha=0.9,
                label=label(points),
                zorder=3,
            )
    for points in panel.points:
        if points.low and points.high:
            mid, bottom, top = (np.array(v, dtype=float) for v in (points.y, points.low, points.high))
            error = [mid - bottom, top - mid]
            ax.errorbar(points.x, mid, yerr=error, fmt="none", ecolor="black", elinewidth=1.0, capsize=3, zorder=5)
    for marker in panel.markers:
        ax.axvline(marker.x, color="#888888", ls=":", lw=1.0, zorder=1)
        ax.annotate(
            marker.label,
            (marker.x, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(3, -3),
            textcoords="offset points",
            va="top",
            fontsize=7,
            color="#555555",
            rotation=90,
        )
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
