"""The Keras model built from a ModelConfig, and its weights read back as NumPy arrays.

Keras is imported inside the functions, so a process that never trains (the Streamlit server)
does not load TensorFlow by importing this.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lstm_core.config import ModelConfig
from lstm_core.model.weights import DenseWeights, LSTMWeights, ModelWeights, RNNWeights

KerasModel = Any  # a keras.Model: Keras ships no type information


def build_model(cfg: ModelConfig, n_features: int = 1) -> KerasModel:
    """Return a compiled keras.Model: an LSTM (or SimpleRNN) stack, Dropout after each, a Dense head, Dense(horizon)."""
    import keras

    keras.utils.set_random_seed(cfg.seed)
    inputs = keras.Input(shape=(cfg.seq_length, n_features), name="window")
    x = inputs
    recurrent_layer = keras.layers.LSTM if cfg.cell == "lstm" else keras.layers.SimpleRNN
    for index in range(cfg.layers):
        is_last = index == cfg.layers - 1
        # Every layer but the last hands its whole hidden sequence to the next one.
        x = recurrent_layer(cfg.units, return_sequences=not is_last, name=f"{cfg.cell}_{index + 1}")(x)
        x = keras.layers.Dropout(cfg.dropout, name=f"dropout_{index + 1}")(x)
    if cfg.dense_units:
        x = keras.layers.Dense(cfg.dense_units, name="dense_head")(x)
    outputs = keras.layers.Dense(cfg.horizon, name="output")(x)
    model = keras.Model(inputs, outputs, name=f"{cfg.cell}_forecaster")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=cfg.learning_rate), loss="mse")
    return model


def extract_weights(model: KerasModel) -> ModelWeights:
    """Return the weights of a keras.Model built by build_model as a ModelWeights."""
    recurrent: list[LSTMWeights | RNNWeights] = []
    dense: list[DenseWeights] = []
    for layer in model.layers:
        kind = type(layer).__name__
        arrays = [np.asarray(w) for w in layer.get_weights()]
        if kind == "LSTM":
            recurrent.append(LSTMWeights(*arrays))
        elif kind == "SimpleRNN":
            recurrent.append(RNNWeights(*arrays))
        elif kind == "Dense":
            dense.append(DenseWeights(*arrays))
    return ModelWeights(recurrent, dense)
