"""Functional forms of scaling laws as pure numpy functions with their closed-form optima."""

from scalecalc.laws.allocation import PowerAllocation, TokensPerParam
from scalecalc.laws.base import FLOPS_PER_PARAM_TOKEN, Allocation, LossLaw
from scalecalc.laws.chinchilla import ChinchillaLaw
from scalecalc.laws.kaplan import KaplanLaw

# Loss-law forms a preset may name, by the `loss.form` key; each class lists its constants in `symbols`.
LOSS_FORMS: dict[str, type[ChinchillaLaw] | type[KaplanLaw]] = {"chinchilla": ChinchillaLaw, "kaplan": KaplanLaw}

__all__ = [
    "LOSS_FORMS",
    "FLOPS_PER_PARAM_TOKEN",
    "Allocation",
    "ChinchillaLaw",
    "KaplanLaw",
    "LossLaw",
    "PowerAllocation",
    "TokensPerParam",
]
