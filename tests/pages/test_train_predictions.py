"""Predict, then see on Train: the guesses held at the press, the outcomes computed from the run beside them."""

from lstm_core.data.dataset import build_dataset
from lstm_core.evaluation.baselines import LAST_VALUE
from lstm_core.evaluation.expectations import FLOOR_QUESTION, LAST_VALUE_QUESTION, floor_outcome, last_value_outcome
from lstm_core.evaluation.skill import SPOKEN_NAMES, baseline_forecasts, compare
from tests.pages.apptest import SMALL_MODEL, SMALL_SERIES, assert_clean, open_page, wait_for_training


def _press_train(at):
    next(b for b in at.button if b.label == "Train").click().run()
    wait_for_training(at)
    assert_clean(at, "after training")


def test_the_guesses_made_before_train_meet_the_outcomes_the_run_computed():
    at = open_page("pages/train.py", series=SMALL_SERIES, model=SMALL_MODEL)
    at.radio(key=f"guess_{FLOOR_QUESTION.key}").set_value("below it").run()
    at.radio(key=f"guess_{LAST_VALUE_QUESTION.key}").set_value("no difference").run()
    _press_train(at)
    run = at.session_state["finished_training"]
    ds = build_dataset(run.series, run.model.seq_length, run.model.horizon)
    floor = floor_outcome(run.result.history["val_loss"][-1], ds.noise_floor)
    last_value = next(c for c in compare(ds.y["test"], run.result.predictions["test"], baseline_forecasts(ds))
                      if c.name == SPOKEN_NAMES[LAST_VALUE])
    beat = last_value_outcome(last_value.outcome)
    shown = [m.value for m in [*at.success, *at.warning]]
    floor_line = next(v for v in shown if v.startswith(FLOOR_QUESTION.text))
    beat_line = next(v for v in shown if v.startswith(LAST_VALUE_QUESTION.text))
    assert "You expected below it" in floor_line and floor in floor_line
    assert "You expected no difference" in beat_line and beat in beat_line
    assert f"{last_value.mse:.5f}" in beat_line
    assert (floor_line in [m.value for m in at.success]) == (floor == "below it"), "green when the guess was right"
    assert (beat_line in [m.value for m in at.success]) == (beat == "no difference")


def test_a_run_without_a_guess_says_so_and_shows_the_answer_still():
    at = open_page("pages/train.py", series=SMALL_SERIES, model=SMALL_MODEL)
    _press_train(at)
    assert any(c.value.startswith(LAST_VALUE_QUESTION.text) and "You made no prediction" in c.value
               for c in at.caption)
    assert not any(m.value.startswith(LAST_VALUE_QUESTION.text) for m in [*at.success, *at.warning])
