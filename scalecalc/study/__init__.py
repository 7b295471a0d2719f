"""Plan the scaling study itself: design an isoFLOP sweep, simulate how well it pins down the extrapolated
optimum, and suggest which next runs narrow it most for their compute.

* :mod:`~scalecalc.study.design`   ``design_sweep``: the runs of an isoFLOP sweep centred on a preset's optimum.
* :mod:`~scalecalc.study.simulate` ``simulate_study``: the spread, bias and coverage of many simulated studies.
* :mod:`~scalecalc.study.trials`   the simulated trials refitted by Approach 3 (`fit`) and Approach 2 (`isoflop`).
* :mod:`~scalecalc.study.suggest`  ``suggest_runs``: the next runs that narrow the spread most per FLOP.
"""

from __future__ import annotations

from scalecalc.study.design import ROUNDINGS, SPACINGS, Sweep, design_sweep, size_at
from scalecalc.study.simulate import (
    APPROACHES,
    FIT_MODES,
    SimulationResult,
    SummaryRow,
    check_design,
    check_simulation_options,
    chinchilla_truth,
    log_spread,
    simulate_study,
    simulated_log_losses,
)
from scalecalc.study.suggest import SUGGEST_SIZES, SUGGEST_TRIALS, Suggestion, suggest_runs
from scalecalc.study.trials import Estimates

__all__ = [
    "APPROACHES",
    "FIT_MODES",
    "ROUNDINGS",
    "SPACINGS",
    "SUGGEST_SIZES",
    "SUGGEST_TRIALS",
    "Estimates",
    "SimulationResult",
    "Sweep",
    "Suggestion",
    "SummaryRow",
    "check_design",
    "check_simulation_options",
    "chinchilla_truth",
    "design_sweep",
    "log_spread",
    "simulate_study",
    "simulated_log_losses",
    "size_at",
    "suggest_runs",
]
