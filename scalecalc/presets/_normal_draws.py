"""Seeded multivariate-normal draws as ``np.random.default_rng(SEED).multivariate_normal`` makes them, bit for bit,
without importing ``numpy.random`` when the standard normals it would draw ship in ``standard_normals.npy``.

Importing ``numpy.random`` takes longer than the rest of a plan (five bit generators, the legacy RandomState, and
``secrets``, which loads OpenSSL), and the default preset's loss interval needs only the first 5000 values of one
seeded stream. They ship beside this module: ``np.save("standard_normals.npy",
np.random.default_rng(0).standard_normal(5000))``, 40 kB that tests/test_intervals.py regenerates and compares.
A generator's ``standard_normal(n)`` is the first n values of its stream whatever n is, so the table answers any
count up to its length; a covariance of more than five constants draws its longer stream from numpy.random.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

SEED = 0
STANDARD_NORMALS = Path(__file__).with_name("standard_normals.npy")


def standard_normals(count: int) -> np.ndarray:
    """The first ``count`` values of ``np.random.default_rng(SEED).standard_normal``."""
    table = np.load(STANDARD_NORMALS)
    if count <= len(table):
        return table[:count]
    return np.random.default_rng(SEED).standard_normal(count)


def multivariate_normal(mean: np.ndarray, covariance: np.ndarray, size: int) -> np.ndarray:
    """``size`` draws of N(mean, covariance), each row one draw, equal to
    ``np.random.default_rng(SEED).multivariate_normal(mean, covariance, size=size)``: numpy's default SVD method,
    in numpy's own operations and order (covariance = U S U^T, x = mean + z (U sqrt(S))^T for standard normal
    rows z), so that every digit of the intervals printed from them stays as numpy made it."""
    u, s, vh = np.linalg.svd(covariance)
    # numpy's check_valid="warn": a matrix its SVD does not rebuild (not quite symmetric) is sampled, with a warning
    if not np.allclose(np.dot(vh.T * s, vh), covariance, rtol=1e-8, atol=1e-8):
        warnings.warn("covariance is not symmetric positive-semidefinite.", RuntimeWarning, stacklevel=2)
    normals = standard_normals(size * len(mean)).reshape(size, len(mean))
    return mean + normals @ (u * np.sqrt(s)).T
