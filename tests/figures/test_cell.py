"""The cell diagram and the backward-pass figures carry the replay's own numbers."""

import numpy as np
import pytest

from lstm_core.config import ModelConfig
from lstm_core.figures.cell import cell_figure, cell_values, unrolled_figure
from lstm_core.figures.gradients import backward_cell_equation, dc_heatmap, gradient_steps_figure
from lstm_core.glassbox.backprop import gradients
from lstm_core.glassbox.replay import trace_model
from lstm_core.model.weights import random_weights

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


def test_the_cell_diagram_writes_every_value_on_its_wire():
    values = cell_values(TRACE, 1, 0, 6, 3)
    fig = cell_figure(values, 6, 3)
    text = " ".join(a.text for a in fig.layout.annotations)
    for number in (values.c_tm1, values.kept, values.added, values.c_t, values.tanh_c, values.h_tm1, values.h_t,
                   values.x_t, values.i, values.f, values.g, values.o):
        assert f"{number:.3f}" in text
    widths = [trace.line.width for trace in fig.data]
    assert min(widths) >= 1.5 and max(widths) <= 8.5
    other = cell_figure(cell_values(TRACE, 1, 0, 7, 3), 7, 3)
    assert [a.text for a in other.layout.annotations] != [a.text for a in fig.layout.annotations]


def test_the_unrolled_strip_marks_the_current_step():
    fig = unrolled_figure(TRACE, 0, 0, 4, 1)
    np.testing.assert_allclose(fig.data[0].y, TRACE.layers[0].c[0, :, 1])
    highlight = fig.layout.shapes[-1]
    assert highlight.x0 < 5 < highlight.x1 and len(fig.layout.shapes) == CFG.seq_length + 1


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
