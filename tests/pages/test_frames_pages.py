"""The Data page and the film lesson draw their animated figures: the window and the moment move in the browser."""

import json

from lstm_core.config import ModelConfig, SeriesConfig
from lstm_core.data.dataset import build_dataset
from lstm_core.figures.data import window_frame_stride
from lstm_core.presets import QUICK_START_MODEL
from tests.pages.apptest import SMALL_MODEL, SMALL_SERIES, assert_clean, open_page, wait_for_lesson


def animated_specs(at) -> list[dict]:
    """Return the figure JSON of every Plotly chart on the page that carries animation frames."""
    specs = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    return [spec for spec in specs if spec.get("frames")]


def frame_names(spec: dict) -> list[str]:
    """Return the names of the figure's animation frames."""
    return [frame["name"] for frame in spec.get("frames", [])]


def test_the_data_page_draws_one_frame_per_window_and_no_window_slider():
    at = open_page("pages/data.py", series=SMALL_SERIES, model=SMALL_MODEL)
    assert "w_data_window" not in [s.key for s in at.slider], "the window moves in the browser, not on the server"
    animated = animated_specs(at)
    assert len(at.get("plotly_chart")) == 3 and len(animated) == 1
    windows = len(build_dataset(SMALL_SERIES, SMALL_MODEL.seq_length, SMALL_MODEL.horizon).X["train"])
    names = frame_names(animated[0])
    assert names == [str(w) for w in range(windows)]
    assert [step["args"][0] for step in animated[0]["layout"]["sliders"][0]["steps"]] == [[n] for n in names]
    assert f"All {windows} training windows are in the chart." in " ".join(c.value for c in at.caption)
    assert at.dataframe, "the first windows' rows stay a table"


def test_the_largest_series_shows_a_strided_film_of_windows_and_says_so():
    series, model = SeriesConfig(n_points=2000), ModelConfig(seq_length=100)
    at = open_page("pages/data.py", series=series, model=model)
    assert_clean(at, "largest series")
    spec, = animated_specs(at)
    names = frame_names(spec)
    stride = window_frame_stride(build_dataset(series, model.seq_length, model.horizon))
    assert stride > 1 and names[:3] == ["0", str(stride), str(2 * stride)]
    assert f"The chart holds one in {stride} of the" in " ".join(c.value for c in at.caption)


def test_lesson_mode_draws_the_animated_window_figure_alone():
    at = open_page()
    at.query_params["lesson"] = "windows"
    at.switch_page("pages/data.py").run()
    assert_clean(at, "windows lesson")
    assert not at.slider and len(at.get("plotly_chart")) == 1
    assert len(animated_specs(at)) == 1


def test_the_film_is_one_animated_figure_with_a_frame_per_moment():
    at = open_page("pages/lesson_film.py")
    next(b for b in at.button if b.label == "Train and film").click().run()
    wait_for_lesson(at, "film")
    assert_clean(at, "quick-start film")
    assert "w_film_moment" not in [s.key for s in at.slider]
    charts = at.get("plotly_chart")
    assert len(charts) == 1
    spec = json.loads(charts[0].proto.spec)
    runs = at.session_state["lesson_jobs_film"]
    result = runs.jobs["film"].result()
    shots = 1 + len(result.first_epoch_weights) + QUICK_START_MODEL.epochs
    assert frame_names(spec) == [str(k) for k in range(shots)]
    assert spec["layout"]["title"]["text"].startswith("Before training (the initial random weights):<br>test MSE")
    batches = runs.data["film"].batches_per_epoch(QUICK_START_MODEL.batch_size)
    first_done = result.first_epoch_weights[0][0]
    assert spec["frames"][1]["layout"]["title"]["text"].startswith(
        f"Epoch 1, after {first_done} of {batches} batches:<br>test MSE")
    assert spec["frames"][-1]["layout"]["title"]["text"].startswith(
        f"After epoch {QUICK_START_MODEL.epochs} of {QUICK_START_MODEL.epochs}:<br>test MSE")
    at.slider(key="w_film_window").set_value(at.slider(key="w_film_window").max).run()
    assert_clean(at, "last test window")
    moved = json.loads(at.get("plotly_chart")[0].proto.spec)
    heatmap = spec["frames"][-1]["traces"][-1]
    assert moved["frames"][-1]["data"][-1]["z"] != spec["frames"][-1]["data"][-1]["z"], "another window's gates"
    assert moved["frames"][-1]["traces"][-1] == heatmap
