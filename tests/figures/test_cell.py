"""The values the cell diagram draws are the replay's own; a wire's width follows its value."""

import numpy as np
import pytest

from bench.weights import random_weights
from lstm_core.config import ModelConfig
from lstm_core.figures.cell import cell_values, wire_width
from lstm_core.glassbox.replay import trace_model

CFG = ModelConfig(seq_length=9, units=5, layers=2, dense_units=3, dropout=0.0)
WEIGHTS = random_weights(CFG, seed=2)
X = np.random.default_rng(0).normal(size=(1, 9, 1))  # (batch, timesteps, features)
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


def test_a_wire_is_as_wide_as_its_value_says_up_to_a_magnitude_of_one_and_a_half():
    # Every wire of the stepper's cell is checked against this width in test_stepper.py.
    assert wire_width(0.0) == 1.5 and wire_width(3.0) == 8.5 and wire_width(-0.75) == pytest.approx(5.0)
    assert wire_width(1.5) == wire_width(-2.0) == 8.5
