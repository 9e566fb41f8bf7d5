"""Training as a film: the weights after every epoch, replayed to show the forecast and the gates at that epoch.

The worker keeps a copy of the weights after each whole epoch and at a few moments inside the first
(``TrainingData.keep_epoch_weights``); with the untrained weights before them, they are the film's shots.
Weights are the smallest record that can replay everything: for the largest model the app allows
(3 x LSTM(64), Dense(64), Dense(10)) they are 87,754 float32 numbers, 351 kB an epoch (17.6 MB for 50
epochs), while the gate traces of one 100-step window alone would be 6 x 3 x 100 x 64 numbers (461 kB).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstm_core.evaluation.metrics import mse
from lstm_core.glassbox.replay import ModelTrace, trace_model
from lstm_core.model.weights import ModelWeights


def bytes_per_epoch(weights: ModelWeights) -> int:
    """Return the bytes one epoch's copy of the weights takes."""
    return sum(array.nbytes for array in weights.to_list())


@dataclass(frozen=True)
class FilmShot:
    """One moment of the film: how far training had got, in words and in epochs, and the weights then."""

    epochs_trained: float  # 0 before training, 2/11 after 2 of 11 batches, 1.0 after the first epoch
    label: str
    weights: ModelWeights


def film_shots(initial_weights: ModelWeights, first_epoch_weights: list[tuple[int, ModelWeights]],
               epoch_weights: list[ModelWeights], batches_per_epoch: int) -> list[FilmShot]:
    """Return the film in order: the untrained weights, a few moments inside epoch 1, then every whole epoch."""
    shots = [FilmShot(0.0, "before training (the initial random weights)", initial_weights)]
    shots += [FilmShot(done / batches_per_epoch, f"epoch 1, after {done} of {batches_per_epoch} batches", weights)
              for done, weights in first_epoch_weights]
    shots += [FilmShot(float(epoch), f"after epoch {epoch} of {len(epoch_weights)}", weights)
              for epoch, weights in enumerate(epoch_weights, start=1)]
    return shots


@dataclass
class FilmFrame:
    """One moment of the film: the test forecasts and the chosen window's trace, replayed from its weights."""

    shot: FilmShot
    test_predictions: np.ndarray  # (samples, horizon)
    window_trace: ModelTrace  # one window: every layer's (1, timesteps, units) gates and states
    test_mse: float


def replayed_predictions(shots: list[FilmShot], X_test: np.ndarray) -> np.ndarray:
    """Return every moment's test forecasts, (shots, samples, horizon), replayed from its weights."""
    return np.stack([trace_model(shot.weights, X_test).prediction for shot in shots])


def film_frames(shots: list[FilmShot], predictions: np.ndarray, X_test: np.ndarray, y_test: np.ndarray,
                window: int) -> list[FilmFrame]:
    """Return the FilmFrame of every moment for one test window, its forecasts taken from replayed_predictions.

    The forecasts of the whole test part do not depend on the window, so a change of window replays
    only that window, once per moment.
    """
    if not 0 <= window < len(X_test):
        raise ValueError(f"test window {window} is outside 0 to {len(X_test) - 1}")
    return [FilmFrame(shot, moment_predictions, trace_model(shot.weights, X_test[window:window + 1]),
                      mse(y_test, moment_predictions))
            for shot, moment_predictions in zip(shots, predictions)]  # moment_predictions: (samples, horizon)


def mse_of_moments(predictions: np.ndarray, y_test: np.ndarray) -> np.ndarray:
    """Return the test MSE of every moment, (shots,), from replayed_predictions' (shots, samples, horizon)."""
    return np.array([mse(y_test, moment_predictions) for moment_predictions in predictions])
