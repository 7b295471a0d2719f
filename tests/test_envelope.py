"""The training-curve envelope (Approach 1): seeded recovery of a known law, log-space interpolation, grouping
into runs, edge levels and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scalecalc.approaches.envelope import build_curves, fit_envelope
from scalecalc.errors import FitError, InputError
from scalecalc.laws import ChinchillaLaw

# Besiroglu et al. 2024 (Epoch), arXiv:2404.10102: a = beta / (alpha + beta) = 0.5126.
EPOCH = ChinchillaLaw(E=1.8172, A=482.01, B=2085.43, alpha=0.3478, beta=0.3658)
TRUE_A = EPOCH.beta / (EPOCH.alpha + EPOCH.beta)


def curves(sizes: np.ndarray, *, max_ratio: float = 400.0, points: int = 40, noise: float = 0.0, seed: int = 0):
    """Training curves: each size evaluated at ``points`` token counts from 1 to ``max_ratio`` tokens per parameter.
    (The loss along a run is taken as L(N, D) of the law: each checkpoint as good as a run of that length.)"""
    rng = np.random.default_rng(seed)
    n, d, factor = [], [], []
    for size in sizes:
        tokens = np.logspace(math.log10(size), math.log10(size * max_ratio), points)
        n.extend([size] * points)
        d.extend(tokens)
        # run-to-run noise: one factor per run (a seed shifts the whole curve) and a fifth of it per checkpoint
        factor.extend(np.exp(noise * rng.standard_normal() + noise / 5 * rng.standard_normal(points)))
    n_params, n_tokens = np.array(n), np.array(d)
    loss = EPOCH.loss(n_params, n_tokens) * np.array(factor)
    return n_params, 6 * n_params * n_tokens, loss


SIZES = np.logspace(7.5, 10.5, 16)  # five sizes per decade, 32M to 32B


def test_recovers_the_allocation_exponent_of_a_known_law() -> None:
    # Tolerance 0.005: the envelope can only pick one of the sizes trained (five per decade), a step function.
    n_params, compute, loss = curves(SIZES)
    result = fit_envelope(n_params, compute, loss, targets=np.array([1e24]), bootstrap=100)
    assert result.params_law.exponent == pytest.approx(TRUE_A, abs=0.005)
    assert result.tokens_law.exponent == pytest.approx(1 - TRUE_A, abs=0.005)
    assert result.params_law.exponent_low < TRUE_A < result.params_law.exponent_high
    truth = EPOCH.allocate(1e24)[0]
    assert float(result.prediction.params[0]) == pytest.approx(truth, rel=0.1)
    assert result.prediction.params_low[0] <= result.prediction.params[0] <= result.prediction.params_high[0]


def test_seeded_noisy_curves_still_recover_the_exponent() -> None:
    # 0.2% run-to-run noise; tolerance 0.03. Measured over 20 seeds: mean 0.500, standard deviation 0.012 (at
    # 0.5% noise: 0.477 +- 0.026). The envelope is far more sensitive to noise than isoFLOP parabolas: near the
    # optimum neighbouring sizes differ by less than the noise, and the minimum over runs favours lucky ones.
    n_params, compute, loss = curves(SIZES, noise=0.002, seed=11)
    result = fit_envelope(n_params, compute, loss, bootstrap=50)
    assert result.params_law.exponent == pytest.approx(TRUE_A, abs=0.03)
    assert result.params_law.exponent_low < result.params_law.exponent < result.params_law.exponent_high


def test_the_envelope_is_the_lowest_curve_and_winners_grow_with_compute() -> None:
    n_params, compute, loss = curves(SIZES[::3])
    result = fit_envelope(n_params, compute, loss, bootstrap=0, points=100)
    grid = build_curves(n_params, compute, loss, points=100)
    with np.errstate(invalid="ignore"):
        lowest = np.exp(np.nanmin(grid.log_loss, axis=0))
    assert np.allclose(result.loss, lowest)
    winners = result.params[np.isfinite(result.params)]
    assert np.all(np.diff(winners) >= 0)  # a compute-optimal size never shrinks as compute grows


def test_interpolation_is_linear_in_log_compute_and_log_loss() -> None:
    # A curve that is a power law in C is reproduced exactly between its checkpoints (log-log linear).
    compute = np.array([1e18, 1e19, 1e20, 1e18, 1e20])
    n_params = np.array([1e8, 1e8, 1e8, 3e8, 3e8])
    loss = np.array([4.0 * (c / 1e18) ** -0.05 for c in compute[:3]] + [4.5, 3.0])
    built = build_curves(n_params, compute, loss, points=9)
    expected = 4.0 * (built.grid / 1e18) ** -0.05
    assert np.allclose(np.exp(built.log_loss[0]), expected)


def test_levels_won_by_the_smallest_or_largest_model_are_warned_and_left_out() -> None:
    n_params, compute, loss = curves(SIZES[::2])
    result = fit_envelope(n_params, compute, loss, bootstrap=0)
    edge_sizes = {SIZES[::2].min(), SIZES[::2].max()}
    assert not any(n in edge_sizes for n in result.params[result.included])
    assert any("won by the smallest or largest model" in w and "left out" in w for w in result.warnings)
    kept = fit_envelope(n_params, compute, loss, bootstrap=0, include_edges=True)
    assert kept.included.sum() > result.included.sum()
    assert any("kept because of `include_edges`" in w for w in kept.warnings)


def test_runs_are_grouped_by_name_and_must_keep_one_size() -> None:
    # two schedules for the same size are two curves when a run column names them
    n_params, compute, loss = curves(SIZES[4:12:2], points=10)
    names = [f"N{n:.0f}" for n in n_params]
    short = n_params == SIZES[6]
    names = [f"{name}-long" for name in names] + [f"N{SIZES[6]:.0f}-short"] * int(short.sum())
    n_all = np.concatenate([n_params, n_params[short]])
    c_all = np.concatenate([compute, compute[short]])
    l_all = np.concatenate([loss, loss[short] * 1.01])
    result = fit_envelope(n_all, c_all, l_all, names, bootstrap=0, run_column="run")
    assert result.curves == 5
    assert "runs named in 'run'" in result.notes[0]
    bad = list(names)
    n_bad = n_all.copy()
    n_bad[3] = n_bad[3] * 2
    locations = [f"curves.csv line {i + 2}" for i in range(len(n_bad))]
    with pytest.raises(InputError, match="curves.csv line 5: run '.*' changes size .* each run \\(column 'run'\\)"):
        fit_envelope(n_bad, c_all, l_all, bad, locations=locations, run_column="run")


def test_single_point_runs_are_dropped_with_a_warning() -> None:
    n_params, compute, loss = curves(SIZES[::3])
    n_all = np.append(n_params, 5e9)
    c_all = np.append(compute, 1e21)
    l_all = np.append(loss, 2.5)
    result = fit_envelope(n_all, c_all, l_all, bootstrap=0)
    assert any("single compute level" in w and "N=5e+09" in w for w in result.warnings)


def test_too_few_curves_are_a_fit_error() -> None:
    n_params, compute, loss = curves(SIZES[:1])
    with pytest.raises(FitError, match="1 training curve"):
        fit_envelope(n_params, compute, loss)
    n_params, compute, loss = curves(SIZES[:3:2])
    with pytest.raises(FitError, match="interior winning model size"):
        fit_envelope(n_params, compute, loss)


def test_points_and_level_are_checked() -> None:
    n_params, compute, loss = curves(SIZES[::3])
    with pytest.raises(InputError, match="^points: "):
        fit_envelope(n_params, compute, loss, points=1)
    with pytest.raises(InputError, match="^level: "):
        fit_envelope(n_params, compute, loss, level=0)


def test_segments_cover_the_grid_once() -> None:
    n_params, compute, loss = curves(SIZES[::3])
    result = fit_envelope(n_params, compute, loss, bootstrap=0, points=120)
    segments = result.segments()
    assert sum(segments["levels"]) == int(np.sum(np.isfinite(result.params)))
    assert segments["params"] == sorted(segments["params"])


def test_sizes_that_agree_to_four_digits_are_one_curve_when_runs_are_not_named() -> None:
    # Epoch's Chinchilla points write one model's size with different rounding (6.796e9 and 6.7955e9 parameters):
    # grouped by size, they are one training curve at the median size, not an error.
    n_params = np.array([6.7956e9, 6.7955e9, 6.7957e9, 1.2e10, 1.2e10, 1.2e10])
    compute = np.array([1e21, 2e21, 4e21, 1e21, 2e21, 4e21])
    loss = np.array([2.3, 2.2, 2.1, 2.35, 2.2, 2.05])
    curves = build_curves(n_params, compute, loss)
    assert curves.names == ("N=6.796e+09", "N=1.2e+10")
    assert curves.n_params.tolist() == [6.7956e9, 1.2e10]
    with pytest.raises(InputError, match="changes size"):
        build_curves(n_params, compute, loss, runs=["a"] * 6)  # a run the user named must keep one size
