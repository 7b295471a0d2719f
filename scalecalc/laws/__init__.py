"""Functional forms of scaling laws as pure numpy functions with their closed-form optima."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from scalecalc._lazy import lazy_exports
from scalecalc.laws.base import FLOPS_PER_PARAM_TOKEN, Allocation, LossLaw
from scalecalc.laws.chinchilla import ChinchillaLaw

if TYPE_CHECKING:
    from scalecalc.laws.allocation import PowerAllocation, TokensPerParam
    from scalecalc.laws.broken import BrokenPowerLaw
    from scalecalc.laws.kaplan import KaplanLaw
    from scalecalc.laws.power import PowerLaw
    from scalecalc.laws.sigmoid import SigmoidLaw

    LossForm = type[ChinchillaLaw] | type[KaplanLaw] | type[PowerLaw] | type[BrokenPowerLaw] | type[SigmoidLaw]

# The forms past Chinchilla's, and the allocation-only laws, load on first use: a plan under a Chinchilla-form
# preset needs none of them (the cold start of `scalecalc plan` is benchmarked).
__getattr__ = lazy_exports(
    __name__,
    {
        "BrokenPowerLaw": "broken",
        "KaplanLaw": "kaplan",
        "PowerAllocation": "allocation",
        "PowerLaw": "power",
        "SigmoidLaw": "sigmoid",
        "TokensPerParam": "allocation",
    },
)


class _LossForms(Mapping[str, "LossForm"]):
    """Loss-law forms a preset may name, by the `loss.form` key; each class lists its constants in `symbols`.
    The one-variable forms (power, broken) also read `loss.variable` (params, tokens or flops = 6ND); a sigmoid's
    variable is any column (a task loss, say). A form's class is imported when it is first looked up."""

    _CLASSES = {
        "chinchilla": "ChinchillaLaw",
        "kaplan": "KaplanLaw",
        "power": "PowerLaw",
        "broken": "BrokenPowerLaw",
        "sigmoid": "SigmoidLaw",
    }

    def __getitem__(self, form: str) -> LossForm:
        return getattr(sys.modules[__name__], self._CLASSES[form])

    def __iter__(self) -> Iterator[str]:
        return iter(self._CLASSES)

    def __len__(self) -> int:
        return len(self._CLASSES)


LOSS_FORMS: Mapping[str, LossForm] = _LossForms()

__all__ = [
    "LOSS_FORMS",
    "FLOPS_PER_PARAM_TOKEN",
    "Allocation",
    "BrokenPowerLaw",
    "ChinchillaLaw",
    "KaplanLaw",
    "LossLaw",
    "PowerAllocation",
    "PowerLaw",
    "SigmoidLaw",
    "TokensPerParam",
]
