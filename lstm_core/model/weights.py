"""A model's weights as NumPy arrays in Keras's layout, and random weights of the right shapes."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lstm_core.config import ModelConfig
from lstm_core.model.shapes import weight_shapes


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
