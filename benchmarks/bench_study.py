"""The study tools at scale (issue 16): `suggest` and `simulate` against one `fit` of the same sweep.

The sweep: 6 budgets from 1e18 to 1e21 FLOPs, 9 sizes each (54 runs, `scalecalc sweep` defaults), losses from
Epoch's Chinchilla-form law (Besiroglu et al. 2024) with 1% log-space noise. The acceptance ratio is measured as
the issue measured it, whole processes: CPU seconds of `scalecalc simulate --sweep sweep.csv` (500 trials, 100
resamples, both approaches: the defaults) against `scalecalc fit` of the same sweep with one draw of its losses,
alternating, in fresh processes (target: <= 10x). In one process, alternating, it also prints ``suggest_runs``
(5 picks, 200 trials) and ``simulate_study`` against one ``fit_law`` of the sweep: the work alone, without the
start-up both commands share. ``--against DIR`` also times `scalecalc suggest` of another checkout (say the main
branch) against this one, CPU seconds of fresh processes, alternating (target: at most a fifth). ``--epoch`` adds
the peak memory of `suggest --next 5` on Epoch's 240 Chinchilla points (target: under 500 MB; it takes minutes).
BLAS is pinned to one thread on every side. Run from the project root: python -m benchmarks.bench_study
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

from benchmarks._alternating import alternating
from benchmarks._peak import cpu_seconds, peak_mib, with_installed_bytecode
from scalecalc import study
from scalecalc.fitting import FitSpec, fit_law
from scalecalc.laws import ChinchillaLaw
from scalecalc.runs import Observations

LAW = ChinchillaLaw(E=1.8172, A=482.01, B=2085.43, alpha=0.3478, beta=0.3658)  # Besiroglu et al. 2024, Eq. 4
TARGET = 1e23  # the CLI's default: 100x the largest budget


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--against", help="another checkout whose `suggest` to time against this one")
    parser.add_argument("--epoch", action="store_true", help="also the peak memory of suggest on Epoch's points")
    options = parser.parse_args()
    design = study.design_sweep(LAW, 1e18, 1e21, 6, 9)
    arrays = (design.n_params, design.n_tokens, design.compute_flops)
    loss = np.exp(study.simulated_log_losses(LAW, *arrays[:2], 0.01, 1, 0)[0])

    def one_fit() -> object:
        return fit_law(Observations("bench", *arrays, loss), FitSpec(), at_flops=TARGET)

    ratio, seconds = alternating(
        lambda: study.suggest_runs(LAW, *arrays, next_runs=5, target_flops=TARGET), one_fit, options.repeats
    )
    print(f"suggest --next 5 (54 runs, 200 trials): {seconds:.2f} s, {ratio:.1f}x one fit")
    simulate = lambda: study.simulate_study(LAW, *arrays, target_flops=TARGET)  # noqa: E731
    ratio, seconds = alternating(simulate, one_fit, options.repeats)
    print(f"simulate (500 trials, bootstrap 100, fit + isoflop): {seconds:.2f} s, {ratio:.1f}x one fit_law in-process")
    here = os.getcwd()
    with_installed_bytecode()  # fresh processes as an installed copy runs them; the warm-up below compiles
    with tempfile.TemporaryDirectory() as folder:
        sweep, observed = os.path.join(folder, "sweep.csv"), os.path.join(folder, "observed.csv")
        _write_csv(sweep, "params,tokens,flops", arrays)
        _write_csv(observed, "params,tokens,flops,loss", (*arrays, loss))
        tree = {"PYTHONPATH": here}
        cpu_seconds(["simulate", "--sweep", sweep, "--trials", "1", "--format", "tsv"], tree, folder)  # warm-up
        simulate_cpu, fit_cpu = [], []
        for _ in range(options.repeats):
            fit_cpu.append(cpu_seconds(["fit", observed, "--format", "tsv"], tree, folder))
            simulate_cpu.append(cpu_seconds(["simulate", "--sweep", sweep, "--format", "tsv"], tree, folder))
        ratio = statistics.median(s / f for s, f in zip(simulate_cpu, fit_cpu, strict=True))
        print(
            f"scalecalc simulate / scalecalc fit, CPU of fresh processes: {statistics.median(simulate_cpu):.2f} s / "
            f"{statistics.median(fit_cpu):.2f} s = {ratio:.1f}x (target <= 10x)"
        )
        args = ["suggest", sweep, "--next", "5", "--format", "tsv"]
        if options.against:
            # run from the temporary folder: from the project root `python -m` would import this tree on both sides
            ratios = [
                cpu_seconds(args, tree, folder)
                / cpu_seconds(args, {"PYTHONPATH": os.path.abspath(options.against)}, folder)
                for _ in range(options.repeats)
            ]
            print(f"suggest CPU time, this tree / {options.against}: {statistics.median(ratios):.2f} (target <= 0.2)")
    if options.epoch:
        code, peak = peak_mib(
            ["suggest", "examples/chinchilla-epoch-points.csv", "--params-col", "Model Size",
             "--flops-col", "Training FLOP", "--next", "5", "--format", "tsv"]
        )  # fmt: skip
        print(f"suggest on Epoch's 240 points: exit {code}, peak {peak:.0f} MiB (target < 500 MB)")


def _write_csv(path: str, header: str, columns: tuple[np.ndarray, ...]) -> None:
    with open(path, "w") as out:
        out.write(header + "\n")
        out.writelines(",".join(map(repr, row)) + "\n" for row in zip(*(c.tolist() for c in columns), strict=True))


if __name__ == "__main__":
    main()
