"""Training as a film: the weights after every epoch, replayed to show the forecast and the gates at that epoch.

The worker keeps a copy of the weights after each whole epoch (``TrainingData.keep_epoch_weights``).
Weights are the smallest record that can replay everything: for the largest model the app allows
(3 x LSTM(64), Dense(64), Dense(10)) they are 87,754 float32 numbers, 351 kB an epoch (17.6 MB for 50
epochs), while the gate traces of one 100-step window alone would be 6 x 3 x 100 x 64 numbers (461 kB).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstm_core.model import ModelWeights
from lstm_core.replay import ModelTrace, trace_model


def bytes_per_epoch(weights: ModelWeights) -> int:
    """Return the bytes one epoch's copy of the weights takes."""
    return sum(array.nbytes for array in weights.to_list())


@dataclass
class FilmFrame:
    """One epoch of the film: the test forecasts and the chosen window's trace, replayed from that epoch's weights."""

    epoch: int  # 1-based
    test_predictions: np.ndarray  # (samples, horizon)
    window_trace: ModelTrace  # one window: every layer's (1, timesteps, units) gates and states
    test_mse: float


def film_frame(epoch_weights: list[ModelWeights], epoch: int, X_test: np.ndarray, y_test: np.ndarray,
               window: int) -> FilmFrame:
    """Return the FilmFrame of a 1-based epoch: the replayed test forecasts and one test window's trace."""
    if not 1 <= epoch <= len(epoch_weights):
        raise ValueError(f"epoch {epoch} is outside the film's 1 to {len(epoch_weights)}")
    weights = epoch_weights[epoch - 1]
    predictions = trace_model(weights, X_test).prediction  # (samples, horizon)
    window_trace = trace_model(weights, X_test[window:window + 1])
    return FilmFrame(epoch, predictions, window_trace, float(np.mean((predictions - y_test) ** 2)))


def mse_per_epoch(epoch_weights: list[ModelWeights], X_test: np.ndarray, y_test: np.ndarray) -> np.ndarray:
    """Return the test MSE after every epoch, (epochs,), replayed from the film."""
    return np.array([float(np.mean((trace_model(w, X_test).prediction - y_test) ** 2)) for w in epoch_weights])
