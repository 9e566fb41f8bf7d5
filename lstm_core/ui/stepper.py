"""The time-step stepper of the Inside page: step back, step, play/pause and a slider, kept in session."""

from __future__ import annotations

import streamlit as st

from lstm_core.ui import state

SLIDER_KEY = "w_inside_step"
PLAY_INTERVAL_SECONDS = 0.8


def _set_step(step: int, seq_length: int) -> None:
    step = max(0, min(int(step), seq_length - 1))
    st.session_state[state.INSIDE_STEP_KEY] = step
    st.session_state[SLIDER_KEY] = step + 1


def _slider_moved() -> None:
    st.session_state[state.INSIDE_STEP_KEY] = st.session_state[SLIDER_KEY] - 1


def is_playing() -> bool:
    """Return whether the stepper is playing."""
    return bool(st.session_state.get(state.INSIDE_PLAYING_KEY, False))


def advance_if_playing(seq_length: int) -> None:
    """Move one step on while playing; stop playing (and redraw the page) at the window's end."""
    if not is_playing():
        return
    step = st.session_state.get(state.INSIDE_STEP_KEY, 0)
    if step >= seq_length - 1:
        st.session_state[state.INSIDE_PLAYING_KEY] = False
        st.rerun(scope="app")
    _set_step(step + 1, seq_length)


def step_controls(seq_length: int) -> int:
    """Draw the step controls and return the current 0-based time step."""
    _set_step(st.session_state.get(state.INSIDE_STEP_KEY, 0), seq_length)
    step = st.session_state[state.INSIDE_STEP_KEY]
    back, forward, play, slider = st.columns([1, 1, 1, 5], vertical_alignment="bottom")
    back.button("◀ Step back", on_click=_set_step, args=(step - 1, seq_length), disabled=step == 0,
                width="stretch", key="inside_back")
    forward.button("Step ▶", on_click=_set_step, args=(step + 1, seq_length), disabled=step == seq_length - 1,
                   width="stretch", key="inside_forward")
    if play.button("⏸ Pause" if is_playing() else "▶ Play", width="stretch", key="inside_play"):
        if not is_playing() and step == seq_length - 1:
            _set_step(0, seq_length)
        st.session_state[state.INSIDE_PLAYING_KEY] = not is_playing()
        st.rerun(scope="app")
    if seq_length > 1:
        slider.slider("Time step t", 1, seq_length, key=SLIDER_KEY, on_change=_slider_moved,
                      help="Which input step the pictures and equations show.")
    slider.markdown(f"**Step {step + 1} of {seq_length}**")
    state.write_address_bar()  # the stepper redraws on its own while playing: the address follows every step
    return step
