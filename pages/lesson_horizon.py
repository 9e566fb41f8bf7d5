"""Lesson: looking further ahead. A direct m-step forecaster against a one-step model fed its own forecasts."""

import streamlit as st

from lstm_core.config import MODEL_BOUNDS, SeriesConfig
from lstm_core.lessons.horizon import horizon_models, horizon_outcome, horizon_verdict
from lstm_core.lessons.horizon_figures import error_per_step_figure, horizon_window_figure
from lstm_core.training.protocol import TrainingData
from lstm_core.ui import datasets, lesson_jobs, navigation, settings
from lstm_core.ui.charts import show_chart
from lstm_core.ui.widgets import clamped_slider, page_slider, stop_page

LESSON = "horizon"

navigation.require_app("pages/lesson_horizon.py")
st.title("Looking further ahead")
st.markdown(
    "To forecast m steps ahead there are two ways. **Direct**: one model outputs all m values at once "
    "(its last layer is Dense(m)). **Recursive**: a one-step model forecasts the next value, that value is "
    "appended to the window as if it had been observed, and the model runs again, m times, so its own "
    "errors become its inputs. Both train on your series from the Data page with the quick-start model."
)
horizon = page_slider("Steps ahead (m)", int(MODEL_BOUNDS["horizon"].low), int(MODEL_BOUNDS["horizon"].high),
                      st.session_state.get(settings.HORIZON_STEPS_KEY, 5), "w_horizon_steps",
                      "How many future values each forecast covers.")
st.session_state[settings.HORIZON_STEPS_KEY] = horizon
models = horizon_models(horizon)
source = settings.current_source()
if isinstance(source, SeriesConfig) and source.inputs:
    # Fed back as its own next input, a forecast has no future values of the other inputs to go with it.
    st.info(f"This lesson reads the series' own past only, without its {', '.join(source.inputs)}: the recursive "
            "model feeds its forecast back as the next input, and nothing would forecast the other inputs' next "
            "values. The target is the same series.")
    source = source.own_past_only()
try:
    horizon_datasets = {name: datasets.model_dataset(source, cfg) for name, cfg in models.items()}
except ValueError as problem:
    st.warning(f"Your series gives no usable windows for this lesson: {problem}. Lengthen it on the Data page.")
    stop_page()


def train_both() -> None:
    """Queue the direct and the one-step model on the shared pool."""
    jobs = {name: (TrainingData.from_dataset(horizon_datasets[name]), cfg) for name, cfg in models.items()}
    lesson_jobs.start_lesson_jobs(LESSON, (source, horizon), jobs)


lesson_jobs.train_and_stop(LESSON, "Train both", train_both,
                           "Train the direct and the one-step model, side by side.",
                           "Stop both after the current batch.")


def draw_outcome(done_runs: lesson_jobs.LessonJobs, results: dict) -> None:
    """Draw one test window's two forecasts, the error per step ahead and the verdict."""
    done_series, done_horizon = done_runs.settings
    ds = datasets.dataset_of(done_series, models["direct"].seq_length, done_horizon)
    if done_runs.outcome is None:
        done_runs.outcome = horizon_outcome(ds, results["direct"].weights, results["recursive"].weights)
    outcome = done_runs.outcome
    st.subheader(f"{done_horizon} steps ahead")
    st.info(horizon_verdict(outcome))
    window = clamped_slider("Test window", 0, len(ds.X["test"]) - 1, "w_horizon_window",
                            "Which test window's forecasts to draw.")
    show_chart(horizon_window_figure(ds, outcome, window), key="horizon_window")
    show_chart(error_per_step_figure(outcome.errors(), ds.noise_floor), key="horizon_errors")
    st.caption("Mean over every test window. The recursive forecast replays the trained one-step model in the "
               "NumPy glass box, feeding each forecast back in; the direct one is the m-output model's own.")


lesson_jobs.live_jobs(LESSON, "Press **Train both**: two quick-start-sized models, a few seconds each.",
                      draw_outcome)
