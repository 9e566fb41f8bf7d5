"""The film as one animated figure: every moment's frame draws what that moment's weights replay."""

from dataclasses import replace

import numpy as np
import plotly.graph_objects as go
import pytest

from lstm_core.config import ModelConfig, SeriesConfig
from lstm_core.data.dataset import build_dataset
from lstm_core.evaluation.metrics import mse
from lstm_core.figures.stepper_layout import apply_arrangement
from lstm_core.glassbox.replay import trace_model
from lstm_core.lessons.film import FilmFrame, film_frames, film_shots, mse_of_moments, replayed_predictions
from lstm_core.lessons.film_figures import GATE_ORDER, MIN_WIDTHS, film_figure, moment_title
from lstm_core.training.protocol import TrainingData
from lstm_core.training.worker import train_job
from tests.figures.test_frames_data import exported, unpacked
from tests.figures.test_stepper_layout import _overlap, _panels

CFG = ModelConfig(seq_length=10, units=6, layers=2, dense_units=4, epochs=3, batch_size=32)
WINDOW = 4


@pytest.fixture(scope="module")
def film():
    ds = build_dataset(SeriesConfig(n_points=300), CFG.seq_length)
    data = replace(TrainingData.from_dataset(ds), keep_epoch_weights=True)
    result = train_job(data, CFG)
    shots = film_shots(result.initial_weights, result.first_epoch_weights, result.epoch_weights,
                       data.batches_per_epoch(CFG.batch_size))
    return ds, result, shots, replayed_predictions(shots, ds.X["test"])


def replayed_alone(shots, index: int, X_test, y_test) -> FilmFrame:
    """Return what moment index shows, replayed from its weights alone: all test forecasts, WINDOW's trace."""
    weights = shots[index].weights
    predictions = trace_model(weights, X_test).prediction  # (samples, horizon)
    return FilmFrame(shots[index], predictions, trace_model(weights, X_test[WINDOW:WINDOW + 1]),
                     mse(y_test, predictions))


def figure_of(film, layer: int):
    ds, result, shots, predictions = film
    frames = film_frames(shots, predictions, ds.X["test"], ds.y["test"], WINDOW)
    start = ds.target_start["test"]
    return frames, film_figure(frames, ds.time[start], ds.to_original(ds.y["test"][:, 0]), ds.to_original,
                               result.history, ds.noise_floor, layer)


def test_film_frames_replay_what_each_moments_weights_replay_alone(film):
    ds, _, shots, predictions = film
    X_test, y_test = ds.X["test"], ds.y["test"]
    frames = film_frames(shots, predictions, X_test, y_test, WINDOW)
    assert len(frames) == len(shots) and predictions.shape == (len(shots), *y_test.shape)
    for index, frame in enumerate(frames):
        alone = replayed_alone(shots, index, X_test, y_test)
        assert frame.shot is alone.shot and frame.test_mse == pytest.approx(alone.test_mse)
        np.testing.assert_allclose(frame.test_predictions, alone.test_predictions, atol=1e-6)
        for ours, theirs in zip(frame.window_trace.layers, alone.window_trace.layers):
            for name in GATE_ORDER:
                np.testing.assert_allclose(getattr(ours, name), getattr(theirs, name), atol=1e-6)
    np.testing.assert_allclose(mse_of_moments(predictions, y_test), [frame.test_mse for frame in frames], rtol=1e-6)
    with pytest.raises(ValueError, match="outside"):
        film_frames(shots, predictions, X_test, y_test, len(X_test))


@pytest.mark.parametrize("layer", range(CFG.layers))
def test_every_frame_draws_the_forecast_the_moment_and_the_gates_of_its_moment(film, layer):
    ds, _, shots, _ = film
    frames, fig = figure_of(film, layer)
    figure = exported(fig)
    assert [frame["name"] for frame in figure["frames"]] == [str(k) for k in range(len(shots))]
    forecast, line, ring, *heatmaps = figure["frames"][0]["traces"]
    assert figure["data"][forecast]["name"] == "LSTM forecast" and figure["data"][line]["name"] == "this moment"
    assert [figure["data"][k]["type"] for k in heatmaps] == ["heatmap"] * 6
    for index, drawn in enumerate(figure["frames"]):
        alone = replayed_alone(shots, index, ds.X["test"], ds.y["test"])
        forecast_data, line_data, ring_data, *gate_data = drawn["data"]
        np.testing.assert_allclose(unpacked(forecast_data["y"]), ds.to_original(alone.test_predictions[:, 0]),
                                   rtol=1e-6)
        assert line_data["x"] == [alone.shot.epochs_trained] * 2
        assert ring_data["x"] == [alone.shot.epochs_trained]
        assert ring_data["y"] == pytest.approx([alone.test_mse])
        trace = alone.window_trace.layers[layer]
        for name, values in zip(GATE_ORDER, gate_data):
            np.testing.assert_allclose(unpacked(values["z"]), getattr(trace, name)[0].T, atol=1e-6)
        assert drawn["layout"]["title"]["text"] == moment_title(alone, ds.noise_floor)


def test_the_film_opens_on_the_untrained_model_with_a_slider_step_per_moment(film):
    ds, _, shots, _ = film
    frames, fig = figure_of(film, 0)
    figure = exported(fig)
    assert figure["layout"]["title"]["text"].startswith("Before training (the initial random weights):<br>test MSE")
    forecast = figure["frames"][0]["traces"][0]
    np.testing.assert_allclose(unpacked(figure["data"][forecast]["y"]),
                               ds.to_original(frames[0].test_predictions[:, 0]), rtol=1e-6)
    slider, = figure["layout"]["sliders"]
    labels = [step["label"] for step in slider["steps"]]
    assert len(labels) == len(shots) and labels[0] == "untrained" and labels[-1] == str(CFG.epochs)
    assert [step["args"][0] for step in slider["steps"]] == [[str(k)] for k in range(len(shots))]
    assert [b["label"] for b in figure["layout"]["updatemenus"][0]["buttons"]] == ["▶ slow", "▶ fast", "❚❚ pause"]
    test_loss = next(trace for trace in figure["data"] if trace["name"] == "test loss (replayed)")
    np.testing.assert_allclose(unpacked(test_loss["y"]), [frame.test_mse for frame in frames], rtol=1e-6)


def test_the_film_carries_an_arrangement_per_width_and_no_two_panels_share_a_place_in_any(film):
    _, fig = figure_of(film, 0)
    meta = fig.layout.meta
    assert meta["min_widths"] == MIN_WIDTHS and set(meta["arrangements"]) == {"wide", "medium", "narrow"}
    assert fig.layout.height == meta["arrangements"]["wide"]["layout"]["height"], "the server draws the wide one"
    exported_layout = fig.to_dict()["layout"]
    assert exported_layout["sliders"][0]["y"] == meta["arrangements"]["wide"]["layout"]["sliders[0].y"] < 0
    panels = _panels(fig)
    assert len(panels) == 8, "forecast, loss and six heatmaps"
    heights = []
    for name, updates in meta["arrangements"].items():
        drawn = apply_arrangement(go.Figure(fig), updates)
        heights.append(drawn.layout.height)
        for k, (x_a, y_a) in enumerate(panels):
            for x_b, y_b in panels[k + 1:]:
                apart_x = _overlap(drawn.layout[x_a].domain, drawn.layout[x_b].domain) <= 0
                apart_y = _overlap(drawn.layout[y_a].domain, drawn.layout[y_b].domain) <= 0
                assert apart_x or apart_y, f"{name}: {x_a}/{y_a} and {x_b}/{y_b} overlap"
        forecast_top = drawn.layout.yaxis.domain[1]
        assert drawn.layout.legend.y > forecast_top, f"{name}: the legend stands over the forecast and its title"
        assert updates["layout"]["sliders[0].y"] == updates["layout"]["updatemenus[0].y"] < 0
    assert len(set(heights)) == 3, "figure_widths.js tells the arrangement drawn by its height"
    narrow = apply_arrangement(go.Figure(fig), meta["arrangements"]["narrow"])
    assert all(list(narrow.layout[x_axis].domain) == [0.0, 1.0] for x_axis, _ in panels), "one panel a row"
    assert "<br>" in fig.layout.title.text, "the moment on one line, its test MSE on the next"
