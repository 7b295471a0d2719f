"""`scalecalc plot frontier`, and the `--plot` / `--plot-file` options that `fit`, `isoflop` and `envelope` share.

Where a terminal chart goes: a command that prints a result draws its chart (``--plot``) on stdout only when
stdout is a terminal and the format is ``table``; otherwise on stderr, so json/csv/tsv on stdout stay
machine-readable. ``scalecalc plot frontier`` prints nothing but the chart, so its chart is its stdout.
Charts take the terminal's size (``COLUMNS``/``LINES`` are honoured) and are coloured only on a terminal
without ``NO_COLOR``. ``--plot-file``, ``--figsize`` and ``--style`` are checked while the options are parsed
(extension, directory, matplotlib installed; a readable size; a known style), before any work is done.
"""

from __future__ import annotations

import os
import re
import sys
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer
from typer._types import TyperChoice

from scalecalc.cli._app import app
from scalecalc.cli._common import check_new_file, command, note, preset_list, resolve_format
from scalecalc.defaults import COMPARE_PRESETS
from scalecalc.errors import InputError, ScalecalcError
from scalecalc.plotting.styles import DEFAULT_STYLE, STYLES, parse_figsize
from scalecalc.units import parse_quantity, shown

if TYPE_CHECKING:
    from scalecalc.plotting.spec import Figure

MIN_SIZE = (30, 8)
MAX_SIZE = (1000, 500)  # a chart wider than any screen; plotext allocates the whole canvas, so bound it
FALLBACK_SIZE = (100, 30)
RESERVED_LINES = 8  # the title, the legend and notes under the chart, and the shell prompt


def _check_plot_file(value: str | None) -> str | None:
    """Option callback: a bad --plot-file fails before the command runs (exit 2)."""
    if value is None:
        return None
    from scalecalc.plotting.files import check_matplotlib, check_path

    try:
        check_path(value)
        check_matplotlib()
    except ScalecalcError as error:
        raise typer.BadParameter(error.message) from None  # Typer names the option: "Invalid value for ..."
    return value


PlotOption = Annotated[
    bool,
    typer.Option(
        "--plot",
        help="Draw the result in the terminal (stdout with a table on a terminal, else stderr; never inside "
        "json/csv output).",
    ),
]
PlotFileOption = Annotated[
    str | None,
    typer.Option(
        "--plot-file",
        help="Write the figure to FILE.png, .svg or .pdf (an existing file only with --force; needs "
        "pip install 'scalecalc[plot]').",
        callback=_check_plot_file,
        show_default=False,
    ),
]
def _check_figsize(value: str | None) -> str | None:
    """Option callback: a --figsize that cannot be read or is out of range fails before the command runs."""
    if value is not None:
        try:
            parse_figsize(value)
        except ScalecalcError as error:
            raise typer.BadParameter(error.message) from None
    return value


FigsizeOption = Annotated[
    str | None,
    typer.Option(
        "--figsize",
        metavar="WxH",
        help="Size of the --plot-file figure in inches, e.g. 7x3 (the file is exactly this size).",
        callback=_check_figsize,
        show_default="the style's size per panel",
    ),
]
StyleOption = Annotated[
    str,
    typer.Option(
        "--style",
        metavar="<STYLE>",  # the choices are in the help, each with its meaning; a wide metavar squeezes every column
        click_type=TyperChoice(list(STYLES)),
        help="Look of the --plot-file figure: " + "; ".join(f"{name}: {look.meaning}" for name, look in STYLES.items()),
    ),
]
PlotSizeOption = Annotated[
    str | None,
    typer.Option(
        "--plot-size",
        help="Terminal chart size as WIDTHxHEIGHT in characters (default: the terminal's).",
        show_default=False,
    ),
]


def check_plot_target(path: str | None, force: bool) -> None:
    """Refuse to replace a file the user already has, unless --force (checked before any work is done)."""
    check_new_file(path, force=force, option="--plot-file")


def show_plot(
    result: Any,
    *,
    plot: bool,
    plot_file: str | None,
    fmt: str | None = None,
    plot_size: str | None = None,
    figsize: str | None = None,
    style: str = DEFAULT_STYLE,
    **context: Any,
) -> None:
    """Draw ``result`` (a :class:`~scalecalc.plotting.spec.Figure`, or a result object that
    :func:`scalecalc.plotting.builders.figure_for` knows, given ``context``) in the terminal and/or to a file
    (in ``style``, ``figsize`` inches)."""
    if not plot and plot_file is None:
        return
    from scalecalc.plotting.builders import figure_for
    from scalecalc.plotting.spec import Figure

    try:
        figure = result if isinstance(result, Figure) else figure_for(result, **context)
    except ScalecalcError as error:  # the builder names its own parameter; the user asked for the figure by --plot
        raise type(error)(error.message, param="plot") from None
    if plot_file is not None:
        write_plot_file(figure, plot_file, figsize, style)
    if plot:
        stream = sys.stdout if sys.stdout.isatty() and resolve_format(fmt) == "table" else sys.stderr
        sys.stdout.flush()
        draw_in_terminal(figure, stream, plot_size)


def write_plot_file(figure: Figure, path: str, figsize: str | None = None, style: str = DEFAULT_STYLE) -> None:
    from scalecalc.plotting.files import save_figure

    try:
        save_figure(figure, path, style, parse_figsize(figsize) if figsize else None)
    except ScalecalcError as error:  # the backend's `path` is --plot-file here; figsize and style keep their names
        param = error.param if error.param in ("figsize", "style") else "plot_file"
        raise type(error)(error.message, param=param) from None
    note(f"wrote {path}")


def draw_in_terminal(figure: Figure, stream: TextIO, plot_size: str | None) -> None:
    from scalecalc.plotting.terminal import render_text

    width, height = parse_plot_size(plot_size) if plot_size else terminal_chart_size(stream)
    stream.write(render_text(figure, width, height, color=wants_color(stream)))
    stream.flush()


def parse_plot_size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", text)
    if match is None:
        raise InputError(f"--plot-size: cannot read {shown(text)}; give WIDTHxHEIGHT in characters, e.g. 100x30")
    width, height = int(match[1]), int(match[2])
    if width < MIN_SIZE[0] or height < MIN_SIZE[1]:
        raise InputError(f"--plot-size: {text} is too small; give at least {MIN_SIZE[0]}x{MIN_SIZE[1]}")
    if width > MAX_SIZE[0] or height > MAX_SIZE[1]:
        raise InputError(f"--plot-size: {text} is too large; give at most {MAX_SIZE[0]}x{MAX_SIZE[1]}")
    return width, height


def terminal_chart_size(stream: TextIO) -> tuple[int, int]:
    """The chart size for the terminal behind ``stream`` (``COLUMNS``/``LINES`` first), leaving room for the
    legend and the prompt; at most 40 rows, which is tall enough to read a log-log slope."""
    columns, lines = FALLBACK_SIZE
    try:
        columns, lines = os.get_terminal_size(stream.fileno())
    except (AttributeError, OSError, ValueError):
        pass
    columns = _env_int("COLUMNS", columns)
    lines = _env_int("LINES", lines)
    return max(columns, MIN_SIZE[0]), min(max(lines - RESERVED_LINES, 12), 40)


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, ""))
    except ValueError:
        return default


def wants_color(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


plot_app = typer.Typer(
    help="Pictures of published laws in the terminal or as PNG/SVG/PDF files.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(plot_app, name="plot")


@command(plot_app, "frontier", flags={"presets": "--preset", "low_flops": "--from", "high_flops": "--to"})
def frontier(
    preset: Annotated[
        str, typer.Option("--preset", "-p", help="Comma-separated presets (or preset files) to draw side by side.")
    ] = COMPARE_PRESETS,
    low: Annotated[str, typer.Option("--from", help="Lowest training compute (FLOPs or PF-days).")] = "1e20",
    high: Annotated[str, typer.Option("--to", help="Highest training compute (FLOPs or PF-days).")] = "1e26",
    plot_file: PlotFileOption = None,
    figsize: FigsizeOption = None,
    style: StyleOption = DEFAULT_STYLE,
    plot_size: PlotSizeOption = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing --plot-file.")] = False,
) -> None:
    """Published laws' compute-optimal parameters N_opt(C) and tokens D_opt(C), side by side.

    Each law is solid over the compute range it was fitted on and broken beyond it; the legend gives its
    exponents. Without --plot-file the chart is printed (to stdout).

    \b
    scalecalc plot frontier
    scalecalc plot frontier --preset epoch-2024,chinchilla,llama3-2024 --from 1e20 --to 1e26
    scalecalc plot frontier -p chinchilla,kaplan-2020 --plot-file frontier.png    # or .svg, .pdf
    scalecalc plot frontier --plot-file frontier.pdf --style paper --figsize 7x2.6
    """
    from scalecalc.plotting.builders import frontier_figure
    check_plot_target(plot_file, force)
    presets = preset_list(preset, can_answer=lambda _: True)  # a default is always given
    low_flops = parse_quantity(low, "--from", compute=True)
    high_flops = parse_quantity(high, "--to", compute=True)
    if plot_size is not None:
        parse_plot_size(plot_size)
    if low_flops >= high_flops:
        raise InputError(f"--from {low} must be below --to {high}")
    figure = frontier_figure(presets, low_flops, high_flops)
    if plot_file is not None:
        write_plot_file(figure, plot_file, figsize, style)
    else:
        draw_in_terminal(figure, sys.stdout, plot_size)
