"""The animated figures' cost: the Data page's window frames and the film's moments, built and exported.

Run: .venv/bin/python -m bench.bench_frames
Prints, per figure, the build time, the export time (the dict and JSON Streamlit makes of it) and the JSON
size, against what one move of the old server-side slider cost (its gate heatmaps as bench/old_figures.py
rebuilds them); never fails.
"""

import os
import time
from dataclasses import replace

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import plotly.io as pio

from bench.old_figures import gate_heatmaps
from lstm_core.config import MODEL_BOUNDS, SERIES_BOUNDS, ModelConfig, SeriesConfig
from lstm_core.data.dataset import build_dataset
from lstm_core.figures.data import series_figure, window_frame_stride, window_frames_figure
from lstm_core.figures.tables import window_table
from lstm_core.figures.training import loss_figure, prediction_figure
from lstm_core.glassbox.replay import trace_model
from lstm_core.lessons.film import film_frames, film_shots, replayed_predictions
from lstm_core.lessons.film_figures import film_figure
from lstm_core.presets import QUICK_START_MODEL
from lstm_core.training.protocol import TrainingData
from lstm_core.training.worker import train_job


def best_of(fn, repeats: int = 5) -> float:
    """Return the fastest wall time of fn over repeats calls, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def exported(fig) -> str:
    """Return the figure's JSON as Streamlit's st.plotly_chart makes it."""
    return pio.to_json(fig.to_dict(), validate=False)


def report(name: str, build, old_move) -> None:
    """Print build and export times and the JSON size of build()'s figure, and old_move()'s time."""
    fig = build()
    build_s, export_s = best_of(build), best_of(lambda: exported(fig))
    size = len(exported(fig))
    print(f"{name:<44} build {build_s * 1e3:7.1f} ms  export {export_s * 1e3:6.1f} ms  JSON {size / 1e3:7.0f} kB  "
          f"| old slider move {best_of(old_move) * 1e3:6.1f} ms")


def bench_data() -> None:
    """Print the Data figure's cost for the default series and for the longest series with the longest window."""
    longest = SeriesConfig(n_points=SERIES_BOUNDS["n_points"].high)
    cases = [(SeriesConfig(), ModelConfig()), (longest, ModelConfig(seq_length=MODEL_BOUNDS["seq_length"].high)),
             (longest, ModelConfig(seq_length=MODEL_BOUNDS["seq_length"].high, horizon=MODEL_BOUNDS["horizon"].high))]
    for series, model in cases:
        ds = build_dataset(series, model.seq_length, model.horizon)
        name = f"{series.n_points} points, window {model.seq_length}, horizon {model.horizon}"
        windows, stride = len(ds.X["train"]), window_frame_stride(ds)
        middle = windows // 2

        def old_move(ds=ds, middle=middle) -> None:
            exported(series_figure(ds, window=middle))
            window_table(ds, first=middle, rows=6)

        report(f"Data {name}: {windows} windows, stride {stride}", lambda ds=ds: window_frames_figure(ds), old_move)


def bench_film() -> None:
    """Print the film figure's cost for the quick-start model on the default series, window 0, layer 1."""
    cfg = replace(QUICK_START_MODEL)
    ds = build_dataset(SeriesConfig(), cfg.seq_length, cfg.horizon)
    data = replace(TrainingData.from_dataset(ds), keep_epoch_weights=True)
    result = train_job(data, cfg)
    shots = film_shots(result.initial_weights, result.first_epoch_weights, result.epoch_weights,
                       data.batches_per_epoch(cfg.batch_size))
    X_test, y_test = ds.X["test"], ds.y["test"]  # (samples, seq_length, 1), (samples, horizon)
    start = ds.target_start["test"]
    predictions_s = best_of(lambda: replayed_predictions(shots, X_test), 3)
    predictions = replayed_predictions(shots, X_test)  # (shots, samples, horizon)

    def build():
        frames = film_frames(shots, predictions, X_test, y_test, 0)
        return film_figure(frames, ds.time[start], ds.to_original(y_test[:, 0]), ds.to_original, result.history,
                           ds.noise_floor, 0)

    def old_move() -> None:
        # The server-side slider replayed the moment's weights on the test part and the window, then drew three charts.
        weights = shots[len(shots) // 2].weights
        predictions = trace_model(weights, X_test).prediction  # (samples, horizon)
        window_trace = trace_model(weights, X_test[:1])
        exported(loss_figure(result.history["loss"], result.history["val_loss"], [], ds.noise_floor, cfg.epochs))
        exported(prediction_figure(ds.time[start], ds.to_original(y_test[:, 0]), ds.to_original(predictions[:, 0])))
        exported(gate_heatmaps(window_trace.layers[0], cfg.seq_length - 1))

    print(f"film quick start: {len(shots)} moments, {len(X_test)} test windows; replaying every moment's test "
          f"forecasts once per training: {predictions_s * 1e3:.1f} ms")
    report("film quick start (window, layer change)", build, old_move)


if __name__ == "__main__":
    bench_data()
    bench_film()
