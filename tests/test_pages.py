"""Every page in Streamlit's AppTest: defaults, every control at its bounds, and the learner's path."""

import re
import time
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from lstm_core.config import ModelConfig, SeriesConfig
from lstm_core.data.dataset import build_dataset
from lstm_core.evaluation.skill import baseline_forecasts, compare, skill_verdict
from lstm_core.lessons.dropout import coverage_statement
from lstm_core.lessons.horizon import horizon_verdict
from lstm_core.lessons.memory import format_ratio, reach
from lstm_core.lessons.splits import SplitLesson, scores_from_predictions, split_verdict
from lstm_core.model.shapes import count_params
from lstm_core.presets import QUICK_START_MODEL
from lstm_core.ui.state import LESSON_SETTINGS_KEYS

APP = Path(__file__).resolve().parents[1] / "app.py"
TIMEOUT = 60
SMALL_SERIES = SeriesConfig(n_points=300)
SMALL_MODEL = ModelConfig(seq_length=8, units=6, layers=2, dense_units=4, epochs=2, batch_size=32)


def open_page(page: str | None = None, series: SeriesConfig | None = None, model: ModelConfig | None = None) -> AppTest:
    """Return an AppTest of the app that has run once on page (Home when None)."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    if series is not None:
        at.session_state["series_settings"] = series.to_dict()
    if model is not None:
        at.session_state["model_settings"] = model.to_dict()
    at.run()
    if page is not None:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def assert_clean(at: AppTest, where: str) -> None:
    assert not at.exception, f"{where}: {[e.value for e in at.exception]}"


def sidebar_text(at: AppTest) -> str:
    """Return the text of every caption in the sidebar."""
    return " ".join(e.value for e in at.sidebar if type(e).__name__ == "Caption")


def sweep_sliders(at: AppTest) -> int:
    """Set every slider on the page to its minimum and then its maximum; return how many were swept."""
    keys = [s.key for s in at.slider if s.key]
    for key in keys:
        for end in ("min", "max"):
            slider = at.slider(key=key)
            slider.set_value(getattr(slider, end)).run()
            assert_clean(at, f"slider {key} at {end}")
    for select in [s.key for s in at.select_slider if s.key]:
        for option in (at.select_slider(key=select).options[0], at.select_slider(key=select).options[-1]):
            at.select_slider(key=select).set_value(type(at.select_slider(key=select).value)(option)).run()
            assert_clean(at, f"select slider {select} at {option}")
    return len(keys)


def rerun_until(at: AppTest, finished, what: str, limit: float) -> None:
    """Rerun the page, as its own poll would, until finished(at) holds; then run it once more."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if finished(at):
            at.run()
            return
        time.sleep(0.5)
        at.run()
        assert_clean(at, f"while {what}")
    raise AssertionError(f"{what} did not finish in time")


def wait_for_training(at: AppTest, limit: float = 120) -> None:
    """Rerun the page until this session's job is finished."""
    rerun_until(at, lambda at: at.session_state["training_job"]["job"].done, "training", limit)


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
    table = at.table[0].value
    assert list(table["kernel W"]) == ["(1, 28)", "(7, 28)", "(7, 28)", "(7, 25)", "(25, 1)"]
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
    if not at.session_state["training_job"]["job"].done:
        assert next(b for b in at.button if b.label == "Train").disabled, "no second Train while one is active"
        assert not next(b for b in at.button if b.label == "Stop").disabled
    wait_for_training(at)
    assert not next(b for b in at.button if b.label == "Train").disabled
    assert at.dataframe, "the evaluation table appears when training ends"
    table = at.dataframe[0].value
    assert {"LSTM (yours)", "last value", "noise floor"} <= set(table.index)
    run = at.session_state["trained"]
    run_ds = build_dataset(run.series, run.model.seq_length, run.model.horizon)
    comparisons = compare(run_ds.y["test"], run.result.predictions["test"], baseline_forecasts(run_ds))
    skill = at.dataframe[1].value
    assert list(skill.index) == [c.name for c in comparisons]
    np.testing.assert_allclose(skill["skill of your LSTM"], [c.skill for c in comparisons])
    assert skill_verdict(comparisons, run.series.shape) in [i.value for i in at.info], "the verdict is the numbers' own"
    downloads = [b.label for b in at.get("download_button")]
    assert downloads == ["The trained model (.keras)", "Settings (JSON)", "Loss history (CSV)",
                         "The run as a Keras script (.py)"]

    at.switch_page("pages/inside.py").run()
    assert_clean(at, "inside page")
    badge = next(m.value for m in at.markdown if "max |Δ|" in m.value)
    difference = float(re.search(r"max \|Δ\| = ([0-9.e+-]+)", badge).group(1))
    assert difference <= 1e-5
    assert "Step 1 of 8" in " ".join(m.value for m in at.markdown)
    for _ in range(3):
        at.button(key="inside_forward").click().run()
    assert "Step 4 of 8" in " ".join(m.value for m in at.markdown)
    assert len(at.latex) == 7, "six forward equations and the backward one of c"
    assert [b.label for b in at.get("download_button")] == ["Gates and states of this window (CSV)"]
    assert r"\partial L" in at.latex[-1].value and "Step 4 of 8" in " ".join(m.value for m in at.markdown)
    charts = {chart.proto.id for chart in at.get("plotly_chart")}
    assert len(charts) >= 6, "window, heatmaps, cell, unrolled strip and the two gradient charts"
    sweep_sliders(at)
    at.button(key="inside_back").click().run()
    assert_clean(at, "step back")

    at.switch_page("pages/data.py").run()
    at.switch_page("pages/inside.py").run()
    assert any("max |Δ|" in m.value for m in at.markdown), "the trained model survives a page switch"


def test_the_server_side_never_loads_tensorflow():
    import subprocess
    import sys

    # Every module of lstm_core: Keras is imported only inside the functions of the model builder and the worker.
    code = ("import importlib, pkgutil, sys, lstm_core\n"
            "for module in pkgutil.walk_packages(lstm_core.__path__, 'lstm_core.'):\n"
            "    importlib.import_module(module.name)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=APP.parent, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


LESSON_PAGE = "pages/lesson_memory.py"


def wait_for_lesson(at: AppTest, lesson: str, limit: float = 180) -> None:
    """Rerun the page until every job of the lesson has finished."""
    rerun_until(at, lambda at: not at.session_state[f"lesson_runs_{lesson}"].active, "the lesson trains", limit)


def test_memory_lesson_controls_at_their_bounds():
    at = open_page(LESSON_PAGE)
    assert at.title[0].value.startswith("Why an LSTM")
    assert sweep_sliders(at) == 3
    assert len(at.get("plotly_chart")) == 1, "the task window is drawn before anything is trained"
    assert "Press **Train both**" in at.info[0].value


def test_memory_lesson_trains_both_models_and_its_words_follow_its_numbers():
    at = open_page(LESSON_PAGE)
    next(b for b in at.button if b.label == "Train both").click().run()
    assert_clean(at, "after Train both")
    runs = at.session_state["lesson_runs_memory"]
    assert {job.cfg.cell for job in runs.jobs.values()} == {"rnn", "lstm"}
    if runs.active:
        assert next(b for b in at.button if b.label == "Train both").disabled
    wait_for_lesson(at, "memory")
    rnn, lstm = runs.outcome["plain RNN"], runs.outcome["LSTM"]
    shown = {m.label.split(":")[0]: m.value for m in at.metric}
    assert shown == {"plain RNN": f"{rnn.explained:.0%}", "LSTM": f"{lstm.explained:.0%}"}
    # The defaults are chosen so that the plain RNN fails and the LSTM learns; the page says so from the numbers.
    assert rnn.grade == "failed" and lstm.grade == "learned"
    assert at.success[0].value.startswith("The LSTM remembers 20 steps back and the plain RNN fails")
    captions = " ".join(c.value for c in at.caption)
    before, after = (format_ratio(reach(profile, 20)) for profile in (lstm.memory_initial, lstm.memory_trained))
    assert f"the LSTM's {before} before training and {after} after" in captions
    assert len(at.get("plotly_chart")) == 4, "task window, learning curves and the two gradient charts"


def test_memory_lesson_at_its_smallest_settings_trains_and_reports():
    at = open_page(LESSON_PAGE)
    for key in ("w_memory_k", "w_memory_units", "w_memory_epochs"):
        at.slider(key=key).set_value(at.slider(key=key).min).run()
    next(b for b in at.button if b.label == "Train both").click().run()
    wait_for_lesson(at, "memory")
    assert_clean(at, "smallest lesson")
    assert len(at.metric) == 2 and (at.success or at.info)


SPLITS_PAGE = "pages/lesson_splits.py"


def test_split_lesson_controls_at_their_bounds():
    at = open_page(SPLITS_PAGE)
    assert at.title[0].value.startswith("How far can you trust")
    assert sweep_sliders(at) == 5
    for option in at.selectbox(key="w_splits_series").options:
        at.selectbox(key="w_splits_series").set_value(option).run()
        assert_clean(at, f"series {option}")
        assert len(at.get("plotly_chart")) == 1, "the windows of both splits are drawn before training"


def test_split_lesson_at_its_defaults_says_what_its_numbers_say():
    at = open_page(SPLITS_PAGE)
    next(b for b in at.button if b.label == "Train both splits").click().run()
    assert_clean(at, "after Train both splits")
    runs = at.session_state["lesson_runs_splits"]
    assert len(runs.jobs) == 2 * SplitLesson().seeds
    wait_for_lesson(at, "splits")
    lesson, splits = runs.settings
    predictions = {name: job.result().predictions["test"] for name, job in runs.jobs.items()}
    scores = scores_from_predictions(lesson, splits, predictions)
    shown = [e.value for e in (*at.warning, *at.info)]
    assert split_verdict(scores) in shown, "the verdict is computed from these runs"
    assert len(at.get("plotly_chart")) == 2


HORIZON_PAGE = "pages/lesson_horizon.py"


def test_horizon_lesson_trains_at_both_ends_of_the_horizon_and_says_what_its_numbers_say():
    at = open_page(HORIZON_PAGE, series=SeriesConfig(n_points=400))
    assert at.title[0].value == "Looking further ahead"
    for steps in (1, 10):
        at.slider(key="w_horizon_steps").set_value(steps).run()
        assert_clean(at, f"horizon {steps}")
        next(b for b in at.button if b.label == "Train both").click().run()
        runs = at.session_state["lesson_runs_horizon"]
        assert {name: job.cfg.horizon for name, job in runs.jobs.items()} == {"direct": steps, "recursive": 1}
        wait_for_lesson(at, "horizon")
        assert_clean(at, f"horizon {steps} trained")
        assert horizon_verdict(runs.outcome) in [i.value for i in at.info]
        assert runs.outcome.direct.shape[1] == steps
        assert len(at.get("plotly_chart")) == 2
        window = at.slider(key="w_horizon_window")
        for end in (window.min, window.max):
            at.slider(key="w_horizon_window").set_value(end).run()
            assert_clean(at, f"test window {end}")


def test_horizon_lesson_works_on_the_shortest_series():
    at = open_page(HORIZON_PAGE, series=SeriesConfig(n_points=100))
    at.slider(key="w_horizon_steps").set_value(10).run()
    assert_clean(at, "shortest series, 10 steps ahead")
    assert not at.warning

FILM_PAGE = "pages/lesson_film.py"


def test_film_lesson_trains_and_scrubs_every_epoch_window_and_layer():
    at = open_page(FILM_PAGE, series=SMALL_SERIES, model=SMALL_MODEL)
    assert at.title[0].value == "Training as a film"
    at.radio(key="w_film_model").set_value("your model from the Model page").run()
    next(b for b in at.button if b.label == "Train and film").click().run()
    wait_for_lesson(at, "film")
    assert_clean(at, "film trained")
    result = at.session_state["lesson_runs_film"].jobs["film"].result()
    assert len(result.epoch_weights) == SMALL_MODEL.epochs
    shots = 1 + len(result.first_epoch_weights) + SMALL_MODEL.epochs
    assert at.slider(key="w_film_moment").max == shots - 1
    for key in ("w_film_moment", "w_film_window"):
        for end in ("min", "max"):
            slider = at.slider(key=key)
            slider.set_value(getattr(slider, end)).run()
            assert_clean(at, f"{key} at {end}")
    for layer in at.selectbox(key="w_film_layer").options:
        at.selectbox(key="w_film_layer").set_value(int(layer.split()[-1]) - 1).run()
        assert_clean(at, f"layer {layer}")
    last = at.session_state["lesson_runs_film"].outcome[1][-1]
    assert f"after the last epoch {last:.5f}" in " ".join(m.value for m in at.markdown)
    assert len(at.get("plotly_chart")) == 3


def test_film_lesson_with_the_quick_start_model_at_defaults():
    at = open_page(FILM_PAGE)
    next(b for b in at.button if b.label == "Train and film").click().run()
    wait_for_lesson(at, "film")
    assert_clean(at, "quick-start film")
    at.slider(key="w_film_moment").set_value(0).run()
    text = " ".join(m.value for m in at.markdown)
    assert "**Before training (the initial random weights)**" in text
    at.slider(key="w_film_moment").set_value(1).run()
    runs = at.session_state["lesson_runs_film"]
    batches = runs.data["film"].batches_per_epoch(QUICK_START_MODEL.batch_size)
    first_done = runs.jobs["film"].result().first_epoch_weights[0][0]
    assert 1 <= first_done < batches
    assert f"**Epoch 1, after {first_done} of {batches} batches**" in " ".join(m.value for m in at.markdown)


DROPOUT_PAGE = "pages/lesson_dropout.py"


def test_dropout_lesson_at_defaults_and_at_its_bounds():
    at = open_page(DROPOUT_PAGE)
    assert at.title[0].value == "Dropout at work"
    next(b for b in at.button if b.label == "Train").click().run()
    wait_for_lesson(at, "dropout")
    assert_clean(at, "dropout trained")
    runs = at.session_state["lesson_runs_dropout"]
    mc = runs.outcome[1]
    assert runs.jobs["dropout"].cfg.dropout == 0.2
    run_ds = build_dataset(SeriesConfig(), 30, 1)
    assert coverage_statement(mc, run_ds.noise_floor) in [i.value for i in at.info]
    assert len(at.get("plotly_chart")) == 1
    for passes in (10, 200):
        at.slider(key="w_dropout_passes").set_value(passes).run()
        assert_clean(at, f"{passes} passes")
        assert runs.outcome[0][0] == passes, "the band is recomputed with the new number of passes"
    for rate in (0.0, 0.5):
        at.slider(key="w_dropout_rate").set_value(rate).run()
        next(b for b in at.button if b.label == "Train").click().run()
        wait_for_lesson(at, "dropout")
        assert_clean(at, f"dropout {rate}")
    assert not any("no band" in i.value for i in at.info), "rate 0.5 draws a band"
    at.slider(key="w_dropout_rate").set_value(0.0).run()
    next(b for b in at.button if b.label == "Train").click().run()
    wait_for_lesson(at, "dropout")
    assert any("no band to draw" in i.value for i in at.info)


def open_upload(at: AppTest) -> None:
    at.radio(key="w_data_source").set_value("Your own CSV file").run()
    assert_clean(at, "own CSV chosen")


GOOD_CSV = ("day,level\n" + "\n".join(f"{k},{10 + np.sin(k / 6):.4f}" for k in range(300)) + "\n").encode()


@pytest.mark.parametrize("name, content, message", [
    ("big.csv", b"x" * 2_000_001, "files up to 2 MB"),
    ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "not a text file"),
    ("names.csv", b"name,city\nada,london\nbob,paris\n", "No column of the file holds numbers"),
    ("short.csv", b"t,v\n" + b"".join(f"{k},{k % 7}\n".encode() for k in range(20)), "only 20 values"),
    ("flat.csv", b"t,v\n" + b"".join(f"{k},5\n".encode() for k in range(100)), "constant"),
    ("inf.csv", b"t,v\n" + b"".join(f"{k},{k % 7}\n".encode() for k in range(100)) + b"100,inf\n", "infinite"),
    ("huge.csv", b"t,v\n" + b"".join(f"{k},{k % 7}\n".encode() for k in range(100)) + b"100,1e40\n", "absurdly large"),
    ("empty.csv", b"", "empty"),
])
def test_a_bad_file_gets_its_message_and_changes_nothing(name, content, message):
    at = open_page("pages/data.py")
    before = at.get("plotly_chart")[0].proto.spec
    open_upload(at)
    at.file_uploader(key="w_data_upload").set_value((name, content, "text/csv")).run()
    assert_clean(at, name)
    assert any(message in e.value for e in at.error), [e.value for e in at.error]
    assert "own_series" not in at.session_state, "a bad file never replaces the series"
    assert at.get("plotly_chart")[0].proto.spec == before, "the pages keep the series they had"


def test_a_good_file_becomes_the_series_of_every_page_and_training_uses_it():
    at = open_page("pages/data.py")
    open_upload(at)
    at.file_uploader(key="w_data_upload").set_value(("levels.csv", GOOD_CSV, "text/csv")).run()
    assert_clean(at, "good file")
    own = at.session_state["own_series"]
    assert own.name == "levels.csv: level" and len(own.values) == 300
    assert any("no noise floor" in c.value for c in at.caption)
    at.session_state["model_settings"] = SMALL_MODEL.to_dict()
    at.switch_page("pages/train.py").run()
    next(b for b in at.button if b.label == "Train").click().run()
    wait_for_training(at)
    assert_clean(at, "trained on own data")
    table = at.dataframe[0].value
    assert "noise floor" not in table.index and "seasonal naive" not in at.dataframe[1].value.index
    run = at.session_state["trained"]
    assert run.series == own


def test_empty_cells_offer_drop_or_interpolate():
    rows = [f"{k},{np.sin(k / 6):.4f}" if k not in (5, 50) else f"{k}," for k in range(120)]
    at = open_page("pages/data.py")
    open_upload(at)
    content = ("t,v\n" + "\n".join(rows)).encode()
    at.file_uploader(key="w_data_upload").set_value(("gaps.csv", content, "text/csv")).run()
    assert at.radio(key="w_data_missing").options == ["drop those rows", "interpolate"]
    assert len(at.session_state["own_series"].values) == 118
    at.radio(key="w_data_missing").set_value("interpolate").run()
    assert len(at.session_state["own_series"].values) == 120
    assert any("Interpolated 2" in c.value for c in at.caption)


@pytest.mark.parametrize("name", ["Sunspots, yearly 1700-2008", "CO2 at Mauna Loa, monthly 1958-2001"])
def test_a_bundled_real_series_is_one_click_away(name):
    at = open_page("pages/data.py")
    at.radio(key="w_data_source").set_value("A real series").run()
    at.selectbox(key="w_data_bundled").set_value(name).run()
    assert_clean(at, name)
    assert at.session_state["own_series"].name == name
    at.radio(key="w_data_source").set_value("A generated wave").run()
    assert "own_series" not in at.session_state


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


def open_link(query: dict[str, str], page: str | None = None) -> AppTest:
    """Return an AppTest of the app opened through a link with these query parameters."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for name, value in query.items():
        at.query_params[name] = value
    at.run()
    if page is not None:
        at.switch_page(page).run()
    assert_clean(at, f"link {query}")
    return at


def test_a_link_sets_the_series_and_model_everywhere_and_lists_what_it_ignored():
    at = open_link({"w_series_noise_std": "0.3", "w_model_units": "12", "w_model_layers": "1",
                    "w_model_epochs": "999", "utm_source": "mail"})
    assert at.session_state["series_settings"]["noise_std"] == 0.3
    assert at.session_state["model_settings"]["units"] == 12 and at.session_state["model_settings"]["layers"] == 1
    notice = at.warning[0].value
    assert "w_model_epochs='999'" in notice and "utm_source" in notice
    link = at.code[-1].value  # the copy-link box at the foot of the page
    assert "w_model_units=12" in link and "w_series_noise_std=0.3" in link and "w_model_epochs" not in link
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


def test_two_browsers_opening_the_same_link_train_the_same_model():
    query = {"w_series_n_points": "300", "w_model_seq_length": "8", "w_model_units": "6", "w_model_layers": "1",
             "w_model_dense_units": "0", "w_model_epochs": "2", "w_model_dropout": "0.0"}
    weights = []
    for _ in range(2):
        at = open_link(query, "pages/train.py")
        next(b for b in at.button if b.label == "Train").click().run()
        wait_for_training(at)
        weights.append(at.session_state["trained"].result.weights.to_list())
    for first, second in zip(*weights):
        np.testing.assert_allclose(first, second, atol=1e-6)


def test_lesson_mode_shows_the_window_stepper_alone():
    at = open_link({"lesson": "windows"}, "pages/data.py")
    assert not at.radio and not at.expander, "no data source or settings in lesson mode"
    assert [s.key for s in at.slider] == ["w_data_window"]
    assert len(at.get("plotly_chart")) == 1 and at.dataframe
    full = open_page("pages/data.py")
    assert len(full.get("plotly_chart")) == 3


def test_the_teacher_form_builds_a_lesson_link():
    at = open_page()
    at.selectbox(key="teacher_lesson").set_value("gates").run()
    assert at.code[0].value.endswith("/inside?lesson=gates")
