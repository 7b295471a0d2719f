"""DeepSeek publishes two allocation laws (Bi et al. 2024, Eq. 4); the preset stores both and the loader checks
that they agree through C = M D."""

from __future__ import annotations

import copy

import pytest

from scalecalc.errors import PresetError
from scalecalc.presets import load_preset, preset_from_document


def test_deepseek_flops_per_token_law_is_stored_with_its_source() -> None:
    preset = load_preset("deepseek-2024")
    assert preset.constants["flops_per_token_coefficient"].value == 0.1715  # Bi et al. 2024, Eq. 4
    assert preset.constants["flops_per_token_exponent"].value == 0.5243
    assert "Eq. 4" in preset.constants["flops_per_token_coefficient"].source
    # M = C / D from the tokens law equals the published M_opt = 0.1715 C^0.5243 to the published digits.
    compute = 1e24
    _, tokens = preset.allocation.allocate(compute)
    assert compute / tokens == pytest.approx(0.1715 * compute**0.5243, rel=2e-3)


def test_a_flops_per_token_law_that_disagrees_with_the_tokens_law_is_rejected() -> None:
    document = copy.deepcopy(dict(load_preset("deepseek-2024").document))
    document["allocation"]["flops_per_token"]["coefficient"]["value"] = 0.2
    with pytest.raises(PresetError, match=r"x\.yaml: key 'allocation\.flops_per_token'.*C = M D"):
        preset_from_document(document, "x.yaml")


def test_a_misspelt_top_level_key_is_refused_with_a_suggestion() -> None:
    document = copy.deepcopy(dict(load_preset("epoch-2024").document))
    document["fited_range"] = document.pop("fitted_range")
    with pytest.raises(
        PresetError, match=r"x\.yaml: key 'fited_range' is not a preset key; did you mean 'fitted_range'"
    ):
        preset_from_document(document, "x.yaml")
