"""Shareable links: every setting lives in the URL's query parameters, under a short name of its own.

The names are the link's, not the widgets' (``units=32&learningRate=0.02&window=20``): a widget key may
change without breaking a link anyone has kept. Links made before these names carried each setting under
its widget's key (``w_model_units=32``); they open exactly as they did.

The app writes the address bar itself on every run, from the session's settings (see
``address_bar.write_address_bar``), so it holds the series, the model, the page's own controls and the
run shown, on every page. A link's values are read once per session when it opens: the series and model
settings are checked against the same bounds as the sliders, a page's own control values are handed to
their widgets (which pull them into range or drop a choice they do not offer), and whatever cannot be
used is listed in a notice instead of raising.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import fields
from typing import Any
from urllib.parse import urlencode

from lstm_core.config import (
    EXTRA_INPUTS,
    MODEL_BOUNDS,
    SERIES_BOUNDS,
    SERIES_SHAPES,
    ConfigError,
    ModelConfig,
    SeriesConfig,
)

# Controls of single pages are listed by the page registry; Streamlit checks their values against the widget.
from lstm_core.ui.pages import LESSON_MODES, LESSON_PARAM, PAGE_PARAMS

# The Model page's choices and the only rates a link may carry: 1, 2, 3 and 5 in every decade hold the default,
# every preset's rate and Adam's usual 0.0003, so no setting needs rounding to be shown or shared.
LEARNING_RATES = (0.0001, 0.0002, 0.0003, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1)
SERIES_PARAMS = {"shape": "shape", "points": "n_points", "timeStep": "time_step", "period": "period",
                 "amplitude": "amplitude", "noise": "noise_std", "dataSeed": "seed", "inputs": "inputs",
                 "driverLead": "driver_lead", "driverWeight": "driver_weight"}  # link parameter -> field
MODEL_PARAMS = {"window": "seq_length", "horizon": "horizon", "units": "units", "layers": "layers",
                "dropout": "dropout", "denseUnits": "dense_units", "learningRate": "learning_rate",
                "batchSize": "batch_size", "epochs": "epochs", "seed": "seed"}  # link parameter -> field
# A link of the first form names each setting by its widget's key: the name it has now, by the old one.
OLD_NAMES = ({f"w_series_{field}": param for param, field in SERIES_PARAMS.items()}
             | {f"w_model_{field}": param for param, field in MODEL_PARAMS.items()}
             | {key: param for param, key in PAGE_PARAMS.items() if key != param})
LAYER_KEYS = {"w_inside_layer", "w_film_layer"}  # select boxes that show "LSTM layer k" for the index k - 1
MAX_VALUE_LENGTH = 100
LAYER_PATTERN = re.compile(r"LSTM layer (\d{1,3})")
WHOLE_NUMBER = re.compile(r"-?\d{1,12}")


def link_param(key: str) -> str:
    """Return the name a link gives the page control whose widget key is key."""
    return next(param for param, widget_key in PAGE_PARAMS.items() if widget_key == key)


def _number(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return value


def read_link(params: Mapping[str, list[str]], series: dict[str, Any], model: dict[str, Any],
              page_values: dict[str, Any] | None = None) -> list[str]:
    """Apply a link's series and model values to the dicts, its page controls to page_values; return what it ignored.

    page_values is keyed by widget key. A setting is read under its name or its first form's (see OLD_NAMES).
    """
    ignored = []
    named: dict[str, tuple[str, list[str]]] = {}  # parameter -> (the name the link used, every value it gave)
    for name, values in params.items():
        param = OLD_NAMES.get(name, name)
        if param not in SERIES_PARAMS and param not in MODEL_PARAMS and param not in PAGE_PARAMS:
            ignored.append(f"{name[:40]} (not a setting of LSTM Lens)")
        elif param in named:  # given under both of its names
            named[param] = (param, [*named[param][1], *values])
        else:
            named[param] = (name, list(values))
    for param, (name, values) in named.items():
        shown = f"{name[:40]}={(values[0] if values else '')[:40]!r}"
        if len(values) != 1:
            ignored.append(f"{name} (given {len(values)} times; a link gives each setting once)")
            continue
        text = values[0].strip()
        if not text:
            ignored.append(f"{name} (empty)")
            continue
        if len(text) > MAX_VALUE_LENGTH:
            ignored.append(f"{name} (a value {len(text)} characters long)")
            continue
        if param == LESSON_PARAM:
            if text not in LESSON_MODES:
                ignored.append(f"{shown} (lesson modes: {', '.join(LESSON_MODES)})")
            continue
        if param in PAGE_PARAMS:
            if page_values is not None:
                key = PAGE_PARAMS[param]
                page_values[key] = _page_value(key, text)  # its own widget checks it when the page draws it
            continue
        try:
            if param in SERIES_PARAMS:
                field = SERIES_PARAMS[param]
                value = _series_value(field, text)
                SeriesConfig.from_dict({**series, field: value})
                series[field] = value
            else:
                field = MODEL_PARAMS[param]
                value = _model_value(field, text)
                ModelConfig.from_dict({**model, field: value})
                model[field] = value
        except (ValueError, ConfigError) as error:
            reason = str(error).split("; ")[-1] if isinstance(error, ConfigError) else str(error)
            ignored.append(f"{shown} ({reason})")
    return ignored


def _series_value(field: str, text: str) -> Any:
    if field == "shape":
        shape = text.replace(" ", "_")
        if shape not in SERIES_SHAPES:
            raise ValueError(f"shapes: {', '.join(s.replace('_', ' ') for s in SERIES_SHAPES)}")
        return shape
    if field == "inputs":
        names = [name.strip() for name in text.split(",") if name.strip()]
        if any(name not in EXTRA_INPUTS for name in names):
            raise ValueError(f"inputs: {', '.join(EXTRA_INPUTS)}, separated by commas")
        return names
    return _typed(SERIES_BOUNDS[field].kind, text)


def _model_value(field: str, text: str) -> Any:
    value = _typed(MODEL_BOUNDS[field].kind, text)
    if field == "learning_rate" and not any(math.isclose(value, rate) for rate in LEARNING_RATES):
        raise ValueError(f"learning rates offered: {', '.join(str(r) for r in LEARNING_RATES)}")
    return value


def _typed(kind: type, text: str) -> Any:
    value = _number(text)
    if kind is int:
        if not value.is_integer():
            raise ValueError("must be a whole number")
        return int(value)
    return value


def _page_value(key: str, text: str) -> Any:
    """Return a page control's value from its link text: a layer index, a whole or real number, or the text."""
    layer = LAYER_PATTERN.fullmatch(text)
    if key in LAYER_KEYS and layer:
        return int(layer.group(1)) - 1
    if WHOLE_NUMBER.fullmatch(text):
        return int(text)
    try:
        return _number(text)
    except ValueError:
        return text


def _field_default(field: str) -> Any:
    """Return SeriesConfig's default of field as its dict gives it (a list for the inputs)."""
    default = next(f.default for f in fields(SeriesConfig) if f.name == field)
    return list(default) if isinstance(default, tuple) else default


def _url_value(key: str, value: Any) -> str:
    if key in LAYER_KEYS:
        return f"LSTM layer {int(value) + 1}"
    if isinstance(value, str):
        return value.replace("_", " ")
    if isinstance(value, (list, tuple)):
        return ",".join(value)
    return str(value)


def share_query(series: dict[str, Any], model: dict[str, Any], page_values: Mapping[str, Any]) -> str:
    """Return the query string of a link to these settings: series and model values off their defaults, page values."""
    return urlencode(share_params(series, model, page_values))


def share_params(series: dict[str, Any], model: dict[str, Any], page_values: Mapping[str, Any]) -> dict[str, str]:
    """Return the query parameters of a link to these settings, by name: series and model values off their defaults.

    page_values is keyed by widget key, as read_link fills it; the lesson mode by LESSON_PARAM.
    """
    params: dict[str, str] = {}
    defaults_series, defaults_model = SeriesConfig().to_dict(), ModelConfig().to_dict()
    shown_series = SeriesConfig.from_dict(series).to_dict()  # the extra inputs' settings only where they play a part
    for param, field in SERIES_PARAMS.items():
        if field in shown_series and shown_series[field] != defaults_series.get(field, _field_default(field)):
            params[param] = _url_value(param, shown_series[field])
    for param, field in MODEL_PARAMS.items():
        if model.get(field) != defaults_model[field]:
            params[param] = _url_value(param, model[field])
    for param, key in sorted(PAGE_PARAMS.items()):
        if key in page_values:
            params[param] = _url_value(key, page_values[key])
    return params
