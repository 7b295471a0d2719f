"""What the isoFLOP bootstrap costs, against the plain loop a user would write.

The reference is the textbook Approach 2 bootstrap: for each of 1,000 resamples, ``np.polyfit(x, y, 2)`` on every
budget of the Llama 3 curves and ``np.polyfit`` for the line through the vertices. ``fit_isoflops`` runs the same
work (plus edge checks and intervals) with each method; runs alternate in one process and the script prints the
median time ratio (method / reference), never an absolute-time assertion.
Run from the project root: python benchmarks/bench_isoflop.py
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from _alternating import alternating

from scalecalc.approaches.envelope import fit_envelope
from scalecalc.approaches.isoflop import fit_isoflops
from scalecalc.runs import read_observations, read_table

DRAWS = 1000
REPEATS = 5
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "llama3-isoflops.csv"


def main() -> None:
    runs = read_observations(read_table(str(EXAMPLE)))
    arrays = (runs.n_params, runs.n_tokens, runs.compute_flops, runs.loss)
    budgets = np.unique(runs.compute_flops)
    groups = [(np.log10(runs.n_params[runs.compute_flops == c]), runs.loss[runs.compute_flops == c]) for c in budgets]

    def reference() -> object:
        rng = np.random.default_rng(0)
        picks = [rng.integers(0, len(y), size=(DRAWS, len(y))) for _, y in groups]
        slopes = []
        for r in range(DRAWS):
            vertices = []
            for (x, y), pick in zip(groups, picks, strict=True):
                with warnings.catch_warnings():  # resamples with < 3 distinct sizes are rank-deficient
                    warnings.simplefilter("ignore", np.exceptions.RankWarning)
                    c2, c1, _ = np.polyfit(x[pick[r]], y[pick[r]], 2)
                vertices.append(-c1 / (2 * c2))
            slopes.append(np.polyfit(np.log10(budgets), vertices, 1)[0])
        return slopes

    # Training curves for the envelope: 16 sizes, 40 checkpoints each, from the Epoch law (arXiv:2404.10102).
    sizes = np.logspace(7.5, 10.5, 16)
    n = np.repeat(sizes, 40)
    d = np.concatenate([np.logspace(np.log10(s), np.log10(400 * s), 40) for s in sizes])
    loss = 1.8172 + 482.01 / n**0.3478 + 2085.43 / d**0.3658

    candidates = {
        f"isoflop parabola, {DRAWS} resamples (batched normal equations)": lambda: fit_isoflops(
            *arrays, bootstrap=DRAWS
        ),
        f"isoflop cubic, {DRAWS} resamples (one lstsq each)": lambda: fit_isoflops(
            *arrays, method="cubic", bootstrap=DRAWS
        ),
        f"isoflop akima, {DRAWS} resamples (spline + grid each)": lambda: fit_isoflops(
            *arrays, method="akima", bootstrap=DRAWS
        ),
        f"envelope, 640 rows, 250 levels, {DRAWS} resamples": lambda: fit_envelope(n, 6 * n * d, loss, bootstrap=DRAWS),
    }
    print(
        f"Llama 3 curves ({len(runs)} runs, {len(budgets)} budgets); median of {REPEATS} alternating runs; "
        f"reference: np.polyfit loop over {DRAWS} resamples"
    )
    for name, candidate in candidates.items():
        print(f"  {name:<60} {alternating(candidate, reference, REPEATS)[0]:6.2f} x reference")


if __name__ == "__main__":
    main()
