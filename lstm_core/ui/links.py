"""Shareable links: every setting lives in the URL's query parameters, named by its widget's key.

The app writes the address bar itself on every run, from the session's settings (see
``state.write_address_bar``), so it holds the series, the model, the page's own controls and the run
shown, on every page. A link's values are read once per session when it opens: the series and model
settings are checked against the same bounds as the sliders, a page's own control values are handed to
their widgets (which pull them into range or drop a choice they do not offer), and whatever cannot be
used is listed in a notice instead of raising.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from lstm_core.config import MODEL_BOUNDS, SERIES_BOUNDS, SERIES_SHAPES, ConfigError, ModelConfig, SeriesConfig

# Controls of single pages are listed by the page registry; Streamlit checks their values against the widget.
from lstm_core.ui.pages import LESSON_MODES, LESSON_PARAM, PAGE_KEYS

# The Model page's choices and the only rates a link may carry: 1, 2, 3 and 5 in every decade hold the default,
# every preset's rate and Adam's usual 0.0003, so no setting needs rounding to be shown or shared.
LEARNING_RATES = (0.0001, 0.0002, 0.0003, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1)
SERIES_KEYS = {f"w_series_{name}": name for name in [*SERIES_BOUNDS, "shape"]}
MODEL_KEYS = {f"w_model_{name}": name for name in MODEL_BOUNDS}
LAYER_KEYS = {"w_inside_layer", "w_film_layer"}  # select boxes that show "LSTM layer k" for the index k - 1
MAX_VALUE_LENGTH = 100
LAYER_PATTERN = re.compile(r"LSTM layer (\d{1,3})")
WHOLE_NUMBER = re.compile(r"-?\d{1,12}")


def _number(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return value


def read_link(params: Mapping[str, list[str]], series: dict[str, Any], model: dict[str, Any],
              page_values: dict[str, Any] | None = None) -> list[str]:
    """Apply a link's series and model values to the dicts, its page controls to page_values; return what it ignored."""
    ignored = []
    for name, values in params.items():
        shown = f"{name[:40]}={(values[0] if values else '')[:40]!r}"
        if name not in SERIES_KEYS and name not in MODEL_KEYS and name not in PAGE_KEYS:
            ignored.append(f"{name[:40]} (not a setting of LSTM Lens)")
            continue
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
        if name == LESSON_PARAM:
            if text not in LESSON_MODES:
                ignored.append(f"{shown} (lesson modes: {', '.join(LESSON_MODES)})")
            continue
        if name in PAGE_KEYS:
            if page_values is not None:
                page_values[name] = _page_value(name, text)  # its own widget checks it when the page draws it
            continue
        try:
            if name in SERIES_KEYS:
                field = SERIES_KEYS[name]
                value = _series_value(field, text)
                SeriesConfig.from_dict({**series, field: value})
                series[field] = value
            else:
                field = MODEL_KEYS[name]
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


def _url_value(key: str, value: Any) -> str:
    if key in LAYER_KEYS:
        return f"LSTM layer {int(value) + 1}"
    if isinstance(value, str):
        return value.replace("_", " ")
    return str(value)


def share_query(series: dict[str, Any], model: dict[str, Any], page_values: Mapping[str, Any]) -> str:
    """Return the query string of a link to these settings: series and model values off their defaults, page values."""
    return urlencode(share_params(series, model, page_values))


def share_params(series: dict[str, Any], model: dict[str, Any], page_values: Mapping[str, Any]) -> dict[str, str]:
    """Return the query parameters of a link to these settings, by name: series and model values off their defaults."""
    params: dict[str, str] = {}
    defaults_series, defaults_model = SeriesConfig().to_dict(), ModelConfig().to_dict()
    for key, field in SERIES_KEYS.items():
        if series.get(field) != defaults_series[field]:
            params[key] = _url_value(key, series[field])
    for key, field in MODEL_KEYS.items():
        if model.get(field) != defaults_model[field]:
            params[key] = _url_value(key, model[field])
    for key in sorted(PAGE_KEYS & set(page_values)):
        params[key] = _url_value(key, page_values[key])
    return params
