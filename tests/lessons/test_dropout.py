"""Dropout at work: the NumPy dropout forward pass, Monte-Carlo bands, their coverage and the sentences."""

import numpy as np
import pytest

from bench.weights import random_weights
from lstm_core.config import ModelConfig
from lstm_core.glassbox.replay import trace_model
from lstm_core.lessons.dropout import (
    Band,
    band,
    coverage_statement,
    dropout_mask,
    forecast_with_dropout,
    monte_carlo,
    training_effect,
)
from lstm_core.model.keras_model import build_model

CFG = ModelConfig(seq_length=8, units=12, layers=2, dense_units=4, dropout=0.3)


def test_dropout_off_equals_the_plain_prediction():
    weights = random_weights(CFG, seed=0)
    x = np.random.default_rng(0).uniform(-1, 1, (5, 8, 1))
    np.testing.assert_allclose(forecast_with_dropout(weights, x, 0.0, np.random.default_rng(1)),
                               trace_model(weights, x).prediction, atol=1e-12)


def test_the_mask_zeroes_a_rate_share_and_keeps_the_expected_value():
    mask = dropout_mask((200, 500), 0.3, np.random.default_rng(0))
    assert set(np.unique(mask)) == {0.0, 1 / 0.7}
    assert np.mean(mask == 0) == pytest.approx(0.3, abs=0.01)
    assert mask.mean() == pytest.approx(1.0, abs=0.01)


def test_monte_carlo_forecasts_are_distributed_like_keras_with_dropout_on():
    model = build_model(CFG)
    weights = random_weights(CFG, seed=3)
    model.set_weights(weights.to_list())
    x = np.random.default_rng(2).uniform(-1, 1, (3, 8, 1)).astype(np.float32)
    ours = monte_carlo(weights, x, CFG.dropout, passes=400, seed=0)  # (passes, 3, 1)
    # One call on 400 copies of the windows: Keras draws every row's dropout mask on its own, as 400 calls would.
    keras_draws = np.asarray(model(np.tile(x, (400, 1, 1)), training=True)).reshape(400, 3, 1)  # (passes, 3, 1)
    spread = keras_draws.std(axis=0)
    np.testing.assert_allclose(ours.mean(axis=0), keras_draws.mean(axis=0), atol=0.15 * spread.max())
    np.testing.assert_allclose(ours.std(axis=0), spread, rtol=0.15)
    assert np.all(spread > 0), "dropout on makes the forecasts differ"


def test_band_coverage_is_the_share_of_actual_values_inside():
    weights = random_weights(CFG, seed=1)
    X = np.random.default_rng(5).uniform(-1, 1, (50, 8, 1))
    plain = trace_model(weights, X).prediction  # (50, 1)
    result = band(weights, X, plain, CFG.dropout, passes=60)
    expected = np.mean((plain[:, 0] >= result.low) & (plain[:, 0] <= result.high))
    assert result.coverage == expected
    assert np.all(result.low <= result.high) and result.mean_width > 0
    assert result.plain_mse == 0.0, "the plain forecast against itself"
    assert result.mean_mse == np.mean((result.mean - plain[:, 0]) ** 2) > 0
    far = band(weights, X, plain + 1e6, CFG.dropout, passes=60)
    assert far.coverage == 0.0


def sample_band(coverage: float, width: float) -> Band:
    zeros = np.zeros(3)
    return Band(zeros, zeros, zeros, zeros + width, coverage, width, 0.0, 0.0)


def test_the_coverage_sentence_follows_the_numbers():
    assert "too narrow" in coverage_statement(sample_band(0.4, 0.05), noise_floor=0.01)
    assert "wider than it needs" in coverage_statement(sample_band(0.99, 0.8), noise_floor=0.01)
    assert "Here that matches" in coverage_statement(sample_band(0.9, 0.33), noise_floor=0.01)
    assert "held 40%" in coverage_statement(sample_band(0.4, 0.05), noise_floor=0.01)


def test_the_training_effect_compares_the_loss_with_dropout_on_and_off():
    weights = random_weights(ModelConfig(seq_length=4, units=3, layers=1, dense_units=0), seed=0)
    X = np.random.default_rng(0).uniform(-1, 1, (20, 4, 1))
    y = trace_model(weights, X).prediction + 0.1  # MSE with dropout off: exactly 0.01
    _, off, text = training_effect(0.05, weights, X, y)
    assert off == pytest.approx(0.01) and "×5.0 better" in text
    assert "no difference here" in training_effect(0.0101, weights, X, y)[2]
