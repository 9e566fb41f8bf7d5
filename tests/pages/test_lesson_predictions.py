"""The split lesson asks before it trains, and its own runs answer beside the guess."""

from lstm_core.evaluation.expectations import SPLIT_QUESTION, split_outcome
from lstm_core.lessons.splits import scores_from_predictions
from tests.pages.apptest import assert_clean, open_page, wait_for_lesson


def test_the_split_guess_is_held_at_the_press_and_answered_by_the_lessons_runs():
    at = open_page("pages/lesson_splits.py")
    at.radio(key=f"guess_{SPLIT_QUESTION.key}").set_value("worse").run()
    next(b for b in at.button if b.label == "Train both splits").click().run()
    assert_clean(at, "after Train both splits")
    wait_for_lesson(at, "splits")
    runs = at.session_state["lesson_jobs_splits"]
    lesson, splits = runs.settings
    predictions = {name: job.result().predictions["test"] for name, job in runs.jobs.items()}
    scores = scores_from_predictions(lesson, splits, predictions)
    answer = split_outcome(scores.clear, scores.opposite)
    reveal = next(m.value for m in [*at.success, *at.warning] if m.value.startswith(SPLIT_QUESTION.text))
    assert "You expected worse" in reveal and answer in reveal and f"×{scores.ratio:.2f}" in reveal
    assert (reveal in [m.value for m in at.success]) == (answer == "worse")
