"""Drawing: every figure rendered to a fixed-size terminal buffer (plotext) and to PNG/SVG/PDF (matplotlib), and
checked for what it shows: titles, axis labels and ranges, tick labels in human units, the number of points,
line styles, the legend."""

from __future__ import annotations

import math
import re
import sys

import numpy as np
import pytest

from scalecalc.approaches.envelope import fit_envelope
from scalecalc.approaches.isoflop import fit_isoflops
from scalecalc.errors import InputError
from scalecalc.plotting import build_figure, render_text, save_figure
from scalecalc.plotting.builders import figure_for, frontier_figure
from scalecalc.plotting.spec import Axis, Curve, Figure, Group, Panel, Points
from scalecalc.plotting.terminal import CURVE_GLYPHS, GROUP_GLYPHS, OPTIMUM_GLYPH
from scalecalc.presets import load_preset
from scalecalc.runs import Observations
from tests.test_plotting_builders import EPOCH, synthetic_isoflops

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def frontier() -> Figure:
    return frontier_figure([load_preset(n) for n in ("epoch-2024", "chinchilla", "llama3-2024")], 1e20, 1e26)


@pytest.fixture(scope="module")
def isoflop() -> Figure:
    runs = synthetic_isoflops(budgets=(1e18, 1e19, 1e20, 1e21))
    result = fit_isoflops(
        runs.n_params, runs.n_tokens, runs.compute_flops, runs.loss, targets=np.array([1e23]), bootstrap=20
    )
    return figure_for(result, observations=runs)


@pytest.fixture(scope="module")
def envelope() -> Figure:
    grid = [(n, d) for n in np.geomspace(5e7, 5e9, 5) for d in np.geomspace(1e9, 2e11, 12)]
    rows = [(n, d, 6 * n * d, float(EPOCH.loss(n, d))) for n, d in grid]
    n, d, c, loss = (np.array(v) for v in zip(*rows, strict=True))
    return figure_for(fit_envelope(n, c, loss, bootstrap=10), observations=Observations("curves", n, d, c, loss))


def scatter_figure() -> Figure:
    """Five points of one group and three of another, far enough apart to land in separate cells, one curve."""
    first = Points("five", (1e19, 1e20, 1e21, 1e22, 1e23), (1e9, 3e9, 1e10, 3e10, 1e11), 0)
    second = Points("three", (1e19, 1e22, 1e23), (1e11, 3e9, 1e9), 1)
    line = Curve("a law", (1e19, 1e23), (2e9, 2e10), 1, "fit")
    x_axis = Axis("compute", "FLOPs", "flops", limits=(1e18, 1e24))
    y_axis = Axis("size", "parameters", "count", limits=(1e8, 1e12))
    panel = Panel("runs", x_axis, y_axis, points=(first, second), curves=(line,))
    return Figure("scatter", "a scatter", (panel,), (Group("a", 1.0), Group("b", 2.0)))


def chart_lines(text: str) -> list[str]:
    """The chart's rows: from the top frame to the bottom frame."""
    lines = text.splitlines()
    top = next(i for i, line in enumerate(lines) if "┌" in line)
    bottom = next(i for i, line in enumerate(lines) if "└" in line)
    return lines[top : bottom + 1]


# --- terminal ---------------------------------------------------------------------------------------------


def test_terminal_chart_has_the_size_asked_for_and_no_colour(frontier: Figure) -> None:
    text = render_text(frontier, 100, 24)
    assert not ANSI.search(text)
    lines = text.splitlines()
    assert lines[0].strip() == "compute-optimal frontier, 1e20 to 1e26 FLOPs"
    assert all(len(line) <= 100 for line in lines)
    chart = lines[1:25]  # the title, then 24 rows of chart, then the legend
    assert "└" in chart[-3] and "1e20" in chart[-2] and "1e26" in chart[-2]  # x tick labels under the frame
    assert "training compute C (FLOPs)" in chart[-1]
    assert "N_opt (parameters)" in chart[0] and "D_opt (tokens)" in chart[0]  # panels side by side
    assert lines[25].startswith(CURVE_GLYPHS[0] * 2 + " epoch-2024")  # legend under the chart


def test_terminal_ticks_read_in_human_units(frontier: Figure) -> None:
    text = render_text(frontier, 120, 30)
    y_ticks = {m.group(1) for m in re.finditer(r"(\S+)┤", "\n".join(chart_lines(text)))}
    assert {"1B", "10B", "100B", "1T", "10T"} <= y_ticks  # both panels: N_opt up to 1T, D_opt to 10T
    assert re.search(r"1e20\s+1e22\s+1e24\s+1e26", text)


def test_terminal_draws_one_marker_per_point_where_it_belongs() -> None:
    text = render_text(scatter_figure(), 80, 25)
    chart = chart_lines(text)
    body = "\n".join(chart)
    assert body.count(GROUP_GLYPHS[0]) == 5 and body.count(GROUP_GLYPHS[1]) == 3
    assert CURVE_GLYPHS[1] in body  # the curve, in its group's character
    # the middle point (1e21, 1e10) sits at the centre of the canvas on log axes
    rows = [i for i, line in enumerate(chart) if line.count(GROUP_GLYPHS[0]) == 1 and "xxx" in line]
    middle = [i for i in range(1, len(chart) - 1) if "10B┤" in chart[i]]
    assert middle and any(abs(i - middle[0]) <= 1 for i in rows)  # 1e10 is the middle of 1e8..1e12
    line = next(chart[i] for i in range(middle[0] - 1, middle[0] + 2) if GROUP_GLYPHS[0] in chart[i])
    left, right = line.index("┤") if "┤" in line else line.index("│"), line.rindex("│")
    column = (line.index(GROUP_GLYPHS[0]) - left) / (right - left)
    assert column == pytest.approx(0.5, abs=0.05)  # 1e21 is the middle of 1e18..1e24
    legend = text.splitlines()[-1]
    assert f"{GROUP_GLYPHS[0]} five" in legend and f"{GROUP_GLYPHS[1]} three" in legend


def test_terminal_colour_only_when_asked(frontier: Figure) -> None:
    coloured = render_text(frontier, 100, 24, color=True)
    assert ANSI.search(coloured)
    assert "48;5;15" not in coloured  # no white canvas painted over a dark terminal


def test_narrow_terminals_stack_panels(frontier: Figure) -> None:
    text = render_text(frontier, 60, 30)
    assert all(len(line) <= 60 for line in text.splitlines())
    titles = [line for line in text.splitlines() if "compute-optimal" in line and "frontier" not in line]
    assert len(titles) == 2  # one panel above the other


def test_terminal_isoflop_chart(isoflop: Figure) -> None:
    text = render_text(isoflop, 130, 30)
    body = "\n".join(chart_lines(text))
    assert "isoFLOP profiles" in text and "model size N (parameters)" in text
    assert body.count(OPTIMUM_GLYPH) >= 4  # a minimum per budget on the left, again on the right
    assert "target 1e23" in text and "95% bootstrap interval" in text
    assert "Approach 2: N_opt = k_N C^a" in text
    for glyph in GROUP_GLYPHS[:4]:
        assert glyph in body  # four budgets, four marker shapes


def test_terminal_envelope_chart(envelope: Figure) -> None:
    text = render_text(envelope, 120, 26)
    assert "training curves and their envelope" in text and "lowest loss (envelope)" in text
    assert "N=50M" in text and "N=5B" in text


# --- files ----------------------------------------------------------------------------------------------


def tick_texts(axis) -> list[str]:
    return [label.get_text() for label in axis.get_majorticklabels()]


def test_file_frontier_axes(frontier: Figure) -> None:
    drawn = build_figure(frontier)
    params_ax, tokens_ax = drawn.axes
    assert params_ax.get_xscale() == "log" and params_ax.get_yscale() == "log"
    assert params_ax.get_xlim() == pytest.approx((1e20, 1e26))
    assert params_ax.get_xlabel() == "training compute C (FLOPs)" and params_ax.get_ylabel() == "N_opt (parameters)"
    assert tokens_ax.get_ylabel() == "D_opt (tokens)"
    assert tick_texts(params_ax.xaxis) == ["1e20", "1e21", "1e22", "1e23", "1e24", "1e25", "1e26"]
    assert {"1B", "10B", "100B", "1T"} <= set(tick_texts(params_ax.yaxis))
    styles = [line.get_linestyle() for line in params_ax.get_lines()]
    assert styles.count("-") == 3 and styles.count("--") == 3  # each law solid, then dashed beyond its range
    (legend_box,) = drawn.legends
    legend = [t.get_text() for t in legend_box.get_texts()]
    assert legend[:3] == [
        "epoch-2024 (N∝C^0.513, D∝C^0.487)",
        "chinchilla (N∝C^0.452, D∝C^0.548)",
        "llama3-2024 (N∝C^0.463, D∝C^0.537)",
    ]
    assert legend.count("extrapolated") == 1  # once, though both panels extrapolate
    colours = {tuple(line.get_color()) for line in params_ax.get_lines() if line.get_linestyle() == "-"}
    assert len(colours) == 3  # one colour per law


def test_file_isoflop_points_colours_and_band(isoflop: Figure) -> None:
    drawn = build_figure(isoflop)
    profiles_ax, allocation_ax, colorbar_ax = drawn.axes
    assert colorbar_ax.get_ylabel() == "compute budget C (FLOPs)"
    assert [t.get_text() for t in colorbar_ax.get_yticklabels()] == ["1e18", "1e19", "1e20", "1e21"]
    offsets = [c.get_offsets() for c in profiles_ax.collections]
    assert sum(len(o) for o in offsets) == 4 * 7 + 4  # every run and one star per budget
    assert profiles_ax.get_yscale() == "linear" and profiles_ax.get_xscale() == "log"
    (legend_box,) = drawn.legends
    legend = [t.get_text() for t in legend_box.get_texts()]
    assert {"runs", "fitted minimum", "fitted curve", "prediction at --flops (95% bootstrap interval)"} <= set(legend)
    # the interval at the one target is an error bar from its low to its high end
    (prediction,) = [p for p in isoflop.panels[1].points if p.role == "prediction"]
    segments = [seg for c in allocation_ax.collections if hasattr(c, "get_segments") for seg in c.get_segments()]
    assert any(np.allclose(seg[:, 1], [prediction.low[0], prediction.high[0]]) for seg in segments)
    title = legend_box.get_title().get_text()
    assert "Approach 2: N_opt = k_N C^a" in title and "D_opt = k_D C^b" in title
    assert allocation_ax.get_xlim()[1] > 1e23  # reaches the target


def test_file_envelope(envelope: Figure) -> None:
    drawn = build_figure(envelope)
    assert drawn.axes[-1].get_ylabel() == "model size N (parameters)"
    assert drawn.axes[0].get_lines()[0].get_label() == "lowest loss (envelope)"


def test_png_svg_pdf_are_written_and_reproducible(frontier: Figure, tmp_path) -> None:
    import matplotlib.image

    png = tmp_path / "f.png"
    save_figure(frontier, str(png))
    image = matplotlib.image.imread(png)
    height, width = image.shape[:2]
    assert 1000 < width < 2500 and 600 < height < 1500 and image.std() > 0.05  # 200 dpi, not blank
    svg = tmp_path / "f.svg"
    save_figure(frontier, str(svg))
    text = svg.read_text()
    assert "training compute C (FLOPs)" in text and "epoch-2024" in text and ">1e22<" in text  # text stays text
    pdf = tmp_path / "f.pdf"
    save_figure(frontier, str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")
    again = tmp_path / "g.svg"
    save_figure(frontier, str(again))
    assert again.read_bytes() == svg.read_bytes()  # no dates, stable ids


def test_file_errors_name_the_path(frontier: Figure, tmp_path) -> None:
    with pytest.raises(InputError, match=r"^path: .*\.jpg.*\.png, \.svg or \.pdf") as extension:
        save_figure(frontier, str(tmp_path / "f.jpg"))
    assert extension.value.param == "path"  # the backend's parameter; the CLI shows it as --plot-file
    with pytest.raises(InputError, match="^path: directory .* does not exist"):
        save_figure(frontier, str(tmp_path / "missing" / "f.png"))
    assert not (tmp_path / "missing").exists()


def test_missing_matplotlib_says_how_to_install(frontier: Figure, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if it were not installed
    with pytest.raises(InputError, match=r"pip install 'scalecalc\[plot\]'"):
        build_figure(frontier)


def test_values_that_cannot_be_drawn_are_left_out(tmp_path) -> None:
    points = Points("runs", (1e19, 1e20, 1e21, 1e22), (2.0, math.nan, 0.0, 3.0))  # NaN, and 0 on a log axis
    curve = Curve("law", (1e19, 1e20, 1e21), (2.5, math.inf, 2.2))
    loss = Axis("loss", "nats/token", "value")
    panel = Panel("p", Axis("C", "FLOPs", "flops"), loss, points=(points,), curves=(curve,))
    figure = Figure("nan", "with gaps", (panel,))
    body = "\n".join(chart_lines(render_text(figure, 80, 20)))
    assert body.count(GROUP_GLYPHS[0]) == 2
    save_figure(figure, str(tmp_path / "nan.png"))
