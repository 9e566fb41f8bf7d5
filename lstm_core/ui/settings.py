"""The session's settings, kept across page switches: the series, the model, each lesson's own, and the data in use.

Widget keys vanish when their page is left, so the settings live in plain session keys; the widgets
(lstm_core.ui.widgets) copy into them. The data is the generated series of these settings, unless the
learner chose a bundled series or their own file on the Data page.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from lstm_core.config import ModelConfig, SeriesConfig
from lstm_core.data.own_data import UserSeries

SERIES_KEY = "series_settings"
MODEL_KEY = "model_settings"
SOURCE_KEY = "own_series"  # the learner's own (or a bundled) series; absent: the generated one
LESSON_SETTINGS_KEYS = {"memory": "memory_settings", "splits": "splits_settings"}  # by page name
HORIZON_STEPS_KEY = "horizon_steps"  # the horizon lesson's m, kept while its slider is off screen


def _settings(key: str, default: dict[str, Any]) -> dict[str, Any]:
    if key not in st.session_state:
        st.session_state[key] = dict(default)
    return st.session_state[key]


def series_settings() -> dict[str, Any]:
    """Return the mutable dict of series settings kept in this session."""
    return _settings(SERIES_KEY, SeriesConfig().to_dict())


def model_settings() -> dict[str, Any]:
    """Return the mutable dict of model settings kept in this session."""
    return _settings(MODEL_KEY, ModelConfig().to_dict())


def model_config() -> ModelConfig:
    """Return the session's ModelConfig."""
    return ModelConfig.from_dict(model_settings())


def lesson_settings(page_name: str, default: dict[str, Any]) -> dict[str, Any]:
    """Return the mutable dict of a lesson's own settings ("memory", "splits") kept in this session."""
    return _settings(LESSON_SETTINGS_KEYS[page_name], default)


def _forget_widgets(prefixes: tuple[str, ...]) -> None:
    """Drop the widget values of these key prefixes, so that each widget is drawn again from the settings."""
    for key in [k for k in st.session_state if str(k).startswith(prefixes)]:
        del st.session_state[key]


def apply_preset(series: SeriesConfig, model: ModelConfig, lessons: dict[str, dict[str, Any]] | None = None) -> None:
    """Replace the session's settings (and any lesson's, keyed by page name) by a preset's, on the generated series."""
    st.session_state[SERIES_KEY] = series.to_dict()
    st.session_state[MODEL_KEY] = model.to_dict()
    for page_name, settings in (lessons or {}).items():
        st.session_state[LESSON_SETTINGS_KEYS[page_name]] = dict(settings)
    st.session_state.pop(SOURCE_KEY, None)
    _forget_widgets(("w_",))


def use_stored_settings(source: SeriesConfig | UserSeries, cfg: ModelConfig) -> None:
    """Make a stored run's data and model the session's settings; return None."""
    use_own_series(source if isinstance(source, UserSeries) else None)
    if isinstance(source, SeriesConfig):
        st.session_state[SERIES_KEY] = source.to_dict()
    st.session_state[MODEL_KEY] = cfg.to_dict()
    _forget_widgets(("w_series_", "w_model_"))


def own_series() -> UserSeries | None:
    """Return the learner's own (or a bundled) series in use, or None while the generated one is."""
    return st.session_state.get(SOURCE_KEY)


def use_own_series(series: UserSeries | None) -> None:
    """Make series the data of every page (None: back to the generated series)."""
    if series is None:
        st.session_state.pop(SOURCE_KEY, None)
    else:
        st.session_state[SOURCE_KEY] = series


def current_source() -> SeriesConfig | UserSeries:
    """Return what the pages' data comes from: the learner's own series, or the generated one's settings."""
    own = own_series()
    return own if own is not None else SeriesConfig.from_dict(series_settings())


def source_key() -> str:
    """Return a text naming the session's data exactly (the series settings or the file's digest) and its window."""
    model, own = model_settings(), own_series()
    data = f"own:{own.name}:{own.digest}" if own is not None else repr(sorted(series_settings().items()))
    return f"{data}|window {model['seq_length']}|horizon {model['horizon']}"
