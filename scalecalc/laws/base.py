"""The interfaces every law implements, so that `plan`, `predict` and presets treat published and fitted
laws alike.

A *loss law* predicts the loss of a model with ``n_params`` parameters trained on ``n_tokens`` tokens. An
*allocation* maps a training compute budget (FLOPs, with C = 6ND) to a compute-optimal (N, D) and back.
A Chinchilla-form law is both; Kaplan's preset pairs a loss law with a separate allocation; most allocation
presets (Llama 3, DeepSeek, ...) publish no loss law at all.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]

FLOPS_PER_PARAM_TOKEN = 6.0  # training compute C = 6ND (Kaplan et al. 2020, Sec. 2.1)


@runtime_checkable
class LossLaw(Protocol):
    """L(N, D). ``constants`` are on the paper's own scale, keyed by the paper's symbols."""

    form: str

    def loss(self, n_params: ArrayLike, n_tokens: ArrayLike) -> Array: ...

    def constants(self) -> dict[str, float]: ...


@runtime_checkable
class Allocation(Protocol):
    """Compute-optimal allocation under C = 6ND; every method is vectorised over its argument."""

    def allocate(self, compute_flops: ArrayLike) -> tuple[Array, Array]:
        """Return (n_params, n_tokens) with 6 * n_params * n_tokens == compute_flops."""
        ...

    def compute_for_params(self, n_params: ArrayLike) -> Array:
        """The budget whose compute-optimal model has ``n_params`` parameters."""
        ...

    def compute_for_tokens(self, n_tokens: ArrayLike) -> Array:
        """The budget whose compute-optimal run sees ``n_tokens`` tokens."""
        ...


def as_array(values: ArrayLike) -> Array:
    return np.asarray(values, dtype=np.float64)
