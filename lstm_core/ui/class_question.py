"""The board's question to the class: learners answer first, the projector shows the tally, then the outcome.

The board's own question is "Will a longer window help?", answered by the window's lever verdict. The teacher
may put another question on the board (one the learners answered on their pages); its outcome is each
learner's own, so the board shows its tally only. Answers are anonymous unless the teacher shows nicknames,
which are drawn as text.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitInvalidLayoutContextError

from lstm_core.evaluation.class_answers import (
    CLASS_QUESTIONS,
    WINDOW_QUESTION,
    ClassQuestion,
    outcome_sentence,
    tally_bars,
    tally_text,
    window_outcome,
)
from lstm_core.evaluation.levers import LeverVerdict
from lstm_core.figures.board import tally_figure
from lstm_core.store.room_states import RoomState
from lstm_core.store.rooms import Room
from lstm_core.store.runs import StoreError
from lstm_core.ui import answers, rooms
from lstm_core.ui.charts import show_chart

NO_QUESTION = ""  # the teacher's menu: no question on the board
MY_ANSWER_PREFIX = "class_answer_"  # + question key: this learner's answer, once read or given


def current_question(state: RoomState | None) -> str | None:
    """Return the key of the question the teacher put on the board, or None while none is."""
    return state.question if state is not None and state.question else None


def is_revealed(state: RoomState | None, question: str) -> bool:
    """Return whether the teacher revealed question to the room."""
    return state is not None and question in state.revealed


def window_verdict_shown(state: RoomState | None) -> bool:
    """Return whether the board shows the window's verdict: not while the class is asked about it, before the reveal."""
    return current_question(state) != WINDOW_QUESTION.key or is_revealed(state, WINDOW_QUESTION.key)


def _my_answer(question: str) -> str | None:
    key = MY_ANSWER_PREFIX + question
    if key not in st.session_state:
        stored = answers.my_answer(question)
        st.session_state[key] = stored.answer if stored is not None else None
    return st.session_state[key]


def _ask(question: ClassQuestion) -> None:
    mine = _my_answer(question.key)
    if mine is not None:
        st.text(f"Your answer: {mine}")
        return
    with st.form(f"answer_{question.key}", border=False):
        choice = st.radio(question.text, question.choices, index=None, horizontal=True, key=f"w_{question.key}")
        if st.form_submit_button("Answer") and choice is not None:
            answers.record_answer(question.key, choice)
            st.session_state[MY_ANSWER_PREFIX + question.key] = choice
            # The board's live fragment draws the question: rerunning only it shows the answer. A whole-app rerun
            # asked for inside a timed fragment can be superseded by the timers' own runs and never happen, which
            # leaves the page without its timers (30 learners answering at once lost about one).
            try:
                st.rerun(scope="fragment")
            except StreamlitInvalidLayoutContextError:  # drawn outside the board's fragment: the whole page
                st.rerun()


def class_question(room: Room, verdicts: list[LeverVerdict], state: RoomState | None, teacher: bool) -> None:
    """Draw the board's question, if one is asked: a learner's answer, the class's tally, the outcome once revealed."""
    key = current_question(state)
    if key is None:
        return
    question = CLASS_QUESTIONS.get(key)
    revealed = is_revealed(state, key)
    with st.container(border=True):
        st.markdown(f"**{question.text if question else 'The class answered: ' + key}**")
        if question is not None and not teacher:
            _ask(question)
        tally = answers.class_answers(key)
        if tally is None:
            st.caption("The class's answers cannot be read just now.")
            return
        choices = question.choices if question else ()
        outcome = None
        if revealed and question is WINDOW_QUESTION:
            window = next(verdict for verdict in verdicts if verdict.lever == "seq_length")
            outcome = window_outcome(window)
            st.markdown(f"**{outcome_sentence(question, tally, outcome, window.words)}**")
            st.caption(window.words)
        elif not revealed:
            st.caption("The outcome is shown once the teacher reveals it.")
        bars = tally_bars(tally, choices)
        show_chart(tally_figure(bars, "How the class answered", outcome), key=f"tally_{key}",
                   config={"staticPlot": True})
        st.caption(tally_text(bars))
        if teacher and state is not None and state.show_nicknames:
            _nicknames(room.code, key)


def _nicknames(code: str, question: str) -> None:
    store = answers.answer_store()
    if store is None:
        return
    try:
        given = [answer for answer in store.room_answers(code, question) if answer.question == question]
    except StoreError:
        return
    st.dataframe(pd.DataFrame({"nickname": [answer.nickname or "" for answer in given],
                               "answer": [answer.answer for answer in given]}), hide_index=True)


def question_controls(room: Room, secret: str) -> None:
    """Draw the teacher's controls of the board's question: which one, nicknames shown, reveal to everyone."""
    store, answer_store, state = answers.state_store(), answers.answer_store(), answers.room_state(fresh=True)
    if store is None or answer_store is None or state is None:
        return
    key = current_question(state)
    known = [NO_QUESTION, WINDOW_QUESTION.key] + [
        k for k in answer_store.room_questions(room.code)
        if k != WINDOW_QUESTION.key and not k.startswith(("exit/", "guide/"))]
    with st.expander("Ask the class", expanded=key is not None, icon=":material/how_to_vote:"):
        chosen = st.selectbox("The question on the board", known, key="question_on_board",
                              index=known.index(key) if key in known else 0,
                              format_func=lambda k: CLASS_QUESTIONS[k].text if k in CLASS_QUESTIONS else k or "none")
        nicknames = st.toggle("Show nicknames beside the answers", value=state.show_nicknames,
                              key="question_nicknames", help="Answers are anonymous on the board unless you do.")
        if (chosen or None) != key or nicknames != state.show_nicknames:
            _remember(store.ask(room.code, secret, chosen or None, nicknames))
        if not chosen:
            return
        revealed = is_revealed(state, chosen)
        if st.button("Hide the outcome again" if revealed else "Reveal to everyone", key="question_reveal",
                     type="secondary" if revealed else "primary"):
            _remember(store.reveal(room.code, secret, chosen, revealed=not revealed))
            st.rerun()


def _remember(state: RoomState | None) -> None:
    code = rooms.room_code()
    if state is not None and code is not None:
        answers.remember_state(code, state)
