"""Knock-outs, clamps and resets inside the glass box, on constructed and random weights with known answers."""

import numpy as np
import pytest

from bench.weights import random_weights
from lstm_core.config import ModelConfig
from lstm_core.glassbox.interventions import Intervention
from lstm_core.glassbox.replay import sigmoid, trace_model
from lstm_core.model.weights import ModelWeights


def _reference_replay(weights: ModelWeights, x: np.ndarray) -> list[dict[str, np.ndarray]]:
    """Return every layer's arrays from the replay's plain loop as it stood before interventions existed."""
    layer_input = np.asarray(x, dtype=np.float64)
    layers = []
    for layer in weights.recurrent:
        kernel, recurrent_kernel, bias = (np.asarray(a, dtype=np.float64) for a in
                                          (layer.kernel, layer.recurrent_kernel, layer.bias))
        batch, timesteps, _ = layer_input.shape
        units = recurrent_kernel.shape[0]
        x_part = layer_input @ kernel + bias
        h_tm1 = np.zeros((batch, units))
        if weights.cell == "rnn":
            h = np.empty((batch, timesteps, units))
            for t in range(timesteps):
                h_tm1 = np.tanh(x_part[:, t] + h_tm1 @ recurrent_kernel)
                h[:, t] = h_tm1
            states = {"h": h}
        else:
            c_tm1 = np.zeros((batch, units))
            states = {name: np.empty((batch, timesteps, units)) for name in "ifgoch"}
            for t in range(timesteps):
                z = x_part[:, t] + h_tm1 @ recurrent_kernel
                z_i, z_f, z_g, z_o = np.split(z, 4, axis=1)
                i, f, g, o = sigmoid(z_i), sigmoid(z_f), np.tanh(z_g), sigmoid(z_o)
                c_tm1 = f * c_tm1 + i * g
                h_tm1 = o * np.tanh(c_tm1)
                for name, value in zip("ifgoch", (i, f, g, o, c_tm1, h_tm1)):
                    states[name][:, t] = value
        layers.append(states)
        layer_input = states["h"]
    return layers


def _model(cell: str = "lstm", layers: int = 2, units: int = 6, seq_length: int = 12, seed: int = 0):
    cfg = ModelConfig(seq_length=seq_length, units=units, layers=layers, dense_units=4, cell=cell)
    weights = random_weights(cfg, n_features=2, seed=seed)
    x = np.random.default_rng(seed + 1).uniform(-1, 1, (7, seq_length, 2)).astype(np.float32)
    return weights, x


@pytest.mark.parametrize("cell", ["lstm", "rnn"])
def test_no_interventions_is_the_plain_replay_bit_for_bit(cell):
    weights, x = _model(cell, layers=3)
    reference = _reference_replay(weights, x)
    for trace in (trace_model(weights, x), trace_model(weights, x, interventions=())):
        for layer, expected in zip(trace.layers, reference):
            for name, array in expected.items():
                assert np.array_equal(getattr(layer, name), array), name
        assert np.array_equal(trace.prediction, trace_model(weights, x).prediction)


def test_the_altered_loop_with_a_change_that_changes_nothing_is_bit_for_bit_the_plain_loop():
    # Before step 0 the state is already 0, so a reset there runs the altered loop without changing a number.
    weights, x = _model(layers=2)
    plain = trace_model(weights, x)
    altered = trace_model(weights, x, interventions=[Intervention("reset", 0), Intervention("reset", 1)])
    for before, after in zip(plain.layers, altered.layers):
        for name in "ifgoch":
            assert np.array_equal(getattr(before, name), getattr(after, name))
    assert np.array_equal(plain.prediction, altered.prediction)


def test_a_unit_with_zero_outgoing_weights_changes_nothing_when_knocked_out():
    weights, x = _model(layers=1, units=5)
    silent = 2
    weights.recurrent[0].recurrent_kernel[silent, :] = 0.0  # its h reaches no gate of any unit
    weights.dense[0].kernel[silent, :] = 0.0  # nor the head
    plain = trace_model(weights, x).prediction
    knocked = trace_model(weights, x, interventions=[Intervention("knock_out", 0, units=(silent,))]).prediction
    assert np.array_equal(knocked, plain)
    other = trace_model(weights, x, interventions=[Intervention("knock_out", 0, units=(0,))]).prediction
    assert np.max(np.abs(other - plain)) > 1e-3  # a unit that does reach the head changes the forecast


def test_a_knocked_out_h_is_zero_and_is_what_the_next_step_sees():
    weights, x = _model(layers=1, units=4)
    s, unit = 5, 1
    trace = trace_model(weights, x, interventions=[Intervention("knock_out", 0, units=[unit], from_step=s)])
    layer = trace.lstm_layer(0)
    assert np.all(layer.h[:, s:, unit] == 0.0) and np.all(layer.h[:, :s, unit] != 0.0)
    w = weights.recurrent[0]
    z = x[:, s + 1] @ w.kernel.astype(np.float64) + layer.h[:, s] @ w.recurrent_kernel.astype(np.float64) + w.bias
    np.testing.assert_allclose(layer.i[:, s + 1], sigmoid(z[:, :4]), atol=1e-12)


def test_a_knock_out_in_layer_0_reaches_layer_1_as_a_zero_input():
    weights, x = _model(layers=2, units=4)
    plain = trace_model(weights, x)
    trace = trace_model(weights, x, interventions=[Intervention("knock_out", 0, units=(3,), from_step=4)])
    assert np.all(trace.layer_inputs[1][:, 4:, 3] == 0.0)
    np.testing.assert_array_equal(trace.layer_inputs[1][:, :4], plain.layer_inputs[1][:, :4])
    assert np.max(np.abs(trace.layers[1].h[:, 4:] - plain.layers[1].h[:, 4:])) > 1e-3
    assert np.max(np.abs(trace.prediction - plain.prediction)) > 1e-4


def test_forget_clamped_open_and_input_shut_hold_the_cell_state_still():
    weights, x = _model(layers=1, units=5)
    s = 6
    trace = trace_model(weights, x, interventions=[Intervention("clamp", 0, gate="f", value=1.0, from_step=s),
                                                   Intervention("clamp", 0, gate="i", value=0.0, from_step=s)])
    c = trace.lstm_layer(0).c
    for t in range(s, x.shape[1]):
        np.testing.assert_array_equal(c[:, t], c[:, s - 1])
    np.testing.assert_array_equal(c[:, :s], trace_model(weights, x).lstm_layer(0).c[:, :s])
    assert np.all(trace.lstm_layer(0).f[:, s:] == 1.0) and np.all(trace.lstm_layer(0).i[:, s:] == 0.0)


def test_a_reset_of_every_unit_at_step_s_equals_a_fresh_replay_from_s():
    weights, x = _model(layers=2, units=5)
    s = 4
    trace = trace_model(weights, x, interventions=[Intervention("reset", 0, from_step=s),
                                                   Intervention("reset", 1, from_step=s)])
    fresh = trace_model(weights, x[:, s:])
    for altered, new in zip(trace.layers, fresh.layers):
        for name in "ifgoch":
            np.testing.assert_allclose(getattr(altered, name)[:, s:], getattr(new, name), atol=1e-12)
    np.testing.assert_allclose(trace.prediction, fresh.prediction, atol=1e-12)


def test_within_a_step_clamps_come_before_c_and_h_and_the_knock_out_after():
    weights, x = _model(layers=1, units=4)
    unit, s = 2, 3
    trace = trace_model(weights, x, interventions=[Intervention("knock_out", 0, units=(unit,), from_step=s),
                                                   Intervention("clamp", 0, units=(unit,), gate="g", value=0.5,
                                                                from_step=s)])
    layer = trace.lstm_layer(0)
    # c is computed from the clamped candidate; the knock-out zeroes h afterwards and leaves c as computed.
    expected_c = layer.f[:, s, unit] * layer.c[:, s - 1, unit] + layer.i[:, s, unit] * 0.5
    np.testing.assert_array_equal(layer.c[:, s, unit], expected_c)
    assert np.all(layer.g[:, s:, unit] == 0.5) and np.all(layer.h[:, s:, unit] == 0.0)
    assert np.all(layer.c[:, s:, unit] != 0.0)


def test_a_reset_comes_before_the_clamps_of_its_step():
    weights, x = _model(layers=1, units=4)
    trace = trace_model(weights, x, interventions=[Intervention("reset", 0, from_step=5),
                                                   Intervention("clamp", 0, gate="f", value=1.0, from_step=5),
                                                   Intervention("clamp", 0, gate="i", value=0.0, from_step=5)])
    assert np.all(trace.lstm_layer(0).c[:, 5:] == 0.0)


def test_two_knock_outs_equal_one_of_both_units_and_none_means_every_unit():
    weights, x = _model(layers=1, units=4)
    apart = trace_model(weights, x, interventions=[Intervention("knock_out", 0, units=(0,)),
                                                   Intervention("knock_out", 0, units=(2,))])
    together = trace_model(weights, x, interventions=[Intervention("knock_out", 0, units=(2, 0))])
    np.testing.assert_array_equal(apart.prediction, together.prediction)
    every = trace_model(weights, x, interventions=[Intervention("knock_out", 0)])
    head_on_zeros = np.zeros((1, 4)) @ weights.dense[0].kernel + weights.dense[0].bias
    head_on_zeros = head_on_zeros @ weights.dense[1].kernel + weights.dense[1].bias
    np.testing.assert_allclose(every.prediction, np.repeat(head_on_zeros, len(x), axis=0), atol=1e-6)


def test_a_plain_rnn_layer_takes_knock_outs_and_resets_and_refuses_clamps():
    weights, x = _model("rnn", layers=2, units=5)
    trace = trace_model(weights, x, interventions=[Intervention("knock_out", 0, units=(1,), from_step=2)])
    assert np.all(trace.layers[0].h[:, 2:, 1] == 0.0) and np.all(trace.layer_inputs[1][:, 2:, 1] == 0.0)
    reset = trace_model(weights, x, interventions=[Intervention("reset", 0, from_step=3),
                                                   Intervention("reset", 1, from_step=3)])
    np.testing.assert_allclose(reset.prediction, trace_model(weights, x[:, 3:]).prediction, atol=1e-12)
    with pytest.raises(ValueError, match="plain RNN layer"):
        trace_model(weights, x, interventions=[Intervention("clamp", 1, gate="f", value=1.0)])


@pytest.mark.parametrize("change,message", [
    (Intervention("knock_out", 2), r"layer 2 is out of range.*2 recurrent layers \(0 to 1\)"),
    (Intervention("knock_out", 0, units=(6,)), r"unit 6 is out of range.*6 units \(0 to 5\)"),
    (Intervention("reset", 1, from_step=12), r"from_step 12 is out of range.*12 steps \(0 to 11\)"),
    (Intervention("clamp", 0, gate="o", value=0.0, from_step=40), r"from_step 40 is out of range"),
])
def test_out_of_range_layers_units_and_steps_name_the_bounds(change, message):
    weights, x = _model(layers=2, units=6, seq_length=12)
    with pytest.raises(ValueError, match=message):
        trace_model(weights, x, interventions=[change])


@pytest.mark.parametrize("kwargs,message", [
    ({"kind": "silence", "layer": 0}, "not one of"),
    ({"kind": "clamp", "layer": 0}, "needs gate"),
    ({"kind": "clamp", "layer": 0, "gate": "c", "value": 0.0}, "needs gate"),
    ({"kind": "clamp", "layer": 0, "gate": "f", "value": 1.5}, r"outside its range \[0.0, 1.0\]"),
    ({"kind": "clamp", "layer": 0, "gate": "g", "value": float("nan")}, "finite"),
    ({"kind": "knock_out", "layer": 0, "gate": "f"}, "takes no gate or value"),
    ({"kind": "reset", "layer": -1}, "layer = -1"),
    ({"kind": "reset", "layer": 0, "from_step": 1.5}, "from_step = 1.5"),
    ({"kind": "knock_out", "layer": 0, "units": ()}, "at least one"),
    ({"kind": "knock_out", "layer": 0, "units": 3}, "sequence of unit indices"),
    ({"kind": "knock_out", "layer": 0, "units": (1, -2)}, "at least one whole number >= 0"),
])
def test_a_malformed_intervention_is_refused_with_a_clear_message(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Intervention(**kwargs)


def test_an_intervention_is_frozen_hashable_and_says_what_it_does():
    change = Intervention("clamp", 1, units=np.array([0, 3]), gate="f", value=1, from_step=2)
    assert change.units == (0, 3) and isinstance(change.value, float)
    assert hash(change) == hash(Intervention("clamp", 1, units=(0, 3), gate="f", value=1.0, from_step=2))
    assert change.describe() == "clamp f = 1 in units 0, 3 of layer 2 from step 3"
    assert Intervention("knock_out", 0, units=(4,)).describe() == "knock out unit 4 of layer 1 from the first step"
