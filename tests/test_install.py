"""The installed package (not the source tree) finds its presets and examples from any directory.

These run the console script from a temporary directory, so Python imports scalecalc from site-packages.
They are skipped when scalecalc is not installed (e.g. a bare source checkout) or installed in editable mode.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

SCRIPT = shutil.which("scalecalc")


def _installed_package_dir(tmp_path: Path) -> Path:
    code = "import scalecalc, pathlib; print(pathlib.Path(scalecalc.__file__).parent)"
    python = Path(SCRIPT).with_name("python") if SCRIPT else None
    if python is None or not python.exists():
        pytest.skip("no python beside the scalecalc script")
    out = subprocess.run([str(python), "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    return Path(out.stdout.strip())


@pytest.fixture
def installed(tmp_path: Path) -> Path:
    if SCRIPT is None:
        pytest.skip("scalecalc is not installed on PATH")
    package = _installed_package_dir(tmp_path)
    if ROOT in package.parents:
        pytest.skip("scalecalc is installed in editable mode from this checkout")
    return package


def test_installed_wheel_ships_presets_and_examples(installed: Path) -> None:
    assert sorted(p.name for p in (installed / "_presets").glob("*.yaml")) == sorted(
        p.name for p in (ROOT / "presets").glob("*.yaml")
    )
    assert (installed / "_examples").is_dir()


def test_installed_script_plans_from_another_directory(installed: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [SCRIPT, "plan", "--flops", "1e24", "--format", "json"], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    (row,) = json.loads(result.stdout)
    assert row["preset"] == "epoch-2024"
    assert row["params"] == pytest.approx(95.9e9, rel=0.01)  # Besiroglu et al. 2024 constants, closed form

    shown = subprocess.run(
        [SCRIPT, "presets", "show", "epoch-2024", "--format", "json"], cwd=tmp_path, capture_output=True, text=True
    )
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["name"] == "epoch-2024"
