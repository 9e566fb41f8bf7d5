"""Predict, then see: a learner commits to a guess before the answer is shown, and sees it beside the answer."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from lstm_core.evaluation.expectations import Question, guess_verdict

REVEALED_PREFIX = "revealed_"  # + the question's key: the guess the learner committed to


def predict_then_reveal(key: str, question: str, choices: Sequence[str], outcome: str, what_happened: str,
                        reveal: Callable[[], None]) -> str | None:
    """Ask question, and once the learner has guessed and pressed Show, draw reveal; return the committed guess.

    key names this very question (a new key is a new question): the guess stays committed for it across
    reruns, so moving on and back does not ask again.
    """
    committed = st.session_state.get(REVEALED_PREFIX + key)
    if committed is None:
        with st.container(border=True):
            guess = st.radio(question, choices, index=None, horizontal=True, key=f"guess_{key}",
                             help="Commit to a guess first: the answer appears once you press Show.")
            if st.button("Show what happens", key=f"show_{key}", disabled=guess is None, type="primary"):
                st.session_state[REVEALED_PREFIX + key] = guess
                committed = guess
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
    """Hold the current answers to questions as the guesses about the run just started (named by run)."""
    for question in questions:
        st.session_state[COMMITTED_PREFIX + question.key] = (st.session_state.get(f"guess_{question.key}"), run)


def reveal_beside(question: Question, outcome: str, what_happened: str, run: str | None) -> None:
    """Draw the guess committed for this run beside the outcome the run computed, or that none was made."""
    guess, guessed_run = st.session_state.get(COMMITTED_PREFIX + question.key, (None, None))
    if guess is None or guessed_run != run:
        st.caption(f"{question.text} You made no prediction before this run; the answer: {outcome} "
                   f"({what_happened}).")
        return
    (st.success if guess == outcome else st.warning)(f"{question.text} " + guess_verdict(guess, outcome, what_happened),
                                                     icon=":material/psychology:")
