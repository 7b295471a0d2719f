"""Figure builders: what each puts in its picture (checked against the published constants and against the
results it was built from, not against itself)."""

from __future__ import annotations

import numpy as np
import pytest

from scalecalc.approaches.envelope import fit_envelope
from scalecalc.approaches.isoflop import fit_isoflops
from scalecalc.errors import InputError
from scalecalc.laws import ChinchillaLaw
from scalecalc.plotting.builders import (
    envelope_figure,
    figure_for,
    fitted_compute_range,
    frontier_figure,
    isoflop_figure,
    loss_law_figure,
    profile_curve,
)
from scalecalc.presets import load_preset
from scalecalc.runs import Observations

# Besiroglu et al. 2024 (Epoch) estimates table, arXiv:2404.10102: the law behind synthetic sweeps below.
EPOCH = ChinchillaLaw(E=1.8172, A=482.01, B=2085.43, alpha=0.3478, beta=0.3658)


# --- the frontier of published laws ---------------------------------------------------------------------


def test_frontier_draws_each_law_from_its_published_constants() -> None:
    figure = frontier_figure([load_preset("epoch-2024"), load_preset("llama3-2024")], 1e20, 1e26)
    params_panel, tokens_panel = figure.panels
    assert [g.label for g in figure.groups] == ["epoch-2024", "llama3-2024"]
    assert params_panel.x.limits == (1e20, 1e26) and params_panel.x.title == "training compute C (FLOPs)"
    assert params_panel.y.title == "N_opt (parameters)" and tokens_panel.y.title == "D_opt (tokens)"
    # Epoch: Hoffmann Eq. 4 by hand, N_opt = G (C/6)^(beta/(alpha+beta)), G = (alpha A / (beta B))^(1/(alpha+beta))
    A, B, alpha, beta = 482.01, 2085.43, 0.3478, 0.3658
    G = (alpha * A / (beta * B)) ** (1 / (alpha + beta))
    epoch = [c for c in params_panel.curves if c.group == 0]
    for curve in epoch:
        c = np.array(curve.x)
        np.testing.assert_allclose(curve.y, G * (c / 6) ** (beta / (alpha + beta)), rtol=1e-10)
    # Llama 3 Fig. 3: D_opt = 0.299 C^0.537
    for curve in (c for c in tokens_panel.curves if c.group == 1):
        np.testing.assert_allclose(curve.y, 0.299 * np.array(curve.x) ** 0.537, rtol=1e-10)
    labels = {c.label for c in params_panel.curves if c.label}
    assert labels == {"epoch-2024 (N∝C^0.513, D∝C^0.487)", "llama3-2024 (N∝C^0.463, D∝C^0.537)"}


def test_frontier_is_solid_over_the_fitted_range_and_dashed_beyond() -> None:
    figure = frontier_figure([load_preset("epoch-2024")], 1e20, 1e26)
    solid = [c for c in figure.panels[0].curves if c.role == "law"]
    dashed = [c for c in figure.panels[0].curves if c.role == "extrapolation"]
    assert len(solid) == 1 and len(dashed) == 1
    assert solid[0].x[0] == pytest.approx(1e20) and solid[0].x[-1] <= 1.3e22  # fitted_range.flops of the preset
    assert dashed[0].x[0] <= 1.3e22 <= dashed[0].x[1] and dashed[0].x[-1] == pytest.approx(1e26)  # joined, no gap
    assert dashed[0].label == ""  # the legend names each law once


def test_a_law_fitted_only_below_the_range_is_all_extrapolation() -> None:
    kaplan = load_preset("kaplan-2020")  # fitted on 768 to 1.5e9 non-embedding parameters
    low, high = fitted_compute_range(kaplan)
    assert kaplan.allocation.allocate(np.array([high]))[0][0] == pytest.approx(1.5e9)
    curves = frontier_figure([kaplan], 1e21, 1e25).panels[0].curves
    assert [c.role for c in curves] == ["extrapolation"] and curves[0].label.startswith("kaplan-2020")
    notes = frontier_figure([kaplan, load_preset("epoch-2024")], 1e21, 1e25).notes
    assert any("own convention" in note for note in notes)  # non-embedding vs total parameters


def test_frontier_rejects_bad_ranges_and_nothing_to_draw() -> None:
    with pytest.raises(InputError, match="below high_flops") as bad_range:
        frontier_figure([load_preset("epoch-2024")], 1e24, 1e20)
    assert bad_range.value.param == "low_flops"  # the core names its parameter; the CLI maps it to --from
    with pytest.raises(InputError, match="at least one preset") as nothing:
        frontier_figure([], 1e20, 1e24)
    assert nothing.value.param == "presets"


# --- isoFLOP profiles (Approach 2) -----------------------------------------------------------------------


def synthetic_isoflops(budgets=(1e18, 1e19, 1e20), sizes_per_budget: int = 7) -> Observations:
    rows = []
    for c in budgets:
        centre, _ = EPOCH.allocate(np.array([c]))
        for n in centre[0] * np.geomspace(0.25, 4, sizes_per_budget):
            d = c / (6 * n)
            rows.append((n, d, c, float(EPOCH.loss(n, d))))
    n, d, c, loss = (np.array(v) for v in zip(*rows, strict=True))
    return Observations("synthetic", n, d, c, loss)


def fit(observations: Observations, **options):
    return fit_isoflops(
        observations.n_params, observations.n_tokens, observations.compute_flops, observations.loss, **options
    )


def test_isoflop_figure_shows_every_run_profile_and_minimum() -> None:
    runs = synthetic_isoflops()
    result = fit(runs, targets=np.array([1e22, 1e24]), bootstrap=30, seed=1)
    figure = figure_for(result, observations=runs)
    assert figure == isoflop_figure(result, runs)
    profiles, allocation = figure.panels
    assert [g.value for g in figure.groups] == [1e18, 1e19, 1e20] and figure.group_scale == "log"
    assert figure.group_title == "compute budget C (FLOPs)"
    data = [p for p in profiles.points if p.role == "data"]
    assert [len(p.x) for p in data] == [7, 7, 7] and sum(len(p.x) for p in data) == len(runs)
    np.testing.assert_allclose(sorted(x for p in data for x in p.x), sorted(runs.n_params))
    assert [c.group for c in profiles.curves] == [0, 1, 2]
    stars = [p for p in profiles.points if p.role == "optimum"]
    for star, budget in zip(stars, result.budgets, strict=True):
        assert star.x == (budget.params,) and star.y == (budget.loss,)
    # the drawn parabola bottoms out at the budget's fitted minimum (to the resolution of its 60 samples)
    for curve, budget in zip(profiles.curves, result.budgets, strict=True):
        lowest = int(np.argmin(curve.y))
        assert curve.x[max(lowest - 1, 0)] <= budget.params * 1.001 and budget.params <= curve.x[lowest + 1] * 1.001
        assert min(curve.y) == pytest.approx(budget.loss, abs=1e-4)
    # right panel: the fitted law N_opt = k C^a, solid over the budgets, dashed to the targets
    law = result.params_law
    solid = [c for c in allocation.curves if c.role == "frontier"]
    dashed = [c for c in allocation.curves if c.role == "extrapolation"]
    assert solid[0].x[0] == pytest.approx(1e18) and solid[0].x[-1] <= 1e20
    assert dashed[-1].x[-1] == pytest.approx(1e24)
    for curve in allocation.curves:
        np.testing.assert_allclose(np.array(curve.y) / np.array(curve.x) ** law.exponent, law.coefficient, rtol=1e-9)
    (prediction,) = [p for p in allocation.points if p.role == "prediction"]
    assert prediction.x == (1e22, 1e24) and prediction.low == tuple(result.prediction.params_low)
    assert prediction.high == tuple(result.prediction.params_high)
    (band,) = allocation.bands  # the bootstrap lines' percentiles along the whole range, budgets to targets
    assert band.x[0] == pytest.approx(1e18) and band.x[-1] == pytest.approx(1e24)
    slopes, intercepts = result.line_draws[:, 0], result.line_draws[:, 1]
    for x, low, high in zip(band.x, band.low, band.high, strict=True):
        drawn = 10 ** (intercepts + slopes * np.log10(x))
        assert (low, high) == pytest.approx(tuple(np.percentile(drawn, [2.5, 97.5])), rel=1e-9)
    # at the last target it is the interval the analysis reports there
    assert (band.low[-1], band.high[-1]) == pytest.approx(
        (result.prediction.params_low[-1], result.prediction.params_high[-1]), rel=1e-9
    )
    assert [m.label for m in allocation.markers] == ["target 1e22", "target 1e24"]
    assert "a=" in figure.laws[0].text() and "b=" in figure.laws[1].text()


def test_isoflop_figure_marks_budgets_left_out() -> None:
    runs = synthetic_isoflops(budgets=(1e18, 1e19, 1e20, 1e21))
    keep = ~((runs.compute_flops == 1e21) & (runs.n_params > 0.9 * EPOCH.allocate(np.array([1e21]))[0][0]))
    edge = Observations("edge", runs.n_params[keep], runs.n_tokens[keep], runs.compute_flops[keep], runs.loss[keep])
    result = fit(edge, bootstrap=0)
    assert result.budgets[-1].status == "edge-minimum"
    profiles = isoflop_figure(result, edge).panels[0]
    (left_out,) = [p for p in profiles.points if p.role == "excluded"]
    assert left_out.group == 3 and "left out: edge-minimum" in left_out.label
    assert len([p for p in profiles.points if p.role == "optimum"]) == 3  # no minimum drawn for it


def test_profile_curve_follows_each_method() -> None:
    n = np.geomspace(1e8, 1e10, 7)
    d = 1e20 / (6 * n)
    loss = 2.0 + 0.05 * (np.log10(n) - 9.0) ** 2  # a parabola in log10 N with its vertex at 1e9
    for method in ("parabola", "parabola-d", "cubic", "akima"):
        x, y = profile_curve(method, n, d, loss, 1e20)
        assert x[0] == pytest.approx(1e8) and x[-1] == pytest.approx(1e10)
        assert min(y) == pytest.approx(2.0, abs=1e-3), method
        assert x[int(np.argmin(y))] == pytest.approx(1e9, rel=0.1), method
    assert profile_curve("parabola", n[:2], d[:2], loss[:2], 1e20) is None


# --- the training-curve envelope (Approach 1) ------------------------------------------------------------


def test_envelope_figure_shows_runs_by_size_and_the_envelope() -> None:
    rows = [
        (n, d, 6 * n * d, float(EPOCH.loss(n, d)))
        for n in np.geomspace(5e7, 5e9, 5)
        for d in np.geomspace(1e9, 2e11, 12)
    ]
    n, d, c, loss = (np.array(v) for v in zip(*rows, strict=True))
    runs = Observations("curves", n, d, c, loss)
    result = fit_envelope(n, c, loss, targets=np.array([1e23]), bootstrap=20)
    figure = figure_for(result, observations=runs)
    assert figure == envelope_figure(result, runs)
    curves_panel, allocation = figure.panels
    assert [g.value for g in figure.groups] == pytest.approx(np.geomspace(5e7, 5e9, 5).tolist())
    assert figure.group_title == "model size N (parameters)"
    assert [len(p.x) for p in curves_panel.points] == [12] * 5
    (envelope,) = curves_panel.curves
    assert envelope.role == "frontier"
    # the envelope is the lowest loss at each compute level: no run lies below it (by more than interpolation)
    for points in curves_panel.points:
        below = np.interp(np.log(points.x), np.log(envelope.x), envelope.y, left=np.inf, right=np.inf)
        assert np.all(np.array(points.y) >= below - 1e-3)
    winners = [p for p in allocation.points if p.label == "envelope winner"]
    assert winners and all(p.group is not None for p in winners)
    assert {p.y[0] for p in winners} <= set(np.geomspace(5e7, 5e9, 5).tolist())


def test_figure_for_unknown_results_says_so() -> None:
    with pytest.raises(InputError, match="no figure is defined for a object") as unknown:
        figure_for(object())
    assert unknown.value.param == "result"


# --- a fitted loss law with its runs ----------------------------------------------------------------------


def chinchilla_runs(sizes: int = 5) -> Observations:
    grid = [(n, d) for n in np.geomspace(1e8, 1e10, sizes) for d in np.geomspace(2e9, 2e11, 6)]
    n, d = (np.array(v) for v in zip(*grid, strict=True))
    return Observations("synthetic", n, d, 6 * n * d, EPOCH.loss(n, d))


def test_loss_law_figure_draws_runs_law_frontier_and_band() -> None:
    runs = chinchilla_runs()
    draws = {"E": np.array([1.80, 1.82, 1.84]), "A": np.full(3, 482.01), "B": np.full(3, 2085.43),
             "alpha": np.array([0.34, 0.3478, 0.355]), "beta": np.full(3, 0.3658)}  # fmt: skip
    figure = loss_law_figure(EPOCH, runs, draws=draws, level=0.9, targets=[1e24])
    loss_panel, size_panel = figure.panels
    assert [g.label for g in figure.groups] == ["N=100M", "N=316M", "N=1B", "N=3.16B", "N=10B"]
    assert sum(len(p.x) for p in loss_panel.points) == 30
    for curve in (c for c in loss_panel.curves if c.role == "fit"):  # the law along each size
        size = figure.groups[curve.group].value
        np.testing.assert_allclose(curve.y, EPOCH.E + EPOCH.A / size**EPOCH.alpha
                                   + EPOCH.B / (np.array(curve.x) / (6 * size)) ** EPOCH.beta, rtol=1e-12)  # fmt: skip
    frontier = [c for c in loss_panel.curves if c.role in ("frontier", "extrapolation") and c.group is None]
    largest = runs.compute_flops.max()  # solid up to the largest run's compute, dashed from there to the target
    assert frontier[0].role == "frontier" and frontier[0].x[-1] <= largest <= frontier[1].x[1]
    assert frontier[1].role == "extrapolation" and frontier[1].x[-1] == pytest.approx(1e24)
    # at 1e24 the band spans the frontier losses of the three draws (90% of three values: near min and max)
    (band,) = loss_panel.bands
    laws = [ChinchillaLaw(E, 482.01, 2085.43, a, 0.3658) for E, a in zip(draws["E"], draws["alpha"], strict=True)]
    losses = [law.frontier_loss(1e24) for law in laws]
    assert min(losses) <= band.low[-1] <= band.high[-1] <= max(losses) and band.high[-1] - band.low[-1] > 0
    assert "E=1.817" in figure.laws[0].text() and "L = E + A/N^α + B/D^β" in figure.laws[0].text()
    assert size_panel.y.title == "N_opt (parameters)" and [m.x for m in size_panel.markers] == [1e24]


def test_many_distinct_sizes_are_binned() -> None:
    rng = np.random.default_rng(0)
    n = np.exp(rng.uniform(np.log(6e7), np.log(1.6e10), 200))
    d = np.exp(rng.uniform(np.log(1e9), np.log(3e11), 200))
    figure = loss_law_figure(EPOCH, Observations("many", n, d, 6 * n * d, EPOCH.loss(n, d)))
    assert len(figure.groups) == 6 and sum(len(p.x) for p in figure.panels[0].points) == 200
    values = [g.value for g in figure.groups]
    assert values == sorted(values) and values[0] > 6e7 and values[-1] < 1.6e10


def test_one_variable_law_figure() -> None:
    from scalecalc.laws.power import PowerLaw

    law = PowerLaw(E=1.7, A=400.0, alpha=0.3, variable="params")
    runs = chinchilla_runs()
    figure = loss_law_figure(law, runs)
    (panel,) = figure.panels
    assert panel.title == "loss against model size" and panel.x.title == "model size N (parameters)"
    assert len(panel.points[0].x) == 30
    solid = next(c for c in panel.curves if c.role == "law")
    np.testing.assert_allclose(solid.y, 1.7 + 400.0 * np.array(solid.x) ** -0.3)


def test_fit_figure_uses_the_fitted_law_and_its_bootstrap_draws() -> None:
    from scalecalc.fitting.engine import fit_law

    runs = chinchilla_runs()
    result = fit_law(runs, bootstrap=20, seed=0, at_flops=1e23)
    figure = figure_for(result, observations=runs)
    loss_panel, size_panel = figure.panels
    assert figure.title == "chinchilla law fitted to 30 runs (huber)"
    (law,) = figure.laws
    assert dict(law.constants) == pytest.approx(dict(result.constants))
    frontier = next(c for c in loss_panel.curves if c.role == "frontier")
    fitted = result.law
    np.testing.assert_allclose(frontier.y, fitted.loss(*fitted.allocate(np.array(frontier.x))), rtol=1e-12)
    (band,) = size_panel.bands  # the N_opt band at 1e23 brackets the bootstrap interval of params_opt
    low, high = result.bootstrap.low["params_opt"], result.bootstrap.high["params_opt"]
    assert band.x[-1] == pytest.approx(1e23)
    assert band.low[-1] == pytest.approx(low, rel=1e-6) and band.high[-1] == pytest.approx(high, rel=1e-6)
    (recommended,) = [p for p in size_panel.points if p.role == "prediction"]
    assert recommended.x == (1e23,) and recommended.y == pytest.approx((result.derived["params_opt"],))
    assert (recommended.low[0], recommended.high[0]) == pytest.approx((low, high))
    with pytest.raises(InputError, match="runs"):
        figure_for(result)


def test_isoflop_profiles_follow_best_per_size() -> None:
    runs = synthetic_isoflops()
    worse = Observations("sweep", *(np.concatenate([v, v]) for v in (runs.n_params, runs.n_tokens, runs.compute_flops)),
                         np.concatenate([runs.loss, runs.loss + 0.05]))  # fmt: skip
    result = fit(worse, best_per_size=True, bootstrap=0)
    profiles = isoflop_figure(result, worse, best_per_size=True).panels[0]
    assert sum(len(p.x) for p in profiles.points if p.role == "data") == 2 * len(runs)  # every run is drawn
    for curve, budget in zip(profiles.curves, result.budgets, strict=True):
        assert min(curve.y) == pytest.approx(budget.loss, abs=1e-4)  # the profile through the best runs only
