"""The figures of lstm_core.figures drawn outside the stepper, built from a real small dataset; the house style."""

import ast
import re
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from lstm_core.config import ModelConfig, SeriesConfig
from lstm_core.data.dataset import build_dataset
from lstm_core.figures.data import scaled_series_figure, series_figure
from lstm_core.figures.model import architecture_figure
from lstm_core.figures.style import (
    GATE_COLORS,
    HOUSE_TEMPLATE,
    PREDICTION_COLOR,
    WINDOW_X_COLOR,
    WINDOW_Y_COLOR,
    chart_layout,
    log_axis_ticks,
    with_alpha,
)
from lstm_core.figures.training import loss_figure, prediction_figure

SERIES = SeriesConfig(n_points=300)
SEQ_LENGTH = 10
STATES = ("i", "f", "g", "o", "c", "h")


@pytest.fixture(scope="module")
def ds():
    return build_dataset(SERIES, seq_length=SEQ_LENGTH)


def assert_titled(fig: go.Figure) -> None:
    """Assert the figure has a title and every visible axis has a title."""
    assert fig.layout.title.text, "the figure has no title"
    axes = [name for name in fig.layout if name.startswith(("xaxis", "yaxis"))]
    assert axes, "the figure has no axes"
    for name in axes:
        axis = fig.layout[name]
        if axis.visible is False:
            continue
        assert axis.title.text, f"{name} is visible but has no title"


def traces_named(fig: go.Figure, prefix: str) -> list:
    return [t for t in fig.data if t.name and t.name.startswith(prefix)]


def one_trace(fig: go.Figure, prefix: str):
    found = traces_named(fig, prefix)
    assert len(found) == 1, f"expected one trace named {prefix!r}, found {[t.name for t in fig.data]}"
    return found[0]


def points_in_color(fig: go.Figure, color: str) -> list[tuple[float, float]]:
    """Return every (x, y) point drawn with markers of this colour."""
    points = []
    for t in fig.data:
        if t.marker is not None and t.marker.color == color and "markers" in (t.mode or ""):
            points += list(zip(t.x, t.y))
    return points


# Colours


def test_gate_colors_are_six_distinct_colors_one_per_gate_and_state():
    assert set(GATE_COLORS) == set(STATES)
    assert len(set(c.lower() for c in GATE_COLORS.values())) == 6
    assert WINDOW_X_COLOR.lower() != WINDOW_Y_COLOR.lower()


# Series


def test_series_figure_without_window_draws_the_series_and_no_window(ds):
    fig = series_figure(ds)
    assert_titled(fig)
    series = one_trace(fig, "noisy series")
    np.testing.assert_array_equal(series.x, ds.time)
    np.testing.assert_array_equal(series.y, ds.values)
    np.testing.assert_array_equal(one_trace(fig, "clean signal").y, ds.clean)
    assert points_in_color(fig, WINDOW_X_COLOR) == []
    assert points_in_color(fig, WINDOW_Y_COLOR) == []
    # one shaded region per split, from its first to its last point
    regions = [s for s in fig.layout.shapes if s.type == "rect"]
    edges = [(ds.time[0], ds.time[ds.train_end - 1]), (ds.time[ds.train_end], ds.time[ds.val_end - 1]),
             (ds.time[ds.val_end], ds.time[-1])]
    np.testing.assert_allclose([(r.x0, r.x1) for r in regions], edges)


@pytest.mark.parametrize("split,window,horizon", [("train", 0, 1), ("train", 57, 1), ("val", 3, 1),
                                                  ("test", -1, 1), ("train", 12, 3)])
def test_series_figure_marks_the_window_x_in_red_and_y_in_green(split, window, horizon):
    ds = build_dataset(SERIES, seq_length=SEQ_LENGTH, horizon=horizon)
    window = window % len(ds.X[split])
    fig = series_figure(ds, window=window, split=split)
    assert_titled(fig)
    start = int(ds.target_start[split][window])
    x_points = points_in_color(fig, WINDOW_X_COLOR)
    y_points = points_in_color(fig, WINDOW_Y_COLOR)
    assert len(x_points) == SEQ_LENGTH
    assert len(y_points) == horizon
    xs, x_values = map(np.array, zip(*x_points))
    ys, y_values = map(np.array, zip(*y_points))
    np.testing.assert_array_equal(xs, ds.time[start - SEQ_LENGTH:start])
    np.testing.assert_array_equal(x_values, ds.values[start - SEQ_LENGTH:start])
    np.testing.assert_array_equal(ys, ds.time[start:start + horizon])
    np.testing.assert_array_equal(y_values, ds.values[start:start + horizon])
    # the marked points are the very window the model is fed: X and y mapped back to series units
    np.testing.assert_allclose(x_values, ds.to_original(ds.X[split][window, :, 0]), atol=1e-9)
    np.testing.assert_allclose(y_values, ds.to_original(ds.y[split][window]), atol=1e-9)
    # when the view is zoomed, the whole window and its target stay in sight
    if fig.layout.xaxis.range is not None:
        low, high = fig.layout.xaxis.range
        assert low <= xs.min() and ys.max() <= high


def test_series_figure_window_moves_with_the_slider(ds):
    first = points_in_color(series_figure(ds, window=0), WINDOW_X_COLOR)
    next_ = points_in_color(series_figure(ds, window=1), WINDOW_X_COLOR)
    assert [p[0] for p in next_] == [p[0] for p in first[1:]] + [ds.time[SEQ_LENGTH]]


def test_scaled_series_figure_shows_the_scaled_series_between_minus_one_and_one(ds):
    fig = scaled_series_figure(ds)
    assert_titled(fig)
    np.testing.assert_array_equal(one_trace(fig, "scaled series").y, ds.scaled)
    levels = sorted(s.y0 for s in fig.layout.shapes if s.type == "line")
    assert levels == [-1, 1]
    assert ds.scaled[:ds.train_end].min() == pytest.approx(-1) and ds.scaled[:ds.train_end].max() == pytest.approx(1)


# Architecture

PHONE_WIDTH_PX = 340  # a 360 px phone less Streamlit's padding


def plain(text: str) -> str:
    return re.sub(r"<[^>]+>", "", text or "")


def texts_of(fig: go.Figure) -> list[str]:
    return [a.text for a in fig.layout.annotations if a.text]


def row_labels(fig: go.Figure) -> list[str]:
    return [a.text for a in fig.layout.annotations if a.text and a.text.startswith("<b>")]


def column_headers(fig: go.Figure) -> list[str]:
    lowest = min(a.y for a in fig.layout.annotations if a.text)
    return [a.text for a in sorted(fig.layout.annotations, key=lambda a: a.x) if a.text and a.y == lowest]


def box_labels(fig: go.Figure) -> list[str]:
    return [a.text for a in fig.layout.annotations if a.text and re.fullmatch(r"[xh](<sup>\d+</sup>)?<sub>\d+</sub>",
                                                                               a.text)]


@pytest.mark.parametrize("layers,seq_length,dense_units,horizon", [(1, 3, 0, 1), (2, 10, 25, 1), (3, 50, 8, 4),
                                                                   (2, 1, 0, 1)])
def test_architecture_figure_draws_steps_as_columns_and_layers_as_rows(layers, seq_length, dense_units, horizon):
    cfg = ModelConfig(layers=layers, seq_length=seq_length, dense_units=dense_units, horizon=horizon, units=7)
    fig = architecture_figure(cfg)
    assert fig.layout.title.text and f"{layers} LSTM layer" in fig.layout.title.text
    assert f"{seq_length} step" in fig.layout.title.text
    assert fig.layout.xaxis.visible is False and fig.layout.yaxis.visible is False
    assert [label.split("<br>")[0] for label in row_labels(fig)] == (
        ["<b>input</b>"] + [f"<b>LSTM {k + 1}</b>" for k in range(layers)])
    drawn = list(range(1, seq_length + 1)) if seq_length <= 3 else [1, 2, seq_length]
    expected_headers = [f"step {t}" for t in drawn]
    if seq_length > 3:
        expected_headers.insert(2, "⋯")
    assert column_headers(fig) == expected_headers, "the columns are time steps, the last one the window length"
    head = (f"Dense {dense_units} → " if dense_units else "") + f"Dense {horizon}"
    assert sum(head in plain(t.replace("<br>", " ")) and "forecast" in t for t in texts_of(fig)) == 1
    boxes = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(boxes) == (layers + 1) * len(drawn) + 1  # a box per layer (and the input) per drawn step, the head
    expected_boxes = [f"x<sub>{t}</sub>" for t in drawn] + [f"h<sup>{k}</sup><sub>{t}</sub>" for k in
                                                            range(1, layers + 1) for t in drawn]
    assert sorted(box_labels(fig)) == sorted(expected_boxes), "each box is one layer's state at one step"


@pytest.mark.parametrize("layers,seq_length,units,n_features", [(2, 50, 50, 1), (1, 20, 32, 2), (3, 4, 7, 1)])
def test_architecture_figure_keeps_units_and_steps_apart(layers, seq_length, units, n_features):
    fig = architecture_figure(ModelConfig(layers=layers, seq_length=seq_length, units=units), n_features)
    for text in texts_of(fig):
        assert not ("unit" in text and re.search(r"step|<sub>", text)), f"{text!r} mixes units with time steps"
    assert not any("unit" in header for header in column_headers(fig)), "column headers name steps, never units"
    lstm_labels = row_labels(fig)[1:]
    for k, label in enumerate(lstm_labels):
        input_dim = n_features if k == 0 else units
        assert f"h: {units} units" in label, "the unit count is the size of a row's state vector"
        assert f"W: {input_dim} × {4 * units}" in label
    assert f"x: {n_features} feature" in row_labels(fig)[0]
    assert sum(f"{units} units" in t for t in texts_of(fig)) == layers, "the units appear once per layer, as a size"


@pytest.mark.parametrize("layers,seq_length,n_features", [(2, 10, 1), (3, 2, 1), (1, 5, 2), (2, 3, 5)])
def test_architecture_figure_connects_each_layer_to_the_next_fully_at_every_step(layers, seq_length, n_features):
    fig = architecture_figure(ModelConfig(layers=layers, seq_length=seq_length), n_features)
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    step_x = sorted({b.x0 + b.x1 for b in fig.layout.shapes if b.type == "rect" and b.y0 < 0.5})
    step_x = [x / 2 for x in step_x]  # the centre of each drawn step's input box
    assert len(step_x) == min(seq_length, 3)
    for x in step_x:
        for lower in range(layers):
            fan = [s for s in lines if abs((s.x0 + s.x1) / 2 - x) < 0.5 and lower < (s.y0 + s.y1) / 2 < lower + 1]
            sources = sorted({s.x0 for s in fan})
            targets = sorted({s.x1 for s in fan})
            assert len(sources) == (min(n_features, 3) if lower == 0 else 3) and len(targets) == 3
            assert sorted((s.x0, s.x1) for s in fan) == sorted((a, b) for a in sources for b in targets), (
                "every point below reaches every point above: a full connection, at this step only")
            assert all(s.y0 < s.y1 for s in fan), "the connection runs up, from the layer below"


@pytest.mark.parametrize("layers,seq_length", [(1, 1), (1, 10), (2, 10), (3, 4)])
def test_architecture_figure_has_exactly_one_thick_arrow_from_the_last_state_to_the_head(layers, seq_length):
    fig = architecture_figure(ModelConfig(layers=layers, seq_length=seq_length))
    thick = [a for a in fig.layout.annotations if a.showarrow and a.arrowwidth is not None and a.arrowwidth >= 3]
    assert len(thick) == 1
    arrow = thick[0]
    last_box = next(a for a in fig.layout.annotations if a.text == f"h<sup>{layers}</sup><sub>{seq_length}</sub>")
    assert arrow.ax == arrow.x == last_box.x, "only the last step's state reaches the head"
    assert last_box.y < arrow.ay < arrow.y, "it leaves the top layer's last box upwards, to the head"


def test_architecture_figure_carries_each_layers_state_along_time_and_not_the_input():
    fig = architecture_figure(ModelConfig(layers=3, seq_length=4))
    along = [a for a in fig.layout.annotations if a.showarrow and a.ay == a.y and a.arrowwidth is None]
    assert sorted({a.y for a in along}) == [1, 2, 3], "every LSTM row carries h and c on; the input row does not"
    for row in (1, 2, 3):
        arrows = sorted((a.ax, a.x) for a in along if a.y == row)
        assert len(arrows) == 3, "step 1 → step 2 → ⋯ → step 4"
        assert all(start < end for start, end in arrows)
        assert all(a[1] <= b[0] for a, b in zip(arrows[:-1], arrows[1:])), "one after another, left to right"


def text_extent(note, px_per_x: float, px_per_y: float) -> tuple[float, float, float, float]:
    """Return an annotation's (left, right, bottom, top) in pixels, from its longest line and its line count."""
    lines = plain(note.text.replace("<br>", "\n")).split("\n")
    size = note.font.size or 12
    half_width = max(len(line) for line in lines) * size * 0.3  # about 0.6 em per character
    half_height = len(lines) * size * 0.6
    x, y = note.x * px_per_x, note.y * px_per_y
    return x - half_width, x + half_width, y - half_height, y + half_height


@pytest.mark.parametrize("layers,seq_length,dense_units", [(3, 100, 64), (2, 50, 25), (1, 1, 64), (3, 2, 0)])
def test_architecture_figure_text_does_not_overlap_at_phone_width(layers, seq_length, dense_units):
    cfg = ModelConfig(layers=layers, seq_length=seq_length, units=64, dense_units=dense_units, horizon=10)
    fig = architecture_figure(cfg)
    margin = fig.layout.margin
    x_low, x_high = fig.layout.xaxis.range
    y_low, y_high = fig.layout.yaxis.range
    px_per_x = (PHONE_WIDTH_PX - margin.l - margin.r) / (x_high - x_low)
    px_per_y = (fig.layout.height - margin.t - margin.b) / (y_high - y_low)
    notes = [a for a in fig.layout.annotations if a.text and not a.showarrow]
    extents = [text_extent(a, px_per_x, px_per_y) for a in notes]
    for k, (a, first) in enumerate(zip(notes, extents)):
        assert first[0] >= x_low * px_per_x and first[1] <= x_high * px_per_x, f"{a.text!r} leaves the figure"
        for b, second in zip(notes[k + 1:], extents[k + 1:]):
            apart = first[1] <= second[0] or second[1] <= first[0] or first[3] <= second[2] or second[3] <= first[2]
            assert apart, f"{a.text!r} overlaps {b.text!r} on a phone"
    title_px = len(fig.layout.title.text) * 17 * 0.6
    assert title_px <= PHONE_WIDTH_PX - margin.l - margin.r, "the title fits a phone's width"


# Loss


def test_loss_figure_with_a_noise_floor():
    train, val = [0.5, 0.2, 0.1], [0.6, 0.25]
    batches = [(0.25, 0.9), (0.5, 0.7), (0.75, 0.6), (1.0, 0.5), (1.5, 0.3)]
    fig = loss_figure(train, val, batches, noise_floor=0.004, epochs=8)
    assert_titled(fig)
    assert fig.layout.yaxis.type == "log"
    floor = one_trace(fig, "noise floor")
    assert list(floor.y) == [0.004, 0.004]
    assert floor.x[0] == 0 and floor.x[-1] == 8, "the floor spans every planned epoch"
    assert list(one_trace(fig, "training loss").y) == train
    assert list(one_trace(fig, "training loss").x) == [1, 2, 3]
    assert list(one_trace(fig, "validation loss").y) == val
    assert list(one_trace(fig, "validation loss").x) == [1, 2]
    running = one_trace(fig, "running batch loss")
    assert list(zip(running.x, running.y)) == batches
    assert tuple(fig.layout.xaxis.range) == pytest.approx((0, 8.2))


@pytest.mark.parametrize("floor", [None, 0.0])
def test_loss_figure_without_a_noise_floor_has_no_floor_trace(floor):
    fig = loss_figure([0.3], [], [], noise_floor=floor)
    assert_titled(fig)
    assert traces_named(fig, "noise floor") == []
    assert traces_named(fig, "running batch loss") == []
    assert len(one_trace(fig, "training loss").y) == 1
    assert len(one_trace(fig, "validation loss").y) == 0


def test_loss_figure_floor_reaches_past_the_epochs_done_before_any_epoch_is_planned():
    fig = loss_figure([0.3, 0.2, 0.1, 0.09], [0.3] * 4, [], noise_floor=0.01)
    assert one_trace(fig, "noise floor").x[-1] == 4


# Prediction


def test_prediction_figure_draws_the_inputs_unchanged(ds):
    rng = np.random.default_rng(3)
    time = ds.time[ds.target_start["test"]]
    actual = ds.to_original(ds.y["test"][:, 0])
    predicted = actual + rng.normal(0, 0.05, actual.shape)
    fig = prediction_figure(time, actual, predicted, split="test")
    assert_titled(fig)
    assert "test" in fig.layout.title.text
    np.testing.assert_array_equal(one_trace(fig, "actual").x, time)
    np.testing.assert_array_equal(one_trace(fig, "actual").y, actual)
    np.testing.assert_array_equal(one_trace(fig, "LSTM forecast").x, time)
    np.testing.assert_array_equal(one_trace(fig, "LSTM forecast").y, predicted)
    assert "val" in prediction_figure(time, actual, predicted, split="val").layout.title.text


def test_log_axis_ticks_are_labelled_in_full():
    values, labels = log_axis_ticks([0.04, 0.3, 0.9])
    assert labels[:4] == ["0.01", "0.02", "0.05", "0.1"] and labels[-1] == "1"
    assert [float(label) for label in labels] == pytest.approx(values)
    assert "0.2" in labels and "2" not in labels  # never a bare "2" for the tick above 0.1
    assert log_axis_ticks([]) == ([], []) and log_axis_ticks([0.0, float("nan")]) == ([], [])
    assert log_axis_ticks([0.004, 0.9])[1] == ["0.001", "0.01", "0.1", "1"], "three decades: their ones alone"
    wide = log_axis_ticks([1e-7, 0.3])[1]
    assert wide == ["0.0000001", "0.000001", "0.00001", "0.0001", "0.001", "0.01", "0.1", "1"]


def test_the_loss_chart_labels_every_log_tick_in_full():
    fig = loss_figure([0.2, 0.05], [0.25, 0.06], [(0.5, 0.4)], noise_floor=0.004, epochs=4)
    axis = fig.layout.yaxis
    assert axis.type == "log"
    assert [float(t) for t in axis.ticktext] == pytest.approx(list(axis.tickvals))
    assert min(axis.tickvals) <= 0.004 and max(axis.tickvals) >= 0.4


# One source for each colour and for the layout

ROOT = Path(__file__).resolve().parents[2]
STYLE_SOURCES = {ROOT / "lstm_core" / "figures" / "style.py", ROOT / "lstm_core" / "model" / "gates.py"}
HEX_COLOR = re.compile(r"#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})(?![0-9a-zA-Z_])")
LITERAL_MARGIN = re.compile(r"\bmargin\s*=\s*(?:dict\(|\{)")


def colour_or_layout_literals(path: Path) -> list[str]:
    """Return each hex colour or "rgba(" written in a string of the file, and each margin spelled by hand."""
    source = path.read_text(encoding="utf-8")
    strings = [node.value for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Constant)
               and isinstance(node.value, str)]
    found = [match for text in strings for match in HEX_COLOR.findall(text)]
    found += ["rgba(" for text in strings if "rgba(" in text]
    return found + LITERAL_MARGIN.findall(source)


def test_colours_and_margins_are_named_only_in_the_style_module_and_the_cell_table():
    sources = [*(ROOT / "lstm_core").rglob("*.py"), *(ROOT / "pages").glob("*.py"), ROOT / "app.py"]
    assert len(sources) > 20
    offenders = {str(path.relative_to(ROOT)): found for path in sources if path not in STYLE_SOURCES
                 and (found := colour_or_layout_literals(path))}
    assert not offenders, f"name these in lstm_core/figures/style.py and use the names: {offenders}"


def test_the_scan_finds_what_it_forbids(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('A = "#D55E00"\nB = f"rgba(0,0,0,{0.5})"\nC = dict(margin=dict(l=1))\n'
                      'D = "#notacolour"  # #abc, a comment\n')
    assert colour_or_layout_literals(sample) == ["#D55E00", "rgba(", "margin=dict("]


def test_translucent_colours_and_the_layout_keep_their_values():
    assert with_alpha(PREDICTION_COLOR, 0.18) == "rgba(0,114,178,0.18)"
    assert with_alpha(WINDOW_Y_COLOR, 0.12) == "rgba(0,158,115,0.12)"
    assert with_alpha("#000000", 0) == "rgba(0,0,0,0)"
    layout = chart_layout()
    assert (layout["height"], layout["template"]) == (360, HOUSE_TEMPLATE)
    assert layout["margin"] == dict(l=60, r=20, t=60, b=50)
    assert chart_layout(240, "compact")["margin"] == dict(l=60, r=20, t=50, b=40)
    assert chart_layout(margin=dict(l=1, r=2, t=3, b=4), title="t")["margin"] == dict(l=1, r=2, t=3, b=4)
    layout["margin"]["l"] = 0
    assert chart_layout()["margin"]["l"] == 60, "a layout is a fresh copy"


def test_the_house_template_is_plotly_white_for_every_trace_type_the_figures_draw():
    white, house = pio.templates["plotly_white"].to_plotly_json(), pio.templates[HOUSE_TEMPLATE].to_plotly_json()
    assert {part: value for part, value in white["layout"].items() if part in house["layout"]} == house["layout"]
    assert set(white["layout"]) - set(house["layout"]) == {"polar", "ternary", "scene", "geo"}
    drawn = set()
    for path in (ROOT / "lstm_core").rglob("*.py"):
        source = path.read_text()
        drawn |= {name.lower() for name in re.findall(r"go\.([A-Z][a-zA-Z]*)\(", source)} - {"figure"}
        drawn |= set(re.findall(r"\.add_([a-z0-9]+)\(", source)) & set(white["data"])  # add_scatter, add_bar, ...
    assert drawn and drawn <= set(house["data"]), f"a trace type the house template lacks: {drawn - set(house['data'])}"
    for trace in house["data"]:
        assert house["data"][trace] == white["data"][trace]
