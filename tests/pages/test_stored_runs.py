"""Nothing a learner does is lost: the address bar holds the state, runs are stored, a link reopens them."""

import json
import re
import time
from dataclasses import replace

import numpy as np
import pytest

from lstm_core.config import ModelConfig, SeriesConfig
from lstm_core.presets import PRESETS
from lstm_core.store.runs import DATABASE_URL_ENV, RunStore, database_url
from lstm_core.ui.training_session import OpenedFrom
from tests.pages.apptest import (
    SMALL_MODEL,
    SMALL_SERIES,
    assert_clean,
    open_link,
    open_page,
    wait_for_lesson,
    wait_for_training,
)
from tests.pages.test_own_data import GOOD_CSV, open_upload


@pytest.fixture
def submissions(pages_train_on_the_recorded_pool, monkeypatch):
    """Return the list of model configs the app submitted to the pool, in order."""
    pool, submitted = pages_train_on_the_recorded_pool, []
    original = pool.submit

    def counting(data, cfg, owner_alive=None, session=None, data_spec=None, address=None):
        submitted.append(cfg)
        return original(data, cfg, owner_alive, session, data_spec, address)

    monkeypatch.setattr(pool, "submit", counting)
    return submitted


@pytest.fixture
def submitted_kwargs(pages_train_on_the_recorded_pool, monkeypatch):
    """Return the list of (session, data_spec, address) the app handed the pool with each submission."""
    pool, seen = pages_train_on_the_recorded_pool, []
    original = pool.submit

    def recording(data, cfg, owner_alive=None, session=None, data_spec=None, address=None):
        seen.append((session, data_spec, address))
        return original(data, cfg, owner_alive, session, data_spec, address)

    monkeypatch.setattr(pool, "submit", recording)
    return seen


def test_the_train_page_hands_the_pool_its_session_and_its_data_described_for_the_store(submitted_kwargs):
    from lstm_core.data.spec import data_spec

    for seed in (5, 6):  # two seeds: the second is no stored run of the first
        at = open_page("pages/train.py", series=SMALL_SERIES, model=replace(SMALL_MODEL, seed=seed))
        next(b for b in at.button if b.label == "Train").click().run()
        wait_for_training(at)
    (first_session, first_spec, first_address), (second_session, second_spec, second_address) = submitted_kwargs
    # AppTest gives every app the same session id; the queue's turns per session are the pool tests' part.
    assert isinstance(first_session, str) and first_session and second_session == first_session
    assert first_spec == second_spec == data_spec(SMALL_SERIES)
    assert first_address is second_address is None  # AppTest has no connection: each session is its own address


def train_small():
    """Return an AppTest of the Train page after a small model has trained there."""
    at = open_page("pages/train.py", series=SMALL_SERIES, model=SMALL_MODEL)
    next(b for b in at.button if b.label == "Train").click().run()
    wait_for_training(at)
    assert_clean(at, "finished training")
    return at


def texts(at, kind: str) -> str:
    """Return the text of every element of a kind (info, warning, caption, code) on the page."""
    return " ".join(str(e.value) for e in getattr(at, kind))


def test_a_finished_training_is_stored_and_a_reload_shows_the_same_run(submissions):
    at = train_small()
    run = at.session_state["finished_training"]
    assert run.run_id
    before = len(submissions)
    reloaded = open_link({"run": run.run_id}, "pages/train.py")
    again = reloaded.session_state["finished_training"]
    assert len(submissions) == before, "a reload trains nothing"
    assert again.run_id == run.run_id and again.opened_from is OpenedFrom.LINK
    for stored, trained in zip(again.result.weights.to_list(), run.result.weights.to_list()):
        np.testing.assert_array_equal(stored, trained)
    assert reloaded.session_state["model_settings"] == at.session_state["model_settings"]
    assert "opened from a link" in texts(reloaded, "info")
    assert reloaded.dataframe, "the forecast's tables are drawn from the stored run"


def test_the_share_link_opens_the_trained_model_on_inside_for_anyone(submissions):
    at = train_small()
    run_id = at.session_state["finished_training"].run_id
    share = next(c.value for c in at.code if "/inside?run=" in c.value)
    assert share.endswith(f"/inside?run={run_id}")
    before = len(submissions)
    learner = open_link({"run": run_id}, "pages/inside.py")
    assert len(submissions) == before
    badge = next(m.value for m in learner.markdown if "Replay matches Keras" in m.value)
    assert float(re.search(r"max \|Δ\| = ([0-9.e+-]+)", badge).group(1)) <= 1e-5, "the stored weights replay exactly"
    assert learner.session_state["finished_training"].run_id == run_id


def test_an_identical_training_opens_the_stored_run_at_once_and_a_new_seed_trains_anew(submissions):
    train_small()
    before = len(submissions)
    second = open_page("pages/train.py", series=SMALL_SERIES, model=SMALL_MODEL)
    next(b for b in second.button if b.label == "Train").click().run()
    assert_clean(second, "second learner")
    assert len(submissions) == before, "an identical finished training is not trained again"
    assert second.session_state["finished_training"].opened_from is OpenedFrom.STORE
    assert "was run before" in texts(second, "info")
    next(b for b in second.button if b.label == "Train again with a new seed").click().run()
    wait_for_training(second)
    assert submissions[-1].seed == SMALL_MODEL.seed + 1 and len(submissions) == before + 1
    assert second.session_state["finished_training"].opened_from is None


@pytest.mark.parametrize("run_id, words", [
    ("not-an-id", "not one LSTM Lens makes"),
    ("A" * 22, "No run with this link's id"),
])
def test_a_forged_or_malformed_run_id_says_so_and_keeps_the_link_settings(run_id, words):
    at = open_link({"run": run_id, "w_model_units": "9"})
    assert words in texts(at, "warning")
    at.switch_page("pages/train.py").run()
    assert at.session_state["model_settings"]["units"] == 9 and "finished_training" not in at.session_state


def test_an_expired_run_says_it_has_expired():
    at = train_small()
    run_id = at.session_state["finished_training"].run_id
    store = RunStore(database_url())
    assert run_id in store.evict(now=time.time() + 31 * 86400)
    store.close()
    later = open_link({"run": run_id})
    assert "has expired" in texts(later, "warning")
    later.switch_page("pages/inside.py").run()
    assert "There is no trained model yet" in texts(later, "info")


def test_a_lesson_run_link_reopens_its_outcome_without_training(submissions):
    at = open_page("pages/lesson_dropout.py")
    next(b for b in at.button if b.label == "Train").click().run()
    wait_for_lesson(at, "dropout")
    assert_clean(at, "dropout trained")
    run_id = at.session_state["lesson_jobs_dropout"].run_id
    assert run_id and at.query_params["run"] == run_id, "the lesson page's address names its stored run"
    charts = len(at.get("plotly_chart"))
    before = len(submissions)
    reopened = open_link(dict(at.query_params), "pages/lesson_dropout.py")
    assert len(submissions) == before
    assert reopened.session_state["lesson_jobs_dropout"].run_id == run_id
    assert len(reopened.get("plotly_chart")) == charts
    assert "opened from a link" in texts(reopened, "caption")


def test_a_run_on_the_learners_own_file_is_stored_only_once_they_agree():
    at = open_page("pages/data.py")
    open_upload(at)
    at.file_uploader(key="w_data_upload").set_value(("levels.csv", GOOD_CSV, "text/csv")).run()
    at.session_state["model_settings"] = SMALL_MODEL.to_dict()
    at.switch_page("pages/train.py").run()
    next(b for b in at.button if b.label == "Train").click().run()
    wait_for_training(at)
    assert at.session_state["finished_training"].run_id is None
    assert "carry your data" in texts(at, "caption")
    next(b for b in at.button if b.label.startswith("Keep this run")).click().run()
    run_id = at.session_state["finished_training"].run_id
    assert run_id
    reopened = open_link({"run": run_id}, "pages/train.py")
    np.testing.assert_array_equal(reopened.session_state["own_series"].values, at.session_state["own_series"].values)


@pytest.mark.parametrize("broken", ["database down", "corrupt file"])
def test_without_a_store_the_app_trains_and_says_runs_are_not_kept(broken, monkeypatch, a_run_store_of_its_own):
    if broken == "database down":
        monkeypatch.setenv(DATABASE_URL_ENV, "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
    else:
        a_run_store_of_its_own.mkdir(parents=True)
        (a_run_store_of_its_own / "lstm_lens.sqlite3").write_bytes(b"this is no database " * 400)
    at = train_small()
    assert at.session_state["finished_training"].run_id is None
    assert "cannot be kept on this server" in texts(at, "caption")
    assert at.dataframe, "the results are shown all the same"


@pytest.mark.parametrize("preset", list(PRESETS))
def test_a_lesson_pages_address_reproduces_every_presets_settings(preset):
    chosen = PRESETS[preset]
    for page in ("pages/lesson_memory.py", "pages/lesson_splits.py"):  # pages drawn under app.py in AppTest
        at = open_page(page, series=chosen.series, model=chosen.model)
        reopened = open_link(dict(at.query_params), page)
        assert SeriesConfig.from_dict(reopened.session_state["series_settings"]) == chosen.series
        assert ModelConfig.from_dict(reopened.session_state["model_settings"]) == chosen.model


def test_a_link_to_inside_reopens_the_same_window_layer_unit_and_step():
    at = train_small()
    run_id = at.session_state["finished_training"].run_id
    query = {"run": run_id, "w_inside_window": "3", "w_inside_layer": "LSTM layer 2", "w_inside_unit": "4",
             "w_inside_step": "5"}
    inside = open_link(query, "pages/inside.py")
    assert inside.slider(key="w_inside_window").value == 3 and inside.slider(key="w_inside_unit").value == 4
    assert inside.selectbox(key="w_inside_layer").value == 1
    assert inside.slider(key="w_inside_step").value == 5, "the figure opens at the link's step"
    stepper = json.loads(inside.get("plotly_chart")[0].proto.spec)
    assert stepper["layout"]["sliders"][0]["active"] == 4 and "unit 4 of layer 2" in stepper["layout"][
        "title"]["text"].lower()
    out_of_range = open_link({**query, "w_inside_unit": "99", "w_inside_layer": "LSTM layer 9"}, "pages/inside.py")
    assert out_of_range.slider(key="w_inside_unit").value == SMALL_MODEL.units - 1, "pulled into range"
    assert out_of_range.selectbox(key="w_inside_layer").value == 0, "a layer the model lacks falls back to the first"
