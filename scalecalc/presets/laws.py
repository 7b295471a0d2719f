"""Law presets: published (or fitted) laws with their sources and conventions, validated against the schema.

A preset is one YAML file. The schema (``schema_version: 1``) is documented in README.md; in short:

    name, title, citation               required strings
    conventions: {params, compute, loss}  how the paper counts parameters, compute and loss
    fitted_range: {flops|params|tokens: [low, high]}   optional
    loss: {form, constants: {SYMBOL: {value, source}}}          optional: a loss law L(N, D)
    allocation: {form: power, variable, coefficient, exponent, compute_unit}
              | {form: tokens-per-param, ratio}                  optional: a compute-optimal allocation
              (a tokens law may also carry flops_per_token: {coefficient, exponent}, checked against it)
    data_constrained: {R_D_star, R_N_star}                       optional (Muennighoff et al. 2023)
    uncertainty: {method, level, draws: {SYMBOL: [...]}}         optional (written by `fit --save`)
               | {method, level, source, covariance: {parameters: [log_A, ..., alpha], matrix: [[...]]}}
                 (a published covariance of the loss constants, about the preset's values; ``log_X`` is ln X)
    hyperparameters: {citation, conventions, fitted_range, batch_size, learning_rate}   optional: laws for the
                 optimal batch size (tokens) and peak learning rate (scalecalc.plan.hyperparameters)

At least one of ``loss`` and ``allocation`` is required; a Chinchilla-form loss law implies its own
allocation. Every constant is a mapping with a ``value`` and a ``source`` (paper, table or equation).

Where preset files are found, and how they are read, is :mod:`scalecalc.presets._loader`'s business.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from scalecalc.errors import PresetError, did_you_mean
from scalecalc.laws import LOSS_FORMS, Allocation, LossLaw
from scalecalc.presets._loader import find_files, given_path, read_yaml
from scalecalc.presets._normal_draws import multivariate_normal
from scalecalc.presets._reader import Constant, Reader
from scalecalc.units import PF_DAY_FLOPS, shown

if TYPE_CHECKING:  # loaded by the few presets that carry hyperparameter laws
    from scalecalc.laws.hyperparameters import HyperparameterLaws

SCHEMA_VERSION = 1
PARAM_CONVENTIONS = ("total", "non-embedding", "non-embedding+head", "flops-per-token/6")
COMPUTE_UNITS = {"flops": 1.0, "pf-days": PF_DAY_FLOPS}
RANGE_KEYS = ("flops", "params", "tokens")
TOP_LEVEL_KEYS = (
    "schema_version",
    "name",
    "title",
    "citation",
    "notes",
    "conventions",
    "fitted_range",
    "loss",
    "allocation",
    "data_constrained",
    "uncertainty",
    "hyperparameters",
)
# Draws sampled from a published covariance: 25 in each tail of a 95% interval (plan's cost grows with the
# draws), seeded (presets._normal_draws.SEED) so that a preset always gives the same interval.
COVARIANCE_DRAWS = 1000
INTERVAL_SOURCES = {"draws": "bootstrap draws", "covariance": "published covariance"}


@dataclass(frozen=True)
class Conventions:
    params: str
    compute: str
    loss: str


@dataclass(frozen=True)
class Preset:
    """A validated law. ``loss_law`` and ``allocation`` are None when the paper gives no such law."""

    name: str
    title: str
    citation: str
    conventions: Conventions
    loss_law: LossLaw | None
    allocation: Allocation | None
    constants: Mapping[str, Constant]
    fitted_range: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    data_constrained: Mapping[str, Constant] = field(default_factory=dict)
    draws: Mapping[str, np.ndarray] = field(default_factory=dict)
    interval_level: float = 0.95
    interval_source: str = ""  # "bootstrap draws" or "published covariance": where ``draws`` came from
    hyperparameters: HyperparameterLaws | None = None
    path: str = ""
    document: Mapping[str, Any] = field(default_factory=dict)

    @property
    def form(self) -> str:
        parts = []
        if self.loss_law is not None:
            parts.append(self.loss_law.form)
        allocation_form = self.document.get("allocation", {}).get("form")
        if allocation_form:
            parts.append(f"{allocation_form} allocation")
        if self.hyperparameters is not None:
            parts.append("hyperparameters")
        return " + ".join(parts)


def find_preset_files() -> dict[str, Path]:
    """Preset name -> file, earlier directories shadowing later ones (user presets before built-ins)."""
    return dict(sorted(find_files().items()))


def load_preset(name_or_path: str) -> Preset:
    """Load a preset by name (``epoch-2024``) or by path to a YAML file."""
    path = given_path(name_or_path, "preset")
    if path is not None:
        return load_preset_file(path)
    files = find_preset_files()
    name = name_or_path if name_or_path in files else name_or_path.strip().lower()  # Chinchilla = chinchilla
    if name not in files:
        # a near miss gets the one name it probably meant; anything else, every name (one line either way)
        hint = did_you_mean(name_or_path, files)
        known = "" if hint else f"; presets: {', '.join(sorted(files))}"
        raise PresetError(f"unknown preset {shown(name_or_path)}{hint}{known} (or a path to a .yaml file)")
    return load_preset_file(files[name])


def load_all_presets() -> list[Preset]:
    return [load_preset_file(path) for path in find_preset_files().values()]


def load_preset_file(path: Path) -> Preset:
    return preset_from_document(read_yaml(path, "preset"), str(path))


def preset_from_document(document: Any, origin: str) -> Preset:
    """Validate a parsed preset document; ``origin`` names the file in error messages."""
    reader = Reader(origin)
    top = reader.mapping(document, "")
    reader.known_keys(top, TOP_LEVEL_KEYS, "")
    version = top.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        reader.fail("schema_version", f"is {version!r}; this scalecalc reads version {SCHEMA_VERSION}")
    name = reader.text(top, "name")
    conventions_doc = reader.mapping(top.get("conventions"), "conventions")
    conventions = Conventions(
        params=reader.choice(conventions_doc, "params", PARAM_CONVENTIONS, "conventions."),
        compute=reader.choice(conventions_doc, "compute", tuple(COMPUTE_UNITS), "conventions."),
        loss=reader.text(conventions_doc, "loss", "conventions."),
    )
    constants: dict[str, Constant] = {}
    loss_law = _read_loss_law(reader, top, constants)
    allocation = _read_allocation(reader, top, constants)
    if loss_law is None and allocation is None and "hyperparameters" not in top:
        reader.fail("loss", "a preset needs a 'loss' law, an 'allocation', 'hyperparameters', or several")
    if allocation is None and loss_law is not None:
        if hasattr(loss_law, "allocate"):
            allocation = loss_law  # type: ignore[assignment]
        elif not hasattr(loss_law, "options"):  # a one-variable law predicts losses but allocates nothing
            reader.fail("allocation", f"a {loss_law.form} loss law has no closed-form optimum; add an allocation")
    data_constrained = {}
    if "data_constrained" in top:
        section = reader.mapping(top["data_constrained"], "data_constrained")
        for key in ("R_D_star", "R_N_star"):
            data_constrained[key] = reader.constant(section, key, "data_constrained.")
    draws, level, interval_source = _read_uncertainty(reader, top, loss_law, constants)
    return Preset(
        name=name,
        title=reader.text(top, "title"),
        citation=reader.text(top, "citation"),
        conventions=conventions,
        loss_law=loss_law,
        allocation=allocation,
        constants=constants,
        fitted_range=_read_ranges(reader, top),
        data_constrained=data_constrained,
        draws=draws,
        interval_level=level,
        interval_source=interval_source,
        hyperparameters=_read_hyperparameters(reader, top, constants),
        path=origin,
        document=top,
    )


def _read_loss_law(reader: Reader, top: Mapping[str, Any], constants: dict[str, Constant]) -> LossLaw | None:
    if "loss" not in top:
        return None
    section = reader.mapping(top["loss"], "loss")
    form = reader.choice(section, "form", tuple(LOSS_FORMS), "loss.")
    law_class = LOSS_FORMS[form]
    values = reader.mapping(section.get("constants"), "loss.constants")
    # One-variable forms (power, broken) name their variable (loss.variable) and, for broken, as many
    # constants as they have breaks; `symbols_for` says which constants the given ones call for.
    symbols = law_class.symbols_for(values) if hasattr(law_class, "symbols_for") else law_class.symbols
    options = {
        key: reader.choice(section, key, allowed, "loss.") for key, allowed in getattr(law_class, "options", {}).items()
    }
    if form == "sigmoid":  # a metric against any column: its variable is that column's name
        options["variable"] = reader.text(section, "variable", "loss.")
    for symbol in symbols:
        constants[symbol] = reader.constant(values, symbol, "loss.constants.")
    for symbol in values:
        if symbol not in symbols:
            reader.fail(f"loss.constants.{symbol}", f"is not a constant of the {form} form ({', '.join(symbols)})")
    return law_class.from_constants({symbol: constants[symbol].value for symbol in symbols}, **options)


def _read_allocation(reader: Reader, top: Mapping[str, Any], constants: dict[str, Constant]) -> Allocation | None:
    if "allocation" not in top:
        return None
    from scalecalc.laws.allocation import PowerAllocation, TokensPerParam  # loaded by the presets that name one

    section = reader.mapping(top["allocation"], "allocation")
    form = reader.choice(section, "form", ("power", "tokens-per-param"), "allocation.")
    if form == "tokens-per-param":
        ratio = constants["tokens_per_param"] = reader.constant(section, "ratio", "allocation.")
        return TokensPerParam(ratio.value)
    chosen = reader.choice(section, "variable", ("params", "tokens"), "allocation.")
    variable: Literal["params", "tokens"] = "params" if chosen == "params" else "tokens"
    unit = reader.choice(section, "compute_unit", tuple(COMPUTE_UNITS), "allocation.")
    coefficient = constants[f"{variable}_coefficient"] = reader.constant(section, "coefficient", "allocation.")
    exponent = constants[f"{variable}_exponent"] = reader.constant(section, "exponent", "allocation.")
    if not 0 < exponent.value < 1:
        reader.fail(
            "allocation.exponent", f"is {exponent.value}; a compute-optimal exponent lies strictly between 0 and 1"
        )
    if "flops_per_token" in section:
        _check_flops_per_token(reader, section, variable, coefficient, exponent, constants)
    return PowerAllocation(variable, coefficient.value, exponent.value, COMPUTE_UNITS[unit])


def _check_flops_per_token(
    reader: Reader,
    section: Mapping[str, Any],
    variable: str,
    coefficient: Constant,
    exponent: Constant,
    constants: dict[str, Constant],
) -> None:
    """A second published law M_opt = k_M C^e_M for the FLOPs per token (DeepSeek's model scale) must agree
    with the tokens law through C = M D, i.e. k_M k_D = 1 and e_M + e_D = 1, to the published digits."""
    where = "allocation.flops_per_token"
    if variable != "tokens":
        reader.fail(where, "needs variable: tokens (FLOPs per token is C / tokens)")
    law = reader.mapping(section["flops_per_token"], where)
    scale = constants["flops_per_token_coefficient"] = reader.constant(law, "coefficient", where + ".")
    power = constants["flops_per_token_exponent"] = reader.constant(law, "exponent", where + ".")
    if abs(scale.value * coefficient.value - 1) > 1e-3 or abs(power.value + exponent.value - 1) > 1e-3:
        reader.fail(
            where,
            f"({scale.value:g} C^{power.value:g}) disagrees with the tokens law through C = M D: coefficients multiply "
            f"to {scale.value * coefficient.value:.5f} and exponents add to {power.value + exponent.value:.5f}",
        )


def _read_hyperparameters(
    reader: Reader, top: Mapping[str, Any], constants: dict[str, Constant]
) -> HyperparameterLaws | None:
    """The optimal batch size (tokens) and peak learning rate as power products of C = 6ND, N and D; each
    constant is listed in ``constants`` as ``batch_size.coefficient``, ``learning_rate.params_exponent``, ..."""
    if "hyperparameters" not in top:
        return None
    from scalecalc.laws.hyperparameters import VARIABLES, HyperparameterLaws, PowerProduct

    where = "hyperparameters"
    section = reader.mapping(top[where], where)
    reader.known_keys(section, ("citation", "conventions", "fitted_range", "batch_size", "learning_rate"), where + ".")
    conventions = reader.mapping(section.get("conventions"), where + ".conventions")
    laws = {}
    for quantity in ("batch_size", "learning_rate"):
        law = reader.mapping(section.get(quantity), f"{where}.{quantity}")
        keys = ("coefficient", *(f"{variable}_exponent" for variable in VARIABLES))
        reader.known_keys(law, keys, f"{where}.{quantity}.")
        coefficient = constants[f"{quantity}.coefficient"] = reader.constant(law, "coefficient", f"{where}.{quantity}.")
        exponents = {}
        for variable in VARIABLES:
            key = f"{variable}_exponent"
            if key in law:
                exponent = reader.constant(law, key, f"{where}.{quantity}.", positive=False)
                constants[f"{quantity}.{key}"] = exponent
                exponents[variable] = exponent.value
        laws[quantity] = PowerProduct(coefficient.value, exponents)
    return HyperparameterLaws(
        citation=reader.text(section, "citation", where + "."),
        params_convention=reader.choice(conventions, "params", PARAM_CONVENTIONS, where + ".conventions."),
        compute_convention=reader.text(conventions, "compute", where + ".conventions."),
        batch_size=laws["batch_size"],
        learning_rate=laws["learning_rate"],
        fitted_range=_read_ranges(reader, section, where + "."),
    )


def _read_ranges(reader: Reader, top: Mapping[str, Any], prefix: str = "") -> dict[str, tuple[float, float]]:
    if "fitted_range" not in top:
        return {}
    section = reader.mapping(top["fitted_range"], prefix + "fitted_range")
    ranges = {}
    for key, value in section.items():
        where = f"{prefix}fitted_range.{key}"
        if key not in RANGE_KEYS:
            reader.fail(where, f"unknown range; use one of {', '.join(RANGE_KEYS)}")
        if not (isinstance(value, list) and len(value) == 2):
            reader.fail(where, "must be a list [low, high]")
        low, high = (reader.positive(item, where) for item in value)
        if low > high:
            reader.fail(where, f"low {low:g} is above high {high:g}")
        ranges[key] = (low, high)
    return ranges


def _read_uncertainty(
    reader: Reader, top: Mapping[str, Any], loss_law: LossLaw | None, constants: Mapping[str, Constant]
) -> tuple[dict[str, np.ndarray], float, str]:
    """Draws of the loss law's constants: given (a fit's bootstrap), or sampled from a published covariance."""
    if "uncertainty" not in top:
        return {}, 0.95, ""
    section = reader.mapping(top["uncertainty"], "uncertainty")
    reader.known_keys(section, ("method", "level", "source", "draws", "covariance"), "uncertainty.")
    level = reader.positive(section.get("level", 0.95), "uncertainty.level")
    if level >= 1:
        reader.fail("uncertainty.level", f"is {level}; give a fraction such as 0.95")
    if loss_law is None:
        reader.fail("uncertainty", "draws need a loss law to apply to")
    symbols: tuple[str, ...] = loss_law.symbols  # type: ignore[attr-defined]
    kinds = [kind for kind in INTERVAL_SOURCES if kind in section]
    if len(kinds) != 1:
        reader.fail("uncertainty", "needs exactly one of 'draws' (bootstrap draws) or 'covariance'")
    if kinds[0] == "covariance":
        reader.text(section, "source", "uncertainty.")
        draws = _covariance_draws(reader, section["covariance"], symbols, constants)
        return draws, level, INTERVAL_SOURCES["covariance"]
    draws_doc = reader.mapping(section.get("draws"), "uncertainty.draws")
    draws = {}
    for symbol in symbols:
        values = draws_doc.get(symbol)
        if not isinstance(values, list) or not values:
            reader.fail(f"uncertainty.draws.{symbol}", "must be a non-empty list of numbers")
        # draws are values of the same positive constants: a negative or zero draw is no law at all
        draws[symbol] = np.array([reader.positive(v, f"uncertainty.draws.{symbol}") for v in values])
    if len({len(v) for v in draws.values()}) != 1:
        reader.fail("uncertainty.draws", "every constant needs the same number of draws")
    return draws, level, INTERVAL_SOURCES["draws"]


def _covariance_draws(
    reader: Reader, document: Any, symbols: tuple[str, ...], constants: Mapping[str, Constant]
) -> dict[str, np.ndarray]:
    """Seeded multivariate-normal draws about the preset's constants. A parameter ``log_A`` is ln A: Besiroglu et
    al. 2024 sample their constants this way (log A, log B, log E, alpha, beta; notebook cell 64), which keeps
    A, B and E positive and matches their skewed bootstrap better than a normal in A itself."""
    where = "uncertainty.covariance"
    section = reader.mapping(document, where)
    parameters = section.get("parameters")
    if not isinstance(parameters, list) or sorted(str(p).removeprefix("log_") for p in parameters) != sorted(symbols):
        reader.fail(f"{where}.parameters", f"must name each of {', '.join(symbols)} once (log_X for ln X)")
    matrix = section.get("matrix")
    size = len(parameters)
    if (
        not isinstance(matrix, list)
        or len(matrix) != size
        or any(not isinstance(row, list) or len(row) != size for row in matrix)
    ):
        reader.fail(f"{where}.matrix", f"must be a {size} x {size} list of rows, in the order of 'parameters'")
    covariance = np.array([[reader.number(v, f"{where}.matrix") for v in row] for row in matrix])
    if not np.allclose(covariance, covariance.T, rtol=1e-6, atol=0) or np.linalg.eigvalsh(covariance).min() < 0:
        reader.fail(f"{where}.matrix", "must be symmetric and positive semi-definite")
    logged = [str(p).startswith("log_") for p in parameters]
    mean = [
        np.log(constants[str(p).removeprefix("log_")].value) if log else constants[str(p)].value
        for p, log in zip(parameters, logged, strict=True)
    ]
    samples = multivariate_normal(np.array(mean), covariance, COVARIANCE_DRAWS)
    return {
        str(p).removeprefix("log_"): np.exp(samples[:, i]) if log else samples[:, i]
        for i, (p, log) in enumerate(zip(parameters, logged, strict=True))
    }


def dump_preset(document: Mapping[str, Any]) -> str:
    """YAML text for a preset document (as built by `fit --save` or `isoflop --save`), validated first so
    that a file scalecalc writes is always one it can read back."""
    import yaml

    preset_from_document(dict(document), "<new preset>")
    return yaml.safe_dump(_plain_document(document), sort_keys=False, allow_unicode=True, width=100)


def _plain_document(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain_document(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return [_plain_document(v) for v in value.tolist()]
    if isinstance(value, list | tuple):
        return [_plain_document(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
