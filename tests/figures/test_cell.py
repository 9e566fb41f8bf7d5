"""The cell diagram and the backward-pass figures carry the replay's own numbers."""

import numpy as np
import pytest

from lstm_core.config import ModelConfig
from lstm_core.figures.cell import cell_figure, cell_values, unrolled_figure, wire_width
from lstm_core.figures.gradients import backward_cell_equation, dc_heatmap, gradient_steps_figure
from lstm_core.glassbox.backprop import gradients
from lstm_core.glassbox.replay import trace_model
from tests.helpers import random_weights

CFG = ModelConfig(seq_length=9, units=5, layers=2, dense_units=3, dropout=0.0)
WEIGHTS = random_weights(CFG, seed=2)
X = np.random.default_rng(0).normal(size=(1, 9, 1))  # (batch, timesteps, features)
Y = np.array([[0.3]])  # (batch, horizon)
TRACE = trace_model(WEIGHTS, X)


@pytest.mark.parametrize("layer,step,unit", [(0, 0, 0), (0, 4, 2), (1, 8, 4), (1, 3, 1)])
def test_cell_values_are_the_replays_values(layer, step, unit):
    values = cell_values(TRACE, layer, 0, step, unit)
    trace = TRACE.layers[layer]
    for gate in "ifgo":
        assert getattr(values, gate) == pytest.approx(getattr(trace, gate)[0, step, unit], abs=1e-12)
    assert values.c_t == pytest.approx(trace.c[0, step, unit]) and values.h_t == pytest.approx(trace.h[0, step, unit])
    assert values.c_tm1 == pytest.approx(trace.c[0, step - 1, unit] if step else 0.0)
    assert values.kept + values.added == pytest.approx(values.c_t)
    assert values.h_t == pytest.approx(values.o * np.tanh(values.c_t))
    assert values.x_is_norm == (layer > 0)
    expected_x = np.linalg.norm(TRACE.layer_inputs[layer][0, step]) if layer else X[0, step, 0]
    assert values.x_t == pytest.approx(expected_x)


def _labels(fig) -> list[str]:
    return list(next(trace for trace in fig.data if trace.name == "cell labels").text)


def _wire_widths(fig) -> dict[str, list[float]]:
    widths: dict[str, list[float]] = {}
    for trace in fig.data:
        if trace.name.startswith("wire "):
            widths.setdefault(trace.name.removeprefix("wire "), []).append(trace.line.width)
    return widths


def test_the_cell_diagram_writes_every_value_on_its_wire():
    values = cell_values(TRACE, 1, 0, 6, 3)
    fig = cell_figure(values, 6, 3)
    text = " ".join(_labels(fig))
    for number in (values.c_tm1, values.kept, values.added, values.c_t, values.tanh_c, values.h_tm1, values.h_t,
                   values.x_t, values.i, values.f, values.g, values.o):
        assert f"{number:.3f}" in text
    assert "‖x<sub>t</sub>‖" in text, "a lower layer's input is a vector: the diagram shows its norm"
    other = cell_figure(cell_values(TRACE, 1, 0, 7, 3), 7, 3)
    assert _labels(other) != _labels(fig)


def test_every_wire_is_as_wide_as_its_value_says():
    values = cell_values(TRACE, 0, 0, 4, 2)
    widths = _wire_widths(cell_figure(values, 4, 2))
    assert set(widths) == {"c_tm1", "kept", "c_t", "h_tm1", "x_t", "tanh_c", "o", "h_t", "added", "i", "f", "g"}
    for field, drawn in widths.items():
        value = abs(getattr(values, field))
        assert drawn == [pytest.approx(1.5 + 7.0 * min(value, 1.5) / 1.5)] * len(drawn)
    assert wire_width(0.0) == 1.5 and wire_width(3.0) == 8.5 and wire_width(-0.75) == pytest.approx(5.0)


def test_the_unrolled_strip_marks_the_current_step():
    fig = unrolled_figure(TRACE, 0, 0, 4, 1)
    np.testing.assert_allclose(fig.data[0].y, TRACE.layers[0].c[0, :, 1])
    boxes = next(trace for trace in fig.data if trace.name == "one cell per step")
    assert list(boxes.x) == list(range(1, CFG.seq_length + 1))
    highlight = next(trace for trace in fig.data if trace.name == "this step's cell")
    assert min(highlight.x) < 5 < max(highlight.x) and max(highlight.x) - min(highlight.x) < 1


def test_backward_figures_and_equation_use_the_gradients():
    grads = gradients(WEIGHTS, X, Y)
    steps = gradient_steps_figure(grads, 0, 3)
    np.testing.assert_allclose(steps.data[0].y, np.maximum(np.linalg.norm(grads.dx[0], axis=1), 1e-12))
    np.testing.assert_allclose(steps.data[1].y, np.maximum(np.linalg.norm(grads.layers[0].dc[0], axis=1), 1e-12))
    assert steps.layout.yaxis.type == "log"
    heat = dc_heatmap(grads, 1, 2, 0)
    np.testing.assert_allclose(heat.data[0].z, grads.layers[1].dc[0].T)
    for step in (0, 4, 8):
        latex, carried, through_h = backward_cell_equation(grads, TRACE.layers[0], 0, step, 2)
        assert carried + through_h == pytest.approx(grads.layers[0].dc[0, step, 2], rel=1e-9, abs=1e-15)
        assert (r"\text{no later step}" in latex) == (step == 8)
