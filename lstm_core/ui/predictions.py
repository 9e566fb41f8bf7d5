"""Predict, then see: a learner commits to a guess before the answer is shown, and sees it beside the answer."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from lstm_core.evaluation.expectations import Question, guess_verdict
from lstm_core.ui import answers

REVEALED_PREFIX = "revealed_"  # + the question's key: the guess the learner committed to


def predict_then_reveal(key: str, question: str, choices: Sequence[str], outcome: str, what_happened: str,
                        reveal: Callable[[], None], stored_as: str | None = None) -> str | None:
    """Ask question, and once the learner has guessed and pressed Show, draw reveal; return the committed guess.

    key names this very question (a new key is a new question): the guess stays committed for it across
    reruns, so moving on and back does not ask again. With stored_as (a store question key) the guess is
    kept in the run store with the learner's room, comes back after a reload, and the room's teacher may
    reveal the answer to everyone before they guess.
    """
    committed = st.session_state.get(REVEALED_PREFIX + key)
    if committed is None and stored_as is not None:
        kept = answers.my_answer(stored_as)
        committed = kept.answer if kept is not None and kept.answer in choices else None
        if committed is None and answers.room_revealed(stored_as):
            st.info(f"Your teacher revealed this to the class. {question} The answer: {outcome} ({what_happened}).",
                    icon=":material/co_present:")
            reveal()
            return None
    if committed is None:
        with st.container(border=True):
            guess = st.radio(question, choices, index=None, horizontal=True, key=f"guess_{key}",
                             help="Commit to a guess first: the answer appears once you press Show.")
            if st.button("Show what happens", key=f"show_{key}", disabled=guess is None, type="primary"):
                st.session_state[REVEALED_PREFIX + key] = guess
                committed = guess
                if stored_as is not None and guess is not None:
                    answers.record_answer(stored_as, str(guess))
            elif guess is None:
                st.caption("Pick what you expect, then press Show.")
    if committed is None:
        return None
    (st.success if committed == outcome else st.warning)(guess_verdict(committed, outcome, what_happened),
                                                         icon=":material/psychology:")
    reveal()
    return committed


COMMITTED_PREFIX = "committed_"  # + a question's key: the guess held when the learner pressed the button


def ask_before(heading: str, questions: Sequence[Question], note: str) -> None:
    """Draw questions to answer before pressing a button; the press commits them (commit_guesses)."""
    with st.container(border=True):
        st.markdown(f"**{heading}**")
        for question in questions:
            st.radio(question.text, question.choices, index=None, horizontal=True, key=f"guess_{question.key}")
        st.caption(note)


def commit_guesses(questions: Sequence[Question], run: str | None) -> None:
    """Hold the current answers to questions as the guesses about the run just started, and keep them in the store."""
    for question in questions:
        guess = st.session_state.get(f"guess_{question.key}")
        st.session_state[COMMITTED_PREFIX + question.key] = (guess, run)
        if guess is not None:
            answers.record_answer(question.key, str(guess), {"run": run})


def reveal_beside(question: Question, outcome: str, what_happened: str, run: str | None) -> None:
    """Draw the guess committed for this run beside the outcome the run computed, or that none was made."""
    guess, guessed_run = st.session_state.get(COMMITTED_PREFIX + question.key, (None, None))
    if guess is None or guessed_run != run:
        st.caption(f"{question.text} You made no prediction before this run; the answer: {outcome} "
                   f"({what_happened}).")
        return
    (st.success if guess == outcome else st.warning)(f"{question.text} " + guess_verdict(guess, outcome, what_happened),
                                                     icon=":material/psychology:")
