"""How fast `scalecalc simulate` refits simulated studies, against the plain loop a user would write.

The design: 6 budgets from 1e18 to 1e21 FLOPs, 9 sizes each (54 runs, `scalecalc sweep` defaults), Epoch's
Chinchilla-form law (Besiroglu et al. 2024), 1% log-space noise, extrapolated to 1e24 FLOPs.

The references are `fit_law` called once per trial (the `fit` procedure with all its starts), without and
with a 100-resample bootstrap, on a few trials (they are slow). Against them, in the same process and
alternating: ``simulate_study`` with 500 trials, Approach 3 only, warm-started batched refits
(``fit_mode="warm"``) without and with a 100-resample bootstrap per trial, and Approach 2 (`isoflop`, parabola)
with the same bootstrap. Printed: trials per second of each, its speed-up over the matching reference per
trial (a ratio, never an absolute-time assertion), and how far the warm batched estimates of N_opt lie from
fit_law's own on the reference trials.
Run from the project root: python -m benchmarks.bench_simulate
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from scalecalc import study
from scalecalc.fitting import FitSpec, fit_law
from scalecalc.laws import ChinchillaLaw
from scalecalc.runs import Observations

LAW = ChinchillaLaw(E=1.8172, A=482.01, B=2085.43, alpha=0.3478, beta=0.3658)  # Besiroglu et al. 2024, Eq. 4
TARGET = 1e24
NOISE = 0.01
TRIALS = 500
REFERENCE_TRIALS = 8
REPEATS = 3


def main() -> None:
    design = study.design_sweep(LAW, 1e18, 1e21, 6, 9)
    arrays = (design.n_params, design.n_tokens, design.compute_flops)
    losses = study.simulated_log_losses(LAW, design.n_params, design.n_tokens, NOISE, REFERENCE_TRIALS, 0)

    def reference(bootstrap: int = 0) -> np.ndarray:
        return np.array([
            fit_law(Observations("bench", *arrays, np.exp(row)), FitSpec(), at_flops=TARGET, bootstrap=bootstrap)
            .derived["params_opt"]
            for row in losses
        ])  # fmt: skip

    def simulate(**kwargs: object):
        options = {"target_flops": TARGET, "noise": NOISE, "trials": TRIALS, "seed": 0, **kwargs}
        return lambda: study.simulate_study(LAW, *arrays, **options)

    candidates = {
        f"fit, warm batched, no bootstrap ({TRIALS} trials)": simulate(approaches=("fit",), bootstrap=0),
        f"fit, warm batched, 100 resamples per trial ({TRIALS} trials)": simulate(approaches=("fit",), bootstrap=100),
        f"isoflop parabola, 100 resamples per trial ({TRIALS} trials)": simulate(
            approaches=("isoflop",), bootstrap=100
        ),
    }
    reference_times: list[float] = []
    bootstrap_times: list[float] = []
    times: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(REPEATS):
        start = time.perf_counter()
        expected = reference()
        reference_times.append((time.perf_counter() - start) / REFERENCE_TRIALS)
        start = time.perf_counter()
        reference(bootstrap=100)
        bootstrap_times.append((time.perf_counter() - start) / REFERENCE_TRIALS)
        for name, run in candidates.items():
            start = time.perf_counter()
            run()
            times[name].append((time.perf_counter() - start) / TRIALS)
    per_trial = statistics.median(reference_times)
    print(f"design: {len(design.n_params)} runs at 6 budgets; target {TARGET:g} FLOPs; noise {NOISE}")
    per_boot = statistics.median(bootstrap_times)
    print(f"{'reference: fit_law per trial (all starts)':62s} {1 / per_trial:8.1f} trials/s")
    print(f"{'reference: fit_law per trial, bootstrap=100':62s} {1 / per_boot:8.1f} trials/s")
    for name, values in times.items():
        each = statistics.median(values)
        versus = per_boot if "100 resamples" in name else per_trial
        print(f"{name:62s} {1 / each:8.1f} trials/s  {versus / each:7.1f}x the matching fit_law reference")
    few = {"target_flops": TARGET, "noise": NOISE, "trials": REFERENCE_TRIALS, "seed": 0, "bootstrap": 0}
    warm = study.simulate_study(LAW, *arrays, approaches=("fit",), **few).estimates["fit"]
    worst = float(np.max(np.abs(warm.params / expected - 1)))
    print(f"warm batched N_opt vs fit_law on the {REFERENCE_TRIALS} reference trials: largest relative gap {worst:.2e}")


if __name__ == "__main__":
    main()
