"""Hoffmann et al.'s Approaches 1 and 2: the compute-optimal allocation N_opt = k_N C^a read off your runs.

Modules: allocation_fit (the allocation laws both approaches fit, their predictions and the shared result
fields), isoflop (Approach 2: isoFLOP profiles per budget), isoflop_trials (Approach 2 over many simulated
trials of one design at once), envelope (Approach 1: the training-curve envelope),
documents (a fitted allocation as a preset document).
"""

from scalecalc.approaches.allocation_fit import AllocationFit, AllocationLaw, Prediction
from scalecalc.approaches.envelope import EnvelopeResult, fit_envelope
from scalecalc.approaches.isoflop import IsoflopResult, fit_isoflops

__all__ = [
    "AllocationFit",
    "AllocationLaw",
    "EnvelopeResult",
    "IsoflopResult",
    "Prediction",
    "fit_envelope",
    "fit_isoflops",
]
