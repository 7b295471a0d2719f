"""`simulate`'s summary numbers recomputed from the trials themselves, through a second code path.

The simulation draws each trial's losses from the preset's law with seeded log-space noise and fits them as
`isoflop` does. Here every trial is rebuilt as a file and run through the `isoflop` command itself; the median,
bias, coverage, its standard error and the tokens interval's width are then computed by hand from those
results and must equal what `simulate` reports (issue #11: a mean in place of the median, a wrong coverage
standard error or swapped tokens bounds all passed the suite before).
"""

from __future__ import annotations

import csv
import io
import json
import math
import statistics
from collections.abc import Iterator

import numpy as np
import pytest
from scipy.stats import binom
from typer.testing import CliRunner

from scalecalc import load_preset
from tests.conftest import invoke

PRESET = "epoch-2024"
TRIALS, SEED, NOISE, LEVEL, BOOTSTRAP, TARGET = 15, 3, 0.01, 0.9, 20, 1e22


def _cli(runner: CliRunner, args: list[str]) -> dict:
    result = invoke(runner, args)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict, list[dict], dict[str, float]]]:
    """(simulate's JSON document, one `isoflop` prediction per trial, the truth from `plan`)."""
    folder = tmp_path_factory.mktemp("simulate")
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as environment:
        environment.delenv("SCALECALC_PRESETS_PATH", raising=False)
        sweep = invoke(runner, ["sweep", "--min-flops", "1e18", "--max-flops", "1e20", "--format", "csv"])
        assert sweep.exit_code == 0, sweep.stderr
        design = folder / "sweep.csv"
        design.write_text(sweep.stdout)
        document = _cli(runner, [
            "simulate", "--sweep", str(design), "-p", PRESET, "--approach", "isoflop", "--trials", str(TRIALS),
            "--seed", str(SEED), "--noise", str(NOISE), "--level", str(LEVEL), "--bootstrap", str(BOOTSTRAP),
            "--target-flops", str(TARGET), "--format", "json",
        ])  # fmt: skip
        runs = list(csv.DictReader(io.StringIO(sweep.stdout)))
        n, d, c = (np.array([float(r[k]) for r in runs]) for k in ("params", "tokens", "flops"))
        # the simulation's losses: log L(N, D) + noise * eps, eps from the seeded stream [seed, 0], one row a trial
        law = load_preset(PRESET).loss_law
        eps = np.random.default_rng([SEED, 0]).standard_normal((TRIALS, len(n)))
        losses = np.exp(np.log(law.loss(n, d))[None, :] + NOISE * eps)
        predictions = []
        for t in range(TRIALS):
            path = folder / f"trial-{t}.csv"
            columns = (n.tolist(), d.tolist(), c.tolist(), losses[t].tolist())
            path.write_text(
                "params,tokens,flops,loss\n"
                + "".join(f"{row[0]!r},{row[1]!r},{row[2]!r},{row[3]!r}\n" for row in zip(*columns, strict=True))
            )
            trial_seed = int(np.random.SeedSequence([SEED, 1, t]).generate_state(1)[0])  # each trial's bootstrap
            (prediction,) = _cli(runner, [
                "isoflop", str(path), "--flops", str(TARGET), "--bootstrap", str(BOOTSTRAP), "--seed",
                str(trial_seed), "--level", str(LEVEL), "--format", "json",
            ])["predictions"]  # fmt: skip
            predictions.append(prediction)
        (plan,) = _cli(runner, ["plan", "--flops", str(TARGET), "-p", PRESET, "--format", "json"])
    yield document, predictions, {"params": plan["params"], "tokens": plan["tokens"]}


def _row(document: dict, quantity: str) -> dict:
    (row,) = (r for r in document["summary"] if r["approach"] == "isoflop" and r["quantity"] == quantity)
    return row


@pytest.mark.parametrize("quantity", ["params", "tokens"])
def test_simulate_median_and_bias_are_the_middle_trial(study, quantity: str) -> None:
    document, predictions, truth = study
    row = _row(document, quantity)
    assert row["trials"] == TRIALS
    assert row["truth"] == pytest.approx(truth[quantity], rel=1e-12)
    middle = sorted(p[quantity] for p in predictions)[TRIALS // 2]  # 15 trials: the 8th smallest
    assert row["median"] == pytest.approx(middle, rel=1e-12)
    assert row["bias"] == pytest.approx(middle / truth[quantity] - 1, rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("quantity", ["params", "tokens"])
def test_simulate_coverage_and_interval_width_from_each_trials_interval(study, quantity: str) -> None:
    """Coverage counts the trials whose own interval (the `isoflop` command's, for that trial's data and seed)
    holds the truth (for tokens, `isoflop`'s own [C/(6 N_high), C/(6 N_low)]); the interval's relative width is the
    median over trials of (high - low) / truth."""
    document, predictions, truth = study
    row = _row(document, quantity)
    target = truth[quantity]
    inside = [p[f"{quantity}_low"] <= target <= p[f"{quantity}_high"] for p in predictions]
    assert 0 < sum(inside) < TRIALS  # a test that can tell a right coverage from a wrong one
    assert row["coverage"] == pytest.approx(sum(inside) / TRIALS, rel=1e-12)
    widths = [(p[f"{quantity}_high"] - p[f"{quantity}_low"]) / target for p in predictions]
    assert all(w > 0 for w in widths)
    assert row["interval_width"] == pytest.approx(statistics.median(widths), rel=1e-12)


def test_simulate_coverage_standard_error_is_the_binomial_sd_at_the_level(study) -> None:
    """The sd of the fraction of `trials` exact LEVEL intervals that cover: Binomial(trials, level).std / trials."""
    document, _, _ = study
    expected = binom(TRIALS, LEVEL).std() / TRIALS
    for quantity in ("params", "tokens"):
        assert _row(document, quantity)["coverage_se"] == pytest.approx(expected, rel=1e-12)
    assert not math.isclose(expected, binom(TRIALS, _row(document, "params")["coverage"]).std() / TRIALS)
