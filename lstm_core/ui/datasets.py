"""The datasets the pages draw and train on, computed once per distinct data and window for every session."""

from __future__ import annotations

from typing import Any

import streamlit as st

from lstm_core.config import ConfigError, ModelConfig, SeriesConfig
from lstm_core.data.dataset import Dataset, build_dataset, build_dataset_from_values
from lstm_core.data.own_data import UserSeries
from lstm_core.ui import settings


@st.cache_data(max_entries=16, show_spinner=False)
def cached_dataset(series: dict[str, Any], seq_length: int, horizon: int) -> Dataset:
    """Return the dataset for these settings, computed once per distinct settings."""
    return build_dataset(SeriesConfig.from_dict(series), seq_length, horizon)


@st.cache_data(max_entries=16, show_spinner=False)
def cached_own_dataset(digest: str, seq_length: int, horizon: int, _series: UserSeries) -> Dataset:
    """Return the dataset of a learner's own series, computed once per content digest and window."""
    return build_dataset_from_values(_series.values, seq_length, horizon, _series.name, _series.time_labels,
                                     _series.inputs, _series.input_names)


def dataset_of(source: SeriesConfig | UserSeries, seq_length: int, horizon: int) -> Dataset:
    """Return the cached dataset of a source for one window and horizon; raises ValueError when none fits."""
    if isinstance(source, UserSeries):
        return cached_own_dataset(source.digest, seq_length, horizon, source)
    return cached_dataset(source.to_dict(), seq_length, horizon)


def model_dataset(source: SeriesConfig | UserSeries, cfg: ModelConfig) -> Dataset:
    """Return the cached dataset of a source cut for a model: its window and its horizon."""
    return dataset_of(source, cfg.seq_length, cfg.horizon)


def current_dataset() -> tuple[Dataset | None, str | None]:
    """Return (dataset, None) for the session's settings, or (None, a learner-facing reason)."""
    model = settings.model_settings()
    try:
        return dataset_of(settings.current_source(), model["seq_length"], model["horizon"]), None
    except (ValueError, ConfigError) as error:
        return None, f"These settings give no usable data: {error}. Lengthen the series or shorten the window."
