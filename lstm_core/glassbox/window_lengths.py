"""One trained model read with windows of other lengths: the weights hold no window length, only a step rule.

An LSTM applies the same cell at every step, so weights trained on windows of 20 steps read windows of 5 or 60
steps as well; how good the forecast is then depends on what the longer or shorter view holds, not on any
weight changing. The replay forecasts the test part's targets from windows of each length.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstm_core.data.dataset import Dataset, make_windows
from lstm_core.glassbox.replay import trace_model
from lstm_core.model.weights import ModelWeights


@dataclass(frozen=True)
class LengthError:
    """The test MSE of one trained model read with windows of one length."""

    length: int
    mse: float
    windows: int  # test windows scored


def window_lengths_around(trained: int, longest: int) -> list[int]:
    """Return window lengths to try around the trained one: shorter, the trained length, longer (at most longest)."""
    candidates = {1, 2, trained // 4, trained // 2, trained, trained * 3 // 2, trained * 2, trained * 3}
    return sorted(length for length in candidates if 1 <= length <= longest)


def error_by_window_length(weights: ModelWeights, ds: Dataset, lengths: list[int]) -> list[LengthError]:
    """Return the test MSE of the trained weights on windows of each length, forecasting the same test targets.

    Only targets every length can reach are scored (the test part's, from its first point on), so the errors
    compare one set of targets read through different views.
    """
    columns = ds.scaled_columns()  # (n_points, features)
    errors = []
    for length in lengths:
        X, y = make_windows(columns, length, ds.horizon)  # (samples, length, features), (samples, horizon)
        first_target = np.arange(len(X)) + length  # (samples,)
        test = first_target >= ds.val_end  # (samples,)
        predicted = trace_model(weights, X[test]).prediction  # (windows, horizon)
        errors.append(LengthError(length, float(np.mean((predicted - y[test]) ** 2)), int(test.sum())))
    return errors
