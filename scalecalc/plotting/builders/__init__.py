"""Figure builders: results in, :class:`~scalecalc.plotting.spec.Figure` out, one module per figure family.

``frontier`` draws published laws' allocations, ``approaches`` an isoFLOP analysis (Approach 2) or a
training-curve envelope (Approach 1), ``fit`` a fitted loss law with its runs (Approach 3). Each is pure
numpy; the result types they read are imported only for type checking, so importing a builder imports none
of the analyses it draws.
"""

from __future__ import annotations

from collections.abc import Callable

from scalecalc.errors import InputError
from scalecalc.plotting.builders.approaches import envelope_figure, isoflop_figure, profile_curve
from scalecalc.plotting.builders.fit import fit_figure, loss_law_figure
from scalecalc.plotting.builders.frontier import fitted_compute_range, frontier_figure
from scalecalc.plotting.spec import Figure

# Result type name -> builder; by name, so that this package imports none of the modules whose results it draws.
BUILDERS: dict[str, Callable[..., Figure]] = {
    "IsoflopResult": isoflop_figure,
    "EnvelopeResult": envelope_figure,
    "FitResult": fit_figure,
}


def figure_for(result: object, **context: object) -> Figure:
    """The figure for a result (an ``IsoflopResult``, ``EnvelopeResult`` or ``FitResult``), given the
    builder's ``context`` (``observations=`` the runs it was computed from, ...)."""
    builder = BUILDERS.get(type(result).__name__)
    if builder is None:
        raise InputError(f"no figure is defined for a {type(result).__name__}", param="result")
    return builder(result, **context)


__all__ = [
    "BUILDERS",
    "envelope_figure",
    "figure_for",
    "fit_figure",
    "fitted_compute_range",
    "frontier_figure",
    "isoflop_figure",
    "loss_law_figure",
    "profile_curve",
]
