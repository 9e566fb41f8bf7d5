"""Home, Data, Model, Train and Inside in AppTest: defaults, every control at its bounds, the learner's path."""

import json
import re
from dataclasses import replace

import numpy as np
import pytest

from lstm_core.config import ModelConfig, SeriesConfig
from lstm_core.data.dataset import build_dataset
from lstm_core.evaluation.skill import baseline_forecasts, compare, skill_verdict
from lstm_core.model.shapes import count_params
from lstm_core.presets import QUICK_START_MODEL
from tests.pages.apptest import (
    SMALL_MODEL,
    SMALL_SERIES,
    assert_clean,
    open_page,
    rerun_until,
    sidebar_text,
    sweep_sliders,
    wait_for_training,
)


def test_home_explains_and_quick_start_goes_to_train():
    at = open_page()
    assert at.title[0].value == "LSTM Lens"
    assert any("Quick start" in b.label for b in at.button)
    at.button[0].click().run()
    assert_clean(at, "quick start")
    assert at.session_state["model_settings"] == QUICK_START_MODEL.to_dict()
    assert at.title[0].value.startswith("Train")


@pytest.mark.parametrize("page", ["pages/data.py", "pages/model.py"])
def test_page_controls_at_their_bounds(page):
    at = open_page(page)
    assert sweep_sliders(at) >= 4
    assert len(at.get("plotly_chart")) >= 1
    for box in at.number_input:
        for end in (box.min, box.max):
            at.number_input(key=box.key).set_value(int(end)).run()
            assert_clean(at, f"{box.key} at {end}")
    for select in at.selectbox:
        for option in select.options:
            at.selectbox(key=select.key).set_value(option.replace(" ", "_")).run()
            assert_clean(at, f"{select.key} = {option}")


def test_every_slider_of_data_and_model_at_its_minimum_together():
    at = open_page("pages/data.py")
    for slider in list(at.slider):
        at.slider(key=slider.key).set_value(slider.min)
    at.run()
    assert_clean(at, "data minimums")
    at.switch_page("pages/model.py").run()
    for slider in list(at.slider):
        at.slider(key=slider.key).set_value(slider.min)
    at.run()
    assert_clean(at, "model minimums")
    at.switch_page("pages/train.py").run()
    assert_clean(at, "train page after minimums")


def test_data_page_shows_shapes_and_the_window_table():
    at = open_page("pages/data.py", series=SeriesConfig(n_points=500), model=ModelConfig(seq_length=10))
    metrics = {m.label: m.value for m in at.metric}
    # 500 points: training windows have their target before point 350
    assert metrics["X_train (samples, timesteps, features)"] == "(340, 10, 1)"
    assert at.dataframe[0].value.shape == (6, 10)  # x1..x4, …, x7..x10 and Y
    at.slider(key="w_series_noise_std").set_value(0.5).run()
    assert_clean(at, "noise change")
    # AppTest runs a switched-to page without app.py, so the shared sidebar is checked from Home.
    at.switch_page("app.py").run()
    assert "noise σ 0.50" in sidebar_text(at), "the sidebar shows the setting just changed"


def test_data_page_explains_settings_that_leave_no_window():
    at = open_page("pages/data.py", series=SeriesConfig(n_points=100), model=ModelConfig(seq_length=100))
    assert at.error and "too few" in at.error[0].value


def test_model_page_parameter_count_follows_the_sliders():
    at = open_page("pages/model.py")
    at.slider(key="w_model_units").set_value(7).run()
    at.slider(key="w_model_layers").set_value(3).run()
    expected = count_params(ModelConfig(units=7, layers=3))
    assert at.metric[0].value == f"{expected:,}"
    table, phone = (t.value for t in at.table)
    assert list(table["kernel W"]) == ["(1, 28)", "(7, 28)", "(7, 28)", "(7, 25)", "(25, 1)"]
    # On a phone each layer's fields as one sentence beside its name (page.css shows one of the two tables).
    assert list(phone["layer"]) == list(table.index)
    lstm, dense = phone["weights"].iloc[0], phone["weights"].iloc[-1]
    assert lstm.startswith("kind: LSTM; kernel W: (1, 28); recurrent kernel U: (7, 28); bias b: (28,); ")
    assert lstm.endswith(f"; parameters: {table['parameters'].iloc[0]}; formula: 4·7·(1+7+1)")
    assert dense == "kind: Dense; kernel W: (25, 1); bias b: (1,); parameters: 26; formula: 1·(25+1)"
    assert "about" in at.info[0].value
    at.select_slider(key="w_model_learning_rate").set_value(0.03).run()
    at.switch_page("app.py").run()
    assert "lr 0.03" in sidebar_text(at), "the sidebar shows the learning rate just chosen"


def test_pages_without_a_trained_model_say_what_to_do():
    at = open_page("pages/inside.py")
    assert "no trained model" in at.info[0].value
    assert at.button[0].label == "Go to Train"


def test_learner_path_data_model_train_inside():
    at = open_page("pages/data.py", series=SMALL_SERIES)
    assert at.metric[0].value == f"(160, {ModelConfig().seq_length}, 1)"  # targets before point 210
    at.switch_page("pages/model.py").run()
    for key, value in [("w_model_seq_length", 8), ("w_model_units", 6), ("w_model_dense_units", 4),
                       ("w_model_epochs", 2)]:
        at.slider(key=key).set_value(value).run()
    assert at.metric[0].value == f"{count_params(SMALL_MODEL.__class__(**{**SMALL_MODEL.to_dict(), 'epochs': 2})):,}"

    at.switch_page("pages/train.py").run()
    assert_clean(at, "train page")
    next(b for b in at.button if b.label == "Train").click().run()
    assert_clean(at, "after Train")
    wait_for_training(at)
    assert not next(b for b in at.button if b.label == "Train").disabled
    assert at.dataframe, "the evaluation table appears when training ends"
    table = at.dataframe[0].value
    assert {"LSTM (yours)", "last value", "noise floor"} <= set(table.index)
    run = at.session_state["finished_training"]
    run_ds = build_dataset(run.series, run.model.seq_length, run.model.horizon)
    comparisons = compare(run_ds.y["test"], run.result.predictions["test"], baseline_forecasts(run_ds))
    skill = at.dataframe[1].value
    assert list(skill.index) == [c.name for c in comparisons]
    np.testing.assert_allclose(skill["skill of your LSTM"], [c.skill for c in comparisons])
    phone = at.table[-1].value  # on a phone: a sentence a comparison, in the wide table's numbers
    assert list(phone["compared with"]) == [c.name for c in comparisons]
    assert [sentence.split("; ")[1] for sentence in phone["how your LSTM does"]] == [
        f"skill of your LSTM: {c.skill:+.2f}" for c in comparisons]
    assert skill_verdict(comparisons, run.series.shape) in [i.value for i in at.info], "the verdict is the numbers' own"
    downloads = [b.label for b in at.get("download_button")]
    assert downloads == ["The trained model (.keras)", "Settings (JSON)", "Loss history (CSV)",
                         "The run as a Keras script (.py)"]

    at.switch_page("pages/inside.py").run()
    assert_clean(at, "inside page")
    badge = next(m.value for m in at.markdown if "max |Δ|" in m.value)
    difference = float(re.search(r"max \|Δ\| = ([0-9.e+-]+)", badge).group(1))
    assert difference <= 1e-5
    stepper = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert [frame["name"] for frame in stepper["frames"]] == [str(t) for t in range(1, 9)], "one frame per step"
    assert stepper["layout"]["sliders"][0]["active"] == 0
    assert stepper["layout"]["updatemenus"][0]["buttons"][2]["args"][0] == ["2"], "Step ▶ goes to step 2"
    at.slider(key="w_inside_step").set_value(4).run()
    assert_clean(at, "opening at step 4")
    stepper = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert stepper["layout"]["sliders"][0]["active"] == 3 and stepper["layout"]["updatemenus"][0]["buttons"][2][
        "args"][0] == ["5"], "the figure opens at the server's step; its own controls step in the browser"
    equations = stepper["frames"][3]["data"][stepper["frames"][3]["traces"].index(
        next(k for k, t in enumerate(stepper["data"]) if t.get("name") == "equations"))]["text"]
    assert len(equations) == 7 and "∂L/∂c₄" in equations[-1], "six forward equations and the backward one of c"
    assert [b.label for b in at.get("download_button")] == ["Gates and states of this window (CSV)"]
    assert len(at.get("plotly_chart")) == 1, "window, heatmaps, cell, equations and the backward pass: one figure"
    sweep_sliders(at)
    assert_clean(at, "sliders swept")

    at.switch_page("pages/data.py").run()
    at.switch_page("pages/inside.py").run()
    assert any("max |Δ|" in m.value for m in at.markdown), "the trained model survives a page switch"


# Long enough (50 epochs of 88 batches) that Stop lands while it trains, small enough to take a second to begin.
STOPPED_SERIES = SeriesConfig(n_points=2000)
STOPPED_MODEL = replace(SMALL_MODEL, batch_size=16, epochs=50)


@pytest.mark.real_pool  # the stop travels the app's own path: the page's button, the pool's thread, the worker
def test_while_a_training_runs_train_is_disabled_and_stop_keeps_what_it_learned(real_pool):
    at = open_page("pages/train.py", series=STOPPED_SERIES, model=STOPPED_MODEL)
    next(b for b in at.button if b.label == "Train").click().run()
    assert_clean(at, "after Train")

    def training_underway(at) -> bool:
        progress = at.session_state["training_job"]["job"].progress()
        return progress.status == "running" and (progress.epoch > 0 or progress.batch > 0)

    rerun_until(at, training_underway, "the first batches", 120)
    assert not at.session_state["training_job"]["job"].done
    assert next(b for b in at.button if b.label == "Train").disabled, "no second Train while one is active"
    assert not next(b for b in at.button if b.label == "Stop").disabled
    assert at.get("progress")[0].proto.text.endswith("(running)")
    next(b for b in at.button if b.label == "Stop").click().run()
    wait_for_training(at)
    result = at.session_state["finished_training"].result
    assert result.status == "stopped" and result.epochs_run < STOPPED_MODEL.epochs, result.message
    # The worker's own words: the whole epochs and, when it stopped inside one, the batches of the next.
    assert re.fullmatch(rf"Stopped after {result.epochs_run} of {STOPPED_MODEL.epochs} epochs( and \d+ of \d+ "
                        rf"batches of epoch {result.epochs_run + 1})?; the result holds the weights trained so far\.",
                        result.message), result.message
    learned = [np.abs(now - before).max() for now, before in zip(result.weights.to_list(),
                                                                  result.initial_weights.to_list())]
    assert max(learned) > 0, "the weights kept are the trained ones, not the initial ones"
    captions = " ".join(c.value for c in at.caption)
    assert f"You stopped this run after {result.epochs_run} epoch(s); these are its weights then." in captions
    assert at.dataframe, "a stopped run is judged like a finished one"
    assert not next(b for b in at.button if b.label == "Train").disabled
    assert at.get("progress")[0].proto.text.endswith("(stopped)")
