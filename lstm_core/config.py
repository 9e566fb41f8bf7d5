"""Typed, validated settings for the series and the model.

Every bound lives in one table per config (``SERIES_BOUNDS``, ``MODEL_BOUNDS``) so that the pages
draw their sliders from the same numbers the validation checks.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, cast

import numpy as np

# A stored run and a shared training say which app trained them: equal settings from another version train anew.
APP_VERSION = "0.1.0"
SERIES_SHAPES = ("sine", "sum_of_sines", "trend")
# Inputs beside the series' own past, each with a known part in the target (lstm_core/data/inputs.py): a driver
# whose past moves the target, a distractor of pure noise, and a calendar that gives the wave's phase.
EXTRA_INPUTS = ("driver", "distractor", "calendar")
CELL_TYPES = ("lstm", "rnn")  # an LSTM, or a plain tanh RNN (Keras's SimpleRNN) for comparison


class ConfigError(ValueError):
    """A setting outside its allowed range; the message names the field, the value and the range."""


def positive_setting(environ: Mapping[str, str], name: str, default: float, unit: str) -> float:
    """Return the positive number the environment variable name holds, default when unset; ConfigError otherwise."""
    text = environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise ConfigError(f"{name} must be a positive number of {unit}, not {text!r}")
    return value


@dataclass(frozen=True)
class Bound:
    """Allowed closed range of one numeric setting."""

    low: float
    high: float
    kind: type = float


SERIES_BOUNDS: dict[str, Bound] = {
    "n_points": Bound(100, 2000, int),
    "time_step": Bound(0.01, 1.0),
    "period": Bound(0.5, 100.0),
    "amplitude": Bound(0.1, 10.0),
    "noise_std": Bound(0.0, 2.0),
    "seed": Bound(0, 2**31 - 1, int),
    "driver_lead": Bound(1, 20, int),
    "driver_weight": Bound(0.1, 2.0),
}
# Settings of the extra inputs, left out of a series' dict when they play no part: a series with no extra input
# is the series it was before they existed, with the same training key and the same stored runs.
DRIVER_FIELDS = ("driver_lead", "driver_weight")

MODEL_BOUNDS: dict[str, Bound] = {
    "seq_length": Bound(1, 100, int),
    "horizon": Bound(1, 10, int),
    "units": Bound(1, 64, int),
    "layers": Bound(1, 3, int),
    "dropout": Bound(0.0, 0.5),
    "dense_units": Bound(0, 64, int),
    "learning_rate": Bound(1e-4, 0.1),
    "batch_size": Bound(16, 256, int),
    "epochs": Bound(1, 50, int),
    "seed": Bound(0, 2**31 - 1, int),
}


def check_fields(name: str, values: Mapping[str, Any], bounds: Mapping[str, Bound]) -> None:
    """Return None when every value lies in its bound; raise ConfigError naming the first that does not."""
    for field_name, bound in bounds.items():
        value = values[field_name]
        allowed = f"allowed range is [{bound.low}, {bound.high}]"
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.number)):
            raise ConfigError(f"{name}.{field_name} = {value!r} is not a number; {allowed}")
        # Range first: a huge int would overflow float() in the checks below. (numbers.Real declares no
        # comparison with float, though every real number has one.)
        if not bound.low <= cast(float, value) <= bound.high:
            raise ConfigError(f"{name}.{field_name} = {value!r} is outside the {allowed}")
        if not math.isfinite(float(value)):
            raise ConfigError(f"{name}.{field_name} = {value!r} is not finite; {allowed}")
        if bound.kind is int and not float(value).is_integer():
            raise ConfigError(f"{name}.{field_name} = {value!r} must be a whole number; {allowed}")


def _from_dict(cls, data: Mapping[str, Any]):
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{cls.__name__} has no field(s) {unknown}; known fields are {sorted(known)}")
    return cls(**data)


@dataclass(frozen=True)
class SeriesConfig:
    """How the time series is generated: shape, length, sampling, period, amplitude, noise, seed."""

    n_points: int = 1000
    time_step: float = 0.1
    period: float = 2 * math.pi
    amplitude: float = 1.0
    noise_std: float = 0.1
    seed: int = 42
    shape: str = "sine"
    inputs: tuple[str, ...] = ()  # extra inputs beside the series' own past, in EXTRA_INPUTS' order
    driver_lead: int = 5  # the driver moves the target this many steps later
    driver_weight: float = 0.8  # the target gains this times the driver's value of driver_lead steps before

    def __post_init__(self) -> None:
        check_fields("SeriesConfig", asdict(self), SERIES_BOUNDS)
        if self.shape not in SERIES_SHAPES:
            raise ConfigError(f"SeriesConfig.shape = {self.shape!r} is not one of {SERIES_SHAPES}")
        for field_name, bound in SERIES_BOUNDS.items():
            object.__setattr__(self, field_name, bound.kind(getattr(self, field_name)))
        named = [self.inputs] if isinstance(self.inputs, str) else list(self.inputs)
        unknown = [name for name in named if name not in EXTRA_INPUTS]
        if unknown:
            raise ConfigError(f"SeriesConfig.inputs: {unknown} are not among the extra inputs {EXTRA_INPUTS}")
        # One order and no repeats: the same inputs are the same series, whatever order they were added in.
        object.__setattr__(self, "inputs", tuple(name for name in EXTRA_INPUTS if name in named))

    @property
    def n_features(self) -> int:
        """Return how many values enter the network at each step: the series' own, then one per extra input."""
        return 1 + len(self.inputs)

    def own_past_only(self) -> SeriesConfig:
        """Return the same series without its extra inputs: the same target, read from its own past alone."""
        return replace(self, inputs=())

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as a plain dict of JSON-friendly values, leaving out the extra inputs' unused ones."""
        settings = asdict(self)
        settings["inputs"] = list(self.inputs)
        if not self.inputs:
            del settings["inputs"]
        if "driver" not in self.inputs:
            for field_name in DRIVER_FIELDS:
                del settings[field_name]
        return settings

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SeriesConfig:
        """Return a validated SeriesConfig from a plain dict; raises ConfigError on bad input."""
        return _from_dict(cls, data)


@dataclass(frozen=True)
class ModelConfig:
    """The network and its training: window length, horizon, recurrent cell, stack, head, optimiser, epochs, seed."""

    seq_length: int = 50
    horizon: int = 1
    units: int = 50
    layers: int = 2
    dropout: float = 0.2
    dense_units: int = 25
    learning_rate: float = 0.001
    batch_size: int = 32
    epochs: int = 20
    seed: int = 42
    cell: str = "lstm"

    def __post_init__(self) -> None:
        check_fields("ModelConfig", asdict(self), MODEL_BOUNDS)
        if self.cell not in CELL_TYPES:
            raise ConfigError(f"ModelConfig.cell = {self.cell!r} is not one of {CELL_TYPES}")
        for field_name, bound in MODEL_BOUNDS.items():
            object.__setattr__(self, field_name, bound.kind(getattr(self, field_name)))

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as a plain dict of JSON-friendly values."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelConfig:
        """Return a validated ModelConfig from a plain dict; raises ConfigError on bad input."""
        return _from_dict(cls, data)
