"""Baselines: hand-made windows with known answers, exact relations, metrics by hand, the noise floor."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.linear_model import LinearRegression

from lstm_core.config import SeriesConfig
from lstm_core.data.dataset import build_dataset, make_windows
from lstm_core.evaluation.baselines import (
    compare_baselines,
    fit_linear_forecaster,
    last_value_forecast,
    linear_forecast,
    seasonal_naive_forecast,
)
from lstm_core.evaluation.metrics import forecast_metrics

ROOT = Path(__file__).resolve().parents[2]

# Two windows of length 5 with two features; feature 1 is a decoy no baseline may read.
WINDOWS = np.stack([
    np.array([[1.0, 2, 3, 4, 5], [-1, -1, -1, -1, -1]]).T,
    np.array([[10.0, 20, 30, 40, 50], [7, 7, 7, 7, 7]]).T,
])  # (2, 5, 2)


# --- last value ------------------------------------------------------------------------------------

def test_last_value_repeats_the_last_value_of_feature_zero():
    np.testing.assert_array_equal(last_value_forecast(WINDOWS, 3), [[5, 5, 5], [50, 50, 50]])
    np.testing.assert_array_equal(last_value_forecast(WINDOWS, 1), [[5], [50]])


@pytest.mark.parametrize("X, horizon", [(np.zeros((2, 5)), 1), (np.zeros((2, 5, 1)), 0)])
def test_last_value_rejects_bad_input(X, horizon):
    with pytest.raises(ValueError):
        last_value_forecast(X, horizon)


# --- seasonal naive --------------------------------------------------------------------------------

def test_seasonal_naive_takes_the_value_one_season_back():
    # Season 2: targets at steps 0,1,2,3 after [1..5] take values from positions 3,4,3,4.
    np.testing.assert_array_equal(seasonal_naive_forecast(WINDOWS, 4, 2),
                                  [[4, 5, 4, 5], [40, 50, 40, 50]])
    # Season 3: positions 2,3,4,2.
    np.testing.assert_array_equal(seasonal_naive_forecast(WINDOWS, 4, 3),
                                  [[3, 4, 5, 3], [30, 40, 50, 30]])
    # A season as long as the window starts again at its first value.
    np.testing.assert_array_equal(seasonal_naive_forecast(WINDOWS, 2, 5), [[1, 2], [10, 20]])


def test_seasonal_naive_with_season_one_is_last_value():
    np.testing.assert_array_equal(seasonal_naive_forecast(WINDOWS, 3, 1),
                                  last_value_forecast(WINDOWS, 3))


@given(seq_length=st.integers(1, 12), horizon=st.integers(1, 8), data=st.data())
def test_seasonal_naive_matches_the_definition(seq_length, horizon, data):
    season = data.draw(st.integers(1, seq_length))
    X = np.arange(3 * seq_length * 2, dtype=float).reshape(3, seq_length, 2)  # (3, seq_length, 2)
    got = seasonal_naive_forecast(X, horizon, season)
    assert got.shape == (3, horizon)
    for h in range(horizon):
        np.testing.assert_array_equal(got[:, h], X[:, seq_length - season + h % season, 0])


@pytest.mark.parametrize("season", [0, -3, 6, 100])
def test_seasonal_naive_rejects_a_season_that_does_not_fit(season):
    message = rf"season_length \({season}\) must be in \[1, seq_length = 5\]"
    with pytest.raises(ValueError, match=message):
        seasonal_naive_forecast(WINDOWS, 2, season)


def test_seasonal_naive_is_exact_on_a_noise_free_sine():
    # period / time_step = 64 points exactly, so one season back is the same phase.
    ds = build_dataset(SeriesConfig(n_points=600, period=6.4, time_step=0.1, noise_std=0.0),
                       seq_length=70, horizon=5)
    season = ds.season_length
    assert season == 64
    pred = seasonal_naive_forecast(ds.X["test"], 5, season)
    np.testing.assert_allclose(pred, ds.y["test"], atol=1e-9)
    # The last value is far off on the same data: the test above is not trivially easy.
    assert forecast_metrics(ds.y["test"], last_value_forecast(ds.X["test"], 5))["mse"] > 1e-3


# A period shorter than a step rounds to no point at all; the season is at least one point. Periods and steps
# outside their bounds (zero, negative, not finite) are SeriesConfig's to reject (tests/test_config.py).
@pytest.mark.parametrize("period, time_step, expected", [(6.4, 0.1, 64), (2 * np.pi, 0.1, 63),
                                                         (1.0, 0.35, 3), (1.0, 0.3, 3), (0.5, 1.0, 1),
                                                         (100.0, 0.01, 10000)])
def test_the_season_of_a_generated_series_is_its_period_in_points(period, time_step, expected):
    ds = build_dataset(SeriesConfig(n_points=300, period=period, time_step=time_step), seq_length=10)
    assert ds.season_length == expected and type(ds.season_length) is int


# --- linear on the window --------------------------------------------------------------------------

def test_linear_recovers_an_exact_linear_relation():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 6, 2))  # (samples, seq_length, features)
    y = np.stack([X.sum(axis=(1, 2)), 2 * X[:, -1, 0] - X[:, 0, 1] + 0.5], axis=1)  # (samples, 2)
    model = fit_linear_forecaster(X[:150], y[:150])
    assert isinstance(model, LinearRegression)
    pred = linear_forecast(model, X[150:])
    assert pred.shape == (50, 2)
    np.testing.assert_allclose(pred, y[150:], atol=1e-9)


def test_linear_keeps_a_horizon_of_one_two_dimensional():
    X, y = make_windows(np.sin(np.arange(100) * 0.3), seq_length=4, horizon=1)
    pred = linear_forecast(fit_linear_forecaster(X, y), X)
    assert pred.shape == y.shape == (96, 1)
    np.testing.assert_allclose(pred, y, atol=1e-9)  # a sine obeys a 2-term linear recurrence


def test_linear_rejects_mismatched_shapes():
    with pytest.raises(ValueError):
        fit_linear_forecaster(np.zeros((10, 3, 1)), np.zeros((9, 1)))
    with pytest.raises(ValueError):
        fit_linear_forecaster(np.zeros((10, 3)), np.zeros((10, 1)))
    model = fit_linear_forecaster(np.random.default_rng(1).normal(size=(10, 3, 1)), np.zeros((10, 1)))
    with pytest.raises(ValueError):
        linear_forecast(model, np.zeros((4, 5, 1)))


# --- metrics ---------------------------------------------------------------------------------------

def test_metrics_match_hand_computed_numbers():
    y_true = np.array([[1.0, 2.0], [3.0, 4.0]])
    y_pred = np.array([[2.0, 2.0], [3.0, 0.0]])  # errors 1, 0, 0, -4
    got = forecast_metrics(y_true, y_pred)
    assert set(got) == {"mse", "rmse", "mae"}
    assert got["mse"] == pytest.approx(17 / 4)
    assert got["rmse"] == pytest.approx(np.sqrt(17 / 4))
    assert got["mae"] == pytest.approx(5 / 4)
    assert all(type(v) is float for v in got.values())


def test_rmse_is_the_root_of_the_overall_mse_not_a_mean_of_per_step_roots():
    y_true = np.zeros((2, 2))
    y_pred = np.array([[3.0, 0.0], [3.0, 0.0]])  # per-step RMSE 3 and 0 would average to 1.5
    got = forecast_metrics(y_true, y_pred)
    assert got["rmse"] == pytest.approx(np.sqrt(4.5))


def test_perfect_forecast_scores_zero():
    y = np.arange(6.0).reshape(3, 2)
    assert forecast_metrics(y, y) == {"mse": 0.0, "rmse": 0.0, "mae": 0.0}


@pytest.mark.parametrize("shape_true, shape_pred",
                         [((4, 2), (2, 4)), ((3, 1), (3, 2)), ((0, 1), (0, 1))])
def test_metrics_reject_mismatched_or_empty_arrays(shape_true, shape_pred):
    with pytest.raises(ValueError):
        forecast_metrics(np.zeros(shape_true), np.zeros(shape_pred))


# --- compare_baselines -----------------------------------------------------------------------------

def test_compare_baselines_keys_when_the_season_fits():
    ds = build_dataset(SeriesConfig(n_points=600), seq_length=70, horizon=2)  # season 63 <= 70
    result = compare_baselines(ds)
    assert list(result) == ["last value", "seasonal naive", "linear on the window"]
    for metrics in result.values():
        assert set(metrics) == {"mse", "rmse", "mae"}
        assert all(np.isfinite(v) and v >= 0 for v in metrics.values())
    expected = forecast_metrics(ds.y["test"], last_value_forecast(ds.X["test"], 2))
    assert result["last value"] == expected


@pytest.mark.parametrize("seq_length, has_seasonal", [(50, False), (62, False), (63, True)])
def test_compare_baselines_leaves_out_a_season_longer_than_the_window(seq_length, has_seasonal):
    ds = build_dataset(SeriesConfig(n_points=600), seq_length=seq_length)  # season: 63 points
    assert ("seasonal naive" in compare_baselines(ds)) is has_seasonal


def test_compare_baselines_evaluates_the_requested_split_with_a_train_fit():
    ds = build_dataset(SeriesConfig(n_points=600), seq_length=20, horizon=3)
    linear = fit_linear_forecaster(ds.X["train"], ds.y["train"])
    for split in ("train", "val", "test"):
        got = compare_baselines(ds, split)["linear on the window"]
        assert got == pytest.approx(forecast_metrics(ds.y[split], linear_forecast(linear, ds.X[split])))
    with pytest.raises(ValueError, match="split"):
        compare_baselines(ds, "validation")


def test_linear_baseline_sits_near_the_noise_floor_on_the_default_noisy_sine():
    ds = build_dataset(SeriesConfig(), seq_length=50, horizon=1)
    result = compare_baselines(ds)
    mse = result["linear on the window"]["mse"]
    # Nothing beats the noise on average; a linear filter on 50 points gets close to it.
    assert 0.5 * ds.noise_floor <= mse <= 2.0 * ds.noise_floor
    assert mse < result["last value"]["mse"]


def test_baselines_import_neither_tensorflow_keras_nor_streamlit():
    code = ("import sys, lstm_core.evaluation.baselines; "
            "bad = [m for m in ('tensorflow', 'keras', 'streamlit') if m in sys.modules]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)


def test_with_inputs_the_last_value_repeats_the_series_and_the_linear_model_reads_every_inputs_window():
    ds = build_dataset(SeriesConfig(n_points=400, inputs=("driver", "distractor"), driver_weight=1.5), 8)
    assert np.array_equal(last_value_forecast(ds.X["test"], 1)[:, 0], ds.X["test"][:, -1, 0]), \
        "the series' own last value"
    linear = fit_linear_forecaster(ds.X["train"], ds.y["train"])
    assert linear.coef_.shape == (1, 8 * 3)
    alone = fit_linear_forecaster(ds.X["train"][:, :, :1], ds.y["train"])
    with_driver = np.mean((linear_forecast(linear, ds.X["test"]) - ds.y["test"]) ** 2)
    without = np.mean((linear_forecast(alone, ds.X["test"][:, :, :1]) - ds.y["test"]) ** 2)
    assert with_driver < 0.7 * without, "the driver's window tells the linear model what the series' own cannot"
