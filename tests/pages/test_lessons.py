"""Every lesson page in AppTest: controls at their bounds, a training, and words that follow its numbers."""

import json

from lstm_core.config import SeriesConfig
from lstm_core.data.dataset import build_dataset
from lstm_core.lessons.dropout import coverage_statement
from lstm_core.lessons.horizon import horizon_verdict
from lstm_core.lessons.memory import format_ratio, reach
from lstm_core.lessons.splits import SplitLesson, scores_from_predictions, split_verdict
from lstm_core.presets import QUICK_START_MODEL
from tests.pages.apptest import SMALL_MODEL, SMALL_SERIES, assert_clean, open_page, sweep_sliders, wait_for_lesson

LESSON_PAGE = "pages/lesson_memory.py"


def test_memory_lesson_controls_at_their_bounds():
    at = open_page(LESSON_PAGE)
    assert at.title[0].value.startswith("Why an LSTM")
    assert sweep_sliders(at) == 3
    assert len(at.get("plotly_chart")) == 1, "the task window is drawn before anything is trained"
    assert "Press **Train both**" in at.info[0].value


def test_memory_lesson_trains_both_models_and_its_words_follow_its_numbers(pages_train_on_the_recorded_pool):
    pool = pages_train_on_the_recorded_pool
    pool.hold = True  # both jobs stay running until released, as on a busy server
    at = open_page(LESSON_PAGE)
    next(b for b in at.button if b.label == "Train both").click().run()
    assert_clean(at, "after Train both")
    runs = at.session_state["lesson_jobs_memory"]
    assert {job.cfg.cell for job in runs.jobs.values()} == {"rnn", "lstm"}
    assert runs.active and pool.held() == 2
    assert next(b for b in at.button if b.label == "Train both").disabled, "no second Train both while they run"
    assert not next(b for b in at.button if b.label == "Stop").disabled
    pool.release()
    wait_for_lesson(at, "memory")
    assert not next(b for b in at.button if b.label == "Train both").disabled
    rnn, lstm = runs.outcome.models["plain RNN"], runs.outcome.models["LSTM"]
    shown = {m.label.split(":")[0]: m.value for m in at.metric}
    assert shown == {"plain RNN": f"{rnn.explained:.0%}", "LSTM": f"{lstm.explained:.0%}"}
    # The defaults are chosen so that the plain RNN fails and the LSTM learns; the page says so from the numbers.
    assert all(job.result().status == "done" for job in runs.jobs.values())
    assert rnn.grade == "failed" and lstm.grade == "learned", (rnn.explained, lstm.explained)
    # After training the LSTM's memory carries the error signal back to the marked steps undiminished.
    assert reach(lstm.memory_trained, 20) > 0.5
    assert at.success[0].value.startswith("The LSTM remembers 20 steps back and the plain RNN fails")
    captions = " ".join(c.value for c in at.caption)
    before, after = (format_ratio(reach(profile, 20)) for profile in (lstm.memory_initial, lstm.memory_trained))
    assert f"the LSTM's {before} before training and {after} after" in captions
    assert len(at.get("plotly_chart")) == 5, "task window, learning curves, two gradient charts, both readouts"


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
    runs = at.session_state["lesson_jobs_splits"]
    assert len(runs.jobs) == 2 * SplitLesson().seeds
    wait_for_lesson(at, "splits")
    lesson, splits = runs.settings
    assert lesson == SplitLesson(), "the lesson's defaults"
    predictions = {name: job.result().predictions["test"] for name, job in runs.jobs.items()}
    scores = scores_from_predictions(lesson, splits, predictions)
    shown = [e.value for e in (*at.warning, *at.info)]
    assert split_verdict(scores) in shown, "the verdict is computed from these runs"
    # The defaults are a series where the random split flatters, beyond the seeds' spread.
    assert split_verdict(scores).startswith("The random split flatters"), split_verdict(scores)
    assert len(at.get("plotly_chart")) == 2


HORIZON_PAGE = "pages/lesson_horizon.py"


def test_horizon_lesson_trains_at_both_ends_of_the_horizon_and_says_what_its_numbers_say():
    at = open_page(HORIZON_PAGE, series=SeriesConfig(n_points=400))
    assert at.title[0].value == "Looking further ahead"
    for steps in (1, 10):
        at.slider(key="w_horizon_steps").set_value(steps).run()
        assert_clean(at, f"horizon {steps}")
        next(b for b in at.button if b.label == "Train both").click().run()
        runs = at.session_state["lesson_jobs_horizon"]
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


def test_film_lesson_trains_and_draws_every_window_and_layer():
    at = open_page(FILM_PAGE, series=SMALL_SERIES, model=SMALL_MODEL)
    assert at.title[0].value == "Training as a film"
    at.radio(key="w_film_model").set_value("your model from the Model page").run()
    next(b for b in at.button if b.label == "Train and film").click().run()
    wait_for_lesson(at, "film")
    assert_clean(at, "film trained")
    result = at.session_state["lesson_jobs_film"].jobs["film"].result()
    assert len(result.epoch_weights) == SMALL_MODEL.epochs
    shots = 1 + len(result.first_epoch_weights) + SMALL_MODEL.epochs
    assert len(json.loads(at.get("plotly_chart")[0].proto.spec)["frames"]) == shots
    for end in ("min", "max"):
        slider = at.slider(key="w_film_window")
        slider.set_value(getattr(slider, end)).run()
        assert_clean(at, f"w_film_window at {end}")
    for layer in at.selectbox(key="w_film_layer").options:
        at.selectbox(key="w_film_layer").set_value(int(layer.split()[-1]) - 1).run()
        assert_clean(at, f"layer {layer}")
    last = at.session_state["lesson_jobs_film"].outcome[2][-1]
    assert f"after the last epoch {last:.5f}" in " ".join(m.value for m in at.markdown)
    assert len(at.get("plotly_chart")) == 1, "forecast, loss and gates move together in one figure"


def test_film_lesson_with_the_quick_start_model_at_defaults():
    at = open_page(FILM_PAGE)
    next(b for b in at.button if b.label == "Train and film").click().run()
    wait_for_lesson(at, "film")
    assert_clean(at, "quick-start film")
    titles = [frame["layout"]["title"]["text"] for frame in json.loads(at.get("plotly_chart")[0].proto.spec)["frames"]]
    assert titles[0].startswith("Before training (the initial random weights):<br>test MSE")
    runs = at.session_state["lesson_jobs_film"]
    batches = runs.data["film"].batches_per_epoch(QUICK_START_MODEL.batch_size)
    first_done = runs.jobs["film"].result().first_epoch_weights[0][0]
    assert 1 <= first_done < batches
    assert titles[1].startswith(f"Epoch 1, after {first_done} of {batches} batches:<br>test MSE")


DROPOUT_PAGE = "pages/lesson_dropout.py"


def test_dropout_lesson_at_defaults_and_at_its_bounds():
    at = open_page(DROPOUT_PAGE)
    assert at.title[0].value == "Dropout at work"
    next(b for b in at.button if b.label == "Train").click().run()
    wait_for_lesson(at, "dropout")
    assert_clean(at, "dropout trained")
    runs = at.session_state["lesson_jobs_dropout"]
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
