"""Lesson: training as a film. Scrub through the epochs and watch the forecast bend and the gates organise."""

from dataclasses import replace

import streamlit as st

from lstm_core.lessons.film import bytes_per_epoch, film_frames, film_shots, mse_of_moments, replayed_predictions
from lstm_core.lessons.film_figures import film_figure
from lstm_core.presets import QUICK_START_MODEL
from lstm_core.training.protocol import TrainingData
from lstm_core.ui import datasets, lesson_jobs, navigation, settings
from lstm_core.ui.charts import show_chart
from lstm_core.ui.widgets import clamped_slider, describe_model, stop_page, valid_choice

LESSON = "film"
MODEL_CHOICES = ("the quick-start model", "your model from the Model page")

navigation.require_app("pages/lesson_film.py")
st.title("Training as a film")
st.markdown(
    "A loss curve says how much the model improved, not how. Here the training keeps a copy of the weights "
    "before it starts, at a few moments inside the first epoch, where a small model learns most, and after "
    "every epoch; afterwards the film's slider replays any of them in your browser: a flat forecast bending into "
    "the wave and the gates of one test window finding their roles."
)
valid_choice("w_film_model", MODEL_CHOICES)
choice = st.radio("Model", MODEL_CHOICES, horizontal=True, key="w_film_model",
                  help="The quick-start model trains in a few seconds; yours may take longer.")
cfg = (replace(QUICK_START_MODEL, seed=settings.model_config().seed) if choice == MODEL_CHOICES[0]
       else settings.model_config())
st.caption(f"Model: {describe_model(cfg.to_dict())}, on your series from the Data page.")
source = settings.current_source()
try:
    ds = datasets.model_dataset(source, cfg)
except ValueError as problem:
    st.warning(f"Your series gives no usable windows for this model: {problem}. Lengthen it on the Data page.")
    stop_page()


def train_and_film() -> None:
    """Queue the chosen model with a copy of its weights kept after every epoch."""
    data = replace(TrainingData.from_dataset(ds), keep_epoch_weights=True)
    lesson_jobs.start_lesson_jobs(LESSON, (source, cfg), {"film": (data, cfg)})


lesson_jobs.train_and_stop(LESSON, "Train and film", train_and_film,
                           "Train the chosen model and keep its weights after every epoch.",
                           "Stop after the current batch; the film keeps the epochs finished so far.")


def draw_film(done_runs: lesson_jobs.LessonJobs, results: dict) -> None:
    """Draw the window and layer choices, then the film: every moment's forecast, loss and gates in one figure."""
    result = results["film"]
    done_series, done_cfg = done_runs.settings
    film_ds = datasets.model_dataset(done_series, done_cfg)
    X_test, y_test = film_ds.X["test"], film_ds.y["test"]  # (samples, seq_length, 1), (samples, horizon)
    if done_runs.outcome is None:
        batches = done_runs.data["film"].batches_per_epoch(done_cfg.batch_size)
        shots = film_shots(result.initial_weights, result.first_epoch_weights, result.epoch_weights, batches)
        predictions = replayed_predictions(shots, X_test)  # (shots, samples, horizon)
        done_runs.outcome = shots, predictions, mse_of_moments(predictions, y_test)
    shots, predictions, test_mse = done_runs.outcome  # list of FilmShot, (shots, samples, horizon), (shots,)
    window_col, layer_col = st.columns([3, 2])
    with window_col:
        window = clamped_slider("Test window for the gates", 0, len(X_test) - 1, "w_film_window",
                                "Whose gates to show.")
    with layer_col:
        valid_choice("w_film_layer", range(done_cfg.layers))
        layer = st.selectbox("Layer", range(done_cfg.layers), format_func=lambda k: f"LSTM layer {k + 1}",
                             key="w_film_layer")
    best = int(test_mse.argmin())
    st.markdown(f"Test MSE untrained {test_mse[0]:.5f}; after the last epoch {test_mse[-1]:.5f}; lowest "
                f"{test_mse.min():.5f}, {shots[best].label}.")
    frames = film_frames(shots, predictions, X_test, y_test, window)
    start = film_ds.target_start["test"]
    show_chart(film_figure(frames, film_ds.time[start], film_ds.to_original(y_test[:, 0]),
                           film_ds.to_original, result.history, film_ds.noise_floor, layer), key="film")
    st.caption(f"Drag the slider under the film, or press play: it holds {len(shots)} moments, the untrained "
               f"model, {len(result.first_epoch_weights)} moments inside epoch 1 and {len(result.epoch_weights)} "
               f"whole epochs, each replayed from {bytes_per_epoch(shots[0].weights) / 1e3:.1f} kB of weights kept "
               "while training. Its title names the moment and the test MSE then.")


lesson_jobs.live_jobs(LESSON, "Press **Train and film**.", draw_film)
