"""Lesson: training as a film. Scrub through the epochs and watch the forecast bend and the gates organise."""

from dataclasses import replace

import plotly.graph_objects as go
import streamlit as st

from lstm_core.figures.cell import gate_heatmaps
from lstm_core.figures.style import log_y_axis
from lstm_core.figures.training import loss_figure, prediction_figure
from lstm_core.lessons.film import bytes_per_epoch, film_frame, film_shots, mse_per_shot
from lstm_core.lessons.splits_figures import PART_COLORS
from lstm_core.presets import QUICK_START_MODEL
from lstm_core.training.protocol import TrainingData
from lstm_core.ui import lesson_jobs, state
from lstm_core.ui.widgets import clamped_slider, describe_model, stop_page, valid_choice

LESSON = "film"
MODEL_CHOICES = ("the quick-start model", "your model from the Model page")

state.require_app("pages/lesson_film.py")
st.title("Training as a film")
st.markdown(
    "A loss curve says how much the model improved, not how. Here the training keeps a copy of the weights "
    "before it starts, at a few moments inside the first epoch, where a small model learns most, and after "
    "every epoch; afterwards the slider replays any of them: a flat forecast bending into the wave and the "
    "gates of one test window finding their roles."
)
valid_choice("w_film_model", MODEL_CHOICES)
choice = st.radio("Model", MODEL_CHOICES, horizontal=True, key="w_film_model",
                  help="The quick-start model trains in a few seconds; yours may take longer.")
cfg = (replace(QUICK_START_MODEL, seed=state.model_config().seed) if choice == MODEL_CHOICES[0]
       else state.model_config())
st.caption(f"Model: {describe_model(cfg.to_dict())}, on your series from the Data page.")
source = state.current_source()
try:
    ds = state.model_dataset(source, cfg)
except ValueError as problem:
    st.warning(f"Your series gives no usable windows for this model: {problem}. Lengthen it on the Data page.")
    stop_page()


def train_and_film() -> None:
    """Queue the chosen model with a copy of its weights kept after every epoch."""
    data = replace(TrainingData.from_dataset(ds), keep_epoch_weights=True)
    lesson_jobs.start_lesson_runs(LESSON, (source, cfg), {"film": (data, cfg)})


lesson_jobs.train_and_stop(LESSON, "Train and film", train_and_film,
                           "Train the chosen model and keep its weights after every epoch.",
                           "Stop after the current batch; the film keeps the epochs finished so far.")


def draw_film(done_runs: lesson_jobs.LessonRuns, results: dict) -> None:
    """Draw the moment, window and layer choices, then the loss, the forecast and the gates at that moment."""
    result = results["film"]
    done_series, done_cfg = done_runs.settings
    film_ds = state.model_dataset(done_series, done_cfg)
    X_test, y_test = film_ds.X["test"], film_ds.y["test"]  # (samples, seq_length, 1), (samples, horizon)
    if done_runs.outcome is None:
        batches = done_runs.data["film"].batches_per_epoch(done_cfg.batch_size)
        shots = film_shots(result.initial_weights, result.first_epoch_weights, result.epoch_weights, batches)
        done_runs.outcome = shots, mse_per_shot(shots, X_test, y_test)
    shots, test_mse = done_runs.outcome  # list of FilmShot, (shots,)
    epochs = len(result.epoch_weights)
    moment_col, window_col, layer_col = st.columns([3, 3, 2])
    with moment_col:
        index = clamped_slider("Moment of training", 0, len(shots) - 1, "w_film_moment",
                               "0 is the untrained model; then a few moments inside epoch 1, then every epoch.")
    with window_col:
        window = clamped_slider("Test window for the gates", 0, len(X_test) - 1, "w_film_window",
                                "Whose gates to show.")
    with layer_col:
        valid_choice("w_film_layer", range(done_cfg.layers))
        layer = st.selectbox("Layer", range(done_cfg.layers), format_func=lambda k: f"LSTM layer {k + 1}",
                             key="w_film_layer")
    frame = film_frame(shots, index, X_test, y_test, window)
    best = int(test_mse.argmin())
    floor = (f" ({frame.test_mse / film_ds.noise_floor:.2f}× the noise floor)"
             if film_ds.noise_floor is not None else "")
    st.markdown(f"**{frame.shot.label.capitalize()}**: test MSE {frame.test_mse:.5f}{floor}. "
                f"Untrained {test_mse[0]:.5f}; after the last epoch {test_mse[-1]:.5f}; lowest {test_mse.min():.5f}, "
                f"{shots[best].label}.")
    losses = loss_figure(result.history["loss"], result.history["val_loss"], [], film_ds.noise_floor, epochs)
    losses.add_trace(go.Scatter(x=[shot.epochs_trained for shot in shots], y=list(test_mse), mode="lines+markers",
                                name="test loss (replayed)", line=dict(color=PART_COLORS["test"], dash="dot")))
    losses.add_vline(x=frame.shot.epochs_trained, line=dict(color="black", width=2))
    st.plotly_chart(log_y_axis(losses), width="stretch", key="film_loss")
    start = film_ds.target_start["test"]
    st.plotly_chart(prediction_figure(film_ds.time[start], film_ds.to_original(y_test[:, 0]),
                                      film_ds.to_original(frame.test_predictions[:, 0])),
                    width="stretch", key="film_forecast")
    st.plotly_chart(gate_heatmaps(frame.window_trace.layers[layer], done_cfg.seq_length - 1), width="stretch",
                    key="film_gates")
    st.caption(f"The film holds {len(shots)} moments × {bytes_per_epoch(shots[0].weights) / 1e3:.1f} kB of "
               f"weights: the untrained model, {len(result.first_epoch_weights)} moments inside epoch 1 and "
               f"{epochs} whole epochs. Every picture above is replayed from the weights of the moment you chose.")


lesson_jobs.live_runs(LESSON, "Press **Train and film**.", draw_film)
