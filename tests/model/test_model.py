"""The shape table and parameter counts against real Keras models, and the NumPy weight extraction."""

import functools
import itertools
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from bench.weights import random_weights
from lstm_core.config import ModelConfig
from lstm_core.model.gates import GATES
from lstm_core.model.keras_model import build_model, extract_weights
from lstm_core.model.shapes import count_params, dense_layer_shapes, lstm_layer_shapes, weight_shapes
from lstm_core.model.weights import ModelWeights

ROOT = Path(__file__).resolve().parents[2]
SEQ_LENGTH = 4  # the window length changes no weight shape; keep the models tiny

SWEEP = list(itertools.product((1, 2, 3), (1, 7, 16), (0, 5), (1, 3), (1, 2)))
SWEEP_IDS = [f"layers{n}-units{u}-dense{d}-horizon{h}-features{f}" for n, u, d, h, f in SWEEP]


def make_cfg(layers, units, dense_units, horizon, dropout=0.2):
    return ModelConfig(seq_length=SEQ_LENGTH, layers=layers, units=units, dense_units=dense_units,
                       horizon=horizon, dropout=dropout, seed=3)


@functools.cache
def built(layers, units, dense_units, horizon, n_features):
    """Return (cfg, keras model) for one point of the sweep, built once per test session."""
    cfg = make_cfg(layers, units, dense_units, horizon)
    return cfg, build_model(cfg, n_features)


def weighted_layers(model):
    return [layer for layer in model.layers if layer.weights]


# --- the shape table against Keras -----------------------------------------------------------------

@pytest.mark.parametrize("layers, units, dense_units, horizon, n_features", SWEEP, ids=SWEEP_IDS)
def test_weight_shapes_match_keras(layers, units, dense_units, horizon, n_features):
    cfg, model = built(layers, units, dense_units, horizon, n_features)
    table = weight_shapes(cfg, n_features)
    keras_layers = weighted_layers(model)
    assert [row.name for row in table] == [layer.name for layer in keras_layers]
    assert [row.kind for row in table] == [type(layer).__name__ for layer in keras_layers]
    for row, layer in zip(table, keras_layers):
        names = ["kernel", "recurrent_kernel", "bias"] if row.kind == "LSTM" else ["kernel", "bias"]
        assert [w.name for w in layer.weights] == names
        for weight in layer.weights:
            assert row.shapes[weight.name] == tuple(weight.shape), (row.name, weight.name)
        assert row.params == layer.count_params()
        assert row.input_dim == layer.weights[0].shape[0]
    assert count_params(cfg, n_features) == model.count_params()


@pytest.mark.parametrize("input_dim, units", [(1, 1), (1, 50), (50, 50), (3, 7), (64, 2)])
def test_lstm_layer_param_formula(input_dim, units):
    row = lstm_layer_shapes("lstm_1", input_dim, units)
    assert row.params == 4 * units * (input_dim + units + 1)
    assert row.params == sum(int(np.prod(row.shapes[k])) for k in ("kernel", "recurrent_kernel", "bias"))
    for gate in GATES:  # four equal slices, one per gate, that tile the whole matrices
        assert row.shapes[f"kernel_{gate}"] == (input_dim, units)
        assert row.shapes[f"recurrent_kernel_{gate}"] == (units, units)
        assert row.shapes[f"bias_{gate}"] == (units,)
    assert row.shapes["kernel"] == (input_dim, 4 * units)


def test_dense_layer_param_formula():
    row = dense_layer_shapes("dense_head", 50, 25)
    assert row.shapes == {"kernel": (50, 25), "bias": (25,)}
    assert row.params == 50 * 25 + 25


def test_default_model_param_count_by_hand():
    # lstm_1: 4*50*(1+50+1); lstm_2: 4*50*(50+50+1); dense_head: 50*25+25; output: 25*1+1
    assert count_params(ModelConfig()) == 10400 + 20200 + 1275 + 26


def test_shape_table_for_a_model_without_dense_head():
    table = weight_shapes(make_cfg(layers=2, units=8, dense_units=0, horizon=3), n_features=2)
    assert [(r.name, r.input_dim, r.units) for r in table] == [
        ("lstm_1", 2, 8), ("lstm_2", 8, 8), ("output", 8, 3)]


# --- the Keras model's structure -------------------------------------------------------------------

@pytest.mark.parametrize("layers", [1, 2, 3])
def test_return_sequences_on_every_lstm_but_the_last(layers):
    _, model = built(layers, 7, 5, 1, 1)
    lstms = [layer for layer in model.layers if isinstance(layer, keras.layers.LSTM)]
    assert len(lstms) == layers
    assert [layer.return_sequences for layer in lstms] == [True] * (layers - 1) + [False]
    # The next LSTM sees the whole hidden sequence: (batch, timesteps, units).
    for layer in lstms[1:]:
        assert tuple(layer.input.shape) == (None, SEQ_LENGTH, 7)


@pytest.mark.parametrize("dropout", [0.0, 0.35])
def test_dropout_follows_each_lstm(dropout):
    model = build_model(make_cfg(layers=3, units=4, dense_units=0, horizon=1, dropout=dropout))
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["InputLayer", "LSTM", "Dropout", "LSTM", "Dropout", "LSTM", "Dropout", "Dense"]
    for index, layer in enumerate(model.layers):
        if isinstance(layer, keras.layers.LSTM):
            follower = model.layers[index + 1]
            assert isinstance(follower, keras.layers.Dropout) and follower.rate == dropout


@pytest.mark.parametrize("layers, dense_units, horizon, n_features",
                         [(1, 0, 1, 1), (2, 5, 3, 2), (3, 0, 10, 1)])
def test_output_shape_is_batch_by_horizon(layers, dense_units, horizon, n_features):
    model = build_model(make_cfg(layers, 3, dense_units, horizon), n_features)
    assert tuple(model.input_shape) == (None, SEQ_LENGTH, n_features)
    assert tuple(model.output_shape) == (None, horizon)
    out = model(np.zeros((5, SEQ_LENGTH, n_features), dtype="float32"), training=False)
    assert tuple(out.shape) == (5, horizon)


def test_same_seed_builds_the_same_weights():
    cfg = make_cfg(2, 3, 2, 1)
    first, again = build_model(cfg).get_weights(), build_model(cfg).get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(first, again))


# --- extract_weights -------------------------------------------------------------------------------

@pytest.mark.parametrize("layers, units, dense_units, horizon, n_features",
                         [(1, 1, 0, 1, 1), (2, 7, 5, 3, 2), (3, 16, 0, 3, 1), (3, 7, 5, 1, 2)])
def test_extract_weights_in_get_weights_order(layers, units, dense_units, horizon, n_features):
    cfg, model = built(layers, units, dense_units, horizon, n_features)
    weights = extract_weights(model)
    assert isinstance(weights, ModelWeights)
    assert len(weights.recurrent) == layers
    assert len(weights.dense) == (2 if dense_units else 1)
    assert all(layer.units == units for layer in weights.recurrent)
    flat, reference = weights.to_list(), model.get_weights()
    assert len(flat) == len(reference)
    for ours, theirs in zip(flat, reference):
        assert isinstance(ours, np.ndarray)
        np.testing.assert_array_equal(ours, theirs)
    # The arrays carry the shapes of the table, layer by layer.
    for row, layer in zip(weight_shapes(cfg, n_features), weights.recurrent + weights.dense):
        assert row.shapes["kernel"] == layer.kernel.shape and row.shapes["bias"] == layer.bias.shape


def test_extract_weights_round_trips_through_set_weights():
    _, model = built(2, 7, 5, 3, 2)
    weights = extract_weights(model)
    # Distinct values everywhere: a misplaced array would land in the wrong slot or shape.
    changed = [np.arange(a.size, dtype="float32").reshape(a.shape) / 100 for a in weights.to_list()]
    clone = build_model(make_cfg(2, 7, 5, 3), 2)
    clone.set_weights(changed)
    for ours, theirs in zip(extract_weights(clone).to_list(), changed):
        np.testing.assert_array_equal(ours, theirs)


def test_shape_table_needs_no_tensorflow():
    code = ("import sys; from lstm_core.config import ModelConfig; "
            "from lstm_core.model.shapes import count_params, weight_shapes; count_params(ModelConfig()); "
            "bad = [m for m in ('tensorflow', 'keras', 'streamlit') if m in sys.modules]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)


@pytest.mark.parametrize("layers, units, dense_units, n_features", [(1, 1, 0, 1), (2, 16, 4, 2), (3, 64, 0, 1)])
def test_plain_rnn_model_has_the_shapes_and_parameter_count_of_its_table(layers, units, dense_units, n_features):
    cfg = ModelConfig(seq_length=9, units=units, layers=layers, dense_units=dense_units, cell="rnn")
    model = build_model(cfg, n_features)
    assert [type(layer).__name__ for layer in model.layers].count("SimpleRNN") == layers
    assert model.count_params() == count_params(cfg, n_features)
    weights = extract_weights(model)
    assert weights.cell == "rnn" and len(weights.recurrent) == layers
    for row, layer in zip(weight_shapes(cfg, n_features), weights.recurrent + weights.dense):
        assert all(row.shapes[name] == getattr(layer, name).shape for name in row.shapes)
    assert [w.shape for w in random_weights(cfg, n_features).to_list()] == [w.shape for w in model.get_weights()]
