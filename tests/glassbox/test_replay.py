"""The glass-box replay against Keras itself: every layer's hidden sequence and the prediction."""

import math

import keras
import numpy as np
import pytest

from lstm_core.config import ModelConfig
from lstm_core.glassbox.replay import gate_terms, max_abs_difference, sigmoid, trace_lstm, trace_model
from lstm_core.model.keras_model import build_model, extract_weights
from lstm_core.model.weights import ModelWeights

TOLERANCE = 1e-5


def _randomise(model, seed: int, matrix_spread: float = 2.0) -> None:
    """Give every weight a spread of values of a trained model's size, so gates are neither all-on nor all-off."""
    rng = np.random.default_rng(seed)
    # Matrices get the spread of Glorot's initialiser times two; biases a small spread around zero.
    model.set_weights([
        rng.normal(0.0, matrix_spread / np.sqrt(w.shape[0]) if w.ndim == 2 else 0.3, w.shape).astype(np.float32)
        for w in model.get_weights()
    ])


def _keras_sequence(weights, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return Keras's own hidden sequence and final cell state of one LSTM layer with these weights."""
    units = weights.units
    layer = keras.layers.LSTM(units, return_sequences=True, return_state=True)
    inputs = keras.Input(shape=x.shape[1:])
    model = keras.Model(inputs, layer(inputs))
    layer.set_weights([weights.kernel, weights.recurrent_kernel, weights.bias])
    h_seq, _, c_last = model(x.astype(np.float32), training=False)
    return np.asarray(h_seq), np.asarray(c_last)


SWEEP = [
    # layers, units, seq_length, features, dense_units
    (1, 1, 1, 1, 0),
    (1, 64, 100, 1, 25),
    (2, 50, 50, 1, 25),
    (2, 7, 13, 3, 0),
    (3, 16, 30, 2, 8),
    (3, 64, 64, 3, 0),
    (1, 32, 100, 2, 64),
    (3, 1, 100, 1, 1),
    (2, 3, 2, 1, 0),
]


@pytest.mark.parametrize("layers,units,seq_length,features,dense_units", SWEEP)
def test_replay_matches_keras_on_every_layer_and_the_prediction(layers, units, seq_length, features, dense_units):
    cfg = ModelConfig(seq_length=seq_length, units=units, layers=layers, dense_units=dense_units,
                      horizon=1 + layers % 2, dropout=0.2, seed=layers * 100 + units)
    model = build_model(cfg, n_features=features)
    _randomise(model, seed=units + seq_length)
    x = np.random.default_rng(seq_length).uniform(-1, 1, (5, seq_length, features)).astype(np.float32)

    trace = trace_model(model, x)

    keras_prediction = np.asarray(model(x, training=False))
    assert trace.prediction.shape == keras_prediction.shape == (5, cfg.horizon)
    assert max_abs_difference(trace.prediction, keras_prediction) <= TOLERANCE
    weights = extract_weights(model)
    assert len(trace.layers) == layers
    for layer_weights, layer_input, layer_trace in zip(weights.recurrent, trace.layer_inputs, trace.layers):
        keras_h, keras_c_last = _keras_sequence(layer_weights, layer_input)
        assert layer_trace.h.shape == (5, seq_length, units)
        assert max_abs_difference(layer_trace.h, keras_h) <= TOLERANCE
        assert max_abs_difference(layer_trace.c[:, -1], keras_c_last) <= TOLERANCE


def test_stacked_keras_intermediate_outputs_equal_the_replayed_sequences():
    cfg = ModelConfig(seq_length=20, units=12, layers=3, dense_units=0)
    model = build_model(cfg)
    _randomise(model, seed=3)
    outputs = [model.get_layer(f"lstm_{k}").output for k in (1, 2)]
    probe = keras.Model(model.inputs, outputs)
    x = np.random.default_rng(0).uniform(-1, 1, (4, 20, 1)).astype(np.float32)
    first, second = (np.asarray(a) for a in probe(x, training=False))
    trace = trace_model(model, x)
    assert max_abs_difference(trace.layers[0].h, first) <= TOLERANCE
    assert max_abs_difference(trace.layers[1].h, second) <= TOLERANCE


def _scalar_lstm(xs, w, u, b):
    """A one-unit LSTM written with plain floats, for known answers."""
    h = c = 0.0
    hs = []
    for x in xs:
        s = lambda z: 1.0 / (1.0 + math.exp(-z))  # noqa: E731
        z = x * w + h * u + b
        i, f, g, o = s(z), s(z), math.tanh(z), s(z)
        c = f * c + i * g
        h = o * math.tanh(c)
        hs.append(h)
    return hs


def test_constant_initializers_give_known_outputs():
    w, u, b = 0.5, -0.3, 0.1
    xs = [1.0, -2.0, 0.5]
    layer = keras.layers.LSTM(1, return_sequences=True, kernel_initializer=keras.initializers.Constant(w),
                              recurrent_initializer=keras.initializers.Constant(u),
                              bias_initializer=keras.initializers.Constant(b), unit_forget_bias=False)
    x = np.array(xs, dtype=np.float32).reshape(1, 3, 1)
    keras_h = np.asarray(layer(x))[0, :, 0]
    kernel, recurrent_kernel, bias = (np.asarray(a) for a in layer.get_weights())
    np.testing.assert_allclose(kernel, w)
    replay_h = trace_lstm(kernel, recurrent_kernel, bias, x).h[0, :, 0]
    expected = _scalar_lstm(xs, w, u, b)
    np.testing.assert_allclose(replay_h, expected, atol=1e-12)
    np.testing.assert_allclose(keras_h, expected, atol=1e-6)
    # Hand-checked first step: z = 0.6, i = f = o = 0.6457, g = 0.5371, c = 0.3467, h = 0.2153
    assert replay_h[0] == pytest.approx(0.21532, abs=1e-4)


def test_cell_and_hidden_state_follow_the_equations():
    rng = np.random.default_rng(1)
    units, features = 4, 2
    kernel = rng.normal(size=(features, 4 * units))
    recurrent_kernel = rng.normal(size=(units, 4 * units))
    bias = rng.normal(size=4 * units)
    x = rng.normal(size=(3, 6, features))
    h0, c0 = rng.normal(size=(3, units)), rng.normal(size=(3, units))
    trace = trace_lstm(kernel, recurrent_kernel, bias, x, initial_state=(h0, c0))
    c_prev = np.concatenate([c0[:, None], trace.c[:, :-1]], axis=1)
    np.testing.assert_allclose(trace.c, trace.f * c_prev + trace.i * trace.g, atol=1e-12)
    np.testing.assert_allclose(trace.h, trace.o * np.tanh(trace.c), atol=1e-12)
    for gate in ("i", "f", "o"):
        values = getattr(trace, gate)
        assert values.min() > 0 and values.max() < 1
    h_prev = np.concatenate([h0[:, None], trace.h[:, :-1]], axis=1)
    z = x @ kernel + h_prev @ recurrent_kernel + bias
    np.testing.assert_allclose(trace.i, sigmoid(z[..., :units]), atol=1e-12)
    np.testing.assert_allclose(trace.g, np.tanh(z[..., 2 * units:3 * units]), atol=1e-12)


def test_gate_terms_add_up_to_the_traced_gate_values():
    cfg = ModelConfig(seq_length=8, units=5, layers=2, dense_units=0)
    model = build_model(cfg)
    _randomise(model, seed=9)
    weights = extract_weights(model)
    x = np.random.default_rng(2).uniform(-1, 1, (2, 8, 1))
    trace = trace_model(weights, x)
    for step in (0, 3, 7):
        terms = gate_terms(weights.recurrent[1], trace, layer_index=1, sample=1, step=step, unit=4)
        assert set(terms) == {"i", "f", "g", "o"}
        for gate, term in terms.items():
            activation = np.tanh if gate == "g" else sigmoid
            assert term.preactivation == pytest.approx(term.input_part + term.recurrent_part + term.bias)
            assert activation(term.preactivation) == pytest.approx(term.value, abs=1e-12)
    first = gate_terms(weights.recurrent[0], trace, 0, 0, 0, 0)
    assert first["i"].recurrent_part == 0.0  # h_{-1} is zero


def test_shape_errors_name_the_layer_and_both_shapes():
    good = ModelWeights(recurrent=[])
    with pytest.raises(ValueError, match="no recurrent layer"):
        trace_model(good, np.zeros((1, 3, 1)))
    with pytest.raises(ValueError, match=r"my_layer: kernel has shape \(2, 8\), expected \(1, 8\)"):
        trace_lstm(np.zeros((2, 8)), np.zeros((2, 8)), np.zeros(8), np.zeros((1, 3, 1)), layer_name="my_layer")
    with pytest.raises(ValueError, match=r"bias has shape \(7,\), expected \(8,\)"):
        trace_lstm(np.zeros((1, 8)), np.zeros((2, 8)), np.zeros(7), np.zeros((1, 3, 1)))
    with pytest.raises(ValueError, match="expected \\(batch, timesteps, features\\)"):
        trace_lstm(np.zeros((1, 8)), np.zeros((2, 8)), np.zeros(8), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="initial h"):
        trace_lstm(np.zeros((1, 8)), np.zeros((2, 8)), np.zeros(8), np.zeros((1, 3, 1)),
                   initial_state=(np.zeros((1, 3)), np.zeros((1, 2))))


@pytest.mark.parametrize("layers,units,seq_length", [(2, 50, 50), (3, 64, 100), (1, 8, 10)])
def test_replay_matches_a_model_trained_on_the_noisy_sine(layers, units, seq_length):
    from lstm_core.config import SeriesConfig
    from lstm_core.data.dataset import build_dataset

    ds = build_dataset(SeriesConfig(n_points=600), seq_length)
    cfg = ModelConfig(seq_length=seq_length, units=units, layers=layers, epochs=1, learning_rate=0.01)
    model = build_model(cfg)
    model.fit(ds.X["train"], ds.y["train"], epochs=2, batch_size=32, verbose=0)
    x = ds.X["test"].astype(np.float32)
    trace = trace_model(extract_weights(model), x)
    assert max_abs_difference(trace.prediction, model.predict(x, verbose=0)) <= TOLERANCE


RNN_SWEEP = [(1, 1, 1, 1, 0), (1, 16, 25, 2, 0), (2, 8, 40, 2, 4), (3, 64, 100, 1, 8)]


@pytest.mark.parametrize("layers,units,seq_length,features,dense_units", RNN_SWEEP)
def test_plain_rnn_replay_matches_keras_simple_rnn(layers, units, seq_length, features, dense_units):
    cfg = ModelConfig(seq_length=seq_length, units=units, layers=layers, dense_units=dense_units, dropout=0.1,
                      cell="rnn")
    model = build_model(cfg, n_features=features)
    # A tanh RNN with twice Glorot's spread is chaotic: float32 rounding alone would grow step by step.
    _randomise(model, seed=units, matrix_spread=1.0)
    x = np.random.default_rng(units).uniform(-1, 1, (4, seq_length, features)).astype(np.float32)

    trace = trace_model(model, x)

    assert extract_weights(model).cell == "rnn"
    keras_prediction = np.asarray(model(x, training=False))
    # float32 rounding grows with the size of the output: compare relative to it when it is large.
    scale = max(1.0, float(np.max(np.abs(keras_prediction))))
    assert max_abs_difference(trace.prediction, keras_prediction) <= TOLERANCE * scale
    probe = keras.Model(model.inputs, [model.get_layer(f"rnn_{k + 1}").output for k in range(layers)])
    outputs = probe(x, training=False)
    outputs = [outputs] if layers == 1 else outputs
    for layer_trace, keras_output in zip(trace.layers, outputs):
        keras_output = np.asarray(keras_output)
        replayed = layer_trace.h if keras_output.ndim == 3 else layer_trace.h[:, -1]
        assert replayed.shape == keras_output.shape
        assert max_abs_difference(replayed, keras_output) <= TOLERANCE
