"""Benchmark of `scalecalc fit`: ratios measured in one run, never absolute-time assertions.

1. The full-grid Chinchilla fit on Epoch's 240 points (Hoffmann's 4,500-start grid) against the
   straightforward reference: one scipy L-BFGS-B call per start with numerical gradients. The reference is
   timed on a random subset of starts (alternating with the fast engine) and scaled to the 4,500 starts;
   its best objective over the subset is compared with ours. Our engine's default covers the grid by
   variable projection; the brute-force `--grid full` (all 4,500 starts, vectorised) is timed too.
2. 1,000 bootstrap resamples, against 1,000 times one warm-started reference refit (scaled from a subset).
3. How the fit time grows from 240 to 100,000 points (synthetic Chinchilla data on isoFLOP-like designs).

Run: python benchmarks/bench_fit.py [--reference-starts 40] [--skip-full]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scalecalc.fitting import FitSpec, drop_highest, fit_law  # noqa: E402
from scalecalc.fitting.forms import ChinchillaForm  # noqa: E402
from scalecalc.fitting.spec import fit_data, form_for  # noqa: E402
from scalecalc.laws import ChinchillaLaw  # noqa: E402
from scalecalc.runs import Observations, read_observations, read_table  # noqa: E402
from tests._reference_fit import reference_fit, reference_objective  # noqa: E402

EPOCH = ROOT / "examples" / "chinchilla-epoch-points.csv"


def timed(function, repeat: int = 1):
    best, value = np.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        value = function()
        best = min(best, time.perf_counter() - start)
    return best, value


def grid_benchmark(observations: Observations, reference_starts: int, skip_full: bool) -> None:
    print("1. Chinchilla fit on Epoch's 240 points: Hoffmann's 4,500-start grid")
    spec = FitSpec()
    data = fit_data(observations, form_for(spec))
    grid = ChinchillaForm().hoffmann_grid()
    picks = np.random.default_rng(0).choice(len(grid), reference_starts, replace=False)
    bounds = [(None, None)] * 3 + [(0.0, 10.0)] * 2
    fast_times, reference_time, reference_best = [], 0.0, np.inf
    # Alternate: a fast fit, then a slice of reference starts, so both see the same machine load.
    chunks = np.array_split(picks, 4)
    for chunk in chunks:
        seconds, result = timed(lambda: fit_law(observations, spec))
        fast_times.append(seconds)
        start = time.perf_counter()
        _, best, _ = reference_fit("chinchilla", data, grid[chunk], bounds)
        reference_time += time.perf_counter() - start
        reference_best = min(reference_best, best)
    per_start = reference_time / len(picks)
    reference_full = per_start * len(grid)
    fast = float(np.median(fast_times))
    print(
        f"   reference: {per_start * 1e3:.1f} ms per start x {len(grid)} starts = "
        f"{reference_full:.0f} s (timed on {len(picks)} starts)"
    )
    print(f"   scalecalc (projected grid, {result.optimizer.starts} starts): {fast * 1e3:.1f} ms")
    print(f"   RATIO reference / scalecalc: {reference_full / fast:,.0f}x")
    print(
        f"   objective: scalecalc {result.objective['value']:.10g}, reference best of {len(picks)} starts "
        f"{reference_best:.10g}, Epoch's full grid 1.0183e-3 -> "
        f"{'no worse' if result.objective['value'] <= reference_best * (1 + 1e-9) else 'WORSE'}"
    )
    check = reference_objective("chinchilla", data)(
        np.array(
            [
                np.log(result.constants[k]) if k in "EAB" else result.constants[k]
                for k in ("E", "A", "B", "alpha", "beta")
            ]
        )
    )
    print(f"   scalecalc's optimum re-evaluated by the reference objective: {check:.10g}")
    if not skip_full:
        seconds, full = timed(lambda: fit_law(observations, FitSpec(grid="full")))
        print(
            f"   scalecalc --grid full (all 4,500 starts at once): {seconds:.2f} s, RATIO "
            f"{reference_full / seconds:,.0f}x, "
            f"objective {full.objective['value']:.10g}; {full.optimizer.starts_at_best} of "
            f"4,500 starts reached the best"
        )


def bootstrap_benchmark(observations: Observations) -> None:
    print("2. 1,000 bootstrap resamples (Epoch's 240 points)")
    spec = FitSpec()
    full = fit_law(observations, spec)
    data = fit_data(observations, form_for(spec))
    z = np.array(
        [
            np.log(full.constants["E"]),
            np.log(full.constants["A"]),
            np.log(full.constants["B"]),
            full.constants["alpha"],
            full.constants["beta"],
        ]
    )
    rng = np.random.default_rng(1)
    sample = 20
    start = time.perf_counter()
    for _ in range(sample):  # the straightforward way: refit each resample, warm-started, one scipy call each
        index = rng.integers(0, len(data), len(data))
        reference_fit("chinchilla", data.subset(index), z[None, :], [(None, None)] * 3 + [(0.0, 10.0)] * 2)
    per_resample = (time.perf_counter() - start) / sample
    seconds, result = timed(lambda: fit_law(observations, spec, bootstrap=1000, seed=42, at_flops=5.76e23))
    seconds -= timed(lambda: fit_law(observations, spec))[0]
    print(f"   reference: {per_resample * 1e3:.1f} ms per warm-started resample x 1000 = {per_resample * 1000:.1f} s")
    print(f"   scalecalc: {seconds:.3f} s for 1000 resamples ({result.bootstrap.converged_fraction:.1%} converged)")
    print(f"   RATIO reference / scalecalc: {per_resample * 1000 / seconds:,.0f}x")
    b = result.bootstrap
    print(
        "   95% intervals: "
        + ", ".join(f"{k} {b.low[k]:.4g}-{b.high[k]:.4g}" for k in ("E", "alpha", "beta", "A", "B"))
        + "  (Epoch, 4000 resamples: E 1.769-1.871, alpha 0.317-0.373, beta 0.331-0.415, A 285-744, B 1042-5810)"
    )


def scaling_benchmark() -> None:
    print("3. Fit time against the number of points (synthetic Chinchilla sweeps, 0.5% noise)")
    law = ChinchillaLaw(E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28)
    rng = np.random.default_rng(2)
    base = None
    for size in (240, 1_000, 10_000, 100_000):
        c = 10 ** rng.uniform(18, 22, size)
        n = np.sqrt(c / 120) * 10 ** rng.uniform(-0.8, 0.8, size)
        d = c / (6 * n)
        loss = law.loss(n, d) * np.exp(rng.normal(0, 0.005, size))
        observations = Observations("synthetic", n, d, c, loss)
        seconds, result = timed(lambda obs=observations: fit_law(obs), repeat=2)
        base = base or seconds
        print(
            f"   {size:>7,} points: {seconds * 1e3:8.1f} ms  ({seconds / base:6.1f}x the 240-point time, "
            f"{size / 240:6.1f}x the points); alpha {result.constants['alpha']:.4f}, beta "
            f"{result.constants['beta']:.4f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference-starts", type=int, default=40)
    parser.add_argument("--skip-full", action="store_true", help="skip the brute-force --grid full timing")
    args = parser.parse_args()
    observations = drop_highest(read_observations(read_table(str(EPOCH))), 5)[0]
    fit_law(observations)  # warm imports and caches for both sides
    grid_benchmark(observations, args.reference_starts, args.skip_full)
    bootstrap_benchmark(observations)
    scaling_benchmark()


if __name__ == "__main__":
    main()
