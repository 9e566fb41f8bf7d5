"""The glass box: a NumPy replay of a trained Keras LSTM stack, one time step at a time.

Keras's LSTM (keras/src/layers/rnn/lstm.py) with its defaults -- tanh activation, sigmoid recurrent
activation, bias on -- computes, for gate slices in the order i, f, c, o:

    z   = x_t @ kernel + h_tm1 @ recurrent_kernel + bias
    i   = sigmoid(z_i);  f = sigmoid(z_f);  g = tanh(z_c);  o = sigmoid(z_o)
    c_t = f * c_tm1 + i * g
    h_t = o * tanh(c_t)

Keras computes the candidate inline; here it is kept as its own array ``g`` because the page shows it.
A plain RNN (Keras's SimpleRNN, for the RNN-versus-LSTM lesson) has no gates and no cell state:

    h_t = tanh(x_t @ kernel + h_tm1 @ recurrent_kernel + bias)

The replay runs in float64, so its only difference from Keras is Keras's own float32 rounding.

Given interventions (``lstm_core.glassbox.interventions``: knock-outs, clamps, resets), a layer they touch
is replayed by a loop that applies them step by step; every other layer, and every layer of a replay
without interventions, runs the plain loop, so the untouched model is replayed bit for bit as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from lstm_core.glassbox.interventions import Intervention, LayerEdits, layer_edits
from lstm_core.model.gates import CELL_PART_KEYS, GATES
from lstm_core.model.keras_model import KerasModel, extract_weights
from lstm_core.model.weights import LSTMWeights, ModelWeights, RNNWeights


@dataclass
class LSTMTrace:
    """Every gate and state of one LSTM layer at every time step, each (batch, timesteps, units)."""

    i: np.ndarray
    f: np.ndarray
    g: np.ndarray
    o: np.ndarray
    c: np.ndarray
    h: np.ndarray


@dataclass
class RNNTrace:
    """The hidden state of one plain RNN layer at every time step, (batch, timesteps, units)."""

    h: np.ndarray


@dataclass
class ModelTrace:
    """The traces of every recurrent layer of a model, the inputs each saw, and the model's prediction."""

    layers: list[LSTMTrace | RNNTrace]  # one kind of cell per model
    layer_inputs: list[np.ndarray]  # per layer: (batch, timesteps, input_dim)
    prediction: np.ndarray  # (batch, horizon)

    def lstm_layer(self, index: int) -> LSTMTrace:
        """Return layer index's LSTMTrace; raise TypeError if it is a plain RNN layer (it has no gates)."""
        layer = self.layers[index]
        if not isinstance(layer, LSTMTrace):
            raise TypeError(f"layer {index + 1} is a plain RNN layer: it has no gates or cell state")
        return layer


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Return the logistic sigmoid of z, elementwise, without overflow warnings."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _check_shape(layer_name: str, what: str, array: np.ndarray, expected: tuple[int, ...]) -> None:
    if array.shape != expected:
        raise ValueError(f"{layer_name}: {what} has shape {array.shape}, expected {expected}")


def trace_lstm(kernel: npt.ArrayLike, recurrent_kernel: npt.ArrayLike, bias: npt.ArrayLike, x: npt.ArrayLike,
               initial_state: Sequence[npt.ArrayLike] | None = None, layer_name: str = "LSTM",
               edits: LayerEdits | None = None) -> LSTMTrace:
    """Return the LSTMTrace of one Keras LSTM layer run over x (batch, timesteps, features).

    Given edits, the trace records what the altered cell computed (see lstm_core.glassbox.interventions).

    Raises
    ------
    ValueError
        If a weight, the input or the initial state has a shape that does not fit the others;
        the message names the layer and both shapes.
    """
    kernel = np.asarray(kernel, dtype=np.float64)  # (input_dim, 4*units)
    recurrent_kernel = np.asarray(recurrent_kernel, dtype=np.float64)  # (units, 4*units)
    bias = np.asarray(bias, dtype=np.float64)  # (4*units,)
    x = np.asarray(x, dtype=np.float64)  # (batch, timesteps, features)
    if x.ndim != 3:
        raise ValueError(f"{layer_name}: input has shape {x.shape}, expected (batch, timesteps, features)")
    batch, timesteps, features = x.shape
    units = recurrent_kernel.shape[0]
    _check_shape(layer_name, "kernel", kernel, (features, 4 * units))
    _check_shape(layer_name, "recurrent_kernel", recurrent_kernel, (units, 4 * units))
    _check_shape(layer_name, "bias", bias, (4 * units,))
    if initial_state is None:
        h_tm1 = np.zeros((batch, units))  # (batch, units)
        c_tm1 = np.zeros((batch, units))  # (batch, units)
    else:
        h_tm1, c_tm1 = (np.asarray(s, dtype=np.float64) for s in initial_state)
        _check_shape(layer_name, "initial h", h_tm1, (batch, units))
        _check_shape(layer_name, "initial c", c_tm1, (batch, units))

    # The input part does not depend on the recurrence, so it is one matrix product for all steps.
    x_part = x @ kernel + bias  # (batch, timesteps, 4*units)
    if edits is not None:
        return _trace_lstm_altered(x_part, recurrent_kernel, h_tm1, c_tm1, edits)
    states = {name: np.empty((batch, timesteps, units)) for name in CELL_PART_KEYS}
    for t in range(timesteps):
        z = x_part[:, t] + h_tm1 @ recurrent_kernel  # (batch, 4*units)
        z_i, z_f, z_g, z_o = np.split(z, 4, axis=1)  # each (batch, units)
        i, f, g, o = sigmoid(z_i), sigmoid(z_f), np.tanh(z_g), sigmoid(z_o)  # each (batch, units)
        c_tm1 = f * c_tm1 + i * g  # (batch, units)
        h_tm1 = o * np.tanh(c_tm1)  # (batch, units)
        for name, value in zip(CELL_PART_KEYS, (i, f, g, o, c_tm1, h_tm1)):
            states[name][:, t] = value
    return LSTMTrace(**states)


def _trace_lstm_altered(x_part: np.ndarray, recurrent_kernel: np.ndarray, h_tm1: np.ndarray, c_tm1: np.ndarray,
                        edits: LayerEdits) -> LSTMTrace:
    """Return the LSTMTrace of the plain loop with edits applied: reset, clamps, c and h, knock-outs."""
    batch, timesteps, _ = x_part.shape
    units = recurrent_kernel.shape[0]
    states = {name: np.empty((batch, timesteps, units)) for name in CELL_PART_KEYS}
    for t in range(timesteps):
        h_tm1, c_tm1 = edits.reset_states(t, h_tm1, c_tm1)  # each (batch, units)
        z = x_part[:, t] + h_tm1 @ recurrent_kernel  # (batch, 4*units)
        z_i, z_f, z_g, z_o = np.split(z, 4, axis=1)  # each (batch, units)
        gates = {"i": sigmoid(z_i), "f": sigmoid(z_f), "g": np.tanh(z_g), "o": sigmoid(z_o)}  # each (batch, units)
        edits.clamp_gates(t, gates)
        i, f, g, o = (gates[gate] for gate in GATES)
        c_tm1 = f * c_tm1 + i * g  # (batch, units)
        h_tm1 = edits.knock_out_h(t, o * np.tanh(c_tm1))  # (batch, units)
        for name, value in zip(CELL_PART_KEYS, (i, f, g, o, c_tm1, h_tm1)):
            states[name][:, t] = value
    return LSTMTrace(**states)


def trace_rnn(kernel: npt.ArrayLike, recurrent_kernel: npt.ArrayLike, bias: npt.ArrayLike, x: npt.ArrayLike,
              layer_name: str = "SimpleRNN", edits: LayerEdits | None = None) -> RNNTrace:
    """Return the RNNTrace of one Keras SimpleRNN layer run over x (batch, timesteps, features) from h = 0.

    Given edits (knock-outs and resets; a plain RNN has no gates to clamp), the trace records the altered h.

    Raises ValueError, naming the layer and both shapes, when a weight does not fit the input.
    """
    kernel = np.asarray(kernel, dtype=np.float64)  # (input_dim, units)
    recurrent_kernel = np.asarray(recurrent_kernel, dtype=np.float64)  # (units, units)
    bias = np.asarray(bias, dtype=np.float64)  # (units,)
    x = np.asarray(x, dtype=np.float64)  # (batch, timesteps, features)
    if x.ndim != 3:
        raise ValueError(f"{layer_name}: input has shape {x.shape}, expected (batch, timesteps, features)")
    batch, timesteps, features = x.shape
    units = recurrent_kernel.shape[0]
    _check_shape(layer_name, "kernel", kernel, (features, units))
    _check_shape(layer_name, "recurrent_kernel", recurrent_kernel, (units, units))
    _check_shape(layer_name, "bias", bias, (units,))
    x_part = x @ kernel + bias  # (batch, timesteps, units)
    h = np.empty((batch, timesteps, units))  # (batch, timesteps, units)
    h_tm1 = np.zeros((batch, units))  # (batch, units)
    if edits is not None:
        if edits.clamp_mask:
            raise ValueError(f"{layer_name} is a plain RNN layer: it has no gates to clamp")
        for t in range(timesteps):
            (h_tm1,) = edits.reset_states(t, h_tm1)  # (batch, units)
            h_tm1 = edits.knock_out_h(t, np.tanh(x_part[:, t] + h_tm1 @ recurrent_kernel))  # (batch, units)
            h[:, t] = h_tm1
        return RNNTrace(h)
    for t in range(timesteps):
        h_tm1 = np.tanh(x_part[:, t] + h_tm1 @ recurrent_kernel)  # (batch, units)
        h[:, t] = h_tm1
    return RNNTrace(h)


def _as_weights(model_or_weights: KerasModel | ModelWeights) -> ModelWeights:
    if isinstance(model_or_weights, ModelWeights):
        return model_or_weights
    return extract_weights(model_or_weights)


def trace_model(model_or_weights: KerasModel | ModelWeights, x: npt.ArrayLike,
                dropout_mask: Callable[[tuple[int, ...]], np.ndarray] | None = None,
                interventions: Iterable[Intervention] = ()) -> ModelTrace:
    """Return the ModelTrace of a model built by lstm_core.model.keras_model (or its ModelWeights) on x.

    x is (batch, timesteps, features). Dropout is inactive at inference, so by default the replay skips
    it. Given dropout_mask (shape -> multipliers), the replay applies it where the model's Dropout layers
    sit, as Keras does while training: on the whole hidden sequence between recurrent layers and on the
    last hidden state before the head.

    Given interventions (knock-outs, clamps, resets; see lstm_core.glassbox.interventions), the trace and
    the prediction are those of the altered model; with none, the plain replay, bit for bit.

    Raises ValueError if the model has no recurrent layer, a shape does not fit, or an intervention names a
    layer, unit or step out of range (the message names the bounds) or clamps a plain RNN layer.
    """
    weights = _as_weights(model_or_weights)
    if not weights.recurrent:
        raise ValueError("the model has no recurrent layer to trace")
    layer_input = np.asarray(x, dtype=np.float64)  # (batch, timesteps, features)
    interventions = tuple(interventions)
    edits: dict[int, LayerEdits] = {}
    if interventions:
        if layer_input.ndim != 3:
            raise ValueError(f"input has shape {layer_input.shape}, expected (batch, timesteps, features)")
        edits = layer_edits(interventions, weights, layer_input.shape[1])
    return trace_layers_from(weights, layer_input, 0, edits, dropout_mask)


def trace_layers_from(weights: ModelWeights, layer_input: np.ndarray, first_layer: int = 0,
                      edits: Mapping[int, LayerEdits] | None = None,
                      dropout_mask: Callable[[tuple[int, ...]], np.ndarray] | None = None) -> ModelTrace:
    """Return the ModelTrace of the recurrent layers first_layer, first_layer + 1, ... and the head.

    layer_input (batch, timesteps, input_dim) is what layer first_layer sees: the windows for layer 0, the
    hidden sequence of the layer below otherwise. The trace's layers list starts at first_layer, so a
    batch of what-ifs in one layer replays nothing below it twice. edits maps a layer index to its
    LayerEdits (lstm_core.glassbox.interventions.layer_edits builds them).
    """
    edits = edits or {}
    layer_input = np.asarray(layer_input, dtype=np.float64)  # (batch, timesteps, input_dim)
    traces: list[LSTMTrace | RNNTrace] = []
    inputs: list[np.ndarray] = []
    last = len(weights.recurrent) - 1
    for index in range(first_layer, last + 1):
        layer = weights.recurrent[index]
        trace_layer = trace_rnn if isinstance(layer, RNNWeights) else trace_lstm
        trace = trace_layer(layer.kernel, layer.recurrent_kernel, layer.bias, layer_input,
                            layer_name=f"{weights.cell}_{index + 1}", edits=edits.get(index))
        traces.append(trace)
        inputs.append(layer_input)
        layer_input = trace.h  # (batch, timesteps, units): the whole sequence feeds the next layer
        if dropout_mask is not None and index < last:
            layer_input = layer_input * dropout_mask(layer_input.shape)  # (batch, timesteps, units)
    last_hidden = layer_input[:, -1]  # (batch, units): only the last hidden state reaches the head
    if dropout_mask is not None:
        last_hidden = last_hidden * dropout_mask(last_hidden.shape)
    out = dense_head(weights, last_hidden)
    return ModelTrace(layers=traces, layer_inputs=inputs, prediction=out)


def dense_head(weights: ModelWeights, last_hidden: np.ndarray) -> np.ndarray:
    """Return the (batch, horizon) output of the model's Dense layers on the last hidden state (batch, units)."""
    out = np.asarray(last_hidden, dtype=np.float64)  # (batch, units)
    for index, dense in enumerate(weights.dense):
        kernel = np.asarray(dense.kernel, dtype=np.float64)  # (input_dim, units)
        if kernel.shape[0] != out.shape[1]:
            raise ValueError(f"dense layer {index + 1}: kernel has shape {kernel.shape}, expected "
                             f"({out.shape[1]}, {kernel.shape[1]})")
        out = out @ kernel + dense.bias  # (batch, units)
    return out


@dataclass
class GateTerms:
    """The parts of one gate's pre-activation for one unit at one step, and its value."""

    input_part: float  # x_t · W[:, unit]
    recurrent_part: float  # h_{t-1} · U[:, unit]
    bias: float
    preactivation: float
    value: float


def gate_terms(layer: LSTMWeights, model_trace: ModelTrace, layer_index: int, sample: int,
               step: int, unit: int) -> dict[str, GateTerms]:
    """Return, per gate i/f/g/o, the terms of its equation for one unit of one layer at one step."""
    trace = model_trace.layers[layer_index]
    units = layer.units
    x_t = model_trace.layer_inputs[layer_index][sample, step]  # (input_dim,)
    h_tm1 = trace.h[sample, step - 1] if step > 0 else np.zeros(units)  # (units,)
    terms: dict[str, GateTerms] = {}
    for slot, gate in enumerate(GATES):
        column = slot * units + unit
        input_part = float(x_t @ np.asarray(layer.kernel, dtype=np.float64)[:, column])
        recurrent_part = float(h_tm1 @ np.asarray(layer.recurrent_kernel, dtype=np.float64)[:, column])
        bias = float(layer.bias[column])
        value = float(getattr(trace, gate)[sample, step, unit])
        terms[gate] = GateTerms(input_part, recurrent_part, bias, input_part + recurrent_part + bias, value)
    return terms


def max_abs_difference(a: np.ndarray, b: np.ndarray) -> float:
    """Return max |a - b| over all elements (0.0 for empty arrays)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"cannot compare arrays of shapes {a.shape} and {b.shape}")
    return float(np.max(np.abs(a - b))) if a.size else 0.0
