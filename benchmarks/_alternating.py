"""The measurement every in-process benchmark here shares: a candidate and a reference timed alternately, so
that machine load affects both alike; the median ratio is what the scripts report."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def alternating(candidate: Callable[[], object], reference: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median of candidate time / reference time over ``repeats`` alternating runs, and the candidate's median
    seconds."""
    ratios, seconds = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        reference()
        middle = time.perf_counter()
        candidate()
        end = time.perf_counter()
        ratios.append((end - middle) / (middle - start))
        seconds.append(end - middle)
    return statistics.median(ratios), statistics.median(seconds)
