"""Loss intervals (scalecalc.plan.intervals) and repeated data for a given run: epoch-2024's published covariance,
fitted presets' bootstrap draws, their coverage on seeded synthetic sweeps, and the datablations goldens."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from scalecalc.errors import PresetError
from scalecalc.fitting.batch import TrialFits
from scalecalc.laws import ChinchillaLaw
from scalecalc.plan import PlanRequest, answer
from scalecalc.plan.intervals import loss_interval
from scalecalc.presets import load_preset
from scalecalc.presets._normal_draws import SEED, STANDARD_NORMALS, multivariate_normal, standard_normals
from scalecalc.presets.laws import preset_from_document
from tests.conftest import ROOT, error_line, rows, run

# Besiroglu et al. 2024 bootstrap standard errors in log space (notebook cell 54: a = ln A, b = ln B, e = ln E)
# and of alpha, beta (cell 25), which the covariance in presets/epoch-2024.yaml reproduces.
EPOCH_LOG_SE = {"A": 0.258, "B": 0.421, "E": 0.014}
EPOCH_SE = {"alpha": 0.01540, "beta": 0.02060}


def test_plan_with_the_default_preset_gives_a_loss_interval_and_its_source(runner: CliRunner) -> None:
    result = run(runner, ["plan", "--flops", "1e24", "--format", "table"])
    assert "loss_low-loss_high: 95% interval from published covariance of preset epoch-2024" in result.stdout
    (row,) = json.loads(run(runner, ["plan", "--flops", "1e24", "--format", "json"]).stdout)
    assert row["loss_low"] < row["loss"] < row["loss_high"]
    assert row["interval_source"] == "published covariance"
    # Fit uncertainty of Epoch's constants at 1e24 FLOPs: a few hundredths of a nat either side (not 0, not 1)
    assert 0.01 < row["loss"] - row["loss_low"] < 0.05 and 0.01 < row["loss_high"] - row["loss"] < 0.06


def test_epoch_covariance_draws_reproduce_the_published_standard_errors() -> None:
    draws = load_preset("epoch-2024").draws
    for symbol, se in EPOCH_LOG_SE.items():  # 1000 draws: the sample SD is within ~5% of the truth
        assert np.std(np.log(draws[symbol]), ddof=1) == pytest.approx(se, rel=0.1)
    for symbol, se in EPOCH_SE.items():
        assert np.std(draws[symbol], ddof=1) == pytest.approx(se, rel=0.1)
    # corr(ln A, alpha) = 0.9993 in the authors' bootstrap: independent SEs would overstate the loss interval
    assert np.corrcoef(np.log(draws["A"]), draws["alpha"])[0, 1] > 0.99
    assert np.median(draws["E"]) == pytest.approx(1.8172, rel=2e-3)  # centred on the published estimate


def test_the_shipped_standard_normals_are_numpys_seeded_stream() -> None:
    table = np.load(STANDARD_NORMALS)
    assert table.dtype == np.float64 and np.array_equal(table, np.random.default_rng(SEED).standard_normal(len(table)))
    for count in (3000, len(table), len(table) + 1):  # from the table, and past it from numpy.random
        assert np.array_equal(standard_normals(count), np.random.default_rng(SEED).standard_normal(count))


def test_covariance_draws_are_numpys_multivariate_normal_bit_for_bit() -> None:
    """The default preset's interval digits come from these draws: they must be numpy's, not merely close."""
    preset = load_preset("epoch-2024")
    covariance_doc = preset.document["uncertainty"]["covariance"]
    values = {p: preset.constants[p.removeprefix("log_")].value for p in covariance_doc["parameters"]}
    mean = [np.log(value) if p.startswith("log_") else value for p, value in values.items()]
    expected = np.random.default_rng(SEED).multivariate_normal(mean, covariance_doc["matrix"], size=1000)
    for i, parameter in enumerate(covariance_doc["parameters"]):
        column = np.exp(expected[:, i]) if parameter.startswith("log_") else expected[:, i]
        assert np.array_equal(preset.draws[parameter.removeprefix("log_")], column)
    rng = np.random.default_rng(7)
    for size in (2, 5, 6):  # within the shipped table (5 constants x 1000 draws) and beyond it
        factor = rng.standard_normal((size, size))
        covariance, mean = factor @ factor.T, rng.standard_normal(size)
        expected = np.random.default_rng(SEED).multivariate_normal(mean, covariance, size=1000)
        assert np.array_equal(multivariate_normal(mean, covariance, 1000), expected)


def test_a_covariance_numpy_would_warn_about_still_warns() -> None:
    covariance = np.eye(5) + np.triu(np.full((5, 5), 1e-7), 1)  # symmetric to 1e-6 (accepted), not to 1e-8
    with pytest.warns(RuntimeWarning, match="covariance is not symmetric positive-semidefinite"):
        np.random.default_rng(SEED).multivariate_normal(np.zeros(5), covariance, size=10)
    with pytest.warns(RuntimeWarning, match="covariance is not symmetric positive-semidefinite"):
        multivariate_normal(np.zeros(5), covariance, 10)


def test_a_preset_without_uncertainty_prints_no_interval(runner: CliRunner) -> None:
    (row,) = rows(run(runner, ["plan", "--flops", "1e23", "-p", "chinchilla"]).stdout)
    assert "loss_low" not in row and "interval_source" not in row


def _fitted_document(draws: dict[str, list[float]] | None) -> dict:
    document = yaml.safe_load((ROOT / "presets" / "chinchilla.yaml").read_text())
    document.pop("uncertainty", None)
    if draws is not None:
        document["uncertainty"] = {"method": "bootstrap over runs", "level": 0.9, "draws": draws}
    return document


def test_bootstrap_draws_give_the_interval_and_say_so(tmp_path, runner: CliRunner) -> None:
    rng = np.random.default_rng(5)
    base = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}
    draws = {k: (v * (1 + 0.02 * rng.standard_normal(300))).tolist() for k, v in base.items()}
    path = tmp_path / "fitted.yaml"
    path.write_text(yaml.safe_dump(_fitted_document(draws)))
    (row,) = json.loads(run(runner, ["predict", "-n", "7B", "-d", "2T", "-p", str(path), "--format", "json"]).stdout)
    assert row["interval_source"] == "bootstrap draws"
    law = ChinchillaLaw.from_constants({k: np.array(v) for k, v in draws.items()})
    expected = np.percentile(law.loss(7e9, 2e12), [5, 95])  # level 0.9 from the preset
    assert [row["predicted_loss_low"], row["predicted_loss_high"]] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("covariance", "problem"),
    [
        ({"parameters": ["log_A", "B"], "matrix": [[1.0]]}, "must name each of E, A, B, alpha, beta once"),
        (
            {"parameters": ["log_A", "log_B", "log_E", "alpha", "beta"], "matrix": [[1.0] * 5] * 4},
            "must be a 5 x 5 list of rows",
        ),
        (
            {"parameters": ["log_A", "log_B", "log_E", "alpha", "beta"], "matrix": (-np.eye(5)).tolist()},
            "must be symmetric and positive semi-definite",
        ),
    ],
)
def test_covariance_schema_errors_name_the_key(covariance: dict, problem: str) -> None:
    document = _fitted_document(None)
    document["uncertainty"] = {"method": "covariance", "source": "test", "covariance": covariance}
    with pytest.raises(PresetError, match=problem):
        preset_from_document(document, "x.yaml")
    document["uncertainty"]["draws"] = {"E": [1.0]}
    with pytest.raises(PresetError, match="exactly one of 'draws'"):
        preset_from_document(document, "x.yaml")


def test_interval_coverage_on_seeded_synthetic_sweeps() -> None:
    """200 seeded sweeps (5 budgets 1e18-1e20 x 7 sizes, log-normal noise 0.3%) fitted as `fit` fits them, 100
    bootstrap resamples each (the batched minimiser, as `fit --bootstrap` and `simulate` use it): the 95% loss
    interval of the held-out compute-optimal run at 1e21 FLOPs (10x past the data) covers its true loss in
    96% of seeds (measured); binomial SE over 200 seeds is 1.5 points."""
    seeds, resamples = 200, 100
    truth = ChinchillaLaw(E=1.8172, A=482.01, B=2085.43, alpha=0.3478, beta=0.3658)
    budgets = np.geomspace(1e18, 1e20, 5)
    n = (truth.allocate(budgets)[0][:, None] * np.geomspace(0.25, 4, 7)[None, :]).ravel()
    c = np.repeat(budgets, 7)
    d = c / (6 * n)
    log_loss = np.log(truth.loss(n, d))[None, :] + 0.003 * np.random.default_rng(2024).standard_normal((seeds, 35))
    fits = TrialFits(n, d)
    z, _ = fits.fit(log_loss, np.tile(fits.internal(truth.constants()), (seeds, 1)), None)
    counts = np.concatenate(
        [np.random.default_rng([s, 7]).multinomial(35, np.full(35, 1 / 35), size=resamples) for s in range(seeds)]
    ).astype(float)
    z_boot, converged = fits.fit(np.repeat(log_loss, resamples, 0), np.repeat(z, resamples, 0), counts, max_iter=300)
    assert converged.mean() > 0.99
    draws = {k: np.asarray(v) for k, v in fits.constants(z_boot).items() if k in truth.symbols}
    held_n, held_d = truth.allocate(np.array([1e21]))
    true_loss = truth.loss(held_n, held_d)[0]
    base = load_preset("chinchilla")
    covered = []
    for seed in range(seeds):
        mine = {k: v[seed * resamples : (seed + 1) * resamples] for k, v in draws.items()}
        low, high = loss_interval(replace(base, draws=mine, interval_level=0.95), held_n, held_d)
        covered.append(low[0] <= true_loss <= high[0])
    assert 0.91 <= np.mean(covered) <= 0.99


# -- repeated data for a given run (Muennighoff et al. 2023) -------------------------------------------------------
# datablations README, "Parametric Fit": the worked examples' printed losses, and our arithmetic of their epochs
# and effective data (D' = U + U R_D* (1 - exp(-R_D / R_D*))).
DATABLATIONS = [
    (6.34e9, 242e9, 25e9, 2.2256440889984477, 9.68, 1.9085e11),
    (8.67e9, 178e9, 25e9, 2.2269634075087867, 7.12, 1.5124e11),
]


@pytest.mark.parametrize("command", ["predict", "plan"])
def test_datablations_goldens_through_the_cli(runner: CliRunner, command: str) -> None:
    args = [command, "-n", "6.34e9,8.67e9", "-d", "242e9,178e9", "-u", "25e9", "-p", "muennighoff-2023"]
    records = json.loads(run(runner, [*args, "--format", "json"]).stdout)
    for record, (n, d, u, loss, epochs, effective) in zip(records, DATABLATIONS, strict=True):
        assert (record["params"], record["tokens"], record["unique_tokens"]) == (n, d, u)
        found = record["predicted_loss" if command == "predict" else "loss"]  # predict names its answer so
        assert found == pytest.approx(loss, abs=1e-6)  # the README prints 2.2256 and 2.2270
        assert record["epochs"] == pytest.approx(epochs, rel=1e-12)
        assert record["effective_tokens"] == pytest.approx(effective, rel=1e-4)
        assert record["repetition_loss_penalty"] > 0  # repeats are worth less than fresh tokens


def test_repeated_data_run_carries_a_loss_interval_under_a_fitted_preset() -> None:
    preset = load_preset("epoch-2024")  # Chinchilla form with draws: the interval uses effective N and D too
    plan = answer(
        preset, PlanRequest(n_params=np.array([7e9]), n_tokens=np.array([2e12]), unique_tokens=np.array([1e11]))
    )
    assert plan.columns["loss_low"][0] < plan.columns["loss"][0] < plan.columns["loss_high"][0]
    fresh = answer(preset, PlanRequest(n_params=np.array([7e9]), n_tokens=np.array([2e12])))
    assert plan.columns["loss_low"][0] > fresh.columns["loss_low"][0]  # 20 epochs cost loss in every draw's law


def test_unique_tokens_with_a_budget_and_tokens_is_refused(runner: CliRunner) -> None:
    args = ["plan", "--flops", "1e22", "-n", "1B", "-d", "1T", "-u", "1B", "-p", "muennighoff-2023"]
    assert "only as a given run (--params, --tokens and --unique-tokens)" in error_line(run(runner, args, code=2))


def test_grid_interpolation_matches_the_percentiles_at_the_rows() -> None:
    """The fixed-grid interpolation (scalecalc.plan.intervals) against percentiles over draws at the rows."""
    from scalecalc._numeric import percentile_interval
    from scalecalc.plan.intervals import draw_laws

    preset = load_preset("epoch-2024")
    budgets = np.geomspace(1e19, 1e26, 3001)  # more rows than grid nodes: the interpolated path
    plan = answer(preset, PlanRequest(compute_flops=budgets))
    law = draw_laws(preset)
    sample = slice(None, None, 97)
    n, d = plan.columns["params"][sample], plan.columns["tokens"][sample]
    low, high = percentile_interval(law.loss(n[None, :], d[None, :]), 0.95, axis=0)
    assert plan.columns["loss_low"][sample] == pytest.approx(low, rel=1e-4)
    assert plan.columns["loss_high"][sample] == pytest.approx(high, rel=1e-4)
    draws_n, _ = law.allocate(budgets[sample][None, :])
    low, high = percentile_interval(draws_n, 0.95, axis=0)
    assert plan.columns["params_low"][sample] == pytest.approx(low, rel=1e-3)
    assert plan.columns["params_high"][sample] == pytest.approx(high, rel=1e-3)
    single = answer(preset, PlanRequest(compute_flops=budgets[:1]))  # fewer rows than nodes: exact at the row
    assert single.columns["loss_low"][0] == pytest.approx(plan.columns["loss_low"][0], rel=1e-4)


def test_predict_file_rows_carry_the_interval(tmp_path, runner: CliRunner) -> None:
    path = tmp_path / "runs.csv"
    path.write_text("params,tokens,loss\n1e9,2e10,2.6\n7e9,2e12,2.1\n")
    records = json.loads(run(runner, ["predict", str(path), "--format", "json"]).stdout)
    law = ChinchillaLaw.from_constants({k: v[:, None] for k, v in load_preset("epoch-2024").draws.items()})
    for record in records:
        expected = np.percentile(law.loss(record["params"], record["tokens"]), [2.5, 97.5])
        assert [record["predicted_loss_low"], record["predicted_loss_high"]] == pytest.approx(expected, rel=1e-4)
        assert record["predicted_loss_low"] < record["predicted_loss"] < record["predicted_loss_high"]
