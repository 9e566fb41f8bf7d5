"""A teacher who paces the room (AppTest): pushes, locked levers, the board's question and its reveal, exit tickets."""

from lstm_core.evaluation.class_answers import HELPS, SAME, WINDOW_QUESTION
from lstm_core.store.answers import AnswerStore
from lstm_core.store.runs import RunStore, database_url
from lstm_core.ui import rooms
from lstm_core.ui.pacing import ARRIVING_KEY, FOLLOWED_KEY, SWITCH_TRIES
from tests.pages.apptest import assert_clean, open_link, open_page


def _open_room():
    """Return the teacher's AppTest on the board after opening a room, and the room's code."""
    teacher = open_page()
    next(b for b in teacher.button if b.label.startswith("Teach a class")).click().run()
    code = teacher.session_state[rooms.ROOM_KEY]
    teacher.switch_page("pages/board.py").run()
    assert_clean(teacher, "the teacher's board")
    return teacher, code


def _learner(code: str, page: str = "app.py"):
    learner = open_link({"room": code})
    if page != "app.py":
        learner.switch_page(page).run()
    assert_clean(learner, "a learner joins")
    return learner


def _press(at, label: str):
    next(b for b in at.button if b.label == label).click().run()
    assert_clean(at, f"pressing {label}")


def _answers() -> AnswerStore:
    return AnswerStore(RunStore(database_url()))


def test_a_pushed_page_and_a_pushed_preset_reach_the_learners_next_poll():
    teacher, code = _open_room()
    first, second = _learner(code), _learner(code)
    teacher.radio(key="pace_kind").set_value("page")
    teacher.selectbox(key="pace_page").set_value("model")
    _press(teacher, "Send to everyone")
    for learner in (first, second):
        learner.run()  # what the learner's poll does within a second
        assert_clean(learner, "following a push")
        assert any("Model: choose the levers" in title.value for title in learner.title), "the learner follows"
    second.run()
    assert second.session_state[FOLLOWED_KEY] == 1, "a push is followed once, not at every poll"
    # AppTest runs a page a push opened on its own, without app.py's sidebar: a newcomer takes the next push,
    # as a learner who joins late is sent where the class is.
    teacher.radio(key="pace_kind").set_value("preset").run()
    teacher.selectbox(key="pace_preset").set_value("Deep stack")
    _press(teacher, "Send to everyone")
    newcomer = _learner(code)
    assert newcomer.session_state["model_settings"]["layers"] == 3, "the preset's settings are loaded"
    assert any(title.value.startswith("Train") for title in newcomer.title), "and its page opens"


def test_a_switch_a_timers_rerun_took_back_is_made_again_at_the_next_poll_a_few_times_at_most():
    teacher, code = _open_room()
    taken_back, given_up = _learner(code), _learner(code)
    teacher.radio(key="pace_kind").set_value("page")
    teacher.selectbox(key="pace_page").set_value("model")
    _press(teacher, "Send to everyone")
    for learner, tries in ((taken_back, 1), (given_up, SWITCH_TRIES)):
        # The push was followed, and the run that came drew Home: what a timer's rerun folded into the switch does.
        learner.session_state[FOLLOWED_KEY] = 1
        learner.session_state[ARRIVING_KEY] = ("model", tries)
        learner.run()
        assert_clean(learner, "a poll after a switch was taken back")
    assert any("Model: choose the levers" in title.value for title in taken_back.title), "switched again"
    assert not any("Model" in title.value for title in given_up.title), "after the last try the learner stays"
    assert ARRIVING_KEY not in given_up.session_state


def test_locked_levers_are_disabled_on_the_model_page_and_hidden_ones_gone():
    teacher, code = _open_room()
    learner = _learner(code, "pages/model.py")
    assert not any(s.disabled for s in learner.slider)
    teacher.multiselect(key="pace_locked").set_value(["units", "seq_length"])
    teacher.multiselect(key="pace_hidden").set_value(["dropout"])
    _press(teacher, "Apply to the room")
    learner.run()
    assert_clean(learner, "levers locked")
    locked = {s.label for s in learner.slider if s.disabled}
    assert locked == {"Units (locked by your teacher)", "Window length (SEQ_LENGTH) (locked by your teacher)"}
    assert not any(s.label.startswith("Dropout") for s in learner.slider), "a hidden lever is not drawn"
    assert any("locked by your teacher" in info.value for info in learner.info)
    assert not any(s.disabled for s in teacher.switch_page("pages/model.py").run().slider), "not the teacher's"


def test_the_board_asks_tallies_and_reveals_the_outcome_beside_the_answers():
    teacher, code = _open_room()
    teacher.selectbox(key="question_on_board").set_value(WINDOW_QUESTION.key).run()
    assert_clean(teacher, "asking the window question")
    learners = [_learner(code, "pages/board.py") for _ in range(3)]
    for learner, choice in zip(learners, (HELPS, HELPS, SAME)):
        learner.radio(key=f"w_{WINDOW_QUESTION.key}").set_value(choice)
        _press(learner, "Answer")
        assert any(text.value == f"Your answer: {choice}" for text in learner.text)
    teacher.run()
    summary = " ".join(caption.value for caption in teacher.caption)
    assert "Yes, a lower error: 2; No difference: 1; No, a higher error: 0 (3 answers)." in summary
    assert "The outcome is shown once the teacher reveals it." in summary
    _press(teacher, "Reveal to everyone")
    shown = " ".join(markdown.value for markdown in teacher.markdown)
    # No run yet: the window's verdict is "too few runs", so no choice is the outcome.
    assert "2 of 3 expected a longer window to help; the class's own runs cannot tell yet: too few runs" in shown
    learners[0].run()
    assert "the class's own runs cannot tell yet" in " ".join(m.value for m in learners[0].markdown)


def test_an_answer_in_one_room_is_not_seen_from_another():
    (first_teacher, first), (second_teacher, second) = _open_room(), _open_room()
    for teacher in (first_teacher, second_teacher):
        teacher.selectbox(key="question_on_board").set_value(WINDOW_QUESTION.key).run()
    learner = _learner(first, "pages/board.py")
    learner.radio(key=f"w_{WINDOW_QUESTION.key}").set_value(HELPS)
    _press(learner, "Answer")
    first_teacher.run()
    second_teacher.run()
    assert "(1 answer)." in " ".join(caption.value for caption in first_teacher.caption)
    assert "No answer yet." in " ".join(caption.value for caption in second_teacher.caption)
    assert _answers().tally(second, WINDOW_QUESTION.key) == {} and _answers().tally(first, WINDOW_QUESTION.key) == {
        HELPS: 1}


def test_an_exit_ticket_is_asked_handed_in_tallied_and_exported():
    teacher, code = _open_room()
    learners = [_learner(code) for _ in range(2)]
    teacher.text_area(key="pace_exit_questions").set_value("Which lever mattered?\nWhat does f do?")
    _press(teacher, "Ask the exit ticket")
    for learner, lever in zip(learners, ("the window", "The  window ")):
        learner.run()
        learner.text_input(key="exit_1_0").input(lever)
        learner.text_input(key="exit_1_1").input("=forgets")
        next(b for b in learner.button if b.label == "Hand in").click().run()
        assert_clean(learner, "handing in")
        assert any("exit ticket is in" in s.value for s in learner.success)
    teacher.run()
    tables = [frame.value for frame in teacher.dataframe]
    lever_table = next(t for t in tables if list(t.columns) == ["answer", "learners"])
    assert list(zip(lever_table["answer"], lever_table["learners"])) == [("the window", 2)]
    csv_text = _answers().room_answers(code, "exit/1/")
    assert sorted(a.answer for a in csv_text) == ["=forgets", "=forgets", "The window", "the window"]

