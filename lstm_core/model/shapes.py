"""Weight shapes and parameter counts of a ModelConfig, as Keras stores them."""

from __future__ import annotations

from dataclasses import dataclass, replace

from lstm_core.config import MODEL_BOUNDS, ModelConfig
from lstm_core.model.gates import GATES


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


def what_sets_the_shapes(cfg: ModelConfig, n_features: int) -> tuple[bool, bool]:
    """Return (the window length leaves every weight shape as it is, one more input changes the first layer's W).

    Both are checked on cfg itself: the shapes at the shortest and the longest window, and with one more input.
    """
    shapes = [layer.shapes for layer in weight_shapes(cfg, n_features)]
    windows = (1, int(MODEL_BOUNDS["seq_length"].high))
    window_free = all([layer.shapes for layer in weight_shapes(replace(cfg, seq_length=length), n_features)] == shapes
                      for length in windows)
    wider = weight_shapes(cfg, n_features + 1)[0].shapes
    return window_free, wider["kernel"] != shapes[0]["kernel"] and wider["kernel"][0] == n_features + 1
