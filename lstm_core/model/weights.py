"""A model's weights as NumPy arrays in Keras's layout."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


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

    recurrent: list[LSTMWeights | RNNWeights]  # input to output; one kind of cell per model
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
        for dense in self.dense:
            arrays += [dense.kernel, dense.bias]
        return arrays

    def lstm_layer(self, index: int) -> LSTMWeights:
        """Return recurrent layer index's LSTMWeights; raise TypeError if it is a plain RNN layer (it has no gates)."""
        layer = self.recurrent[index]
        if not isinstance(layer, LSTMWeights):
            raise TypeError(f"recurrent layer {index + 1} is a plain RNN layer: it has no gates")
        return layer

