"""Predict, then see: a learner commits to a guess before the answer is shown, and sees it beside the answer."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from lstm_core.evaluation.expectations import guess_verdict

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

