"""Beyond compute-optimal: planning with repeated data, with inference demand, and with a smaller model.

Three questions that the compute-optimal frontier (``scalecalc.plan``) does not answer, for any preset whose loss
law has the Chinchilla form L(N, D) = E + A/N^alpha + B/D^beta (a published one or one saved by ``fit --save``):

* **Data-constrained** (Muennighoff et al. 2023, "Scaling Data-Constrained Language Models", arXiv 2305.16264,
  Eq. 5 and App. A; the datablations README restates the code). With U unique tokens seen for D total tokens,
  the repeated tokens are worth less and less:
      R_D = max(D/U - 1, 0)                                 (epochs beyond the first)
      D'  = U_D + U_D R_D* (1 - exp(-R_D / R_D*)),          U_D = min(D, U)
  and parameters beyond those that U unique tokens can use compute-optimally are worth less likewise:
      U_N = min(N, N_opt(U)),  N_opt(D) = G (D G)^(beta/alpha)   (the law's own frontier, D -> N)
      R_N = max(N/U_N - 1, 0),  N' = U_N + U_N R_N* (1 - exp(-R_N / R_N*))
  and the loss is L(N', D'). D' saturates at U (1 + R_D*) (about 16x U with R_D* = 15.4) and N' at
  U_N (1 + R_N*), so a loss below E + A/(U_N (1 + R_N*))^alpha + B/(U (1 + R_D*))^beta is out of reach.

* **Inference-aware** (Sardana et al. 2024, "Beyond Chinchilla-Optimal", arXiv 2401.00448, Sec. 2): minimise
  training plus inference compute 6 N D_train + 2 N I subject to L(N, D_train) = l. Write the loss budget
  l - E = x + r with x = A/N^alpha (model term) and r = B/D^beta (data term); the stationarity condition of
  6 N D(N) + 2 N I along the constraint is
      3 D ((alpha x)/(beta r) - 1) = I,
  which at I = 0 is the Chinchilla frontier alpha x = beta r. With t = log(x / r) the left side rises
  monotonically from 0 at t0 = log(beta/alpha), so the optimum is one bracketed root in t (bisection; the
  paper uses Newton's method). Under a data constraint the same objective is minimised over log N directly.
  The cost variant weighs the two terms by dollars per FLOP (price / (peak FLOP/s x MFU x 3600)), which only
  rescales I: cost = c_train (6 N D + 2 N I c_inference / c_train).

* **Smaller than optimal** (Harm de Vries 2023, "Go smol or go home"): the tokens a model of N parameters needs
  to reach a loss l, D = (B / (l - E - A/N^alpha))^(1/beta), and its compute 6 N D against the least compute that
  reaches l. With k_N = N / N_opt(l) the token factor is
      k_D = [1 - (k_N^-alpha - 1) (A/B) G^-(alpha+beta)]^(-1/beta) = [1 - (beta/alpha) (k_N^-alpha - 1)]^(-1/beta)
  and the overhead k_N k_D - 1 depends on alpha, beta and k_N alone. This is not the overhead of
  ``plan --flops C --params N``, which fixes the budget instead of the loss (so its size ratio is relative to the
  budget's optimal model, a larger one): with the ``chinchilla`` preset half size costs about +21% here and
  about +16% there.

Every function returns a :class:`~scalecalc.plan.Plan`; requests no allocation can meet raise
:class:`~scalecalc.errors.InfeasiblePlanError` saying what would be feasible. scipy is not needed: every optimum
is a vectorised bisection or golden-section search in one variable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from scalecalc.errors import InfeasiblePlanError, InputError
from scalecalc.laws import FLOPS_PER_PARAM_TOKEN, ChinchillaLaw
from scalecalc.laws.base import Array, as_array
from scalecalc.plan import Plan, extrapolation_warnings, run_columns
from scalecalc.presets import Preset

# Muennighoff et al. 2023, Eq. 5 fit as printed by the datablations README ("Parametric Fit"); the paper rounds
# them to R_D* = 15.4 and R_N* = 5.3. Used when neither the preset nor the options give decay constants.
MUENNIGHOFF_R_D_STAR = 15.387756
MUENNIGHOFF_R_N_STAR = 5.309743

# Inference costs 2 FLOPs per parameter per token, the forward pass (Kaplan et al. 2020, Table 1, C_forward ~ 2N;
# Sardana et al. 2024, Sec. 2, objective 6 N D_tr + 2 N D_inf).
INFERENCE_FLOPS_PER_PARAM_TOKEN = 2.0

SECONDS_PER_HOUR = 3600.0

_GRID_POINTS = 97  # coarse grid before the golden-section refinement (one point every 0.25 in log N)
_GOLDEN_STEPS = 90  # shrinks a bracket by 0.618^90 ~ 1e-19: below float resolution in log N
_BISECTION_STEPS = 120


# -- inputs ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RepetitionDecay:
    """Decay constants of Muennighoff et al. 2023 Eq. 5 and where they came from."""

    r_d_star: float  # R_D*: how many repeated epochs' worth of data keep most of their value
    r_n_star: float  # R_N*: the same for parameters beyond what the unique data can use
    source: str


def repetition_decay(
    preset: Preset, r_d_star: float | None = None, r_n_star: float | None = None
) -> tuple[RepetitionDecay, tuple[str, ...]]:
    """Decay constants from the options, else the preset's ``data_constrained`` section, else Muennighoff's fit
    (with a warning, since those were fitted together with another loss law)."""
    section = preset.data_constrained
    warnings: tuple[str, ...] = ()
    sources = []
    values = []
    for given, key, published, option in (
        (r_d_star, "R_D_star", MUENNIGHOFF_R_D_STAR, "--rd-star"),
        (r_n_star, "R_N_star", MUENNIGHOFF_R_N_STAR, "--rn-star"),
    ):
        if given is not None:
            values.append(float(given))
            sources.append(f"{key} from {option}")
        elif key in section:
            values.append(section[key].value)
            sources.append(f"{key} from preset {preset.name}")
        else:
            values.append(published)
            sources.append(f"{key} from Muennighoff et al. 2023")
            warnings = (
                f"preset {preset.name} has no data_constrained section; using Muennighoff et al. 2023's decay "
                f"constants R_D* = {MUENNIGHOFF_R_D_STAR:g}, R_N* = {MUENNIGHOFF_R_N_STAR:g} "
                "(fitted with their own C4 law); "
                "set --rd-star/--rn-star to override",
            )
    return RepetitionDecay(values[0], values[1], "; ".join(sources)), warnings


@dataclass(frozen=True)
class CostModel:
    """Dollars per FLOP for training and for inference (Sardana et al. 2024, Sec. 3: separate MFU and prices).
    ``absolute`` is False when no accelerator peak is known: the ratio of the two (all the optimum depends on)
    is right, but the scale is not, so no dollar figures are reported."""

    train_dollars_per_flop: float
    inference_dollars_per_flop: float
    absolute: bool = True
    description: str = ""

    @classmethod
    def from_hardware(
        cls,
        *,
        train_peak_flops: float,
        train_mfu: float,
        train_price_per_hour: float,
        inference_mfu: float,
        inference_price_per_hour: float,
        inference_peak_flops: float | None = None,
    ) -> CostModel:
        """Per-GPU peak FLOP/s, utilisation (0-1] and price per GPU-hour; inference on the training GPU unless
        ``inference_peak_flops`` is given."""
        for name, value in (("training MFU", train_mfu), ("inference MFU", inference_mfu)):
            if not 0 < value <= 1:
                raise InputError(f"{name} is {value:g}; give a fraction between 0 and 1 (0.4 for 40%)")
        inference_peak = train_peak_flops if inference_peak_flops is None else inference_peak_flops
        return cls(
            train_price_per_hour / (SECONDS_PER_HOUR * train_peak_flops * train_mfu),
            inference_price_per_hour / (SECONDS_PER_HOUR * inference_peak * inference_mfu),
        )

    @property
    def inference_weight(self) -> float:
        """How many training FLOPs one inference FLOP costs as much as."""
        return self.inference_dollars_per_flop / self.train_dollars_per_flop


# Training MFU when none is given: large dense runs report 38-43% (Llama 3 405B, BF16; Llama Team 2024, Sec. 3.3.4,
# as quoted in the project's planner reference, table "Reported MFU").
DEFAULT_TRAIN_MFU = 0.40


def cost_from_options(
    *,
    inference_mfu: float | None = None,
    inference_price: float | None = None,
    train_mfu: float | None = None,
    train_price: float | None = None,
    peak_flops: float | None = None,
) -> CostModel:
    """The cost model behind `plan --inference-mfu/--inference-price` (and the hardware options --mfu, --price,
    --gpu where given). A missing MFU falls back to the other side's (training: 40%), a missing price likewise;
    without a peak FLOP/s only relative costs (cost_saving) are reported."""
    train_mfu = DEFAULT_TRAIN_MFU if train_mfu is None else train_mfu
    inference_mfu = train_mfu if inference_mfu is None else inference_mfu
    known_price = train_price is not None or inference_price is not None
    train_price = train_price if train_price is not None else (inference_price if inference_price is not None else 1.0)
    inference_price = inference_price if inference_price is not None else train_price
    model = CostModel.from_hardware(
        train_peak_flops=1.0 if peak_flops is None else peak_flops,
        train_mfu=train_mfu,
        train_price_per_hour=train_price,
        inference_mfu=inference_mfu,
        inference_price_per_hour=inference_price,
    )
    description = (
        f"training at {100 * train_mfu:.0f}% MFU and ${train_price:g}/GPU-h, inference at {100 * inference_mfu:.0f}% "
        f"MFU and ${inference_price:g}/GPU-h: an inference FLOP costs {model.inference_weight:.3g} training FLOPs"
    )
    return CostModel(
        model.train_dollars_per_flop,
        model.inference_dollars_per_flop,
        absolute=peak_flops is not None and known_price,
        description=description,
    )


# -- the data-constrained law ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataConstrainedLaw:
    """A Chinchilla-form law evaluated on effective data D' and effective parameters N' (Muennighoff Eq. 5)."""

    law: ChinchillaLaw
    unique_tokens: Array
    decay: RepetitionDecay

    @property
    def unique_params(self) -> Array:
        """U_N: the size that is compute-optimal for U tokens, N_opt(U) = G (U G)^(beta/alpha) (datablations
        README, D_to_N)."""
        g = self.law.frontier_coefficient
        return g * (self.unique_tokens * g) ** (self.law.beta / self.law.alpha)

    def effective_tokens(self, n_tokens: ArrayLike) -> Array:
        return _effective(as_array(n_tokens), self.unique_tokens, self.decay.r_d_star)

    def effective_params(self, n_params: ArrayLike) -> Array:
        return _effective(as_array(n_params), self.unique_params, self.decay.r_n_star)

    def loss(self, n_params: ArrayLike, n_tokens: ArrayLike) -> Array:
        return self.law.loss(self.effective_params(n_params), self.effective_tokens(n_tokens))

    @property
    def max_effective_tokens(self) -> Array:
        return self.unique_tokens * (1 + self.decay.r_d_star)

    @property
    def max_effective_params(self) -> Array:
        return self.unique_params * (1 + self.decay.r_n_star)

    def loss_floor(self) -> Array:
        """The least loss any size and any number of epochs reach with these unique tokens (an infimum)."""
        return self.law.loss(self.max_effective_params, self.max_effective_tokens)

    def tokens_for_effective(self, effective_tokens: ArrayLike) -> Array:
        """Inverse of :meth:`effective_tokens`: total tokens whose effective value is ``effective_tokens``;
        NaN at or beyond the ceiling U (1 + R_D*)."""
        wanted, unique = np.broadcast_arrays(as_array(effective_tokens), self.unique_tokens)
        r_star = self.decay.r_d_star
        fraction = (wanted / unique - 1) / r_star  # = 1 - exp(-R_D / R_D*)
        with np.errstate(invalid="ignore", divide="ignore"):
            repeats = -r_star * np.log1p(-np.minimum(fraction, 1.0))
            tokens = np.where(wanted <= unique, wanted, unique * (1 + repeats))
        return np.where(fraction < 1, tokens, np.nan)

    def tokens_for_loss(self, n_params: ArrayLike, loss: ArrayLike) -> Array:
        """Total tokens (with repeats) a model of ``n_params`` needs to reach ``loss``; NaN where it cannot."""
        needed = self.law.tokens_for_loss(self.effective_params(n_params), loss)
        return self.tokens_for_effective(needed)


def _effective(amount: Array, unique: Array, r_star: float) -> Array:
    """U + U R* (1 - exp(-R / R*)) with R = amount/U - 1 beyond one pass, amount itself below it."""
    used = np.minimum(amount, unique)
    repeats = np.maximum(amount / unique - 1, 0.0)
    return used - used * r_star * np.expm1(-repeats / r_star)


# -- data-constrained budget -------------------------------------------------------------------------------------


def plan_data_constrained(
    preset: Preset, compute_flops: ArrayLike, unique_tokens: ArrayLike, decay: RepetitionDecay | None = None
) -> Plan:
    """The loss-minimising (N, D) for each budget when only ``unique_tokens`` distinct tokens exist, with its
    epochs, effective tokens and parameters, and what repetition costs against the unconstrained optimum."""
    law = chinchilla_law(preset, "--unique-tokens")
    decay, warnings = (decay, ()) if decay is not None else repetition_decay(preset)
    compute, unique = np.broadcast_arrays(as_array(compute_flops), as_array(unique_tokens))
    constrained = DataConstrainedLaw(law, unique, decay)
    free_params, free_tokens = law.allocate(compute)
    n_params = _optimal_params_for_budget(constrained, compute, free_params)
    n_tokens = compute / (FLOPS_PER_PARAM_TOKEN * n_params)
    loss = constrained.loss(n_params, n_tokens)
    free_loss = law.loss(free_params, free_tokens)
    equivalent = law.compute_for_loss(loss)
    columns = run_columns(compute, n_params, n_tokens, loss, unique)
    columns |= {
        "effective_tokens": constrained.effective_tokens(n_tokens),
        "effective_params": constrained.effective_params(n_params),
        "unconstrained_params": free_params,
        "unconstrained_tokens": free_tokens,
        "unconstrained_loss": free_loss,
        "repetition_loss_penalty": loss - free_loss,
        "repetition_overhead": compute / equivalent - 1,
    }
    notes: tuple[str, ...] = (
        f"data-constrained optimum (Muennighoff et al. 2023, Eq. 5): {decay.source} "
        f"(R_D* = {decay.r_d_star:g}, R_N* = {decay.r_n_star:g})",
        "repetition_loss_penalty: loss above the unconstrained compute-optimal run of the same budget; "
        "repetition_overhead: extra compute over the unconstrained compute-optimal run that reaches the same loss",
    )
    return Plan(
        preset.name, "flops+unique_tokens", columns, warnings + extrapolation_warnings(preset, compute, n_params), notes
    )


def plan_data_constrained_loss(
    preset: Preset, loss: ArrayLike, unique_tokens: ArrayLike, decay: RepetitionDecay | None = None
) -> Plan:
    """The least compute that reaches ``loss`` with only ``unique_tokens`` distinct tokens, against the
    unconstrained compute-optimal run to the same loss."""
    law = chinchilla_law(preset, "--loss with --unique-tokens")
    decay, warnings = (decay, ()) if decay is not None else repetition_decay(preset)
    target, unique = np.broadcast_arrays(as_array(loss), as_array(unique_tokens))
    check_loss_above_floor(law, target, preset.name)
    constrained = DataConstrainedLaw(law, unique, decay)
    check_data_can_reach(constrained, target, preset.name)
    n_params, n_tokens = _least_total_constrained(constrained, target, np.zeros_like(target))
    compute = FLOPS_PER_PARAM_TOKEN * n_params * n_tokens
    free_compute = law.compute_for_loss(target)
    free_params, free_tokens = law.allocate(free_compute)
    columns = run_columns(compute, n_params, n_tokens, target, unique)
    columns |= {
        "effective_tokens": constrained.effective_tokens(n_tokens),
        "effective_params": constrained.effective_params(n_params),
        "unconstrained_params": free_params,
        "unconstrained_tokens": free_tokens,
        "compute_optimal_flops": free_compute,
        "repetition_overhead": compute / free_compute - 1,
    }
    notes: tuple[str, ...] = (
        f"least compute reaching the loss with repeated data (Muennighoff et al. 2023, Eq. 5): {decay.source}",
        "repetition_overhead: extra compute over the unconstrained compute-optimal run to the same loss "
        "(compute_optimal_flops)",
    )
    return Plan(
        preset.name, "loss+unique_tokens", columns, warnings + extrapolation_warnings(preset, compute, n_params), notes
    )


def _optimal_params_for_budget(constrained: DataConstrainedLaw, compute: Array, start: Array) -> Array:
    """argmin over N of L(N', D') with D = C / 6N: a grid over 24 nats of log N around the unconstrained optimum,
    then golden-section search in the best grid cell."""

    def objective(log_n: Array, index: np.ndarray) -> Array:
        n = np.exp(log_n)
        c = compute[index][:, None] if log_n.ndim == 2 else compute[index]
        sub = DataConstrainedLaw(
            constrained.law, _rows(constrained.unique_tokens, index, log_n.ndim), constrained.decay
        )
        return sub.loss(n, c / (FLOPS_PER_PARAM_TOKEN * n))

    centre = np.log(start)
    return np.exp(_minimise(objective, centre - 12.0, centre + 12.0))


def _rows(values: Array, index: np.ndarray, ndim: int) -> Array:
    chosen = values[index]
    return chosen[:, None] if ndim == 2 else chosen


def _minimise(objective, low: Array, high: Array) -> Array:
    """Per-row minimum of a 1-D function on [low, high]: a coarse grid, then golden-section search on the two grid
    cells around the best grid point; the better of the refined and the grid point is returned."""
    rows = np.arange(low.size)
    grid = low[:, None] + (high - low)[:, None] * np.linspace(0.0, 1.0, _GRID_POINTS)[None, :]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        values = objective(grid, rows)
    values = np.where(np.isfinite(values), values, np.inf)
    best = np.argmin(values, axis=1)
    step = (high - low) / (_GRID_POINTS - 1)
    grid_best = grid[rows, best]
    a = np.maximum(grid_best - step, low)
    b = np.minimum(grid_best + step, high)
    ratio = (np.sqrt(5.0) - 1) / 2
    x1 = b - ratio * (b - a)
    x2 = a + ratio * (b - a)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        f1, f2 = objective(x1, rows), objective(x2, rows)
        for _ in range(_GOLDEN_STEPS):
            left = f1 <= f2  # the minimum lies in [a, x2]
            b = np.where(left, x2, b)
            a = np.where(left, a, x1)
            new_x1 = b - ratio * (b - a)
            new_x2 = a + ratio * (b - a)
            x2, f2, x1, f1 = (
                np.where(left, x1, new_x2),
                np.where(left, f1, objective(new_x2, rows)),
                np.where(left, new_x1, x2),
                np.where(left, objective(new_x1, rows), f2),
            )
        refined = 0.5 * (a + b)
        refined_value = objective(refined, rows)
    return np.where(refined_value <= values[rows, best], refined, grid_best)


# -- inference-aware ---------------------------------------------------------------------------------------------


def plan_inference_aware(
    preset: Preset,
    inference_tokens: ArrayLike,
    *,
    compute_flops: ArrayLike | None = None,
    loss: ArrayLike | None = None,
    unique_tokens: ArrayLike | None = None,
    decay: RepetitionDecay | None = None,
    cost: CostModel | None = None,
) -> Plan:
    """The model that reaches a loss at the least training plus inference compute (or dollars, with ``cost``)
    over ``inference_tokens`` lifetime tokens. The loss is the compute-optimal model's for ``compute_flops`` (the
    data-constrained optimum's, with ``unique_tokens``) or ``loss``; the saving is against that model."""
    law = chinchilla_law(preset, "--inference-tokens")
    if (compute_flops is None) == (loss is None):
        raise InputError("give --inference-tokens with either --flops or --loss")
    warnings: tuple[str, ...] = ()
    constrained: DataConstrainedLaw | None = None
    if unique_tokens is not None:
        if decay is None:
            decay, warnings = repetition_decay(preset)
    if compute_flops is not None:
        compute, inference = np.broadcast_arrays(as_array(compute_flops), as_array(inference_tokens))
        unique = None if unique_tokens is None else np.broadcast_to(as_array(unique_tokens), compute.shape)
        if unique is not None:
            constrained = DataConstrainedLaw(law, unique, decay)  # type: ignore[arg-type]
            free_params, _ = law.allocate(compute)
            reference_params = _optimal_params_for_budget(constrained, compute, free_params)
            reference_tokens = compute / (FLOPS_PER_PARAM_TOKEN * reference_params)
            target = constrained.loss(reference_params, reference_tokens)
        else:
            reference_params, reference_tokens = law.allocate(compute)
            target = law.loss(reference_params, reference_tokens)
    else:
        target, inference = np.broadcast_arrays(as_array(loss), as_array(inference_tokens))  # type: ignore[arg-type]
        check_loss_above_floor(law, target, preset.name)
        unique = None if unique_tokens is None else np.broadcast_to(as_array(unique_tokens), target.shape)
        if unique is not None:
            constrained = DataConstrainedLaw(law, unique, decay)  # type: ignore[arg-type]
            check_data_can_reach(constrained, target, preset.name)
            reference_params, reference_tokens = _least_total_constrained(constrained, target, np.zeros_like(target))
        else:
            reference_params, reference_tokens = law.allocate(law.compute_for_loss(target))
    weight = 1.0 if cost is None else cost.inference_weight
    if constrained is not None:
        n_params, n_tokens = _least_total_constrained(constrained, target, inference * weight)
    else:
        n_params, n_tokens = least_total_compute(law, target, inference * weight)
    train = FLOPS_PER_PARAM_TOKEN * n_params * n_tokens
    serve = INFERENCE_FLOPS_PER_PARAM_TOKEN * n_params * inference
    reference_train = FLOPS_PER_PARAM_TOKEN * reference_params * reference_tokens
    reference_total = reference_train + INFERENCE_FLOPS_PER_PARAM_TOKEN * reference_params * inference
    columns = run_columns(train, n_params, n_tokens, target, unique)
    columns.update(
        {
            "inference_tokens": inference,
            "inference_flops": serve,
            "total_flops": train + serve,
            "compute_optimal_params": reference_params,
            "compute_optimal_tokens": reference_tokens,
            "compute_optimal_total_flops": reference_total,
            "saved_flops": reference_total - (train + serve),
            "total_saving": 1 - (train + serve) / reference_total,
        }
    )
    what = "training plus inference compute, 6 N D + 2 N I"
    if cost is not None:
        what = "training plus inference dollars"
        train_cost = train * cost.train_dollars_per_flop
        serve_cost = serve * cost.inference_dollars_per_flop
        reference_cost = (
            reference_train * cost.train_dollars_per_flop
            + INFERENCE_FLOPS_PER_PARAM_TOKEN * reference_params * inference * cost.inference_dollars_per_flop
        )
        if cost.absolute:
            columns.update(
                {
                    "train_cost": train_cost,
                    "inference_cost": serve_cost,
                    "total_cost": train_cost + serve_cost,
                    "compute_optimal_total_cost": reference_cost,
                }
            )
        columns["cost_saving"] = 1 - (train_cost + serve_cost) / reference_cost
    reference = "data-constrained compute-optimal" if unique is not None else "compute-optimal"
    notes: tuple[str, ...] = (
        f"inference-aware optimum (Sardana et al. 2024): the model reaching the same loss at the least {what}; "
        f"compute_optimal_*: the {reference} model for that loss, serving the same inference tokens",
        "flops is training compute; total_saving is the fraction of total FLOPs saved against the compute-optimal "
        "model",
    )
    if cost is not None:
        notes += (f"cost: {cost.description}" + ("" if cost.absolute else " (no GPU peak given: relative costs only)"),)
    if constrained is not None:
        notes += (f"repeated data (Muennighoff et al. 2023): {constrained.decay.source}",)
    question = ("flops" if compute_flops is not None else "loss") + "+inference_tokens"
    if unique is not None:
        question += "+unique_tokens"
    return Plan(preset.name, question, columns, warnings + extrapolation_warnings(preset, train, n_params), notes)


def least_total_compute(law: ChinchillaLaw, loss: Array, inference_tokens: Array) -> tuple[Array, Array]:
    """(N, D_train) minimising 6 N D + 2 N I on L(N, D) = loss, by bisection on t = log(x/r) (module docstring):
    g(t) = log 3 + log D(t) + log((alpha/beta) e^t - 1) - log I rises monotonically through zero."""
    loss, inference = np.broadcast_arrays(as_array(loss), as_array(inference_tokens))
    alpha, beta = float(law.alpha), float(law.beta)
    reducible = loss - law.E
    start = np.log(beta / alpha)  # the Chinchilla point, where the inference term vanishes

    def log_tokens(t: Array) -> Array:
        # r = reducible / (1 + e^t) so log D = (log B - log r) / beta
        return (np.log(law.B) - np.log(reducible) + np.logaddexp(0.0, t)) / beta

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_inference = np.log(inference)
        low = np.full(loss.shape, start)
        high = low + 80.0
        for _ in range(_BISECTION_STEPS):
            middle = 0.5 * (low + high)
            excess = np.log(3.0) + log_tokens(middle) + np.log(np.expm1(middle - start)) - log_inference
            above = excess > 0
            high = np.where(above, middle, high)
            low = np.where(above, low, middle)
        t = np.where(inference > 0, 0.5 * (low + high), start)
        model_term = reducible / (1 + np.exp(-t))  # x = (l - E) e^t / (1 + e^t)
        n_params = (law.A / model_term) ** (1 / alpha)
        n_tokens = np.exp(log_tokens(t))
    return n_params, n_tokens


def _least_total_constrained(
    constrained: DataConstrainedLaw, loss: Array, inference_tokens: Array
) -> tuple[Array, Array]:
    """(N, D) minimising 6 N D + 2 N I on the data-constrained loss surface: golden-section search over log N
    between the smallest size that can reach the loss with unlimited epochs and 1e6 times the unconstrained
    optimum's size (beyond which the objective only grows)."""
    law = constrained.law
    target, inference = np.broadcast_arrays(loss, inference_tokens)
    unique = constrained.unique_tokens

    def objective(log_n: Array, index: np.ndarray) -> Array:
        n = np.exp(log_n)
        sub = DataConstrainedLaw(law, _rows(unique, index, log_n.ndim), constrained.decay)
        goal = _rows(target, index, log_n.ndim)
        d = sub.tokens_for_loss(n, goal)
        total = FLOPS_PER_PARAM_TOKEN * n * d + INFERENCE_FLOPS_PER_PARAM_TOKEN * n * _rows(
            inference, index, log_n.ndim
        )
        return np.where(np.isfinite(total), total, np.inf)

    smallest = _smallest_params(constrained, target)
    free_params, _ = law.allocate(law.compute_for_loss(target))
    low = np.log(smallest) + 1e-9
    high = np.maximum(np.log(free_params) + np.log(1e6), low + 1.0)
    n_params = np.exp(_minimise(objective, low, high))
    return n_params, constrained.tokens_for_loss(n_params, target)


def _smallest_params(constrained: DataConstrainedLaw, loss: Array) -> Array:
    """The least N whose effective size leaves room for the data term at the most effective data the unique
    tokens give: A/N'^alpha = l - E - B/(U (1 + R_D*))^beta, inverted through N'(N) by bisection in log N."""
    law = constrained.law
    room = loss - law.E - law.B / constrained.max_effective_tokens**law.beta
    with np.errstate(divide="ignore", invalid="ignore"):
        needed_effective = (law.A / room) ** (1 / law.alpha)
    unique_params = constrained.unique_params
    low = np.log(needed_effective)  # N >= N' always
    high = low + 40.0
    for _ in range(_BISECTION_STEPS):
        middle = 0.5 * (low + high)
        enough = _effective(np.exp(middle), unique_params, constrained.decay.r_n_star) >= needed_effective
        high = np.where(enough, middle, high)
        low = np.where(enough, low, middle)
    return np.exp(high)


# -- smaller (or larger) than optimal at a given loss -------------------------------------------------------------


def plan_smaller_model(
    preset: Preset,
    loss: ArrayLike,
    n_params: ArrayLike,
    *,
    unique_tokens: ArrayLike | None = None,
    decay: RepetitionDecay | None = None,
) -> Plan:
    """Tokens a model of ``n_params`` needs to reach ``loss`` (repeating ``unique_tokens`` if given) and its
    compute overhead against the compute-optimal run to the same loss (de Vries 2023)."""
    law = chinchilla_law(preset, "--loss with --params")
    target, n = np.broadcast_arrays(as_array(loss), as_array(n_params))
    check_loss_above_floor(law, target, preset.name)
    warnings: tuple[str, ...] = ()
    optimal_compute = law.compute_for_loss(target)
    optimal_params, optimal_tokens = law.allocate(optimal_compute)
    if unique_tokens is None:
        smallest = (law.A / (target - law.E)) ** (1 / law.alpha)
        too_small = n <= smallest
        if np.any(too_small):
            i = int(np.argmax(too_small))
            raise InfeasiblePlanError(
                f"a model of {n[i]:.3g} parameters never reaches loss {target[i]:g} under preset {preset.name}: its "
                f"model term alone leaves no room; any size above {smallest[i]:.3g} can (with enough tokens), and the "
                f"compute-optimal size for that loss is {optimal_params[i]:.3g}"
            )
        n_tokens = law.tokens_for_loss(n, target)
        unique = None
    else:
        if decay is None:
            decay, warnings = repetition_decay(preset)
        unique = np.broadcast_to(as_array(unique_tokens), target.shape)
        constrained = DataConstrainedLaw(law, unique, decay)
        check_data_can_reach(constrained, target, preset.name)
        n_tokens = constrained.tokens_for_loss(n, target)
        if np.any(~np.isfinite(n_tokens)):
            i = int(np.argmax(~np.isfinite(n_tokens)))
            smallest = _smallest_params(constrained, target)
            best = float(constrained.loss(n, np.inf).reshape(-1)[i])
            raise InfeasiblePlanError(
                f"a model of {n[i]:.3g} parameters with {unique[i]:.3g} unique tokens never reaches loss {target[i]:g} "
                f"under preset {preset.name} (its best, with unlimited epochs, is {best:.4g}); use more than "
                f"{smallest[i]:.3g} parameters, or more unique tokens"
            )
    compute = FLOPS_PER_PARAM_TOKEN * n * n_tokens
    columns = run_columns(compute, n, n_tokens, target, unique)
    columns.update(
        {
            "optimal_params": optimal_params,
            "optimal_tokens": optimal_tokens,
            "compute_optimal_flops": optimal_compute,
            "size_ratio": n / optimal_params,
            "token_ratio": n_tokens / optimal_tokens,
            "compute_overhead": compute / optimal_compute - 1,
        }
    )
    notes: tuple[str, ...] = (
        "compute_overhead: extra compute over the compute-optimal run that reaches the same loss, for a model "
        "size_ratio times that run's size (de Vries 2023); it depends only on alpha, beta and size_ratio",
        "this is not the overhead `plan --flops C --params N` reports: that fixes the budget, not the loss, so its "
        "size is relative to the budget's (larger) optimal model (chinchilla preset, half size: +21% here, +16% there)",
    )
    if unique is not None:
        notes += (
            f"repeated data (Muennighoff et al. 2023): {decay.source}; "  # type: ignore[union-attr]
            "the optimum it is compared with is unconstrained",
        )
    question = "loss+params" + ("+unique_tokens" if unique is not None else "")
    return Plan(preset.name, question, columns, warnings + extrapolation_warnings(preset, compute, n), notes)


# -- checks shared by the questions --------------------------------------------------------------------------------


def chinchilla_law(preset: Preset, purpose: str) -> ChinchillaLaw:
    law = preset.loss_law
    if not isinstance(law, ChinchillaLaw):
        have = "no loss law" if law is None else f"a {law.form} loss law"
        raise InputError(
            f"{purpose} needs a preset with a Chinchilla-form loss law (loss.form: chinchilla); preset {preset.name} "
            "has " + have + "; use e.g. chinchilla, epoch-2024, muennighoff-2023 or a preset saved by `fit --save`"
        )
    return law


def check_loss_above_floor(law: ChinchillaLaw, loss: Array, name: str) -> None:
    if np.any(loss <= law.E):
        worst = float(np.min(loss))
        raise InfeasiblePlanError(
            f"--loss {worst:g} is at or below the irreducible loss E = {float(law.E):g} of preset {name}; no model "
            f"reaches it. Ask for a loss above {float(law.E):g}."
        )


def check_data_can_reach(constrained: DataConstrainedLaw, loss: Array, name: str) -> None:
    """Raise if some loss is at or below what the unique tokens allow at any size and any number of epochs,
    naming the least reachable loss and the unique tokens the requested loss would need."""
    floor = constrained.loss_floor()
    short = loss <= floor
    if not np.any(short):
        return
    i = int(np.argmax(short))
    needed = unique_tokens_for_loss(constrained.law, constrained.decay, float(loss.flat[i]))
    raise InfeasiblePlanError(
        f"with {float(constrained.unique_tokens.flat[i]):.3g} unique tokens no model reaches loss "
        f"{float(loss.flat[i]):g} under preset {name}: repeating data is worth at most "
        f"{1 + constrained.decay.r_d_star:.3g}x the unique tokens, "
        f"so the best reachable loss is {float(floor.flat[i]):.4g} (at unlimited compute); ask for a loss above that, "
        f"or give more than {needed:.3g} unique tokens"
    )


def unique_tokens_for_loss(law: ChinchillaLaw, decay: RepetitionDecay, loss: float) -> float:
    """The unique tokens whose loss floor equals ``loss`` (the floor falls monotonically with U): bisection in
    log U."""
    low, high = np.log(1.0), np.log(1e40)
    for _ in range(_BISECTION_STEPS):
        middle = 0.5 * (low + high)
        floor = DataConstrainedLaw(law, np.array(np.exp(middle)), decay).loss_floor()
        if floor > loss:
            low = middle
        else:
            high = middle
    return float(np.exp(high))


# -- the CLI's one entry point -------------------------------------------------------------------------------------


def plan_beyond_compute_optimal(
    preset: Preset,
    *,
    compute_flops: Array | None = None,
    n_params: Array | None = None,
    n_tokens: Array | None = None,
    loss: Array | None = None,
    unique_tokens: Array | None = None,
    inference_tokens: Array | None = None,
    r_d_star: float | None = None,
    r_n_star: float | None = None,
    cost: CostModel | None = None,
) -> Plan | None:
    """Answer the questions of this module from `plan`'s options, or return None when none of them was asked
    (no --unique-tokens or --inference-tokens, and not --loss with --params)."""
    asked = unique_tokens is not None or inference_tokens is not None or (loss is not None and n_params is not None)
    if not asked:
        if r_d_star is not None or r_n_star is not None:
            raise InputError("--rd-star and --rn-star apply to repeated data; add --unique-tokens")
        if cost is not None:
            raise InputError("the inference cost options (--inference-mfu, --inference-price) need --inference-tokens")
        return None
    if cost is not None and inference_tokens is None:
        raise InputError("the inference cost options (--inference-mfu, --inference-price) need --inference-tokens")
    decay = None
    warnings: tuple[str, ...] = ()
    if unique_tokens is not None:
        decay, warnings = repetition_decay(preset, r_d_star, r_n_star)
    elif r_d_star is not None or r_n_star is not None:
        raise InputError("--rd-star and --rn-star apply to repeated data; add --unique-tokens")
    if n_tokens is not None:
        raise InputError("--tokens does not combine with --unique-tokens, --inference-tokens or --loss with --params")
    given = {"flops": compute_flops is not None, "params": n_params is not None, "loss": loss is not None}
    if inference_tokens is not None:
        if given["params"] or given["flops"] == given["loss"]:
            raise InputError("give --inference-tokens with either --flops or --loss (not --params)")
        if given["flops"]:
            compute, inference, unique = _paired(
                ("--flops", compute_flops), ("--inference-tokens", inference_tokens), ("--unique-tokens", unique_tokens)
            )
            result = plan_inference_aware(
                preset, inference, compute_flops=compute, unique_tokens=unique, decay=decay, cost=cost
            )
        else:
            target, inference, unique = _paired(
                ("--loss", loss), ("--inference-tokens", inference_tokens), ("--unique-tokens", unique_tokens)
            )
            result = plan_inference_aware(preset, inference, loss=target, unique_tokens=unique, decay=decay, cost=cost)
    elif given["loss"] and given["params"]:
        if given["flops"]:
            raise InputError("--loss with --params asks for the tokens and compute; drop --flops")
        target, size, unique = _paired(("--loss", loss), ("--params", n_params), ("--unique-tokens", unique_tokens))
        result = plan_smaller_model(preset, target, size, unique_tokens=unique, decay=decay)
    elif given["flops"] and not given["params"] and not given["loss"]:
        compute, unique, _ = _paired(("--flops", compute_flops), ("--unique-tokens", unique_tokens), ("", None))
        result = plan_data_constrained(preset, compute, unique, decay)
    elif given["loss"] and not given["params"] and not given["flops"]:
        target, unique, _ = _paired(("--loss", loss), ("--unique-tokens", unique_tokens), ("", None))
        result = plan_data_constrained_loss(preset, target, unique, decay)
    else:
        raise InputError(
            "--unique-tokens goes with --flops, --loss, --loss and --params, or --inference-tokens "
            "(see scalecalc plan --help)"
        )
    if warnings and not set(warnings) <= set(result.warnings):
        result = Plan(result.preset, result.question, result.columns, warnings + result.warnings, result.notes)
    return result


def _paired(*named: tuple[str, Array | None]) -> list[Any]:
    """Broadcast option values against each other: equal counts, or one value for all."""
    present = [(name, values) for name, values in named if values is not None]
    lengths = {len(values) for _, values in present}
    if len(lengths - {1}) > 1:
        counts = ", ".join(f"{name} has {len(values)}" for name, values in present)
        raise InputError(f"{counts} values; give equal counts or one value of any of them")
    size = max(lengths, default=1)
    return [
        None if values is None else np.broadcast_to(np.asarray(values, dtype=np.float64), (size,))
        for _, values in named
    ]
