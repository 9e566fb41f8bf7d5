"""The guided lesson in AppTest: from Home through every step on its page, Back, skip, Leave, and links that resume."""

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from lstm_core.data.dataset import build_dataset
from lstm_core.lessons.guide import QUESTIONS, STEPS, train_window_count, training_step, window_count_question
from lstm_core.presets import QUICK_START_MODEL, QUICK_START_SERIES
from lstm_core.ui.guide import DONE_CHECKS, GUIDE_PARAM
from lstm_core.ui.pages import PAGE_BY_NAME
from tests.pages.apptest import assert_clean, open_link, open_page, wait_for_training

LAST = len(STEPS)


@pytest.fixture(autouse=True)
def every_run_goes_through_app_py(monkeypatch):
    """Run app.py on every AppTest run, as a server does once its navigation has run (the banner is drawn there).

    AppTest forgets before each run that the app has a navigation, and then runs a page of pages/ on its own.
    """
    made = PagesManager.__init__

    def without_pages_directory(self, *args, **kwargs) -> None:
        made(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", without_pages_directory)


def drawn_keys(at: AppTest) -> set[str]:
    """Return the user keys of every element the run drew: widgets, charts and keyed containers."""
    found: set[str] = set()

    def visit(node) -> None:
        children = getattr(node, "children", None)
        for child in (children.values() if isinstance(children, dict) else ()):
            visit(child)
        element_id = getattr(getattr(node, "proto", None), "id", "") or ""
        if element_id.startswith("$$ID-") and element_id.count("-") >= 2:
            found.add(element_id.split("-", 2)[2])

    visit(at._tree)
    return found


def shown(at: AppTest) -> tuple[int | None, str]:
    """Return (the step the banner shows, from 1, or None; the page drawn, by its registry name)."""
    page = next(page.name for page in PAGE_BY_NAME.values() if page.url_path == at.session_state["page_shown"])
    heading = [c.value for c in at.caption if c.value.startswith("Guided lesson · step ")]
    return (int(heading[0].split()[4]) if heading else None), page


def target_drawn(at: AppTest, index: int) -> bool:
    """Return whether the run drew the element step index highlights."""
    step, keys = STEPS[index], drawn_keys(at)
    prefix = step.target_prefix
    return any(key.startswith(prefix) for key in keys) if prefix is not None else step.target_key in keys


def started() -> AppTest:
    """Return the app on Home with the guide started at its first step."""
    at = open_page()
    at.button(key="guide_start").click().run()
    assert_clean(at, "start")
    return at


def press(at: AppTest, key: str) -> AppTest:
    """Press the guide's button of key and return the app after the run."""
    at.button(key=key).click().run()
    assert_clean(at, key)
    return at


def train_here(at: AppTest) -> None:
    """Press the Train page's Train button and rerun until the training has finished."""
    next(b for b in at.button if b.label == "Train").click().run()
    wait_for_training(at)


def walk_to(at: AppTest, index: int) -> AppTest:
    """Press Next up to step index, training at the step that asks for it; return the app."""
    while (shown(at)[0] or 0) - 1 < index:
        if STEPS[shown(at)[0] - 1].done_check == "training_started":
            train_here(at)
        press(at, "guide_next")
    return at


def test_every_step_names_a_check_the_banner_knows():
    assert {step.done_check for step in STEPS if step.done_check} <= set(DONE_CHECKS)
    assert {step.prediction for step in STEPS if step.prediction} <= set(QUESTIONS)


def test_next_through_every_step_lands_on_its_page_with_its_target_and_the_address_holds_the_step():
    at = started()
    assert at.session_state["series_settings"] == QUICK_START_SERIES.to_dict(), "the guide trains the quick start"
    for index, step in enumerate(STEPS):
        assert shown(at) == (index + 1, step.page), index
        assert at.query_params[GUIDE_PARAM] == str(index + 1)
        if step.done_check == "training_started":
            assert at.button(key="guide_next").label == "Next", "not done before Train is pressed"
            next(b for b in at.button if b.label == "Train").click().run()
            assert at.button(key="guide_next").label == "Done — Next"
            wait_for_training(at)
        assert target_drawn(at, index), (index, step.target_key)
        if step.done_check == "training_finished":
            assert at.button(key="guide_next").label == "Done — Next"
        press(at, "guide_next")
    assert shown(at) == (None, STEPS[-1].page), "Finish leaves the guide on the last page"
    assert GUIDE_PARAM not in at.query_params


def test_a_moved_slider_says_done_and_a_skipped_step_needs_nothing():
    at = started()
    press(at, "guide_next")
    assert shown(at) == (2, "data")
    assert at.button(key="guide_next").label == "Next" and at.button(key="guide_next").proto.type == "secondary"
    at.slider(key="w_series_noise_std").set_value(0.3).run()
    assert at.button(key="guide_next").label == "Done — Next"
    press(at, "guide_next")
    assert shown(at) == (3, "data")
    press(at, "guide_next")  # the model page's step, skipped without moving its slider
    assert shown(at) == (4, "model")
    press(at, "guide_next")
    assert shown(at) == (5, "model")


def test_back_returns_to_the_previous_step_on_its_page_and_keeps_it_done():
    at = started()
    press(at, "guide_next")
    at.slider(key="w_series_noise_std").set_value(0.3).run()
    press(at, "guide_next")
    press(at, "guide_next")
    assert shown(at) == (4, "model")
    press(at, "guide_back")
    assert shown(at) == (3, "data")
    press(at, "guide_back")
    assert shown(at) == (2, "data") and at.button(key="guide_next").label == "Done — Next"
    press(at, "guide_back")
    assert shown(at) == (1, "home") and at.button(key="guide_back").disabled


def test_leave_keeps_the_page_and_drops_the_banner_and_the_address_s_step():
    at = started()
    press(at, "guide_next")
    press(at, "guide_leave")
    assert shown(at) == (None, "data")
    assert GUIDE_PARAM not in at.query_params
    assert at.slider(key="w_series_noise_std") is not None, "the free explorer, right here"


def test_a_page_left_by_the_navigation_offers_the_way_back_to_the_step():
    at = started()
    press(at, "guide_next")
    at.switch_page("pages/model.py").run()
    assert shown(at) == (2, "model")
    assert any("This step is on the **Data** page." == m.value for m in at.markdown)
    press(at, "guide_page")
    assert shown(at) == (2, "data")


def test_a_link_with_a_step_resumes_there_on_its_page():
    at = open_link({GUIDE_PARAM: "4", "window": "30"})
    assert shown(at) == (4, "model")
    assert at.query_params[GUIDE_PARAM] == "4" and at.query_params["window"] == "30"
    assert not at.warning, "nothing was left out"
    press(at, "guide_next")
    assert shown(at) == (5, "model") and at.query_params[GUIDE_PARAM] == "5"


def test_a_link_to_a_step_on_another_page_opens_that_page():
    at = open_link({GUIDE_PARAM: str(training_step() + 1)})
    assert shown(at) == (training_step() + 1, "train")


def test_a_bad_step_in_a_link_is_ignored_with_a_notice():
    for value in ("99", "two"):
        reason = f"the guided lesson has steps 1 to {LAST}"
        at = open_link({GUIDE_PARAM: value, "units": "12"})
        notice = " ".join(w.value for w in at.warning)
        assert f"guide='{value}' ({reason})" in notice, notice
        assert shown(at) == (None, "home") and GUIDE_PARAM not in at.query_params
        assert at.session_state["model_settings"]["units"] == 12, "the rest of the link opened"


def test_a_lesson_screen_leaves_the_guide_out_and_says_so():
    at = open_link({GUIDE_PARAM: "3", "lesson": "windows"})
    notice = " ".join(w.value for w in at.warning)
    assert "guide='3' (the guided lesson runs in the full app" in notice
    assert shown(at)[0] is None and GUIDE_PARAM not in at.query_params and at.query_params["lesson"] == "windows"


def test_a_step_that_reads_the_model_says_where_to_train_one_first():
    inside = next(index for index, step in enumerate(STEPS) if step.page == "inside")
    at = open_link({GUIDE_PARAM: str(inside + 1)})
    assert shown(at) == (inside + 1, "inside")
    assert any(f"step {training_step() + 1} trains one" in i.value for i in at.info)
    press(at, "guide_to_training")
    assert shown(at) == (training_step() + 1, "train")


def test_the_window_question_reveals_the_counts_of_the_learner_s_data():
    at = started()
    press(at, "guide_next")
    press(at, "guide_next")
    assert shown(at) == (3, "data")
    question = window_count_question(QUICK_START_SERIES.n_points, QUICK_START_MODEL)
    assert question is not None
    radio = next(r for r in at.radio if r.label == question.text)
    radio.set_value("more").run()
    at.button(key=f"show_{question.key}").click().run()
    now = len(build_dataset(QUICK_START_SERIES, 20).X["train"])
    assert now == train_window_count(1000, 20, 1)
    verdict = " ".join(w.value for w in at.warning)
    assert f"You expected more; it came out fewer: {now} windows of 20 values" in verdict


def test_an_answer_given_on_the_page_completes_the_step_at_once():
    readout = next(index for index, step in enumerate(STEPS) if step.done_check == "readout_revealed")
    at = walk_to(started(), readout)
    assert shown(at) == (readout + 1, "readouts") and target_drawn(at, readout)
    assert at.button(key="guide_next").label == "Next"
    next(r for r in at.radio if r.label.startswith("Before you look")).set_value("hardly").run()
    next(b for b in at.button if b.label == "Show what happens").click().run()
    assert_clean(at, "after Show")
    assert at.button(key="guide_next").label == "Done — Next", "the page's run did it: the banner says so"
