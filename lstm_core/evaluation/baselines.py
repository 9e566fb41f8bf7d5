"""Forecasts an LSTM must beat, on the same windows and in the same scaled units.

A model is only worth showing off when it beats what costs nothing: repeating the last value,
repeating the value one season ago, and a linear regression on the same window. All functions take
windows ``X (samples, seq_length, features)`` and return forecasts ``(samples, horizon)`` of feature 0.
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LinearRegression

from lstm_core.data.dataset import SPLITS, Dataset
from lstm_core.evaluation.metrics import forecast_metrics

LAST_VALUE = "last value"  # the name of the forecaster that repeats each window's last value


def _check_windows(X: np.ndarray, horizon: int) -> np.ndarray:
    """Return X as a float array after checking it is 3-D and horizon is at least 1."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 3:
        raise ValueError(f"X must be (samples, seq_length, features); got shape {X.shape}")
    if horizon < 1:
        raise ValueError(f"horizon ({horizon}) must be at least 1")
    return X


def last_value_forecast(X: np.ndarray, horizon: int) -> np.ndarray:
    """Return (samples, horizon) forecasts repeating each window's last value of feature 0.

    Raises
    ------
    ValueError
        If X is not 3-D or horizon is below 1.
    """
    X = _check_windows(X, horizon)
    last = X[:, -1, 0]  # (samples,)
    return np.repeat(last[:, None], horizon, axis=1)  # (samples, horizon)


def seasonal_naive_forecast(X: np.ndarray, horizon: int, season_length: int) -> np.ndarray:
    """Return (samples, horizon) forecasts repeating the window's last season of feature 0.

    Target step ``h`` (0-based) after the window end gets
    ``X[:, seq_length - season_length + (h % season_length), 0]``: the value one season earlier,
    or, for steps beyond one season, the same phase in the window's last season.

    Raises
    ------
    ValueError
        If X is not 3-D, horizon is below 1, or season_length is not in [1, seq_length].
    """
    X = _check_windows(X, horizon)
    seq_length = X.shape[1]
    if not 1 <= season_length <= seq_length:
        raise ValueError(f"season_length ({season_length}) must be in [1, seq_length = {seq_length}]: "
                         f"the window has to hold one whole season")
    steps = seq_length - season_length + np.arange(horizon) % season_length  # (horizon,)
    return X[:, steps, 0]  # (samples, horizon)


def _flatten(X: np.ndarray) -> np.ndarray:
    """Return windows flattened to one row per sample, (samples, seq_length * features)."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 3:
        raise ValueError(f"X must be (samples, seq_length, features); got shape {X.shape}")
    return X.reshape(X.shape[0], -1)  # (samples, seq_length * features)


def fit_linear_forecaster(X_train: np.ndarray, y_train: np.ndarray) -> LinearRegression:
    """Return a LinearRegression fitted from flattened windows to their (samples, horizon) targets.

    Raises
    ------
    ValueError
        If X_train is not 3-D, y_train is not 2-D, or their sample counts differ.
    """
    flat = _flatten(X_train)  # (samples, seq_length * features)
    y_train = np.asarray(y_train, dtype=np.float64)  # (samples, horizon)
    if y_train.ndim != 2 or y_train.shape[0] != flat.shape[0]:
        raise ValueError(f"y_train must be (samples, horizon) with {flat.shape[0]} samples; "
                         f"got shape {y_train.shape}")
    return LinearRegression().fit(flat, y_train)


def linear_forecast(model: LinearRegression, X: np.ndarray) -> np.ndarray:
    """Return the (samples, horizon) forecasts of a fitted linear forecaster on windows X.

    Raises
    ------
    ValueError
        If X is not 3-D or its window size differs from the one the model was fitted on.
    """
    flat = _flatten(X)  # (samples, seq_length * features)
    pred = model.predict(flat)  # (samples, horizon)
    return pred.reshape(flat.shape[0], -1)  # (samples, horizon)


def baseline_forecasts(ds: Dataset, split: str = "test") -> dict[str, np.ndarray]:
    """Return every baseline's (samples, horizon) forecasts on one split of ds, keyed by baseline name.

    "seasonal naive" is left out when the series has no known season or one season is longer than
    the window; "linear on the window" is fitted on the training split.

    Raises
    ------
    ValueError
        If split is not one of "train", "val", "test".
    """
    if split not in SPLITS:
        raise ValueError(f"split {split!r} is not one of {SPLITS}")
    X = ds.X[split]  # (samples, seq_length, features)
    horizon = ds.y[split].shape[1]
    forecasts = {LAST_VALUE: last_value_forecast(X, horizon)}
    if ds.season_length is not None and ds.season_length <= X.shape[1]:
        forecasts["seasonal naive"] = seasonal_naive_forecast(X, horizon, ds.season_length)
    linear = fit_linear_forecaster(ds.X["train"], ds.y["train"])
    forecasts["linear on the window"] = linear_forecast(linear, X)
    return forecasts


def compare_baselines(ds: Dataset, split: str = "test") -> dict[str, dict[str, float]]:
    """Return the metrics of every baseline on one split of ds, keyed by baseline name (see baseline_forecasts)."""
    return {name: forecast_metrics(ds.y[split], forecast) for name, forecast in baseline_forecasts(ds, split).items()}
