"""One trained model read with windows of other lengths: the replay equals Keras at every length."""

import numpy as np
import pytest

from bench.weights import random_weights
from lstm_core.config import ModelConfig, SeriesConfig
from lstm_core.data.dataset import build_dataset, make_windows
from lstm_core.glassbox.window_lengths import error_by_window_length, window_lengths_around
from lstm_core.model.keras_model import build_model


def test_lengths_around_the_trained_one_stay_within_what_the_series_allows():
    assert window_lengths_around(20, 500) == [1, 2, 5, 10, 20, 30, 40, 60]
    assert window_lengths_around(8, 12) == [1, 2, 4, 8, 12]


@pytest.mark.parametrize("inputs", [(), ("driver", "calendar")])
def test_the_error_at_each_length_is_the_keras_models_own_on_the_same_test_targets(inputs):
    ds = build_dataset(SeriesConfig(n_points=300, inputs=inputs), 10)
    cfg = ModelConfig(seq_length=10, units=5, layers=2, dense_units=0, dropout=0.0)
    weights = random_weights(cfg, ds.n_features, seed=3)
    errors = error_by_window_length(weights, ds, [4, 10, 25])
    assert [e.length for e in errors] == [4, 10, 25]
    assert len({e.windows for e in errors}) == 1 and errors[0].windows == len(ds.y["test"]), "one set of targets"
    assert errors[1].mse == pytest.approx(float(np.mean((_keras_forecast(cfg, weights, ds.X["test"], ds.n_features)
                                                          - ds.y["test"]) ** 2)), rel=1e-4)
    for error in errors:  # a Keras model of the same weights built for that window length agrees
        X, y = make_windows(ds.scaled_columns(), error.length, ds.horizon)
        test = np.arange(len(X)) + error.length >= ds.val_end
        longer = ModelConfig(**{**cfg.to_dict(), "seq_length": error.length})
        expected = float(np.mean((_keras_forecast(longer, weights, X[test], ds.n_features) - y[test]) ** 2))
        assert error.mse == pytest.approx(expected, rel=1e-4)


def _keras_forecast(cfg, weights, X, n_features):
    model = build_model(cfg, n_features)
    model.set_weights(weights.to_list())
    return model.predict(X, verbose=0)
