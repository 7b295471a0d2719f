"""Functional forms of scaling laws as pure numpy functions with their closed-form optima."""

from scalecalc.laws.allocation import PowerAllocation, TokensPerParam
from scalecalc.laws.base import FLOPS_PER_PARAM_TOKEN, Allocation, LossLaw
from scalecalc.laws.broken import BrokenPowerLaw
from scalecalc.laws.chinchilla import ChinchillaLaw
from scalecalc.laws.kaplan import KaplanLaw
from scalecalc.laws.power import PowerLaw
from scalecalc.laws.sigmoid import SigmoidLaw

# Loss-law forms a preset may name, by the `loss.form` key; each class lists its constants in `symbols`.
# The one-variable forms (power, broken) also read `loss.variable` (params, tokens or flops = 6ND); a sigmoid's
# variable is any column (a task loss, say).
LOSS_FORMS: dict[
    str, type[ChinchillaLaw] | type[KaplanLaw] | type[PowerLaw] | type[BrokenPowerLaw] | type[SigmoidLaw]
] = {
    "chinchilla": ChinchillaLaw,
    "kaplan": KaplanLaw,
    "power": PowerLaw,
    "broken": BrokenPowerLaw,
    "sigmoid": SigmoidLaw,
}

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
