"""The Train page's check that the window is a choice made for training: the model read with other lengths."""

from __future__ import annotations

import streamlit as st

from lstm_core.data.dataset import Dataset
from lstm_core.figures.window_lengths import window_lengths_figure, window_lengths_summary
from lstm_core.glassbox.window_lengths import LengthError, error_by_window_length, window_lengths_around
from lstm_core.ui.charts import show_chart
from lstm_core.ui.training_session import FinishedTraining


@st.cache_resource(max_entries=64, show_spinner=False)
def _errors(training_name: str, _training: FinishedTraining, _ds: Dataset) -> list[LengthError]:
    weights = _training.result.weights
    assert weights is not None, "window_lengths_view reads only trainings that have weights"
    return error_by_window_length(weights, _ds, window_lengths_around(_training.model.seq_length, _ds.val_end))


def window_lengths_view(training: FinishedTraining, ds: Dataset) -> None:
    """Draw the test error of the trained weights read with windows shorter and longer than they were trained on."""
    if training.result.weights is None:
        return
    trained = training.model.seq_length
    # One replay per training for everyone who looks at it; a stored training is named by its run's id.
    errors = _errors(training.run_id or f"result-{id(training.result)}", training, ds)
    st.subheader("Is the window part of the model?")
    show_chart(window_lengths_figure(errors, trained, ds.noise_floor), key="window_lengths",
               summary=window_lengths_summary(errors, trained, ds.noise_floor))
    best = min(errors, key=lambda e: e.mse)
    st.caption(f"No: these are the very weights trained on windows of {trained}, read with windows from "
               f"{errors[0].length} to {errors[-1].length} steps with no change at all — the same cell runs once "
               f"per step, however many steps there are. The window is a choice made for training. Here the "
               f"lowest test error came with {best.length} steps"
               + (" — the length it was trained on." if best.length == trained else "."))
