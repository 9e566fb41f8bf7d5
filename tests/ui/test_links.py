"""Shareable links: reading a link's settings (fuzzed) and writing the link of the current settings."""

from urllib.parse import parse_qs

import pytest

from lstm_core.config import ModelConfig, SeriesConfig
from lstm_core.presets import PRESETS, QUICK_START_MODEL, QUICK_START_SERIES
from lstm_core.ui.links import read_link, share_query
from lstm_core.ui.pages import LESSON_MODES


def fresh() -> tuple[dict, dict]:
    return SeriesConfig().to_dict(), ModelConfig().to_dict()


def test_valid_values_are_applied():
    series, model = fresh()
    ignored = read_link({"w_series_noise_std": ["0.35"], "w_series_shape": ["sum of sines"],
                         "w_model_units": ["20"], "w_model_learning_rate": ["0.01"], "w_model_layers": ["3"]},
                        series, model)
    assert ignored == []
    assert (series["noise_std"], series["shape"], model["units"], model["learning_rate"], model["layers"]) == \
        (0.35, "sum_of_sines", 20, 0.01, 3)


FUZZ = [  # (name, values, words the notice must hold)
    ("w_model_units", ["999"], "outside"),
    ("w_model_units", ["-5"], "outside"),
    ("w_model_units", ["2.5"], "whole number"),
    ("w_model_units", ["twenty"], "could not convert"),
    ("w_series_noise_std", ["1e400"], "not a finite number"),
    ("w_series_noise_std", ["nan"], "not a finite number"),
    ("w_series_n_points", ["9" * 500], "characters long"),
    ("w_series_seed", [""], "empty"),
    ("w_model_epochs", ["5", "6"], "given 2 times"),
    ("w_model_learning_rate", ["0.04"], "learning rates offered"),
    ("w_series_shape", ["square"], "shapes"),
    ("w_series_shape", ["sïne 🌊"], "shapes"),
    ("utm_source", ["newsletter"], "not a setting"),
    ("w_model_units\u202e", ["20"], "not a setting"),
    ("lesson", ["everything"], "lesson modes"),
]


@pytest.mark.parametrize("name, values, words", FUZZ)
def test_every_bad_value_is_ignored_with_its_reason_and_changes_nothing(name, values, words):
    series, model = fresh()
    ignored = read_link({name: values}, series, model)
    assert len(ignored) == 1 and words in ignored[0], ignored
    assert (series, model) == fresh()


def test_a_mix_keeps_the_good_and_lists_the_bad():
    series, model = fresh()
    ignored = read_link({"w_model_units": ["12"], "w_model_dropout": ["0.9"], "zzz": ["1"]}, series, model)
    assert model["units"] == 12 and model["dropout"] == ModelConfig().dropout
    assert len(ignored) == 2


def test_page_controls_and_lesson_modes_pass_through_to_their_widgets():
    series, model = fresh()
    assert read_link({"w_inside_unit": ["3"], "w_memory_k": ["30"], "lesson": ["windows"]}, series, model) == []
    assert set(LESSON_MODES) >= {"windows", "gates"}


def test_the_link_of_some_settings_reads_back_to_the_same_settings():
    series = {**SeriesConfig().to_dict(), "noise_std": 0.25, "n_points": 650, "shape": "trend", "seed": 7}
    model = {**ModelConfig().to_dict(), "units": 17, "learning_rate": 0.003, "dropout": 0.15}
    query = share_query(series, model, {"w_inside_layer": 1, "w_memory_k": 12, "lesson": "gates"})
    params = parse_qs(query)
    assert params["w_inside_layer"] == ["LSTM layer 2"] and params["w_series_shape"] == ["trend"]
    assert "w_model_layers" not in params, "values at their defaults are left out"
    read_series, read_model = fresh()
    assert read_link(params, read_series, read_model) == []
    assert (read_series, read_model) == (series, model)


@pytest.mark.parametrize("series, model", [*((p.series, p.model) for p in PRESETS.values()),
                                           (QUICK_START_SERIES, QUICK_START_MODEL)])
def test_the_link_of_every_preset_reads_back_to_it_with_nothing_left_out(series, model):
    read_series, read_model = fresh()
    assert read_link(parse_qs(share_query(series.to_dict(), model.to_dict(), {})), read_series, read_model) == []
    assert (SeriesConfig.from_dict(read_series), ModelConfig.from_dict(read_model)) == (series, model)
