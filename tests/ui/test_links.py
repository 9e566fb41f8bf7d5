"""Shareable links: reading a link's settings (fuzzed) in both forms, and writing the link of the current settings."""

from urllib.parse import parse_qs

import pytest

from lstm_core.config import MODEL_BOUNDS, SERIES_BOUNDS, ModelConfig, SeriesConfig
from lstm_core.presets import PRESETS, QUICK_START_MODEL, QUICK_START_SERIES
from lstm_core.ui.links import MODEL_PARAMS, OLD_NAMES, SERIES_PARAMS, read_link, share_query
from lstm_core.ui.pages import LESSON_MODES, PAGE_KEYS, PAGE_PARAMS


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
    ("inputs", ["driver,weather"], "inputs: driver, distractor, calendar"),
    ("driverLead", ["0"], "outside"),
]


@pytest.mark.parametrize("name, values, words", FUZZ)
def test_every_bad_value_is_ignored_with_its_reason_and_changes_nothing(name, values, words):
    series, model = fresh()
    ignored = read_link({name: values}, series, model)
    assert len(ignored) == 1 and words in ignored[0], ignored
    assert (series, model) == fresh()


def test_extra_inputs_travel_in_a_link_and_their_settings_only_with_a_driver():
    series, model = fresh()
    assert read_link({"inputs": ["calendar,driver"], "driverLead": ["9"]}, series, model) == []
    assert SeriesConfig.from_dict(series) == SeriesConfig(inputs=("driver", "calendar"), driver_lead=9)
    query = parse_qs(share_query(series, model, {}))
    assert query == {"inputs": ["driver,calendar"], "driverLead": ["9"]}
    again, _ = fresh()
    assert read_link(query, again, ModelConfig().to_dict()) == [] and SeriesConfig.from_dict(again) == \
        SeriesConfig.from_dict(series)
    no_driver, _ = fresh()
    read_link({"inputs": ["distractor"], "driverLead": ["9"]}, no_driver, ModelConfig().to_dict())
    assert parse_qs(share_query(no_driver, model, {})) == {"inputs": ["distractor"]}


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
    assert params["insideLayer"] == ["LSTM layer 2"] and params["shape"] == ["trend"]
    assert params["memoryStepsBack"] == ["12"] and params["lesson"] == ["gates"]
    assert "layers" not in params, "values at their defaults are left out"
    read_series, read_model = fresh()
    assert read_link(params, read_series, read_model) == []
    assert (read_series, read_model) == (series, model)


@pytest.mark.parametrize("series, model", [*((p.series, p.model) for p in PRESETS.values()),
                                           (QUICK_START_SERIES, QUICK_START_MODEL)])
def test_the_link_of_every_preset_reads_back_to_it_with_nothing_left_out(series, model):
    read_series, read_model = fresh()
    assert read_link(parse_qs(share_query(series.to_dict(), model.to_dict(), {})), read_series, read_model) == []
    assert (SeriesConfig.from_dict(read_series), ModelConfig.from_dict(read_model)) == (series, model)


# One link in the form shared links have today, and the same link as the first links carried it (widget keys).
SHORT_FORM = ("noise=0.25&points=650&shape=trend&dataSeed=7&units=17&learningRate=0.003&dropout=0.15&window=30"
              "&insideLayer=LSTM+layer+2&insideStep=4&memoryStepsBack=12&lesson=gates")
FIRST_FORM = ("w_series_noise_std=0.25&w_series_n_points=650&w_series_shape=trend&w_series_seed=7&w_model_units=17"
              "&w_model_learning_rate=0.003&w_model_dropout=0.15&w_model_seq_length=30"
              "&w_inside_layer=LSTM+layer+2&w_inside_step=4&w_memory_k=12&lesson=gates")


def read_query(query: str) -> tuple[dict, dict, dict, list]:
    """Return the series, model and page values a link's query sets, and what it ignored."""
    series, model = fresh()
    page_values: dict = {}
    ignored = read_link(parse_qs(query), series, model, page_values)
    return series, model, page_values, ignored


def test_a_link_of_the_first_form_opens_what_its_short_form_opens():
    short, first = read_query(SHORT_FORM), read_query(FIRST_FORM)
    assert short == first
    series, model, page_values, ignored = short
    assert ignored == []
    assert (series["noise_std"], series["n_points"], series["shape"], series["seed"]) == (0.25, 650, "trend", 7)
    assert (model["units"], model["learning_rate"], model["dropout"], model["seq_length"]) == (17, 0.003, 0.15, 30)
    assert page_values == {"w_inside_layer": 1, "w_inside_step": 4, "w_memory_k": 12}  # the mode stays in the URL
    written = share_query(series, model, {**page_values, "lesson": "gates"})
    assert parse_qs(written) == parse_qs(SHORT_FORM), "links are written in the short form"


def test_a_setting_given_under_both_its_names_is_given_twice():
    series, model = fresh()
    ignored = read_link({"units": ["12"], "w_model_units": ["13"]}, series, model)
    assert len(ignored) == 1 and "given 2 times" in ignored[0] and model == fresh()[1]


def test_every_setting_and_page_control_has_one_short_name_that_is_no_widget_key():
    assert set(SERIES_PARAMS.values()) == {*SERIES_BOUNDS, "shape", "inputs"}
    assert set(MODEL_PARAMS.values()) == set(MODEL_BOUNDS)
    names = [*SERIES_PARAMS, *MODEL_PARAMS, *PAGE_PARAMS]
    assert len(names) == len(set(names)), "a name for two settings"
    assert set(PAGE_PARAMS.values()) == PAGE_KEYS
    assert not [name for name in names if name.startswith("w_")]
    first_form = {f"w_series_{field}" for field in SERIES_PARAMS.values()} | {
        f"w_model_{field}" for field in MODEL_PARAMS.values()} | (PAGE_KEYS - {"lesson"})
    assert set(OLD_NAMES) == first_form and set(OLD_NAMES.values()) <= set(names)
