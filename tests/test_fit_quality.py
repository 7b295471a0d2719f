"""The fit quality gate (issue 12): data that do not look like a scaling law are called poor, with reasons,
in every form; the shipped real data sets stay good; `fit --strict` turns poor into exit 2."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from scalecalc.fitting import FitSpec, fit_law
from scalecalc.fitting.diagnostics import MIN_R2, TOKENS_PER_PARAM_RANGE, quality_reasons
from scalecalc.runs import Observations, read_observations, read_table
from tests.conftest import DATA, ROOT, error_line, invoke, run

SIZES = np.repeat(np.geomspace(1e7, 1e10, 6), 5)
TOKENS = np.tile(np.geomspace(1e9, 1e11, 5), 6)


def observations(loss: np.ndarray) -> Observations:
    return Observations("synthetic", SIZES, TOKENS, 6 * SIZES * TOKENS, loss)


def random_losses() -> Observations:
    return observations(np.random.default_rng(7).uniform(2.0, 4.0, SIZES.size))


def rising_losses() -> Observations:
    """Loss that grows with size and data: the opposite of a scaling law."""
    return observations(1.5 + 0.01 * np.log(SIZES * TOKENS))


def real(path: Path) -> Observations:
    return read_observations(read_table(str(path)), {})


@pytest.mark.parametrize("data", [random_losses, rising_losses], ids=["random", "rising"])
@pytest.mark.parametrize(
    "spec",
    [FitSpec(), FitSpec(form="kaplan"), FitSpec(form="power", variable="flops")],
    ids=["chinchilla", "kaplan", "power"],
)
def test_non_scaling_data_are_poor_in_every_form(data, spec: FitSpec) -> None:
    result = fit_law(data(), spec)
    assert result.quality == "poor"
    falls = any(reason.startswith("loss does not fall with compute") for reason in result.quality_reasons)
    assert falls or data is random_losses  # random losses may fall by chance; rising ones never do
    assert any(f"below {MIN_R2}" in reason for reason in result.quality_reasons)
    assert result.to_dict()["quality"] == "poor"
    assert result.to_dict()["quality_reasons"] == list(result.quality_reasons)


@pytest.mark.parametrize(
    "path",
    [ROOT / "examples" / "chinchilla-epoch-points.csv", ROOT / "examples" / "llama3-isoflops.csv",
     DATA / "misfitting-runs.csv"],
    ids=["epoch", "llama3", "misfitting"],
)  # fmt: skip
@pytest.mark.parametrize("form", ["chinchilla", "kaplan"])
def test_real_published_data_are_good(path: Path, form: str) -> None:
    result = fit_law(real(path), FitSpec(form=form))
    assert result.quality == "good", result.quality_reasons
    assert result.r2 >= MIN_R2


@pytest.fixture(scope="module")
def good_fit():
    return fit_law(real(ROOT / "examples" / "llama3-isoflops.csv")), real(ROOT / "examples" / "llama3-isoflops.csv")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"r2": MIN_R2 - 0.01}, f"R^2 of log loss 0.79 is below {MIN_R2}"),
        ({"r2": float("nan")}, f"R^2 of log loss nan is below {MIN_R2}"),
        ({"on_bounds": ("alpha", "beta")}, "alpha, beta ended on a bound"),
        ({"tokens_per_param": TOKENS_PER_PARAM_RANGE[1] * 2}, "2e+04 tokens per parameter, outside [0.01, 10000]"),
        ({"tokens_per_param": TOKENS_PER_PARAM_RANGE[0] / 2}, "0.005 tokens per parameter, outside"),
        ({"tokens_per_param": float("nan")}, "the law implies no finite compute-optimal run"),
        ({"params_opt": float("inf")}, "the law implies no finite compute-optimal run"),
        ({"converged": False}, "the optimiser did not converge"),
    ],
)
def test_each_reason_alone_makes_a_fit_poor(good_fit, change: dict, reason: str) -> None:
    result, data = good_fit
    assert quality_reasons(result, data) == ()
    derived = {k: change[k] for k in ("tokens_per_param", "params_opt") if k in change}
    changed = replace(
        result,
        derived={**result.derived, **derived},
        optimizer=replace(result.optimizer, converged=change.get("converged", True)),
        **{k: v for k, v in change.items() if k in ("r2", "on_bounds")},
    )
    reasons = quality_reasons(changed, data)
    assert len(reasons) == 1 and reason in reasons[0], reasons


def test_a_bound_the_fit_ends_on_is_recorded() -> None:
    result = fit_law(real(ROOT / "examples" / "llama3-isoflops.csv"), FitSpec(bounds={"alpha": (0.0, 0.2)}))
    assert result.on_bounds == ("alpha",)
    assert "alpha ended on a bound" in result.quality_reasons


def test_one_variable_law_follows_its_variable() -> None:
    """Loss that falls with size but rises with tokens: poor for L(tokens), no slope complaint for L(params)."""
    loss = 2.0 + 50 / SIZES**0.3 + 0.001 * np.log(TOKENS)
    by_params = fit_law(observations(loss), FitSpec(form="power", variable="params"))
    assert not any("does not fall" in r for r in by_params.quality_reasons)
    by_tokens = fit_law(observations(loss), FitSpec(form="power", variable="tokens"))
    assert "loss does not fall with tokens" in by_tokens.quality_reasons[0]


# -- the CLI ---------------------------------------------------------------------------------------------
@pytest.fixture
def random_csv(tmp_path: Path) -> Path:
    data = random_losses()
    path = tmp_path / "random.csv"
    rows = "\n".join(f"{n},{d},{loss}" for n, d, loss in zip(data.n_params, data.n_tokens, data.loss, strict=True))
    path.write_text("params,tokens,loss\n" + rows + "\n")
    return path


def test_cli_says_poor_plainly_and_marks_machine_output(runner, random_csv: Path) -> None:
    result = run(runner, ["fit", str(random_csv), "--format", "json"])
    document = json.loads(result.stdout)
    assert document["quality"] == "poor" and document["quality_reasons"]
    assert "warning: poor fit: these data do not look like a scaling law (" in result.stderr
    assert "not a recommendation" in result.stderr
    assert run(runner, ["fit", str(random_csv), "-f", "quality"]).stdout == "poor\n"
    table = " ".join(run(runner, ["fit", str(random_csv), "--format", "table"]).stdout.split())  # unwrapped
    assert "(poor fit: NOT a recommendation)" in table and "quality poor: R^2 of log loss" in table


def test_cli_strict_exits_2_before_writing(runner, random_csv: Path, tmp_path: Path) -> None:
    saved = tmp_path / "law.yaml"
    line = error_line(invoke(runner, ["fit", str(random_csv), "--strict", "--save", str(saved)]))
    assert line.startswith("error: --strict: poor fit: these data do not look like a scaling law (")
    assert not saved.exists()


def test_cli_strict_passes_real_data(runner) -> None:
    result = run(runner, ["fit", str(ROOT / "examples" / "chinchilla-epoch-points.csv"), "--strict", "-f", "quality"])
    assert result.stdout == "good\n" and "poor fit" not in result.stderr
