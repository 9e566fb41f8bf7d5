"""The Inside stepper figure: every frame holds the replay's own numbers for its step; its controls name frames."""

import json

import numpy as np
import pytest
from plotly.colors import get_colorscale

from bench.weights import random_weights
from lstm_core.config import ModelConfig
from lstm_core.figures.cell import CELL_WIRES, cell_values
from lstm_core.figures.stepper import (
    HEATMAP_PARTS,
    UnitOrder,
    backward_equation_text,
    forward_equation_texts,
    stepper_figure,
)
from lstm_core.figures.style import GATE_COLORS, TRANSPARENT, WINDOW_Y_COLOR
from lstm_core.glassbox.backprop import gradients
from lstm_core.glassbox.replay import trace_model
from lstm_core.model.gates import CELL_PART_KEYS, CELL_PARTS


def _case(layers: int, seed: int):
    cfg = ModelConfig(seq_length=7, units=5, layers=layers, dense_units=3, dropout=0.0, horizon=2)
    weights = random_weights(cfg, seed=seed)
    x = np.random.default_rng(seed).uniform(-1, 1, size=(1, cfg.seq_length, 1))  # (batch, timesteps, features)
    y = np.random.default_rng(seed + 1).uniform(-1, 1, size=(1, cfg.horizon))  # (batch, horizon)
    return weights, trace_model(weights, x), gradients(weights, x, y), x, y


ONE_LAYER = _case(1, 3)
TWO_LAYERS = _case(2, 4)


def _figure(case, layer: int, unit: int, backward: bool = True, start_step: int = 0):
    weights, trace, grads, x, y = case
    return stepper_figure(weights, trace, grads if backward else None, x[0], y[0], trace.prediction[0], layer, unit,
                          start_step)


def _trace(fig, name: str):
    """Return the figure's one trace of this name."""
    found = [trace for trace in fig.data if trace.name == name]
    assert len(found) == 1, name
    return found[0]


def _axis(fig, trace, kind: str):
    """Return the layout axis ("x" or "y") the trace is drawn on."""
    reference = trace.xaxis if kind == "x" else trace.yaxis
    return fig.layout[f"{kind}axis{reference[1:]}"]


def _moving(fig, frame) -> dict:
    """Return the frame's trace updates keyed by the name of the trace each one rewrites."""
    return {fig.data[index].name: update for index, update in zip(frame.traces, frame.data)}


@pytest.mark.parametrize("case,layer,unit", [(ONE_LAYER, 0, 2), (TWO_LAYERS, 0, 4), (TWO_LAYERS, 1, 1)],
                         ids=["one layer", "two layers, layer 1", "two layers, layer 2"])
def test_every_frame_holds_the_replays_numbers_of_its_step(case, layer, unit):
    weights, trace, grads, x, y = case
    fig = _figure(case, layer, unit)
    layer_trace = trace.layers[layer]
    seq_length = x.shape[1]
    assert [frame.name for frame in fig.frames] == [str(t) for t in range(1, seq_length + 1)]
    for step, frame in enumerate(fig.frames):
        t = step + 1
        moving = _moving(fig, frame)
        expected = [getattr(layer_trace, part)[0, step, unit] for part in CELL_PART_KEYS]
        np.testing.assert_array_equal(moving["unit values"].y, expected)
        assert list(moving["unit values"].text) == [f"{v:.3f}" for v in expected]
        np.testing.assert_array_equal(moving["c and h now"].y, [layer_trace.c[0, step, unit],
                                                                layer_trace.h[0, step, unit]])
        step_lines = {name: update for name, update in moving.items() if name.startswith("step line")}
        assert len(step_lines) == 8, "six heatmaps, the gradient chart and the dL/dc heatmap"
        assert all(list(update.x) == [t, t] for update in step_lines.values())
        np.testing.assert_array_equal(moving["fed so far"].y, x[0, :t, 0])
        assert list(moving["x now"].x) == [t]
        np.testing.assert_array_equal(moving["prediction"].y, trace.prediction[0] if t == seq_length else [])

        # What each line prints is checked against the replay in test_stepper_equations.py.
        texts = list(moving["equations"].text)
        assert texts == [*forward_equation_texts(weights, trace, layer, step, unit),
                         backward_equation_text(grads, trace, layer, step, unit)]
        assert texts[0].startswith(f"i{'₀₁₂₃₄₅₆₇₈₉'[t]}[{unit}] = σ(W·")
        assert ("h⁽" in texts[0]) == (layer > 0), "a layer above the first reads the lower layer's h"
        assert frame.layout.title.text is None, "the slider's label tells the step; the title is the unit's"
    assert fig.layout.title.text == f"Unit {unit} of layer {layer + 1}"


@pytest.mark.parametrize("case,layer,unit", [(ONE_LAYER, 0, 2), (TWO_LAYERS, 1, 1)],
                         ids=["one layer", "two layers, layer 2"])
def test_every_frame_draws_the_cell_and_the_strip_with_the_replays_values(case, layer, unit):
    weights, trace, grads, x, y = case
    fig = _figure(case, layer, unit)
    for step, frame in enumerate(fig.frames):
        values = cell_values(trace, layer, 0, step, unit)
        wires = [(fig.data[index].name, update) for index, update in zip(frame.traces, frame.data)
                 if fig.data[index].name.startswith("wire ")]
        assert len(wires) == len(CELL_WIRES), "every wire of the cell moves with the step"
        for name, update in wires:
            value = getattr(values, name.removeprefix("wire "))
            assert update.line.width == pytest.approx(1.5 + 7.0 * min(abs(value), 1.5) / 1.5), (step, name)
        assert {name.removeprefix("wire ") for name, _ in wires} == {
            "c_tm1", "kept", "c_t", "h_tm1", "x_t", "tanh_c", "o", "h_t", "added", "i", "f", "g"}
        labels = list(_moving(fig, frame)["cell labels"].text)
        assert any("‖x<sub>t</sub>‖" in label for label in labels) == (layer > 0), "a lower layer's h is a vector"
        for field in ("i", "f", "g", "o", "c_tm1", "kept", "added", "c_t", "tanh_c", "h_tm1", "x_t", "h_t"):
            assert any(label.endswith(f" = {getattr(values, field):.3f}") for label in labels), (step, field)
        highlight = _moving(fig, frame)["this step's cell"]
        assert min(highlight.x) < step + 1 < max(highlight.x) and max(highlight.x) - min(highlight.x) < 1
    first, second = (list(_moving(fig, fig.frames[k])["cell labels"].text) for k in (0, 1))
    assert first != second
    np.testing.assert_array_equal(_trace(fig, "c (cell state)").y, trace.layers[layer].c[0, :, unit])
    np.testing.assert_array_equal(_trace(fig, "h (hidden state)").y, trace.layers[layer].h[0, :, unit])
    assert list(_trace(fig, "one cell per step").x) == list(range(1, x.shape[1] + 1))


@pytest.mark.parametrize("case,layer,unit", [(ONE_LAYER, 0, 2), (TWO_LAYERS, 1, 3)],
                         ids=["one layer", "two layers, layer 2"])
def test_the_heatmaps_show_every_unit_at_every_step_with_their_scales_titles_and_lines(case, layer, unit):
    weights, trace, grads, x, y = case
    fig = _figure(case, layer, unit)
    heatmaps = {t.hovertemplate.split("<extra>")[1].split("</extra>")[0]: t for t in fig.data if t.type == "heatmap"}
    assert set(heatmaps) == {*HEATMAP_PARTS, "∂L/∂c"}
    steps, units = list(range(1, x.shape[1] + 1)), list(range(trace.layers[layer].h.shape[2]))
    sequential, diverging = ([color for _, color in get_colorscale(name)] for name in ("Viridis", "RdBu"))
    titles = {annotation.text: annotation for annotation in fig.layout.annotations}
    for part in HEATMAP_PARTS:
        heatmap = heatmaps[part]
        values = getattr(trace.layers[layer], part)[0]  # (timesteps, units)
        np.testing.assert_array_equal(heatmap.z, values.T.astype(np.float32))  # hover shows three decimals
        assert list(heatmap.x) == steps and list(heatmap.y) == units, "columns are steps 1..T, rows are units"
        scale = [color for _, color in heatmap.colorscale]
        if part in ("i", "f", "o"):
            assert (heatmap.zmin, heatmap.zmax) == (0, 1) and scale == sequential
        else:
            assert (heatmap.zmin, heatmap.zmax, heatmap.zmid) == (-1, 1, 0) and scale == diverging
        title = titles[CELL_PARTS[part].title]
        assert title.font.color == GATE_COLORS[part]
        x_domain, y_domain = _axis(fig, heatmap, "x").domain, _axis(fig, heatmap, "y").domain
        assert x_domain[0] < title.x < x_domain[1] and title.y >= y_domain[1], "the title sits above its heatmap"
        if part in ("g", "c", "h"):
            assert _axis(fig, heatmap, "x").title.text == "time step", "the bottom row names the steps"
        if part in ("i", "g"):
            assert _axis(fig, heatmap, "y").title.text == "unit (by index)", "the left column names the units"
        assert list(_trace(fig, f"unit line {part}").y) == [unit, unit]
    dc = grads.layers[layer].dc[0]  # (timesteps, units)
    np.testing.assert_array_equal(heatmaps["∂L/∂c"].z, dc.T.astype(np.float32))
    bound = float(np.max(np.abs(dc)))
    assert (heatmaps["∂L/∂c"].zmin, heatmaps["∂L/∂c"].zmax, heatmaps["∂L/∂c"].zmid) == (-bound, bound, 0)
    assert list(_trace(fig, "unit line dc").y) == [unit, unit]


@pytest.mark.parametrize("case,layer", [(ONE_LAYER, 0), (TWO_LAYERS, 1)], ids=["one layer", "two layers, layer 2"])
def test_the_gradient_chart_draws_how_strongly_the_loss_reaches_each_step_on_a_log_axis(case, layer):
    weights, trace, grads, x, y = case
    fig = _figure(case, layer, 0)
    to_input, to_cell = _trace(fig, "|∂L/∂x_t| (input)"), _trace(fig, f"|∂L/∂c_t| (layer {layer + 1})")
    np.testing.assert_allclose(to_input.y, np.maximum(np.linalg.norm(grads.dx[0], axis=1), 1e-12))
    np.testing.assert_allclose(to_cell.y, np.maximum(np.linalg.norm(grads.layers[layer].dc[0], axis=1), 1e-12))
    assert list(to_input.x) == list(range(1, x.shape[1] + 1))
    assert _axis(fig, to_input, "y").type == "log"


def test_the_window_panel_feeds_the_steps_one_by_one_and_rings_the_current_one():
    weights, trace, grads, x, y = ONE_LAYER
    fig = _figure(ONE_LAYER, 0, 0)
    inputs, seq_length = x[0, :, 0], x.shape[1]  # (seq_length,)
    faint = _trace(fig, "still to come")
    assert list(faint.x) == list(range(1, seq_length + 1)) and faint.marker.opacity < 1
    assert (_axis(fig, faint, "x").title.text, _axis(fig, faint, "y").title.text) == ("time step", "scaled value")
    np.testing.assert_array_equal(faint.y, inputs)
    target = _trace(fig, "Y (target)")
    assert list(target.x) == list(range(seq_length + 1, seq_length + 1 + y.shape[1]))
    np.testing.assert_array_equal(target.y, y[0])
    assert target.marker.color == WINDOW_Y_COLOR
    ring = _trace(fig, "x now")
    assert ring.marker.line.width >= 2 and ring.marker.color == TRANSPARENT, "a ring, not a dot"
    for step, frame in enumerate(fig.frames):
        moving = _moving(fig, frame)
        assert list(moving["fed so far"].x) == list(range(1, step + 2))
        assert list(moving["x now"].y) == [inputs[step]]


def test_the_step_buttons_of_each_frame_name_the_neighbouring_frames():
    fig = _figure(ONE_LAYER, 0, 0)
    seq_length = len(fig.frames)
    for step, frame in enumerate(fig.frames):
        buttons = {b.label: list(b.args[0]) for b in frame.layout.updatemenus[0].buttons}
        assert buttons["◀ Step back"] == [str(max(step, 1))]
        assert buttons["Step ▶"] == [str(min(step + 2, seq_length))]
        assert buttons["◀◀ Step 1"] == ["1"]
    slider = fig.layout.sliders[0]
    assert [list(s.args[0]) for s in slider.steps] == [[str(t)] for t in range(1, seq_length + 1)]
    assert [s.label for s in slider.steps] == [str(t) for t in range(1, seq_length + 1)]
    plays = [b for b in fig.layout.updatemenus[1].buttons if b.label.startswith("▶ Play")]
    assert [b.args[1]["frame"]["duration"] for b in plays] == [483, 183, 83], "less the display frame Plotly waits"
    assert all(b.args[0] is None and b.args[1]["fromcurrent"] for b in plays), "play from the step shown"


def test_play_draws_only_what_moves_and_keeps_every_heatmap_under_its_step_line():
    fig = _figure(TWO_LAYERS, 0, 2)
    plays = [b for b in fig.layout.updatemenus[1].buttons if b.label.startswith("▶ Play")]
    assert all(b.args[1]["frame"]["redraw"] is False for b in plays), "Play draws the moving traces alone"
    steps = [*fig.layout.updatemenus[0].buttons, *(s for s in fig.layout.sliders[0].steps)]
    assert all(b.args[1]["frame"]["redraw"] is True for b in steps), "a step redraws its buttons' targets"
    moving = set(fig.frames[0].traces)
    layout = fig.layout.to_plotly_json()
    heatmap_axes = {(t.xaxis, t.yaxis) for t in fig.data if t.type == "heatmap"}
    assert len(heatmap_axes) == 7, "six gate and state heatmaps and the one of dL/dc, each on its own axes"
    for index, trace in enumerate(fig.data):
        if (trace.xaxis, trace.yaxis) in heatmap_axes:
            assert index not in moving, f"{trace.name} moves in a heatmap's subplot, which a step would wipe"
    lines = [t for t in fig.data if (t.name or "").startswith("step line") and t.name != "step line gradients"]
    assert len(lines) == 7
    for line in lines:
        over_x, over_y = (layout[axis.replace("x", "xaxis").replace("y", "yaxis")] for axis in (line.xaxis, line.yaxis))
        base = next(h for h in fig.data if h.type == "heatmap" and h.xaxis == over_x["overlaying"])
        base_x = layout[base.xaxis.replace("x", "xaxis")]
        base_y = layout[base.yaxis.replace("y", "yaxis")]
        assert over_y["overlaying"] == base.yaxis and not over_x["visible"] and not over_y["visible"]
        assert over_x["range"] == base_x["range"] == [0.5, 7.5] and over_y["range"] == base_y["range"] == [-0.5, 4.5]


def test_the_figure_opens_at_the_start_step_as_its_frame_draws_it():
    fig = _figure(TWO_LAYERS, 1, 3, start_step=4)
    assert fig.layout.sliders[0].active == 4
    assert fig.layout.updatemenus[0].to_plotly_json() == fig.frames[4].layout.updatemenus[0].to_plotly_json()
    for index, update in zip(fig.frames[4].traces, fig.frames[4].data):
        for field in ("x", "y", "text"):
            if update[field] is not None:
                np.testing.assert_array_equal(fig.data[index][field], update[field])


def test_without_gradients_the_figure_draws_the_forward_pass_alone():
    fig = _figure(ONE_LAYER, 0, 1, backward=False)
    names = {trace.name for trace in fig.data}
    assert "step line dc" not in names and "step line gradients" not in names
    assert len(_moving(fig, fig.frames[2])["equations"].text) == 6
    assert not any("∂L" in (a.text or "") for a in fig.layout.annotations)


def test_the_browser_receives_the_frames_with_their_names_and_the_slider():
    sent = json.loads(_figure(TWO_LAYERS, 0, 0).to_json())
    assert [frame["name"] for frame in sent["frames"]] == [str(t) for t in range(1, 8)]
    assert all(frame["data"][k]["type"] == sent["data"][index]["type"]
               for frame in sent["frames"] for k, index in enumerate(frame["traces"])), "a bar stays a bar"
    assert len(sent["layout"]["sliders"][0]["steps"]) == 7


def test_heatmap_rows_follow_a_given_unit_order_and_the_chart_says_which():
    weights, trace, grads, x, y = TWO_LAYERS
    order = UnitOrder((3, 0, 4, 1, 2), by="importance")
    fig = stepper_figure(weights, trace, grads, x[0], y[0], trace.prediction[0], 1, 4, unit_order=order)
    heatmaps = {t.hovertemplate.split("<extra>")[1].split("</extra>")[0]: t for t in fig.data if t.type == "heatmap"}
    for part in HEATMAP_PARTS:
        values = getattr(trace.layers[1], part)[0]  # (timesteps, units)
        for row, unit in enumerate(order.units):
            np.testing.assert_array_equal(heatmaps[part].z[row], values[:, unit].astype(np.float32))
            assert set(heatmaps[part].customdata[row]) == {unit}, "the hover names the unit, not the row"
        axis = _axis(fig, heatmaps[part], "y")
        assert list(axis.ticktext) == ["3", "0", "4", "1", "2"] and list(axis.tickvals) == [0, 1, 2, 3, 4]
        assert list(_trace(fig, f"unit line {part}").y) == [2, 2], "unit 4 is drawn on the third row"
    assert _axis(fig, heatmaps["i"], "y").title.text == "unit (by importance)"
    dc = grads.layers[1].dc[0]  # (timesteps, units)
    np.testing.assert_array_equal(heatmaps["∂L/∂c"].z, dc[:, list(order.units)].T.astype(np.float32))
