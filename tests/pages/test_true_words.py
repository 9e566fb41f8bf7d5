"""What the Train page says of a run is computed from that run: when and how long a reopened run trained, why a
forecaster scores under the noise floor, why the training loss stays above the validation loss."""

import re
import time
from dataclasses import replace

from lstm_core.config import ModelConfig
from lstm_core.data.dataset import build_dataset
from lstm_core.evaluation.baselines import compare_baselines
from lstm_core.store.runs import RunStore, database_url
from lstm_core.ui.training_session import OpenedFrom
from tests.pages.apptest import SMALL_MODEL, SMALL_SERIES, assert_clean, open_link, open_page, wait_for_training

REOPENED = "This run was opened from"


def press_train(model: ModelConfig):
    """Return an AppTest of the Train page after pressing Train on SMALL_SERIES and model (and any training ends)."""
    at = open_page("pages/train.py", series=SMALL_SERIES, model=model)
    next(b for b in at.button if b.label == "Train").click().run()
    if at.session_state["finished_training"] is None or at.session_state["finished_training"].opened_from is None:
        wait_for_training(at)
    assert_clean(at, "Train pressed")
    return at


def page_text(at) -> str:
    """Return every info, caption, markdown and progress text on the page, joined."""
    parts = [str(e.value) for kind in ("info", "caption", "markdown") for e in getattr(at, kind)]
    return " ".join(parts + [p.proto.text for p in at.get("progress")])


def stored_facts(run_id: str, result) -> tuple[str, str]:
    """Return the date a stored run was stored on, as the page writes it, and its epochs' seconds, to one decimal."""
    store = RunStore(database_url())
    try:
        stored_at = store.created_at(run_id)
    finally:
        store.close()
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(stored_at)), f"{sum(result.epoch_seconds):.1f}"


def test_a_reopened_run_says_when_and_how_long_it_originally_trained_and_a_fresh_one_does_not():
    fresh = press_train(SMALL_MODEL)
    run = fresh.session_state["finished_training"]
    assert run.opened_from is None
    assert REOPENED not in page_text(fresh) and "nothing was retrained" not in page_text(fresh)
    bar = fresh.get("progress")[0].proto.text
    took = re.fullmatch(r"2 of 2 epochs in ([0-9.]+) s \(done\)", bar)
    assert took and float(took.group(1)) > 0, bar
    assert len(run.result.epoch_seconds) == 2 and all(seconds > 0 for seconds in run.result.epoch_seconds)

    again = press_train(SMALL_MODEL)  # the same settings: the stored run opens, nothing trains
    reopened = again.session_state["finished_training"]
    assert reopened.opened_from is OpenedFrom.STORE and reopened.run_id == run.run_id
    date, seconds = stored_facts(run.run_id, reopened.result)
    assert float(seconds) > 0
    text = page_text(again)
    assert (f"{REOPENED} the store: trained and stored on {date} (2 of 2 epochs in {seconds} s); nothing was "
            f"retrained.") in text
    assert "0.0 s" not in text and not again.get("progress"), "no clock of this session's is shown for it"

    linked = open_link({"run": run.run_id}, "pages/train.py")
    text = page_text(linked)
    assert f"{REOPENED} a link: trained and stored on {date} (2 of 2 epochs in {seconds} s)" in text
    assert "0.0 s" not in text


def captions(at) -> list[str]:
    """Return the text of every caption on the page."""
    return [str(c.value) for c in at.caption]


def test_the_noise_floor_note_and_the_loss_gap_note_appear_on_runs_where_they_hold():
    at = press_train(SMALL_MODEL)  # dropout 0.2, two epochs: the training loss is still above the validation loss
    history = at.session_state["finished_training"].result.history
    assert history["loss"][-1] > history["val_loss"][-1]
    gap = [c for c in captions(at) if c.startswith("The training loss stays above the validation loss")]
    assert len(gap) == 1 and "Dropout: during training it switches off a random 20%" in gap[0]
    assert f"(last epoch: {history['loss'][-1]:.5f} against {history['val_loss'][-1]:.5f})" in gap[0]
    assert not any("below the noise floor" in c for c in captions(at)), "every forecaster is above the floor here"


def test_the_notes_are_absent_where_they_do_not_hold_and_a_linear_model_under_the_floor_is_named():
    model = replace(SMALL_MODEL, seq_length=20, dropout=0.0, epochs=20, learning_rate=0.01)
    ds = build_dataset(SMALL_SERIES, model.seq_length)
    linear = compare_baselines(ds)["linear on the window"]["mse"]
    assert linear < ds.noise_floor, "on these windows the linear model scores under the floor by chance"
    at = press_train(model)
    history = at.session_state["finished_training"].result.history
    assert history["loss"][-1] < history["val_loss"][-1], "trained longer, the training loss ends below"
    assert not any(c.startswith("The training loss stays above") for c in captions(at))
    floor = [c for c in captions(at) if "below the noise floor" in c]
    assert len(floor) == 1 and f"the linear model on the window ({linear:.5f}," in floor[0]
    assert f"noise floor {ds.noise_floor:.5f}" in floor[0] and f"these {len(ds.y['test'])} test windows" in floor[0]
