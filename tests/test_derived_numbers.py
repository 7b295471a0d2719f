"""Numbers that scalecalc derives from a fit, checked against a computation that does not share its formula.

Each test guards one line of maths that could be changed without any other test noticing (issue #11, "Tests
that catch wrong numbers"): the value is recomputed here from the raw data by another route (the first-order
condition of the optimum, order statistics of the draws, residuals through `predict`, the standard library's
sample standard deviation), never by copying the formula under test. Only the public surface is used: the CLI
and `scalecalc` / `scalecalc.fitting`.
"""

from __future__ import annotations

import json
import math
import statistics
from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy.optimize import brentq
from typer.testing import CliRunner

from scalecalc import KaplanLaw, load_preset, plan_compute, read_observations, read_table
from scalecalc.fitting import FitSpec, derived_quantities, fit_law
from tests.conftest import ROOT, run

EPOCH_POINTS = ROOT / "examples" / "chinchilla-epoch-points.csv"
LLAMA3_ISOFLOPS = ROOT / "examples" / "llama3-isoflops.csv"


def chinchilla_optimum(constants: dict[str, float], compute_flops: float) -> float:
    """N_opt of L = E + A/N^alpha + B/D^beta on C = 6ND, as the root of the first-order condition
    alpha A / N^alpha = beta B / D^beta (in log N), not through the closed form G (C/6)^(beta/(alpha+beta))."""
    a, b, alpha, beta = constants["A"], constants["B"], constants["alpha"], constants["beta"]

    def gradient(log_n: float) -> float:
        log_d = math.log(compute_flops / 6) - log_n
        return math.log(alpha * a) - alpha * log_n - (math.log(beta * b) - beta * log_d)

    return math.exp(brentq(gradient, 0.0, math.log(compute_flops), xtol=1e-14, rtol=1e-15))


# -- isoFLOP analysis: the tokens-per-parameter law D/N = k C^(1 - 2a) ------------------------------------------


def test_isoflop_tokens_per_param_law_is_the_line_through_the_budgets_ratios(runner: CliRunner) -> None:
    """D_opt/N_opt at each budget is C/(6 N_opt^2), so a least-squares line of log10(D/N) on log10 C through the
    budgets used must be the reported law exactly: slope 1 - 2a, intercept -log10 6 - 2 log10 k_N."""
    document = json.loads(
        run(runner, ["isoflop", str(LLAMA3_ISOFLOPS), "--flops", "3.8e25", "--format", "json"]).stdout
    )
    used = [b for b in document["budgets"] if b["status"] == "ok"]
    assert len(used) >= 5
    slope, intercept = np.polyfit(
        np.log10([b["flops"] for b in used]), np.log10([b["tokens_per_param"] for b in used]), 1
    )
    assert document["tokens_per_param_exponent"] == pytest.approx(slope, rel=1e-9)
    assert document["tokens_per_param_coefficient"] == pytest.approx(10**intercept, rel=1e-9)
    # the extrapolation's ratio comes from its own N and D, not from the law: the two must agree
    (prediction,) = document["predictions"]
    law = document["laws"]["tokens_per_param"]
    assert prediction["tokens_per_param"] == pytest.approx(
        law["coefficient"] * prediction["flops"] ** law["exponent"], rel=1e-9
    )


def test_isoflop_tokens_per_param_interval_mirrors_the_params_interval(runner: CliRunner) -> None:
    """Percentiles commute with monotone affine maps: the draws' exponent 1 - 2a falls as a rises, so its interval
    is the params law's interval mapped and swapped. The coefficient 1/(6 k^2) is not affine in k, so between two
    draws the interpolated percentiles differ slightly (2e-5 here); a wrong power of k would be far off."""
    laws = json.loads(run(runner, ["isoflop", str(LLAMA3_ISOFLOPS), "--format", "json"]).stdout)["laws"]
    a_low, a_high = laws["params"]["exponent_interval"]
    k_low, k_high = laws["params"]["coefficient_interval"]
    ratio = laws["tokens_per_param"]
    assert ratio["exponent_interval"] == pytest.approx([1 - 2 * a_high, 1 - 2 * a_low], rel=1e-9)
    assert ratio["coefficient_interval"] == pytest.approx([1 / (6 * k_high**2), 1 / (6 * k_low**2)], rel=1e-3)


# -- plan with a fitted preset: the interval level over its bootstrap draws --------------------------------------

TRUTH = {"E": 1.8, "A": 480.0, "B": 2100.0, "alpha": 0.35, "beta": 0.37}


def _preset_with_draws(path: Path, level: float | None) -> list[dict[str, float]]:
    """A Chinchilla preset with 41 draws; with 41 draws the 95% interval (2.5th and 97.5th percentiles at
    positions 1 and 39 of 0..40) is exactly the second-smallest and second-largest draw."""
    rng = np.random.default_rng(11)
    draws = [
        {
            "E": TRUTH["E"],
            "A": TRUTH["A"] * math.exp(0.3 * rng.standard_normal()),
            "B": TRUTH["B"] * math.exp(0.3 * rng.standard_normal()),
            "alpha": TRUTH["alpha"] + 0.02 * rng.standard_normal(),
            "beta": TRUTH["beta"] + 0.02 * rng.standard_normal(),
        }
        for _ in range(41)
    ]
    uncertainty: dict[str, object] = {"method": "hand-made draws for a test"}
    if level is not None:
        uncertainty["level"] = level
    uncertainty["draws"] = {name: [d[name] for d in draws] for name in TRUTH}
    document = {
        "schema_version": 1,
        "name": "drawn",
        "title": "test preset with bootstrap draws",
        "citation": "tests/test_derived_numbers.py",
        "conventions": {"params": "total", "compute": "flops", "loss": "nats/token"},
        "loss": {
            "form": "chinchilla",
            "constants": {name: {"value": value, "source": "test"} for name, value in TRUTH.items()},
        },
        "uncertainty": uncertainty,
    }
    path.write_text(yaml.safe_dump(document))
    return draws


@pytest.mark.parametrize("level", [0.95, None], ids=["level-0.95", "level-absent-means-0.95"])
def test_plan_interval_over_fitted_draws_is_the_95_percent_order_statistics(
    runner: CliRunner, tmp_path: Path, level: float | None
) -> None:
    path = tmp_path / "drawn.yaml"
    draws = _preset_with_draws(path, level)
    compute = 1e24
    n_opt = sorted(chinchilla_optimum(d, compute) for d in draws)
    d_opt = sorted(compute / (6 * n) for n in n_opt)
    (row,) = json.loads(run(runner, ["plan", "--flops", "1e24", "-p", str(path), "--format", "json"]).stdout)
    assert [row["params_low"], row["params_high"]] == pytest.approx([n_opt[1], n_opt[39]], rel=1e-9)
    assert [row["tokens_low"], row["tokens_high"]] == pytest.approx([d_opt[1], d_opt[39]], rel=1e-9)


def test_plan_interval_follows_the_level_the_preset_records(tmp_path: Path) -> None:
    """An 80% level: the 10th and 90th percentiles, positions 4 and 36 of 0..40 (the library API this time)."""
    path = tmp_path / "drawn.yaml"
    draws = _preset_with_draws(path, 0.8)
    n_opt = sorted(chinchilla_optimum(d, 1e23) for d in draws)
    plan = plan_compute(load_preset(str(path)), [1e23])
    assert [plan.columns["params_low"][0], plan.columns["params_high"][0]] == pytest.approx(
        [n_opt[4], n_opt[36]], rel=1e-9
    )


def test_plan_with_a_saved_fit_gives_the_95_percent_interval_of_its_draws(runner: CliRunner, tmp_path: Path) -> None:
    """End to end: `fit --bootstrap 41 --save`, then `plan -p` on the file, against the saved draws."""
    saved = tmp_path / "fit.yaml"
    run(runner, ["fit", str(EPOCH_POINTS), "--bootstrap", "41", "--save", str(saved), "--format", "json"])
    stored = yaml.safe_load(saved.read_text())["uncertainty"]["draws"]
    draws = [dict(zip(stored, values, strict=True)) for values in zip(*stored.values(), strict=True)]
    assert len(draws) == 41
    n_opt = sorted(chinchilla_optimum(d, 1e24) for d in draws)
    (row,) = json.loads(run(runner, ["plan", "--flops", "1e24", "-p", str(saved), "--format", "json"]).stdout)
    assert [row["params_low"], row["params_high"]] == pytest.approx([n_opt[1], n_opt[39]], rel=1e-9)


# -- a Kaplan-form law: the compute-optimal allocation's coefficient -----------------------------------------------

KAPLAN_TABLE_2 = {"N_c": 8.8e13, "D_c": 5.4e13, "alpha_N": 0.076, "alpha_D": 0.095}  # Kaplan et al. 2020, Table 2


def _kaplan_optimum(constants: dict[str, float], compute_flops: float) -> float:
    """N minimising Kaplan's L(N, C/(6N)), found as the root of d log L / d log N (written out by hand)."""
    law = KaplanLaw.from_constants(constants)
    p = constants["alpha_N"] / constants["alpha_D"]

    def slope(log_n: float) -> float:  # d/dlogN of (N_c/N)^p + D_c 6N/C: -p (N_c/N)^p + 6 N D_c / C
        n = math.exp(log_n)
        return -p * (constants["N_c"] / n) ** p + 6 * n * constants["D_c"] / compute_flops

    n_opt = math.exp(brentq(slope, 0.0, math.log(compute_flops), xtol=1e-14, rtol=1e-15))
    # the root is a minimum of the loss itself, not only of the bracket
    for step in (0.99, 1.01):
        assert law.loss(n_opt, compute_flops / (6 * n_opt)) < law.loss(n_opt * step, compute_flops / (6 * n_opt * step))
    return n_opt


@pytest.mark.parametrize("compute", [1e18, 1e21, 1e24])
def test_kaplan_allocation_is_the_minimum_of_the_law_along_the_budget(compute: float) -> None:
    derived = derived_quantities("kaplan", KAPLAN_TABLE_2, compute)
    expected = _kaplan_optimum(KAPLAN_TABLE_2, compute)
    assert float(derived["params_opt"]) == pytest.approx(expected, rel=1e-9)
    assert float(derived["tokens_opt"]) == pytest.approx(compute / (6 * expected), rel=1e-9)
    assert float(derived["a"]) == pytest.approx(0.095 / (0.076 + 0.095), rel=1e-12)


def test_kaplan_allocation_agrees_with_the_laws_own_frontier() -> None:
    """KaplanLaw's least-compute frontier (a separate derivation, in the law's own code) at some loss gives a
    run (N, D); the allocation derived from the constants at that run's compute must be the same N."""
    law = KaplanLaw.from_constants(KAPLAN_TABLE_2)
    n, d = (float(v) for v in law.optimal_at_loss(2.5))
    derived = derived_quantities("kaplan", KAPLAN_TABLE_2, 6 * n * d)
    assert float(derived["params_opt"]) == pytest.approx(n, rel=1e-9)


def test_kaplan_fit_saved_as_a_preset_plans_the_laws_minimum(runner: CliRunner, tmp_path: Path) -> None:
    """`fit --form kaplan --save` writes the closed-form allocation; `plan` with it must land on the minimum of the
    saved loss law."""
    rng = np.random.default_rng(5)
    lines = ["params,tokens,loss"]
    law = KaplanLaw.from_constants(KAPLAN_TABLE_2)
    for n in np.geomspace(1e7, 3e9, 8):
        for d in np.geomspace(1e9, 3e11, 6):
            loss = float(law.loss(n, d)) * math.exp(0.005 * rng.standard_normal())
            lines.append(f"{float(n)!r},{float(d)!r},{loss!r}")
    data = tmp_path / "runs.csv"
    data.write_text("\n".join(lines) + "\n")
    saved = tmp_path / "kaplan-fit.yaml"
    run(runner, ["fit", str(data), "--form", "kaplan", "--save", str(saved), "--format", "json"])
    constants = {k: v["value"] for k, v in yaml.safe_load(saved.read_text())["loss"]["constants"].items()}
    (row,) = json.loads(run(runner, ["plan", "--flops", "1e22", "-p", str(saved), "--format", "json"]).stdout)
    assert row["params"] == pytest.approx(_kaplan_optimum(constants, 1e22), rel=1e-6)


# -- fit: the RMSE and R^2 it reports -----------------------------------------------------------------------------


def test_fit_rmse_and_r2_match_the_residuals_of_predict(runner: CliRunner, tmp_path: Path) -> None:
    """RMSE and R^2 of the log-loss residuals, recomputed from `predict`'s predicted_loss for the saved fit."""
    saved = tmp_path / "fit.yaml"
    document = json.loads(run(runner, ["fit", str(EPOCH_POINTS), "--save", str(saved), "--format", "json"]).stdout)
    rows = json.loads(run(runner, ["predict", str(EPOCH_POINTS), "-p", str(saved), "--format", "json"]).stdout)
    assert len(rows) == document["n_points"] == 245
    log_observed = [math.log(r["loss"]) for r in rows]
    residuals = [math.log(r["predicted_loss"]) - lo for r, lo in zip(rows, log_observed, strict=True)]
    rmse = math.sqrt(math.fsum(r * r for r in residuals) / len(residuals))
    mean = statistics.fmean(log_observed)
    r2 = 1 - math.fsum(r * r for r in residuals) / math.fsum((lo - mean) ** 2 for lo in log_observed)
    assert document["rmse"] == pytest.approx(rmse, rel=1e-9)
    assert document["r2"] == pytest.approx(r2, rel=1e-9)
    assert float(run(runner, ["fit", str(EPOCH_POINTS), "-f", "rmse"]).stdout) == pytest.approx(rmse, rel=1e-9)


# -- fit's bootstrap: the standard error is the sample standard deviation of the draws --------------------------


def test_bootstrap_standard_error_is_the_sample_standard_deviation_of_the_draws() -> None:
    """statistics.stdev divides by n - 1; with 12 resamples ddof 0 would be 4% smaller."""
    runs = read_observations(read_table(str(EPOCH_POINTS)))
    result = fit_law(runs, FitSpec(), bootstrap=12, seed=3, at_flops=1e24)
    assert result.bootstrap is not None
    for name in ("E", "A", "alpha", "beta", "params_opt", "tokens_opt"):
        draws = [float(v) for v in result.bootstrap.draws[name] if math.isfinite(v)]
        assert len(draws) == 12
        assert result.bootstrap.standard_errors[name] == pytest.approx(statistics.stdev(draws), rel=1e-9)
        section = "parameters" if name in result.constants else "derived"
        assert result.to_dict()[section][name]["se"] == pytest.approx(statistics.stdev(draws), rel=1e-9)
