"""A teacher who paces the room: pushes a page or a preset to every learner, locks or hides levers, asks an exit ticket.

The teacher's changes are one small row per room (lstm_core.store.room_states). Every learner's page in a room
runs one light fragment about once a second that reads it (one read serves every page of this server for half
a second) and follows what changed: a push is followed once, an exit ticket is asked in the sidebar. The
teacher's own session never follows its pushes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from lstm_core.config import MODEL_BOUNDS
from lstm_core.evaluation.class_answers import ExitRow, exit_ticket_csv, exit_ticket_tallies
from lstm_core.evaluation.levers import LEVERS, MODEL_LEVERS
from lstm_core.presets import PRESETS
from lstm_core.store.room_states import PUSH_KINDS, Push, RoomState, exit_question_key
from lstm_core.store.rooms import Room
from lstm_core.store.runs import StoreError
from lstm_core.ui import answers, rooms
from lstm_core.ui.navigation import PAGE_SHOWN_KEY
from lstm_core.ui.pages import PAGE_BY_NAME, PAGES, page_file
from lstm_core.ui.settings import apply_preset
from lstm_core.ui.widgets import setting_slider, setting_steps

FOLLOW_SECONDS = 1.0  # a push reaches a learner's page within 2 s: up to 1 s to poll, the rest to draw
FOLLOWED_KEY = "room_followed_push"  # the number of the last push this session followed
ARRIVING_KEY = "room_push_arriving"  # (the page a followed push opens, switches made) until that page is shown
# A timer's rerun that reaches the server between a switch and its run turns the switch into a run of the page
# it came from (Streamlit folds the two into one run of the newer request's page): the next poll switches again.
SWITCH_TRIES = 5
HANDED_IN_PREFIX = "exit_handed_in_"  # + the exit ticket's number: this learner handed it in
LOCKED_NOTE = "locked by your teacher"
LEVER_NAMES = dict(LEVERS)
PUSHABLE_PAGES = {page.name: page for page in PAGES if page.name != "home"}
_POLLS: dict[tuple[str, int], Callable[[], None]] = {}  # (page's URL path, last push followed) -> the room's poll


def lever_status(field: str) -> str:
    """Return "hidden", "locked" or "free": what the session's room's teacher decided about a lever."""
    state = answers.room_state()
    if state is None or rooms.teacher_secret():
        return "free"
    if field in state.hidden_levers:
        return "hidden"
    return "locked" if field in state.locked_levers else "free"


def _locked_slider(settings: dict[str, Any], field: str, label: str, help: str) -> Any:
    bound = MODEL_BOUNDS[field]
    value = settings[field]
    st.slider(f"{label} ({LOCKED_NOTE})", min_value=bound.kind(bound.low), max_value=bound.kind(bound.high),
              value=value, disabled=True, key=f"locked_{field}", help=f"{help} This lever is {LOCKED_NOTE}.")
    return value


def room_slider(settings: dict[str, Any], group: str, field: str, label: str, help: str, **options: Any) -> Any:
    """Return a model slider's value as setting_slider does, drawn disabled when locked and not at all when hidden."""
    status = lever_status(field) if group == "model" else "free"
    if status == "hidden":
        return settings[field]
    if status == "locked":
        return _locked_slider(settings, field, label, help)
    return setting_slider(settings, group, field, label, help, **options)


def room_steps(settings: dict[str, Any], group: str, field: str, label: str, options: tuple[float, ...],
               help: str) -> float:
    """Return a stepped model slider's value as setting_steps does, disabled when locked and absent when hidden."""
    status = lever_status(field) if group == "model" else "free"
    if status == "hidden":
        return settings[field]
    if status == "locked":
        st.select_slider(f"{label} ({LOCKED_NOTE})", [settings[field]], value=settings[field], disabled=True,
                         key=f"locked_{field}", help=f"{help} This lever is {LOCKED_NOTE}.")
        return settings[field]
    return setting_steps(settings, group, field, label, options, help)


def levers_note() -> None:
    """Say which levers the teacher locked or hid for the room, if any; return None."""
    state = answers.room_state()
    if state is None or rooms.teacher_secret() or not (state.locked_levers or state.hidden_levers):
        return
    parts = []
    if state.locked_levers:
        parts.append("locked: " + ", ".join(LEVER_NAMES.get(f, f) for f in state.locked_levers))
    if state.hidden_levers:
        parts.append("hidden: " + ", ".join(LEVER_NAMES.get(f, f) for f in state.hidden_levers))
    st.info(f"Some levers are {LOCKED_NOTE} for this class ({'; '.join(parts)}).", icon=":material/lock:")


def _follow(push: Push) -> None:
    if push.kind == "preset" and push.target in PRESETS:
        preset = PRESETS[push.target]
        apply_preset(preset.series, preset.model, preset.lessons)
        _switch(preset.page)
    elif push.kind == "page" and push.target in PUSHABLE_PAGES:
        _switch(push.target)
    elif push.kind == "step":
        # A step of the guided lesson: its page opens with it, and the guide reads the session's step.
        from lstm_core.ui import guide  # the guide draws on pages this module serves: imported when first used

        guide.go(int(push.target))
        _switch(guide.STEPS[int(push.target)].page)


def _switch(page: str, tries: int = 0) -> None:
    st.session_state[ARRIVING_KEY] = (page, tries + 1)
    st.switch_page(page_file(page))


def _arrive() -> None:
    arriving = st.session_state.get(ARRIVING_KEY)
    if arriving is None:
        return
    page, tries = arriving
    if st.session_state.get(PAGE_SHOWN_KEY) == PAGE_BY_NAME[page].url_path or tries >= SWITCH_TRIES:
        del st.session_state[ARRIVING_KEY]
        return
    _switch(page, tries)


def _exit_ticket(state: RoomState) -> None:
    keys = [exit_question_key(state.exit_number, index) for index in range(len(state.exit_ticket))]
    handed_in = f"{HANDED_IN_PREFIX}{state.exit_number}"
    if handed_in not in st.session_state:
        # Read once per session and ticket (a reload finds the answers given before it), then held.
        st.session_state[handed_in] = bool(answers.my_answers(f"exit/{state.exit_number}/"))
    if st.session_state[handed_in]:
        st.success("Your exit ticket is in. Thank you!", icon=":material/task_alt:")
        return
    with st.form(f"exit_ticket_{state.exit_number}"):
        st.markdown("**Exit ticket**")
        typed = [st.text_input(question, max_chars=300, key=f"exit_{state.exit_number}_{index}")
                 for index, question in enumerate(state.exit_ticket)]
        if st.form_submit_button("Hand in"):
            for key, text in zip(keys, typed):
                if text.strip():
                    answers.record_answer(key, " ".join(text.split()))
            st.session_state[handed_in] = True
            st.rerun()


def exit_ticket_results(code: str, state: RoomState) -> None:
    """Draw the latest exit ticket's answers tallied per question, and their CSV; return None."""
    store = answers.answer_store()
    if store is None:
        return
    prefix = f"exit/{state.exit_number}/"
    keys = [exit_question_key(state.exit_number, index) for index in range(len(state.exit_ticket))]
    given = store.room_answers(code, prefix)
    by_key: dict[str, list[str]] = {key: [] for key in keys}
    for answer in given:
        by_key.setdefault(answer.question, []).append(answer.answer)
    learners = len({answer.learner_id for answer in given})
    st.caption(f"Exit ticket {state.exit_number}: {learners} learner{'s' if learners != 1 else ''} answered.")
    for question, bars in exit_ticket_tallies(state.exit_ticket, by_key, keys):
        st.text(question)
        st.dataframe(pd.DataFrame({"answer": [bar.answer for bar in bars], "learners": [bar.count for bar in bars]}),
                     hide_index=True, width="stretch")
    questions = dict(zip(keys, state.exit_ticket))
    rows = [ExitRow(questions.get(answer.question, answer.question), answer.answer, answer.nickname or "",
                    answer.created_at) for answer in given]
    st.download_button("The exit ticket as CSV", exit_ticket_csv(rows), key="exit_csv", on_click="ignore",
                       file_name=f"lstm_lens_room_{code}_exit_{state.exit_number}.csv", mime="text/csv")


def _follow_teacher() -> None:
    state = answers.room_state()
    if state is None:
        return
    push = state.push
    if push is not None and push.number > st.session_state.get(FOLLOWED_KEY, 0):
        st.session_state[FOLLOWED_KEY] = push.number
        _follow(push)
    _arrive()
    if state.exit_open and state.exit_ticket:
        _exit_ticket(state)


def _poll_of(url_path: str, followed: int) -> Callable[[], None]:
    """Return the room's poll as a fragment of the page at url_path after push number followed: an id of its own."""
    poll = _POLLS.get((url_path, followed))
    if poll is None:
        def follow() -> None:
            _follow_teacher()

        # Streamlit names a fragment after its function's qualified name and place. With the page and the push in
        # the name, a poll timer's rerun sent before a followed push's switch (to another page or to the same one)
        # finds no fragment and is dropped, instead of starting a run the moment the switch's run has ended, which
        # would leave that run's drawing unsent.
        follow.__qualname__ = f"follow_teacher_on_{url_path or 'home'}_after_push_{followed}"
        poll = _POLLS[(url_path, followed)] = st.fragment(run_every=FOLLOW_SECONDS)(follow)
    return poll


def follow_teacher() -> None:
    """Run the learner's light poll of the room's pacing (in the sidebar), only in a room and not as its teacher."""
    if rooms.room_code() is None or rooms.teacher_secret():
        return
    with st.sidebar:
        _poll_of(st.session_state.get(PAGE_SHOWN_KEY, ""), st.session_state.get(FOLLOWED_KEY, 0))()


def _changed(state: RoomState | None) -> None:
    code = rooms.room_code()
    if state is None:
        st.error("The room is closed, or this is not its teacher's session: nothing was changed.")
    elif code is not None:
        answers.remember_state(code, state)


def pacing_controls(room: Room, secret: str) -> None:
    """Draw the teacher's pacing controls: push, levers, the board's question, reveal, exit ticket; return None."""
    store = answers.state_store()
    state = answers.room_state(fresh=True)
    if store is None or state is None:
        return
    with st.expander("Pace the class", expanded=False, icon=":material/directions_run:"):
        try:
            _push_controls(room, secret, store)
            _lever_controls(room, secret, store, state)
            _exit_controls(room, secret, store, state)
        except StoreError as problem:
            st.error(f"The room's pacing cannot be changed just now ({problem}).")


def _push_controls(room: Room, secret: str, store) -> None:
    st.markdown("**Send every learner to…**")
    kind = st.radio("What to send", PUSH_KINDS, horizontal=True, key="pace_kind",
                    format_func={"page": "a page", "step": "a step of the guided lesson",
                                 "preset": "a preset"}.__getitem__)
    if kind == "page":
        target = st.selectbox("Page", list(PUSHABLE_PAGES), key="pace_page",
                              format_func=lambda name: PUSHABLE_PAGES[name].title)
    elif kind == "preset":
        target = st.selectbox("Preset", list(PRESETS), key="pace_preset")
    else:
        target = str(st.number_input("Step (from 1)", min_value=1, max_value=30, value=1, key="pace_step") - 1)
    if st.button("Send to everyone", key="pace_push", type="primary"):
        _changed(store.push(room.code, secret, kind, str(target)))
        st.toast("Sent: learners' pages follow within two seconds.")


def _lever_controls(room: Room, secret: str, store, state: RoomState) -> None:
    st.markdown("**Levers on the Model page**")
    fields = list(MODEL_LEVERS)  # the Model page's levers; the inputs are chosen on Data
    locked = st.multiselect("Locked (shown, cannot be moved)", fields, default=list(state.locked_levers),
                            format_func=LEVER_NAMES.__getitem__, key="pace_locked")
    hidden = st.multiselect("Hidden", fields, default=list(state.hidden_levers),
                            format_func=LEVER_NAMES.__getitem__, key="pace_hidden")
    if st.button("Apply to the room", key="pace_levers"):
        _changed(store.set_levers(room.code, secret, tuple(locked), tuple(hidden)))


def _exit_controls(room: Room, secret: str, store, state: RoomState) -> None:
    st.markdown("**Exit ticket**")
    if state.exit_ticket:
        exit_ticket_results(room.code, state)
    if state.exit_open:
        st.caption(f"Asked now: {len(state.exit_ticket)} questions (exit ticket {state.exit_number}).")
        if st.button("Stop asking the exit ticket", key="pace_exit_close"):
            _changed(store.close_exit_ticket(room.code, secret))
        return
    typed = st.text_area("Two or three questions, one a line", key="pace_exit_questions",
                         placeholder="Which lever mattered most today?\nWhat does the forget gate do?")
    if st.button("Ask the exit ticket", key="pace_exit_open"):
        try:
            _changed(store.open_exit_ticket(room.code, secret, typed.splitlines()))
        except ValueError as problem:
            st.error(str(problem).capitalize() + ".")
