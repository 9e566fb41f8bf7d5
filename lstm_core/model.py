"""The Keras model built from a ModelConfig, its weight shapes and its weights as NumPy arrays.

Keras is imported inside the functions that need it, so the shape table and the NumPy weights can
be used by a process that never loads TensorFlow (the Streamlit server).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lstm_core.config import ModelConfig

GATES = ("i", "f", "g", "o")  # Keras's slice order inside kernel, recurrent_kernel and bias
GATE_NAMES = {"i": "input gate", "f": "forget gate", "g": "candidate", "o": "output gate"}


@dataclass(frozen=True)
class LayerShapes:
    """Weight shapes and parameter count of one layer, as Keras stores them."""

    name: str
    kind: str  # "LSTM", "SimpleRNN" or "Dense"
    input_dim: int
    units: int
    shapes: dict[str, tuple[int, ...]]
    params: int


def lstm_layer_shapes(name: str, input_dim: int, units: int) -> LayerShapes:
    """Return the kernel, recurrent kernel and bias shapes of one LSTM layer, with their gate slices."""
    shapes: dict[str, tuple[int, ...]] = {
        "kernel": (input_dim, 4 * units),
        "recurrent_kernel": (units, 4 * units),
        "bias": (4 * units,),
    }
    for gate in GATES:
        shapes[f"kernel_{gate}"] = (input_dim, units)
        shapes[f"recurrent_kernel_{gate}"] = (units, units)
        shapes[f"bias_{gate}"] = (units,)
    return LayerShapes(name, "LSTM", input_dim, units, shapes, 4 * units * (input_dim + units + 1))


def rnn_layer_shapes(name: str, input_dim: int, units: int) -> LayerShapes:
    """Return the kernel, recurrent kernel and bias shapes of one plain tanh RNN layer (Keras's SimpleRNN)."""
    shapes = {"kernel": (input_dim, units), "recurrent_kernel": (units, units), "bias": (units,)}
    return LayerShapes(name, "SimpleRNN", input_dim, units, shapes, units * (input_dim + units + 1))


def dense_layer_shapes(name: str, input_dim: int, units: int) -> LayerShapes:
    """Return the kernel and bias shapes of one Dense layer."""
    shapes = {"kernel": (input_dim, units), "bias": (units,)}
    return LayerShapes(name, "Dense", input_dim, units, shapes, units * (input_dim + 1))


def weight_shapes(cfg: ModelConfig, n_features: int = 1) -> list[LayerShapes]:
    """Return one LayerShapes per weighted layer of the model cfg builds, input to output."""
    table = []
    input_dim = n_features
    layer_shapes = lstm_layer_shapes if cfg.cell == "lstm" else rnn_layer_shapes
    for index in range(cfg.layers):
        table.append(layer_shapes(f"{cfg.cell}_{index + 1}", input_dim, cfg.units))
        input_dim = cfg.units
    if cfg.dense_units:
        table.append(dense_layer_shapes("dense_head", input_dim, cfg.dense_units))
        input_dim = cfg.dense_units
    table.append(dense_layer_shapes("output", input_dim, cfg.horizon))
    return table


def count_params(cfg: ModelConfig, n_features: int = 1) -> int:
    """Return the number of trainable parameters of the model cfg builds."""
    return sum(layer.params for layer in weight_shapes(cfg, n_features))


def build_model(cfg: ModelConfig, n_features: int = 1):
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


@dataclass
class LSTMWeights:
    """One LSTM layer's weights in Keras's layout."""

    kernel: np.ndarray  # (input_dim, 4*units)
    recurrent_kernel: np.ndarray  # (units, 4*units)
    bias: np.ndarray  # (4*units,)

    @property
    def units(self) -> int:
        """Return the number of units of the layer."""
        return self.recurrent_kernel.shape[0]


@dataclass
class RNNWeights:
    """A plain tanh RNN layer's weights (Keras SimpleRNN): h_t = tanh(x_t kernel + h_{t-1} recurrent_kernel + bias)."""

    kernel: np.ndarray  # (input_dim, units)
    recurrent_kernel: np.ndarray  # (units, units)
    bias: np.ndarray  # (units,)

    @property
    def units(self) -> int:
        """Return the number of units of the layer."""
        return self.recurrent_kernel.shape[0]


@dataclass
class DenseWeights:
    """One Dense layer's weights (linear activation)."""

    kernel: np.ndarray  # (input_dim, units)
    bias: np.ndarray  # (units,)


@dataclass
class ModelWeights:
    """All weights of a model built by build_model, as plain NumPy arrays."""

    recurrent: list[LSTMWeights] | list[RNNWeights]  # input to output; one kind of cell per model
    dense: list[DenseWeights] = field(default_factory=list)

    @property
    def cell(self) -> str:
        """Return "lstm" or "rnn": the kind of recurrent layer, as ModelConfig.cell names it."""
        return "rnn" if self.recurrent and isinstance(self.recurrent[0], RNNWeights) else "lstm"

    def to_list(self) -> list[np.ndarray]:
        """Return the arrays in the order keras.Model.get_weights() uses."""
        arrays: list[np.ndarray] = []
        for layer in self.recurrent:
            arrays += [layer.kernel, layer.recurrent_kernel, layer.bias]
        for layer in self.dense:
            arrays += [layer.kernel, layer.bias]
        return arrays


def extract_weights(model) -> ModelWeights:
    """Return the weights of a keras.Model built by build_model as a ModelWeights."""
    recurrent, dense = [], []
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


# Measured on 2 CPU cores with TensorFlow 2.21 (see BENCHMARKS.md): a fixed cost per batch plus a
# cost per time step and layer that grows with the number of units. Only the shape of the cost matters:
# the server scales it by what its own jobs took (lstm_core.estimates).
_SECONDS_PER_BATCH = 0.0025
_SECONDS_PER_STEP_AND_LAYER = 0.00006
_VALIDATION_OVERHEAD = 1.15


def rough_epoch_seconds(cfg: ModelConfig, n_train_samples: int) -> float:
    """Return a rough wall time in seconds of one epoch of cfg on n_train_samples windows, validation included."""
    batches = -(-n_train_samples // cfg.batch_size)
    batch_scale = 0.6 + 0.4 * min(cfg.batch_size, 64) / 32
    per_batch = _SECONDS_PER_BATCH + (_SECONDS_PER_STEP_AND_LAYER * cfg.seq_length * cfg.layers
                                      * (1 + cfg.units / 64) * batch_scale)
    return batches * per_batch * _VALIDATION_OVERHEAD


def random_weights(cfg: ModelConfig, n_features: int = 1, seed: int = 0) -> ModelWeights:
    """Return ModelWeights of cfg's shapes drawn at random with a trained model's spread, float32."""
    rng = np.random.default_rng(seed)

    def draw(shape: tuple[int, ...]) -> np.ndarray:
        # Matrices: twice Glorot's spread, so gates are neither all open nor all shut; biases small.
        spread = 2.0 / np.sqrt(shape[0]) if len(shape) == 2 else 0.3
        return rng.normal(0.0, spread, shape).astype(np.float32)

    layers = weight_shapes(cfg, n_features)
    layer_class = LSTMWeights if cfg.cell == "lstm" else RNNWeights
    recurrent = [layer_class(*(draw(s.shapes[k]) for k in ("kernel", "recurrent_kernel", "bias")))
                 for s in layers if s.kind != "Dense"]
    dense = [DenseWeights(draw(s.shapes["kernel"]), draw(s.shapes["bias"])) for s in layers if s.kind == "Dense"]
    return ModelWeights(recurrent, dense)
