"""The horizon lesson's compute: the recursive forecast, errors per step ahead and the verdict."""

import numpy as np
import pytest

from bench.weights import random_weights
from lstm_core.config import ModelConfig, SeriesConfig
from lstm_core.data.dataset import build_dataset
from lstm_core.evaluation.metrics import mse_per_step
from lstm_core.glassbox.replay import trace_model
from lstm_core.lessons.horizon import (
    HorizonOutcome,
    horizon_models,
    horizon_outcome,
    horizon_verdict,
    recursive_forecast,
)


def test_the_recursive_forecast_equals_feeding_predictions_back_by_hand():
    cfg = ModelConfig(seq_length=6, units=5, layers=2, dense_units=3, horizon=1)
    weights = random_weights(cfg, seed=2)
    X = np.random.default_rng(0).uniform(-1, 1, (4, 6, 1))
    forecast = recursive_forecast(weights, X, steps=3)
    assert forecast.shape == (4, 3)
    for n in range(4):
        window = list(X[n, :, 0])
        for step in range(3):
            value = trace_model(weights, np.array(window[-6:])[None, :, None]).prediction[0, 0]
            assert forecast[n, step] == pytest.approx(value, abs=1e-12)
            window.append(value)


def test_the_two_models_differ_only_in_their_horizon():
    models = horizon_models(7)
    assert models["direct"].horizon == 7 and models["recursive"].horizon == 1
    assert {**models["direct"].to_dict(), "horizon": 1} == models["recursive"].to_dict()


def test_outcome_holds_both_forecasts_on_the_test_windows():
    models = horizon_models(4)
    ds = build_dataset(SeriesConfig(n_points=400), models["direct"].seq_length, 4)
    direct, one_step = random_weights(models["direct"], seed=0), random_weights(models["recursive"], seed=1)
    outcome = horizon_outcome(ds, direct, one_step)
    np.testing.assert_allclose(outcome.direct, trace_model(direct, ds.X["test"]).prediction)
    np.testing.assert_allclose(outcome.recursive, recursive_forecast(one_step, ds.X["test"], 4))
    np.testing.assert_array_equal(outcome.last_value[:, 2], ds.X["test"][:, -1, 0])
    errors = outcome.errors()
    np.testing.assert_allclose(errors["direct"], np.mean((outcome.direct - ds.y["test"]) ** 2, axis=0))
    assert set(errors) == {"direct", "recursive", "repeat the last value"}


def test_error_per_step_is_the_mean_square_per_column():
    np.testing.assert_allclose(mse_per_step(np.zeros((2, 2)), np.array([[1.0, 2.0], [3.0, 4.0]])), [5.0, 10.0])


def outcome_with(direct_noise: float, recursive_noise: float, n: int = 400, horizon: int = 3) -> HorizonOutcome:
    rng = np.random.default_rng(0)
    actual = rng.normal(size=(n, horizon))
    return HorizonOutcome(actual + direct_noise * rng.normal(size=(n, horizon)),
                          actual + recursive_noise * rng.normal(size=(n, horizon)), np.zeros((n, horizon)), actual)


def test_the_verdict_follows_the_numbers():
    assert horizon_verdict(outcome_with(0.1, 1.0)).startswith("The direct forecast is better")
    assert horizon_verdict(outcome_with(1.0, 0.1)).startswith("The recursive forecast is better")
    assert horizon_verdict(outcome_with(0.5, 0.5)).startswith("No difference here")
    assert horizon_verdict(outcome_with(0.1, 1.0, horizon=1)).startswith("One step ahead both models do the same job")
