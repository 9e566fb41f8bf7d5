"""The forecast metrics (MSE, RMSE, MAE): the one place they are computed."""

from __future__ import annotations

import numpy as np


def squared_errors(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Return the squared error of every element, in float64, after checking the two shapes agree.

    Raises
    ------
    ValueError
        If the two arrays differ in shape or are empty.
    """
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if y_true.shape != y_pred.shape or y_true.size == 0:
        raise ValueError(f"y_true {y_true.shape} and y_pred {y_pred.shape} must have the same, "
                         f"non-empty shape")
    return (y_pred - y_true) ** 2  # same shape as y_true


def mse(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Return the mean squared error over every sample and step: the loss the models are trained on."""
    return float(np.mean(squared_errors(y_true, y_pred)))


def mse_per_window(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Return the MSE of each window over its steps ahead, (samples,) from two (samples, horizon) arrays."""
    return squared_errors(y_true, y_pred).mean(axis=1)  # (samples,)


def mse_per_step(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Return the MSE at each step ahead over all windows, (horizon,) from two (samples, horizon) arrays."""
    return squared_errors(y_true, y_pred).mean(axis=0)  # (horizon,)


def forecast_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """Return {"mse", "rmse", "mae"} of y_pred against y_true, averaged over every sample and step.

    The arrays are flattened first, so "rmse" is exactly the square root of "mse" (sklearn's
    per-column averaging would instead average the per-step RMSEs).

    Raises
    ------
    ValueError
        If the two arrays differ in shape or are empty.
    """
    squared = squared_errors(y_true, y_pred).ravel()  # (samples * horizon,)
    mean_squared = float(np.mean(squared))
    return {"mse": mean_squared, "rmse": mean_squared ** 0.5, "mae": float(np.mean(np.sqrt(squared)))}
