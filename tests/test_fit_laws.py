"""The one-variable laws (power, broken) as presets hold them, and the analytic Jacobians of every fitted
form against finite differences (two independent code paths that must agree)."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from scalecalc.errors import PresetError
from scalecalc.fitting.forms import FitData, make_form
from scalecalc.laws import LOSS_FORMS
from scalecalc.laws.broken import BrokenPowerLaw
from scalecalc.laws.power import PowerLaw
from scalecalc.presets import dump_preset, preset_from_document


def _document(loss: dict) -> dict:
    return {
        "schema_version": 1,
        "name": "test-fit",
        "title": "a fitted law",
        "citation": "a test",
        "conventions": {"params": "total", "compute": "flops", "loss": "nats/token"},
        "loss": loss,
    }


def _constants(values: dict[str, float]) -> dict:
    return {k: {"value": v, "source": "test"} for k, v in values.items()}


def test_forms_are_registered() -> None:
    assert LOSS_FORMS["power"] is PowerLaw and LOSS_FORMS["broken"] is BrokenPowerLaw


def test_power_law_values_by_variable() -> None:
    n, d = np.array([1e9]), np.array([2e10])
    assert PowerLaw(1.0, 100.0, 0.5, "params").loss(n, d)[0] == pytest.approx(1 + 100 / 1e9**0.5)
    assert PowerLaw(1.0, 100.0, 0.5, "tokens").loss(n, d)[0] == pytest.approx(1 + 100 / 2e10**0.5)
    assert PowerLaw(1.0, 100.0, 0.5, "flops").loss(n, d)[0] == pytest.approx(1 + 100 / (6 * 1e9 * 2e10) ** 0.5)


def test_broken_law_matches_caballero_equation() -> None:
    # Caballero et al. 2022 Eq. 1 written out directly: y = a + b x^-c0 (1 + (x/d1)^(1/f1))^(-c1 f1)
    a, b, c0, c1, d1, f1 = 1.5, 50.0, 0.1, 0.4, 1e8, 0.3
    x = np.logspace(6, 11, 7)
    expected = a + b * x**-c0 * (1 + (x / d1) ** (1 / f1)) ** (-c1 * f1)
    law = BrokenPowerLaw(a, b, (c0, c0 + c1), (d1,), (f1,), "params")
    assert law.loss(x, x) == pytest.approx(expected, rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    e=st.floats(0.0, 3.0),
    b=st.floats(1.0, 1e3),
    s0=st.floats(0.01, 1.0),
    s1=st.floats(0.01, 1.0),
    log_d=st.floats(15.0, 25.0),
    f=st.floats(0.05, 3.0),
)
def test_broken_loss_falls_as_size_grows(e: float, b: float, s0: float, s1: float, log_d: float, f: float) -> None:
    x = np.logspace(6, 12, 40)
    law = BrokenPowerLaw(e, b, (s0, s1), (float(np.exp(log_d)),), (f,), "params")
    loss = law.loss(x, x)
    assert np.all(np.diff(loss) <= 1e-12)


def test_power_preset_round_trip_with_variable() -> None:
    document = _document(
        {"form": "power", "variable": "flops", "constants": _constants({"E": 1.7, "A": 300.0, "alpha": 0.05})}
    )
    preset = preset_from_document(yaml.safe_load(dump_preset(document)), "power.yaml")
    assert preset.loss_law.variable == "flops" and preset.allocation is None
    assert preset.loss_law.loss(1e9, 2e10) == pytest.approx(1.7 + 300 * (1.2e20) ** -0.05)


def test_floorless_power_preset_omits_e() -> None:
    document = _document({"form": "power", "variable": "params", "constants": _constants({"A": 10.0, "alpha": 0.076})})
    law = preset_from_document(document, "p.yaml").loss_law
    assert law.floor is False and law.symbols == ("A", "alpha")
    assert law.loss(1e9, 1.0) == pytest.approx(10 * 1e9**-0.076)


def test_broken_preset_with_two_breaks() -> None:
    values = {
        "E": 1.2,
        "B": 30.0,
        "alpha0": 0.05,
        "alpha1": 0.4,
        "d1": 1e7,
        "f1": 0.2,
        "alpha2": 0.15,
        "d2": 1e10,
        "f2": 0.2,
    }
    document = _document({"form": "broken", "variable": "params", "constants": _constants(values)})
    law = preset_from_document(document, "b.yaml").loss_law
    assert law.breaks == (1e7, 1e10) and law.constants() == pytest.approx(values)


@pytest.mark.parametrize(
    ("loss", "message"),
    [
        ({"form": "power", "variable": "steps", "constants": _constants({"A": 1.0, "alpha": 0.1})}, "loss.variable"),
        ({"form": "power", "constants": _constants({"A": 1.0, "alpha": 0.1})}, "loss.variable"),
        ({"form": "power", "variable": "params", "constants": _constants({"A": 1.0})}, "loss.constants.alpha"),
        (
            {
                "form": "broken",
                "variable": "params",
                "constants": _constants({"B": 1.0, "alpha0": 0.1, "alpha1": 0.2, "d1": 1e8}),
            },
            "loss.constants.f1",
        ),
        (
            {"form": "power", "variable": "params", "constants": _constants({"A": 1.0, "alpha": 0.1, "beta": 0.2})},
            "loss.constants.beta",
        ),
    ],
)
def test_bad_one_variable_presets(loss: dict, message: str) -> None:
    with pytest.raises(PresetError, match=message):
        preset_from_document(_document(loss), "bad.yaml")


# -- analytic Jacobians ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "variable", "breaks", "theta"),
    [
        ("chinchilla", None, 1, [0.5, 6.0, 7.0, 0.34, 0.28]),
        ("kaplan", None, 1, [np.log(6.4e13), np.log(1.8e13), 0.076, 0.103]),
        ("power", "tokens", 1, [0.5, 5.0, 0.3]),
        ("broken", "params", 1, [0.3, 4.0, 0.2, 0.5, 20.0, np.log(0.5)]),
        ("broken", "flops", 2, [0.3, 9.0, 0.1, 0.5, 45.0, np.log(0.5), 0.2, 48.0, 0.0]),
    ],
)
def test_jacobian_matches_finite_differences(name: str, variable: str | None, breaks: int, theta: list[float]) -> None:
    rng = np.random.default_rng(0)
    n = 10 ** rng.uniform(7, 11, 50)
    d = 10 ** rng.uniform(9, 12, 50)
    log_x = {"params": np.log(n), "tokens": np.log(d), "flops": np.log(6 * n * d)}.get(variable or "")
    data = FitData(np.log(n), np.log(d), np.zeros(50), log_x)
    form = make_form(name, variable, breaks)
    point = np.array([theta])
    _, jac = form.predict(point, data)
    for j in range(point.shape[1]):
        step = 1e-6 * (1 + abs(point[0, j]))
        up, down = point.copy(), point.copy()
        up[0, j] += step
        down[0, j] -= step
        numeric = (form.predict(up, data, jac=False)[0] - form.predict(down, data, jac=False)[0]) / (2 * step)
        assert jac[0, :, j] == pytest.approx(numeric[0], abs=1e-6), form.internal[j]


@pytest.mark.parametrize(
    ("name", "variable"), [("chinchilla", None), ("kaplan", None), ("power", "params"), ("broken", "params")]
)
def test_fitted_form_law_matches_its_log_prediction(name: str, variable: str | None) -> None:
    # forms.py (log-sum-exp, for fitting) and laws/ (for plan and predict) are two paths to one law
    form = make_form(name, variable)
    theta = {
        "chinchilla": [0.5, 6.0, 7.0, 0.34, 0.28],
        "kaplan": [np.log(6.4e13), np.log(1.8e13), 0.076, 0.103],
        "power": [0.5, 5.0, 0.3],
        "broken": [0.3, 4.0, 0.2, 0.5, 20.0, np.log(0.5)],
    }[name]
    n, d = np.logspace(7, 11, 9), np.logspace(9, 12, 9)
    data = FitData(np.log(n), np.log(d), np.zeros(9), np.log(n))
    predicted, _ = form.predict(np.array([theta]), data, jac=False)
    law = form.law({k: float(v) for k, v in form.public(np.array(theta)).items()})
    assert law.loss(n, d) == pytest.approx(np.exp(predicted[0]), rel=1e-10)
