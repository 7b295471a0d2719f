"""Figure files as a reader meets them (issue 13): the size and look asked for with --figsize and --style, a unit
on every axis of every figure, and no label hiding a run. Geometry is checked in display pixels on the drawn
matplotlib figure, independently of how the backend chose the places."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from scalecalc.errors import InputError
from scalecalc.fitting import FitSpec
from scalecalc.fitting.engine import fit_law
from scalecalc.laws.broken import BrokenPowerLaw
from scalecalc.laws.sigmoid import SigmoidLaw
from scalecalc.plotting import build_figure, save_figure
from scalecalc.plotting.builders import figure_for
from scalecalc.plotting.spec import Axis, Figure, Marker, Panel, Points
from scalecalc.plotting.styles import STYLES, parse_figsize
from scalecalc.runs import Observations
from tests.conftest import ROOT, invoke
from tests.test_plotting_backends import envelope, frontier, isoflop  # noqa: F401  (fixtures)
from tests.test_plotting_builders import chinchilla_runs

LLAMA3 = str(ROOT / "examples" / "llama3-isoflops.csv")


def one_column(x: np.ndarray, y: np.ndarray, variable: str) -> Observations:
    nan = np.full(len(x), np.nan)
    return Observations("synthetic", nan, nan, nan, y, columns={"x": variable}, x=x)


@pytest.fixture(scope="module")
def fit() -> Figure:
    runs = chinchilla_runs()
    return figure_for(fit_law(runs, bootstrap=20, seed=0, at_flops=1e23), observations=runs)


@pytest.fixture(scope="module")
def broken() -> Figure:
    """A twice-broken curve with bootstrap intervals on both breaks: two labelled markers among the runs."""
    x = np.logspace(6, 11, 30)
    law = BrokenPowerLaw(1.5, 50.0, (0.1, 0.5, 0.2), (1e8, 3e9), (0.3, 0.3), "params")
    y = law.value(x) * np.exp(np.random.default_rng(1).normal(0.0, 0.005, len(x)))
    result = fit_law(one_column(x, y, "params"), FitSpec(form="broken", variable="params", breaks=2), bootstrap=20)
    return figure_for(result, observations=one_column(x, y, "params"))


@pytest.fixture(scope="module")
def sigmoid() -> Figure:
    loss = np.linspace(0.6, 1.6, 30)
    y = SigmoidLaw(0.85, 0.25, 6.0, 1.1, variable="task_loss").value(loss)
    data = one_column(loss, y, "task_loss")
    return figure_for(fit_law(data, FitSpec(form="sigmoid", variable="task_loss"), bootstrap=20), observations=data)


FIGURES = ["frontier", "isoflop", "envelope", "fit", "broken", "sigmoid"]


# --- units --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", FIGURES)
def test_every_axis_of_every_figure_names_its_unit(name: str, request: pytest.FixtureRequest) -> None:
    figure: Figure = request.getfixturevalue(name)
    for panel in figure.panels:
        for axis in (panel.x, panel.y):
            assert axis.unit.strip(), (name, panel.title, axis.label)
    drawn = build_figure(figure)
    for ax in drawn.axes:  # the panels and the colour bar, as drawn
        for label in (ax.get_xlabel(), ax.get_ylabel()):
            assert not label or label.endswith(")"), (name, label)
        assert ax.get_ylabel(), name
    losses = [a.title for p in figure.panels for a in (p.x, p.y) if a.label == "loss"]
    assert all(title == "loss (nats/token)" for title in losses)


def test_an_axis_without_a_unit_is_refused() -> None:
    with pytest.raises(ValueError, match="unit"):
        Axis("loss", "")


# --- labels never under a marker -----------------------------------------------------------------------------


def overlaps(drawn) -> list[str]:
    """Every marker label that covers a scatter marker, leaves its panel or covers another label."""
    from matplotlib.collections import PathCollection

    renderer = drawn.canvas.get_renderer()
    found = []
    for ax in drawn.axes:
        frame = ax.get_window_extent(renderer)
        boxes = [(text.get_text(), text.get_window_extent(renderer)) for text in ax.texts]
        for label, box in boxes:
            if not (frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1):
                found.append(f"{label!r} leaves its panel")
            for collection in ax.collections:
                if not isinstance(collection, PathCollection):
                    continue
                centres = collection.get_offset_transform().transform(np.asarray(collection.get_offsets(), float))
                radius = np.sqrt(np.max(collection.get_sizes())) / 2 * drawn.dpi / 72
                # the point of the box nearest each marker's centre, and its distance
                nearest_x = np.clip(centres[:, 0], box.x0, box.x1)
                nearest_y = np.clip(centres[:, 1], box.y0, box.y1)
                hit = np.hypot(centres[:, 0] - nearest_x, centres[:, 1] - nearest_y) < radius
                if hit.any():
                    found.append(f"{label!r} covers {int(hit.sum())} markers")
        for i, (first, a) in enumerate(boxes):
            for second, b in boxes[i + 1 :]:
                if a.overlaps(b):
                    found.append(f"{first!r} covers {second!r}")
    return found


@pytest.mark.parametrize("name", ["isoflop", "fit", "broken", "sigmoid"])
@pytest.mark.parametrize("style", list(STYLES))
def test_marker_labels_cover_no_run(name: str, style: str, request: pytest.FixtureRequest) -> None:
    figure: Figure = request.getfixturevalue(name)
    drawn = build_figure(figure, style)
    assert sum(len(ax.texts) for ax in drawn.axes) == sum(len(p.markers) for p in figure.panels) > 0
    assert overlaps(drawn) == []


def test_a_label_moves_off_runs_that_sit_where_it_would_go() -> None:
    """Runs fill the top right of a target's line, where its label goes first: the label must go elsewhere."""
    x = np.geomspace(1.1e21, 3e21, 12)
    crowd = Points("runs", tuple(np.repeat(x, 8)), tuple(np.tile(np.geomspace(2e10, 9e10, 8), 12)))
    low = Points("more runs", (1e19, 1e20), (1e8, 2e8))
    panel = Panel(
        "crowded",
        Axis("training compute C", "FLOPs", "flops"),
        Axis("N_opt", "parameters", "count"),
        points=(crowd, low),
        markers=(Marker(1e21, "target 1e21 (a long label that reaches down)"),),
    )
    drawn = build_figure(Figure("crowded", "crowded", (panel,)))
    assert overlaps(drawn) == []
    (text,) = drawn.axes[0].texts
    # not the first choice (along the line, right of it, from the top), which the runs cover
    assert (text.get_rotation(), text.get_va(), text.get_ha()) != (90.0, "top", "left")


# --- --figsize and --style -----------------------------------------------------------------------------------


def png_size(path) -> tuple[tuple[int, int], float]:
    with Image.open(path) as image:
        return image.size, image.info["dpi"][0]


@pytest.mark.parametrize(("style", "size", "dpi"), [("default", (9.2, 4.0), 200), ("paper", (6.2, 2.6), 300),
                                                    ("slides", (12.0, 5.0), 150)])  # fmt: skip
def test_each_style_sets_size_resolution_and_text(frontier: Figure, tmp_path, style, size, dpi) -> None:  # noqa: F811
    path = tmp_path / f"{style}.png"
    drawn = save_figure(frontier, str(path), style)
    pixels, resolution = png_size(path)
    assert pixels == (round(size[0] * dpi), round(size[1] * dpi)) and resolution == pytest.approx(dpi, abs=0.05)
    ax = drawn.axes[0]
    assert ax.xaxis.label.get_fontsize() == STYLES[style].font_size
    assert ax.get_lines()[0].get_linewidth() == pytest.approx(1.8 * STYLES[style].scale)  # a law's line


def test_figsize_reaches_the_file_exactly(runner, tmp_path) -> None:
    target = tmp_path / "f.png"
    args = ["plot", "frontier", "--plot-file", str(target), "--figsize", "7x3.5", "--style", "paper"]
    result = invoke(runner, args)
    assert result.exit_code == 0, result.stderr
    assert png_size(target) == ((2100, 1050), pytest.approx(300, abs=0.05))


@pytest.mark.parametrize("command", [["isoflop", LLAMA3, "--flops", "1e24"], ["fit", LLAMA3, "--form", "power",
                                                                               "--x", "flops"]])  # fmt: skip
def test_analyses_take_figsize_and_style(runner, tmp_path, command) -> None:
    target = tmp_path / "a.png"
    result = invoke(runner, [*command, "--plot-file", str(target), "--figsize", "8x4", "--style", "slides",
                             "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert png_size(target) == ((1200, 600), pytest.approx(150, abs=0.05))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--figsize", "0x3"], "--figsize"),
        (["--figsize", "abc"], "--figsize"),
        (["--figsize", "7x"], "--figsize"),
        (["--figsize", "nanxnan"], "--figsize"),
        (["--figsize", "100x3"], "--figsize"),
        (["--style", "nope"], "--style"),
        (["--figsize", "1x1"], "--figsize: 1x1 in is too small"),  # readable, but the figure cannot fit in it
    ],
)
def test_bad_figure_options_are_one_error_line(tmp_path, monkeypatch, capsys, args, message) -> None:
    """Through the console entry point, which turns click's refusals into one plain line as the user sees them."""
    from scalecalc.cli import main

    target = tmp_path / "f.png"
    monkeypatch.setattr("sys.argv", ["scalecalc", "plot", "frontier", "--plot-file", str(target), *args])
    with pytest.raises(SystemExit) as exit_request:
        main()
    out, err = capsys.readouterr()
    assert exit_request.value.code == 2 and out == ""
    (line,) = err.splitlines()
    assert line.startswith("error: ") and message in line and "Traceback" not in err
    assert not target.exists()


def test_figsize_reads_inches() -> None:
    assert parse_figsize("7x3") == (7.0, 3.0) and parse_figsize(" 3.5 × 2.6 ") == (3.5, 2.6)
    assert parse_figsize("12.5X4") == (12.5, 4.0)
    with pytest.raises(InputError, match="from 1 to 50 inches") as refused:
        parse_figsize("10x.5")
    assert refused.value.param == "figsize"


def test_help_shows_the_styles_and_defaults(runner) -> None:
    for command in (["plot", "frontier"], ["fit"], ["isoflop"], ["envelope"]):
        text = " ".join(invoke(runner, [*command, "--help"]).stdout.replace("│", " ").split())  # Rich's frame out
        assert "--figsize" in text and "the style's size per panel" in text, command
        assert all(f"{name}: {look.meaning}" in text for name, look in STYLES.items()), command
        assert "default: default" in text or "[default: default]" in text, command
