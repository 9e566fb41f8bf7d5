"""The Data page's animated window figure: every frame draws what series_figure draws for that window."""

import base64
import json

import numpy as np
import plotly.io as pio
import pytest

from lstm_core.config import MODEL_BOUNDS, SERIES_BOUNDS, ModelConfig, SeriesConfig
from lstm_core.data.dataset import build_dataset
from lstm_core.figures.data import (
    MAX_WINDOW_FRAME_POINTS,
    packed_array,
    series_figure,
    window_frame_stride,
    window_frames_figure,
)


def unpacked(value) -> np.ndarray:
    """Return the numbers of a plotly.js typed-array spec, or of a plain list, as an array."""
    if isinstance(value, dict):
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype={"f4": np.float32, "f8": np.float64}[
            value["dtype"]])
        if "shape" in value:
            array = array.reshape([int(n) for n in value["shape"].split(",")])
        return array
    return np.asarray(value)


def exported(fig) -> dict:
    """Return the figure as the browser receives it: Plotly's JSON of the dict Streamlit takes, parsed."""
    return json.loads(pio.to_json(fig.to_dict(), validate=False))


@pytest.fixture(scope="module")
def small():
    return build_dataset(SeriesConfig(n_points=300), seq_length=8)


@pytest.fixture(scope="module")
def largest():
    return build_dataset(SeriesConfig(n_points=SERIES_BOUNDS["n_points"].high), MODEL_BOUNDS["seq_length"].high,
                         horizon=MODEL_BOUNDS["horizon"].high)


def assert_frame_draws_window(frame: dict, ds, window: int) -> None:
    """Assert that the frame's X and Y segments, zoom and title are series_figure's for this window."""
    still = series_figure(ds, window=window)
    for drawn, trace_index in zip(frame["data"], frame["traces"]):
        trace = still.data[trace_index]
        np.testing.assert_array_equal(unpacked(drawn["x"]), np.asarray(trace.x, dtype=np.float32))
        np.testing.assert_array_equal(unpacked(drawn["y"]), np.asarray(trace.y, dtype=np.float32))
    assert frame["layout"]["xaxis"]["range"] == list(still.layout.xaxis.range)
    assert frame["layout"]["title"]["text"] == still.layout.title.text


def test_the_default_series_gets_a_frame_for_every_window():
    ds = build_dataset(SeriesConfig(), ModelConfig().seq_length)
    assert window_frame_stride(ds) == 1


def test_every_window_has_a_frame_that_draws_what_series_figure_draws(small):
    figure = exported(window_frames_figure(small))
    frames = figure["frames"]
    assert window_frame_stride(small) == 1
    assert [frame["name"] for frame in frames] == [str(w) for w in range(len(small.X["train"]))]
    for window, frame in enumerate(frames):
        assert_frame_draws_window(frame, small, window)
    names = [trace["name"] for trace in figure["data"]]
    assert [names[k] for k in frames[0]["traces"]] == ["X (window input)", "Y (target)"], "only the segments move"


def test_the_figure_opens_on_window_zero_as_series_figure_draws_it(small):
    figure, still = exported(window_frames_figure(small)), series_figure(small, window=0)
    assert len(figure["data"]) == len(still.data)
    for drawn, trace in zip(figure["data"], still.data):
        np.testing.assert_array_equal(unpacked(drawn["y"]), np.asarray(trace.y))
    assert figure["layout"]["title"]["text"] == still.layout.title.text
    assert figure["layout"]["xaxis"]["range"] == list(still.layout.xaxis.range)


def test_the_slider_and_buttons_animate_the_frames_in_the_browser(small):
    figure = exported(window_frames_figure(small))
    slider, = figure["layout"]["sliders"]
    assert slider["active"] == 0 and slider["currentvalue"]["prefix"] == "Window "
    assert [step["args"][0] for step in slider["steps"]] == [[frame["name"]] for frame in figure["frames"]]
    assert {step["method"] for step in slider["steps"]} == {"animate"}
    menu, = figure["layout"]["updatemenus"]
    labels = [button["label"] for button in menu["buttons"]]
    assert labels == ["▶ slow", "▶ fast", "❚❚ pause"]
    slow, fast, pause = (button["args"] for button in menu["buttons"])
    assert slow[0] is None and fast[0] is None, "play runs through every frame from the current one"
    assert slow[1]["frame"]["duration"] > fast[1]["frame"]["duration"] and slow[1]["fromcurrent"]
    assert pause[0] == [None] and pause[1]["mode"] == "immediate"


def test_the_largest_series_gets_frames_at_a_stride_within_the_point_budget(largest):
    stride = window_frame_stride(largest)
    windows = len(largest.X["train"])
    assert stride > 1 and windows * (largest.seq_length + largest.horizon) / stride <= MAX_WINDOW_FRAME_POINTS
    fig = window_frames_figure(largest)
    frames = exported(fig)["frames"]
    assert [frame["name"] for frame in frames] == [str(w) for w in range(0, windows, stride)]
    for frame in (frames[0], frames[len(frames) // 2], frames[-1]):
        assert_frame_draws_window(frame, largest, int(frame["name"]))
    assert len(pio.to_json(fig.to_dict(), validate=False)) < 1_000_000


def test_packed_arrays_unpack_to_the_same_numbers():
    grid = np.arange(12, dtype=np.float32).reshape(3, 4)
    np.testing.assert_array_equal(unpacked(packed_array(grid)), grid)
    np.testing.assert_array_equal(unpacked(packed_array(grid.T)), grid.T)  # a transposed view, packed in order
    np.testing.assert_array_equal(unpacked(packed_array(np.arange(5))), np.arange(5.0))  # integer times as floats
