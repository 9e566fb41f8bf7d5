"""Lesson: dropout at work. What it changes while training, and Monte-Carlo dropout bands when predicting."""

from dataclasses import replace

import streamlit as st

from lstm_core.config import MODEL_BOUNDS
from lstm_core.glassbox.replay import max_abs_difference
from lstm_core.lessons.dropout import band, coverage_statement, forecast_with_dropout, training_effect
from lstm_core.lessons.dropout_figures import band_figure
from lstm_core.presets import QUICK_START_MODEL
from lstm_core.training.protocol import TrainingData
from lstm_core.ui import datasets, lesson_jobs, navigation, settings
from lstm_core.ui.charts import show_chart
from lstm_core.ui.widgets import page_slider

LESSON = "dropout"

navigation.require_app("pages/lesson_dropout.py")
st.title("Dropout at work")
st.markdown(
    "Dropout switches off a random share of the values leaving each LSTM layer at every training step, "
    "and scales the rest up so their sum stays the same on average. The network cannot lean on any one "
    "unit. When predicting, Keras turns it off. Left on, and repeated, it gives many slightly different "
    "forecasts: Monte-Carlo dropout, a cheap picture of how unsure the model is."
)
rate_col, passes_col = st.columns(2)
with rate_col:
    rate = page_slider("Dropout rate", float(MODEL_BOUNDS["dropout"].low), float(MODEL_BOUNDS["dropout"].high), 0.2,
                       "w_dropout_rate", "Share of values switched off.", step=0.05)
with passes_col:
    passes = page_slider("Monte-Carlo passes", 10, 200, 100, "w_dropout_passes",
                         "How many forecasts with dropout on make the band.", step=10)
cfg = replace(QUICK_START_MODEL, dropout=rate)
source = settings.current_source()
ds = datasets.model_dataset(source, cfg)


def train_with_dropout() -> None:
    """Queue the quick-start model with the chosen dropout rate."""
    lesson_jobs.start_lesson_jobs(LESSON, (source, cfg), {"dropout": (TrainingData.from_dataset(ds), cfg)})


lesson_jobs.train_and_stop(LESSON, "Train", train_with_dropout,
                           "Train the quick-start model with this dropout rate on your series.",
                           "Stop after the current batch.")


def draw_outcome(done_runs: lesson_jobs.LessonJobs, results: dict) -> None:
    """Draw what dropout did while training and the Monte-Carlo band with its measured coverage."""
    result = results["dropout"]
    done_series, done_cfg = done_runs.settings
    run_ds = datasets.model_dataset(done_series, done_cfg)
    X_test, y_test = run_ds.X["test"], run_ds.y["test"]  # (samples, seq_length, 1), (samples, 1)
    st.subheader(f"Dropout {done_cfg.dropout:.2f}: while training")
    _, _, effect = training_effect(result.history["loss"][-1], result.weights, run_ds.X["train"], run_ds.y["train"])
    st.info(effect)
    off = forecast_with_dropout(result.weights, X_test, 0.0, rng=None)  # (samples, 1)
    difference = max_abs_difference(off, result.predictions["test"])
    st.caption(f"With dropout off, the NumPy replay's forecast equals Keras's own prediction to {difference:.1e}: "
               f"when predicting, dropout does nothing.")
    st.subheader(f"When predicting, left on: {passes} passes")
    if done_cfg.dropout == 0:
        st.info("With a dropout rate of 0 every pass gives the same forecast: there is no band to draw.")
        return
    key = (passes, done_cfg.dropout)
    if done_runs.outcome is None or done_runs.outcome[0] != key:
        done_runs.outcome = (key, band(result.weights, X_test, y_test, done_cfg.dropout, passes))
    mc = done_runs.outcome[1]
    show_chart(band_figure(run_ds.time[run_ds.target_start["test"]], y_test[:, 0], mc), key="dropout_band")
    st.info(coverage_statement(mc, run_ds.noise_floor))
    st.caption(f"Mean test MSE of the plain forecast {mc.plain_mse:.5f}; of the mean of the passes "
               f"{mc.mean_mse:.5f}. Scaled units.")


lesson_jobs.live_jobs(LESSON, "Press **Train**: the quick-start model with dropout, a few seconds.",
                      draw_outcome)
