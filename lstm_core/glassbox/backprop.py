"""The glass box backwards: gradients of the training loss through time, in NumPy, from the forward traces.

The loss is the one Keras trains: L = mean over batch and horizon of (prediction - y)^2. Going back
through one Keras LSTM layer, step t = T-1 down to 0, with dh_t and dc_t the total derivatives of L
with respect to h_t and c_t (through every later step and every layer above):

    dh_t  = (gradient from the layer above at t) + (gradient from step t+1 through h_t @ recurrent_kernel)
    dc_t  = dc_{t+1} * f_{t+1}  +  dh_t * o_t * (1 - tanh(c_t)^2)
    do    = dh_t * tanh(c_t);   di = dc_t * g_t;   dg = dc_t * i_t;   df = dc_t * c_{t-1}
    dz    = [di * i(1-i), df * f(1-f), dg * (1-g^2), do * o(1-o)]      (Keras's slice order i, f, c, o)
    kernel += x_t^T dz;  recurrent_kernel += h_{t-1}^T dz;  bias += sum over the batch of dz
    dx_t  = dz kernel^T;  gradient into h_{t-1} = dz recurrent_kernel^T

The line to remember is the second: dL/dc_{t-1} = dL/dc_t * f_t + (the part through h_{t-1}). The
cell state passes its gradient back multiplied only by the forget gate, so while f stays near 1 the
gradient neither explodes nor vanishes: the constant error carousel.

A plain RNN (h_t = tanh(z_t), z_t = x_t kernel + h_{t-1} recurrent_kernel + bias) has no such path:

    dz_t  = dh_t * (1 - h_t^2);   gradient into h_{t-1} = dz_t recurrent_kernel^T

so every step back multiplies the gradient by (1 - h^2) and the recurrent kernel once more; unless
that product stays near 1, the gradient from far back shrinks geometrically: the vanishing gradient.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from lstm_core.glassbox.replay import LSTMTrace, RNNTrace, _as_weights, trace_model
from lstm_core.model.keras_model import KerasModel
from lstm_core.model.weights import LSTMWeights, ModelWeights, RNNWeights


@dataclass
class LayerGradients:
    """Total derivatives of the loss with respect to one layer's h_t and c_t, each (batch, timesteps, units).

    A plain RNN layer has no cell state: its dc is None.
    """

    dh: np.ndarray
    dc: np.ndarray | None


@dataclass
class ModelGradients:
    """The loss, its gradient with respect to the input, every LSTM layer's states and every weight."""

    loss: float
    dx: np.ndarray  # (batch, timesteps, features)
    layers: list[LayerGradients]  # one per recurrent layer, input to output
    weights: list[dict[str, np.ndarray]]  # per recurrent layer then per dense layer, shaped like Keras's variables

    def cell_gradient(self, layer: int) -> np.ndarray:
        """Return dL/dc of recurrent layer `layer`, (batch, timesteps, units); raise TypeError for a plain RNN layer."""
        dc = self.layers[layer].dc
        if dc is None:
            raise TypeError(f"layer {layer + 1} is a plain RNN layer: it has no cell state")
        return dc


def lstm_backward(kernel: npt.ArrayLike, recurrent_kernel: npt.ArrayLike, trace: LSTMTrace, x: np.ndarray,
                  dh_from_above: np.ndarray) -> tuple[np.ndarray, LayerGradients, dict[str, np.ndarray]]:
    """Return (dL/dx, the layer's LayerGradients, its weight gradients) by backpropagation through time.

    ``dh_from_above`` (batch, timesteps, units) is the gradient reaching each h_t from outside the
    layer: from the next layer's input, or from the head at the last step.
    """
    kernel = np.asarray(kernel, dtype=np.float64)  # (input_dim, 4*units)
    recurrent_kernel = np.asarray(recurrent_kernel, dtype=np.float64)  # (units, 4*units)
    x = np.asarray(x, dtype=np.float64)  # (batch, timesteps, input_dim)
    batch, timesteps, units = trace.h.shape
    dh_all = np.zeros((batch, timesteps, units))  # (batch, timesteps, units)
    dc_all = np.zeros((batch, timesteps, units))  # (batch, timesteps, units)
    dx = np.zeros_like(x)  # (batch, timesteps, input_dim)
    d_kernel = np.zeros_like(kernel)  # (input_dim, 4*units)
    d_recurrent = np.zeros_like(recurrent_kernel)  # (units, 4*units)
    d_bias = np.zeros(4 * units)  # (4*units,)
    dh_next = np.zeros((batch, units))  # (batch, units): reaches h_t through step t+1
    dc_carried = np.zeros((batch, units))  # (batch, units): dc_{t+1} * f_{t+1}
    zeros = np.zeros((batch, units))  # (batch, units): h_{-1} and c_{-1}
    for t in reversed(range(timesteps)):
        i, f, g, o = trace.i[:, t], trace.f[:, t], trace.g[:, t], trace.o[:, t]  # each (batch, units)
        c_t = trace.c[:, t]  # (batch, units)
        c_tm1 = trace.c[:, t - 1] if t > 0 else zeros  # (batch, units)
        h_tm1 = trace.h[:, t - 1] if t > 0 else zeros  # (batch, units)
        tanh_c = np.tanh(c_t)  # (batch, units)
        dh = dh_from_above[:, t] + dh_next  # (batch, units)
        dc = dc_carried + dh * o * (1.0 - tanh_c ** 2)  # (batch, units)
        dh_all[:, t], dc_all[:, t] = dh, dc
        dz = np.concatenate([dc * g * i * (1.0 - i),  # input gate
                             dc * c_tm1 * f * (1.0 - f),  # forget gate
                             dc * i * (1.0 - g ** 2),  # candidate
                             dh * tanh_c * o * (1.0 - o)], axis=1)  # output gate; (batch, 4*units)
        d_kernel += x[:, t].T @ dz  # (input_dim, 4*units)
        d_recurrent += h_tm1.T @ dz  # (units, 4*units)
        d_bias += dz.sum(axis=0)  # (4*units,)
        dx[:, t] = dz @ kernel.T  # (batch, input_dim)
        dh_next = dz @ recurrent_kernel.T  # (batch, units)
        dc_carried = dc * f  # (batch, units): the carousel
    weights = {"kernel": d_kernel, "recurrent_kernel": d_recurrent, "bias": d_bias}
    return dx, LayerGradients(dh_all, dc_all), weights


def rnn_backward(kernel: npt.ArrayLike, recurrent_kernel: npt.ArrayLike, trace: RNNTrace, x: np.ndarray,
                 dh_from_above: np.ndarray) -> tuple[np.ndarray, LayerGradients, dict[str, np.ndarray]]:
    """Return (dL/dx, the layer's LayerGradients with dc None, its weight gradients) for a plain RNN layer."""
    kernel = np.asarray(kernel, dtype=np.float64)  # (input_dim, units)
    recurrent_kernel = np.asarray(recurrent_kernel, dtype=np.float64)  # (units, units)
    x = np.asarray(x, dtype=np.float64)  # (batch, timesteps, input_dim)
    batch, timesteps, units = trace.h.shape
    dh_all = np.zeros((batch, timesteps, units))  # (batch, timesteps, units)
    dx = np.zeros_like(x)  # (batch, timesteps, input_dim)
    d_kernel = np.zeros_like(kernel)  # (input_dim, units)
    d_recurrent = np.zeros_like(recurrent_kernel)  # (units, units)
    d_bias = np.zeros(units)  # (units,)
    dh_next = np.zeros((batch, units))  # (batch, units): reaches h_t through step t+1
    for t in reversed(range(timesteps)):
        h_t = trace.h[:, t]  # (batch, units)
        h_tm1 = trace.h[:, t - 1] if t > 0 else np.zeros((batch, units))  # (batch, units)
        dh = dh_from_above[:, t] + dh_next  # (batch, units)
        dh_all[:, t] = dh
        dz = dh * (1.0 - h_t ** 2)  # (batch, units): back through tanh
        d_kernel += x[:, t].T @ dz  # (input_dim, units)
        d_recurrent += h_tm1.T @ dz  # (units, units)
        d_bias += dz.sum(axis=0)  # (units,)
        dx[:, t] = dz @ kernel.T  # (batch, input_dim)
        dh_next = dz @ recurrent_kernel.T  # (batch, units): the only way back, through tanh' and U every step
    weights = {"kernel": d_kernel, "recurrent_kernel": d_recurrent, "bias": d_bias}
    return dx, LayerGradients(dh_all, None), weights


def gradients(model_or_weights: KerasModel | ModelWeights, x: npt.ArrayLike, y: npt.ArrayLike) -> ModelGradients:
    """Return the ModelGradients of the mean squared error of a model built by lstm_core.model.keras_model on (x, y).

    x is (batch, timesteps, features) and y (batch, horizon); the model is taken at inference (dropout off).
    """
    weights = _as_weights(model_or_weights)
    x = np.asarray(x, dtype=np.float64)  # (batch, timesteps, features)
    y = np.asarray(y, dtype=np.float64)  # (batch, horizon)
    trace = trace_model(weights, x)
    if y.shape != trace.prediction.shape:
        raise ValueError(f"y has shape {y.shape}, expected {trace.prediction.shape} (batch, horizon)")
    error = trace.prediction - y  # (batch, horizon)
    loss = float(np.mean(error ** 2))
    # The head, backwards: each dense layer's input is the previous one's output.
    head_inputs = [trace.layers[-1].h[:, -1]]  # (batch, units): only the last hidden state feeds the head
    for dense in weights.dense[:-1]:
        head_inputs.append(head_inputs[-1] @ np.asarray(dense.kernel, dtype=np.float64) + dense.bias)
    d_out = 2.0 * error / error.size  # (batch, horizon)
    dense_grads: list[dict[str, np.ndarray]] = []
    for dense, inputs in zip(reversed(weights.dense), reversed(head_inputs)):
        dense_grads.append({"kernel": inputs.T @ d_out, "bias": d_out.sum(axis=0)})
        d_out = d_out @ np.asarray(dense.kernel, dtype=np.float64).T  # (batch, input_dim)
    dense_grads.reverse()
    # The recurrent stack, backwards: the head's gradient enters the top layer at its last step only.
    last = trace.layers[-1]
    dh_from_above = np.zeros_like(last.h)  # (batch, timesteps, units)
    dh_from_above[:, -1] = d_out
    layer_grads: list[LayerGradients] = []
    lstm_grads: list[dict[str, np.ndarray]] = []
    for layer, layer_trace, layer_input in zip(reversed(weights.recurrent), reversed(trace.layers),
                                               reversed(trace.layer_inputs)):
        if isinstance(layer, RNNWeights) and isinstance(layer_trace, RNNTrace):
            d_input, states, grads = rnn_backward(layer.kernel, layer.recurrent_kernel, layer_trace, layer_input,
                                                  dh_from_above)
        elif isinstance(layer, LSTMWeights) and isinstance(layer_trace, LSTMTrace):
            d_input, states, grads = lstm_backward(layer.kernel, layer.recurrent_kernel, layer_trace, layer_input,
                                                   dh_from_above)
        else:  # trace_model traces each layer with its own kind of cell
            raise TypeError(f"a {type(layer).__name__} layer traced as {type(layer_trace).__name__}")
        layer_grads.append(states)
        lstm_grads.append(grads)
        dh_from_above = d_input  # (batch, timesteps, units of the layer below)
    layer_grads.reverse()
    lstm_grads.reverse()
    return ModelGradients(loss, dh_from_above, layer_grads, lstm_grads + dense_grads)
