"""Presets, shared links, lesson links and the teacher form in AppTest."""

import numpy as np
import pytest

from lstm_core.config import ModelConfig
from lstm_core.model.shapes import count_params
from lstm_core.store.runs import DATA_DIR_ENV
from lstm_core.ui import training_session
from lstm_core.ui.charts import DESCRIBE_LABEL
from lstm_core.ui.settings import LESSON_SETTINGS_KEYS
from tests.pages.apptest import assert_clean, open_link, open_page, wait_for_training


@pytest.mark.parametrize("name", ["Quick demo", "Seed tutorial recipe", "Deep stack", "Long memory",
                                  "A random split that lies"])
def test_a_preset_loads_everywhere_with_one_click(name):
    from lstm_core.presets import PRESETS

    preset = PRESETS[name]
    at = open_page()
    at.session_state["own_series"] = None  # a learner's own data is replaced by the preset's series
    at.sidebar.button(key=f"preset_{name}").click().run()
    assert_clean(at, name)
    assert at.session_state["series_settings"] == preset.series.to_dict()
    assert at.session_state["model_settings"] == preset.model.to_dict()
    assert "own_series" not in at.session_state
    for page_name, settings in preset.lessons.items():
        assert at.session_state[LESSON_SETTINGS_KEYS[page_name]] == settings
    page_titles = {"train": "Train", "memory": "Why an LSTM", "splits": "How far can you trust"}
    assert at.title[0].value.startswith(page_titles[preset.page])
    if preset.page == "memory":
        assert at.slider(key="w_memory_k").value == preset.lessons["memory"]["k"]


# The same link in both forms: today's short names, and the widget keys the first links carried.
LINK_FORMS = {"short names": ({"noise": "0.3", "units": "12", "layers": "1", "epochs": "999", "utm_source": "mail"},
                              "epochs='999'"),
              "first form": ({"w_series_noise_std": "0.3", "w_model_units": "12", "w_model_layers": "1",
                              "w_model_epochs": "999", "utm_source": "mail"}, "w_model_epochs='999'")}


@pytest.mark.parametrize("form", LINK_FORMS)
def test_a_link_sets_the_series_and_model_everywhere_and_lists_what_it_ignored(form):
    query, ignored_epochs = LINK_FORMS[form]
    at = open_link(query)
    assert at.session_state["series_settings"]["noise_std"] == 0.3
    assert at.session_state["model_settings"]["units"] == 12 and at.session_state["model_settings"]["layers"] == 1
    notice = at.warning[0].value
    assert ignored_epochs in notice and "utm_source" in notice
    link = at.code[-1].value  # the copy-link box at the foot of the page: always the short names
    assert "units=12" in link and "noise=0.3" in link and "epochs=" not in link and "w_" not in link, link
    at.switch_page("pages/model.py").run()
    assert at.slider(key="w_model_units").value == 12
    assert at.metric[0].value == f"{count_params(ModelConfig(units=12, layers=1)):,}"
    at.switch_page("pages/data.py").run()
    assert at.slider(key="w_series_noise_std").value == 0.3
    assert not at.warning, "the notice is shown once, when the link opens"


@pytest.mark.parametrize("query", [
    {"w_model_units": "1e999"}, {"w_series_n_points": ""}, {"w_inside_unit": "banana"}, {"lesson": "ünïcode"},
    {"w_model_seq_length": "-1"}, {"w_series_shape": "x" * 5000}, {"w_data_window": "99999"},
])
def test_fuzzed_links_open_without_a_traceback(query):
    at = open_link(query, "pages/data.py")
    assert at.title[0].value.startswith("Data")


@pytest.mark.real_pool  # two real trainings, in worker processes: the same link gives the same weights
def test_two_browsers_opening_the_same_link_train_the_same_model(real_pool, monkeypatch, tmp_path):
    query = {"w_series_n_points": "300", "w_model_seq_length": "8", "w_model_units": "6", "w_model_layers": "1",
             "w_model_dense_units": "0", "w_model_epochs": "2", "w_model_dropout": "0.0"}
    jobs_before = real_pool.jobs_run()
    weights = []
    for server in ("first", "second"):  # two servers with stores of their own: both really train
        monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / server))
        at = open_link(query, "pages/train.py")
        next(b for b in at.button if b.label == "Train").click().run()
        wait_for_training(at)
        assert training_session.training_pool() is real_pool, "the app trained on the worker processes"
        assert at.session_state["finished_training"].opened_from is None, "trained anew, not opened from a store"
        weights.append(at.session_state["finished_training"].result.weights.to_list())
    assert real_pool.jobs_run() == jobs_before + 2, "each server's training ran in a worker"
    for first, second in zip(*weights):
        np.testing.assert_allclose(first, second, atol=1e-6)


def test_lesson_mode_shows_the_window_stepper_alone():
    at = open_link({"lesson": "windows"}, "pages/data.py")
    settings = [expander for expander in at.expander if expander.label != DESCRIBE_LABEL]  # not the chart's words
    assert not at.radio and not settings, "no data source or settings in lesson mode"
    assert not at.slider, "the window moves in the chart itself, in the browser"
    assert len(at.get("plotly_chart")) == 1 and at.dataframe
    full = open_page("pages/data.py")
    assert len(full.get("plotly_chart")) == 3


def test_the_teacher_form_builds_a_lesson_link():
    at = open_page()
    at.selectbox(key="teacher_lesson").set_value("windows").run()
    assert at.code[0].value.endswith("/data?lesson=windows")
