"""The backward glass box against TensorFlow's autodiff: input, state and weight gradients."""

import numpy as np
import pytest

from bench.weights import random_weights
from lstm_core.config import ModelConfig, SeriesConfig
from lstm_core.data.dataset import build_dataset
from lstm_core.glassbox.backprop import gradients
from lstm_core.model.keras_model import build_model
from lstm_core.training.protocol import TrainingData
from lstm_core.training.worker import train_job

TOLERANCE = 1e-5


def keras_model(cfg: ModelConfig, weights, n_features: int = 1):
    """Return a Keras model of cfg holding these ModelWeights."""
    model = build_model(cfg, n_features)
    model.set_weights(weights.to_list())
    return model


def tape_gradients(model, cfg: ModelConfig, x: np.ndarray, y: np.ndarray):
    """Return TensorFlow's (dx, weight gradients, per-layer (dh, dc)) with each recurrent cell looped step by step.

    A SimpleRNN cell has no cell state: its layers' dc lists are empty.
    """
    import tensorflow as tf

    x_tf, y_tf = tf.constant(x, tf.float32), tf.constant(y, tf.float32)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x_tf)
        loss = tf.reduce_mean((model(x_tf, training=False) - y_tf) ** 2)
        # The same model unrolled by hand, to reach every h_t and c_t.
        sequence, states = x_tf, []
        for index in range(cfg.layers):
            cell = model.get_layer(f"{cfg.cell}_{index + 1}").cell
            h = tf.zeros((x.shape[0], cfg.units))
            c = tf.zeros((x.shape[0], cfg.units))
            hs, cs = [], []
            for t in range(x.shape[1]):
                if cfg.cell == "lstm":
                    h, (h, c) = cell(sequence[:, t], [h, c], training=False)
                    cs.append(c)
                else:
                    h, _ = cell(sequence[:, t], [h], training=False)
                hs.append(h)
            states.append((hs, cs))
            sequence = tf.stack(hs, axis=1)
        out = sequence[:, -1]
        for name in (["dense_head"] if cfg.dense_units else []) + ["output"]:
            out = model.get_layer(name)(out)
        unrolled_loss = tf.reduce_mean((out - y_tf) ** 2)
    dx = tape.gradient(loss, x_tf).numpy()
    weight_grads = [g.numpy() for g in tape.gradient(loss, model.trainable_variables)]
    per_layer = [([g.numpy() for g in tape.gradient(unrolled_loss, hs)],
                  [g.numpy() for g in tape.gradient(unrolled_loss, cs)] if cs else []) for hs, cs in states]
    return float(loss), float(unrolled_loss), dx, weight_grads, per_layer


def assert_close(ours: np.ndarray, theirs: np.ndarray, what: str) -> None:
    scale = max(1.0, float(np.max(np.abs(theirs))))  # relative to the largest gradient when gradients are large
    difference = float(np.max(np.abs(ours - theirs))) / scale
    assert difference <= TOLERANCE, f"{what}: max |Δ| = {difference:.2e} (scale {scale:.2e})"


CASES = [  # (layers, units, seq_length, dense_units)
    (1, 1, 1, 0), (1, 4, 10, 0), (1, 64, 5, 8), (2, 8, 20, 4), (2, 32, 50, 0), (3, 16, 100, 0),
    (3, 2, 30, 16), (1, 16, 100, 0),
]


RNN_CASES = [(1, 1, 1, 0), (1, 16, 25, 0), (2, 8, 40, 4), (3, 64, 10, 0), (1, 32, 100, 8)]


# The LSTM cases take 1, 2 and 3 inputs in turn (a series beside its extra inputs); the plain RNN's lesson reads
# a value and a marker.
@pytest.mark.parametrize("cell,layers,units,seq_length,dense_units,n_features",
                         [("lstm", *case, 1 + index % 3) for index, case in enumerate(CASES)]
                         + [("rnn", *case, 2) for case in RNN_CASES])
def test_gradients_equal_tensorflows_on_random_weights(cell, layers, units, seq_length, dense_units, n_features):
    cfg = ModelConfig(seq_length=seq_length, units=units, layers=layers, dense_units=dense_units, horizon=2,
                      dropout=0.0, cell=cell)
    rng = np.random.default_rng(layers * 100 + units)
    x = rng.normal(size=(3, seq_length, n_features)).astype(np.float32)  # (batch, timesteps, features)
    y = rng.normal(size=(3, 2)).astype(np.float32)  # (batch, horizon)
    weights = random_weights(cfg, n_features, seed=units)
    model = keras_model(cfg, weights, n_features)
    loss, unrolled_loss, dx, weight_grads, per_layer = tape_gradients(model, cfg, x, y)
    ours = gradients(weights, x, y)

    assert abs(ours.loss - loss) <= 1e-5 * max(1.0, loss) and abs(unrolled_loss - loss) <= 1e-5 * max(1.0, loss)
    assert ours.dx.shape == x.shape
    assert_close(ours.dx, dx, "dx")
    flat = [grads[name] for grads in ours.weights for name in grads]
    assert [a.shape for a in flat] == [g.shape for g in weight_grads]
    for index, (a, b) in enumerate(zip(flat, weight_grads)):
        assert_close(a, b, f"weight {index}")
    for index, (layer, (hs, cs)) in enumerate(zip(ours.layers, per_layer)):
        assert layer.dh.shape == (3, seq_length, units)
        assert_close(layer.dh, np.stack(hs, axis=1), f"layer {index + 1} dh")
        if cell == "lstm":
            assert layer.dc.shape == (3, seq_length, units)
            assert_close(layer.dc, np.stack(cs, axis=1), f"layer {index + 1} dc")
        else:
            assert layer.dc is None


@pytest.mark.parametrize("cell", ["lstm", "rnn"])
def test_gradients_equal_tensorflows_on_trained_weights(cell):
    cfg = ModelConfig(seq_length=12, units=8, layers=2, dense_units=4, epochs=3, dropout=0.0, cell=cell)
    ds = build_dataset(SeriesConfig(n_points=300), cfg.seq_length, cfg.horizon)
    result = train_job(TrainingData.from_dataset(ds), cfg)
    x, y = ds.X["test"][:16], ds.y["test"][:16]
    _, _, dx, weight_grads, per_layer = tape_gradients(keras_model(cfg, result.weights), cfg, x, y)
    ours = gradients(result.weights, x, y)
    assert_close(ours.dx, dx, "dx")
    for index, (a, b) in enumerate(zip([g[n] for g in ours.weights for n in g], weight_grads)):
        assert_close(a, b, f"weight {index}")
    for layer, (hs, cs) in zip(ours.layers, per_layer):
        assert_close(layer.dh, np.stack(hs, axis=1), "dh")
        if cell == "lstm":
            assert_close(layer.dc, np.stack(cs, axis=1), "dc")


def test_the_cell_state_carries_its_gradient_back_through_the_forget_gate():
    # The line a learner should remember, in the numbers: dc_{t-1} = dc_t * f_t + (the part through h_{t-1}).
    from lstm_core.glassbox.replay import trace_model

    cfg = ModelConfig(seq_length=15, units=5, layers=1, dense_units=0, dropout=0.0)
    weights = random_weights(cfg, seed=4)
    x = np.random.default_rng(1).normal(size=(2, 15, 1))  # (batch, timesteps, features)
    y = np.zeros((2, 1))  # (batch, horizon)
    ours = gradients(weights, x, y)
    trace = trace_model(weights, x).layers[0]
    dc, dh = ours.layers[0].dc, ours.layers[0].dh
    expected = dc[:, 1:] * trace.f[:, 1:] + dh[:, :-1] * trace.o[:, :-1] * (1 - np.tanh(trace.c[:, :-1]) ** 2)
    np.testing.assert_allclose(dc[:, :-1], expected, atol=1e-12)


def test_wrong_target_shape_is_refused():
    cfg = ModelConfig(seq_length=4, units=3, layers=1, dense_units=0)
    with pytest.raises(ValueError, match=r"y has shape \(2, 3\), expected \(2, 1\)"):
        gradients(random_weights(cfg), np.zeros((2, 4, 1)), np.zeros((2, 3)))
