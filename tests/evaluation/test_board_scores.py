"""The class board's scores of a run: over the noise floor when it is known, over the last value when not."""

import numpy as np
import pytest

from lstm_core.config import SeriesConfig
from lstm_core.data.dataset import build_dataset, build_dataset_from_values
from lstm_core.evaluation.board import LAST_VALUE_BASIS, NOISE_FLOOR_BASIS, run_scores, window_scores
from lstm_core.evaluation.metrics import mse
from lstm_core.evaluation.skill import baseline_forecasts


def test_a_generated_series_is_scored_over_its_noise_floor():
    ds = build_dataset(SeriesConfig(n_points=400, noise_std=0.2), seq_length=10)
    predicted = ds.y["test"] + 0.05  # (samples, horizon)
    scores = run_scores(ds, predicted, 3.5)
    assert scores["test_mse"] == pytest.approx(mse(ds.y["test"], predicted))
    assert scores["score"] == pytest.approx(scores["test_mse"] / ds.noise_floor)
    assert scores["score_basis"] == NOISE_FLOOR_BASIS and scores["seconds"] == 3.5
    last = mse(ds.y["test"], baseline_forecasts(ds)["repeat the last value"])
    assert scores["skill_last_value"] == pytest.approx(1 - scores["test_mse"] / last)
    assert scores["skill_linear"] is not None


def test_own_data_has_no_noise_floor_and_is_scored_over_the_last_value():
    values = np.sin(np.arange(300) / 5.0) + np.random.default_rng(0).normal(0, 0.1, 300)  # (300,)
    ds = build_dataset_from_values(values, seq_length=8)
    predicted = ds.y["test"] * 0.9  # (samples, horizon)
    scores = run_scores(ds, predicted, None)
    last = mse(ds.y["test"], baseline_forecasts(ds)["repeat the last value"])
    assert scores["score_basis"] == LAST_VALUE_BASIS
    assert scores["score"] == pytest.approx(scores["test_mse"] / last)
    assert scores["seconds"] is None


def test_the_linear_skill_is_over_a_least_squares_line_through_the_training_windows():
    values = np.sin(np.arange(300) / 5.0) + np.random.default_rng(1).normal(0, 0.1, 300)  # (300,)
    ds = build_dataset_from_values(values, seq_length=3)
    predicted = ds.y["test"] * 0.8  # (samples, horizon)
    scores = run_scores(ds, predicted, None)

    def with_intercept(X):
        return np.column_stack([X[:, :, 0], np.ones(len(X))])  # (samples, seq_length + 1)

    coefficients = np.linalg.lstsq(with_intercept(ds.X["train"]), ds.y["train"], rcond=None)[0]  # (4, horizon)
    linear_mse = np.mean((with_intercept(ds.X["test"]) @ coefficients - ds.y["test"]) ** 2)
    test_mse = np.mean((predicted - ds.y["test"]) ** 2)
    assert scores["skill_linear"] == pytest.approx(1 - test_mse / linear_mse, rel=1e-9)
    assert 0 < linear_mse < np.mean((ds.X["test"][:, -1, :] - ds.y["test"]) ** 2), "a line beats the last value here"


def test_a_lessons_windows_are_scored_over_repeating_each_windows_last_value():
    X_test = np.array([[[0.0], [1.0]], [[1.0], [3.0]], [[2.0], [2.0]]])  # (3 windows, 2 steps, 1 feature)
    y_test = np.array([[2.0], [5.0], [2.0]])  # (3, 1)
    predicted = np.array([[2.5], [4.0], [2.0]])  # squared errors 0.25, 1, 0; the last values' 1, 4, 0
    scores = window_scores(X_test, y_test, predicted, 1.5)
    assert scores == pytest.approx({"test_mse": 1.25 / 3, "score": 0.25, "score_basis": LAST_VALUE_BASIS,
                                    "skill_last_value": 0.75, "skill_linear": None, "seconds": 1.5})
    two_ahead = window_scores(np.array([[[1.0], [2.0]]]), np.array([[3.0, 4.0]]), np.array([[3.0, 3.0]]), None)
    # The last value 2 repeated twice errs by 1 and 2 (MSE 2.5); the forecast by 0 and 1 (MSE 0.5).
    assert two_ahead["test_mse"] == pytest.approx(0.5) and two_ahead["score"] == pytest.approx(0.2)
    assert two_ahead["skill_last_value"] == pytest.approx(0.8) and two_ahead["seconds"] is None
