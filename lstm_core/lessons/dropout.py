"""Dropout at work: what it changes while training and not when predicting, and Monte-Carlo dropout bands.

Keras's Dropout layer, while training, zeroes each value it receives with probability `rate` and scales
the survivors by 1 / (1 - rate), so the expected value is unchanged; when predicting it passes values
through untouched. In this app's models a Dropout follows every LSTM layer: on the whole hidden sequence
between layers, on the last hidden state before the head. Monte-Carlo dropout leaves it on when
predicting and repeats the forecast: the spread of the repeats is a picture of the model's uncertainty.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstm_core.evaluation.metrics import mse
from lstm_core.glassbox.replay import trace_model
from lstm_core.model.weights import ModelWeights

BAND = (5.0, 95.0)  # percentiles of the Monte-Carlo forecasts drawn as the band: nominally 90 %


def dropout_mask(shape: tuple[int, ...], rate: float, rng: np.random.Generator) -> np.ndarray:
    """Return Keras's inverted-dropout multipliers of a shape: 0 with probability rate, else 1 / (1 - rate)."""
    if rate <= 0:
        return np.ones(shape)
    return (rng.random(shape) >= rate) / (1.0 - rate)


def forecast_with_dropout(weights: ModelWeights, x: np.ndarray, rate: float, rng: np.random.Generator) -> np.ndarray:
    """Return (batch, horizon) forecasts with dropout left on after every recurrent layer, as Keras trains."""
    return trace_model(weights, x, dropout_mask=lambda shape: dropout_mask(shape, rate, rng)).prediction


def monte_carlo(weights: ModelWeights, x: np.ndarray, rate: float, passes: int, seed: int = 0) -> np.ndarray:
    """Return (passes, batch, horizon) forecasts, each pass with fresh dropout masks."""
    rng = np.random.default_rng(seed)
    return np.stack([forecast_with_dropout(weights, x, rate, rng) for _ in range(passes)])


@dataclass(frozen=True)
class Band:
    """The Monte-Carlo band on the test windows and how often it holds the actual value."""

    plain: np.ndarray  # (samples,) the forecast with dropout off
    mean: np.ndarray  # (samples,) the mean of the passes
    low: np.ndarray  # (samples,)
    high: np.ndarray  # (samples,)
    coverage: float  # share of actual values inside [low, high]
    mean_width: float
    plain_mse: float  # of the plain forecast against the actual values
    mean_mse: float  # of the mean of the passes


def band(weights: ModelWeights, X: np.ndarray, y: np.ndarray, rate: float, passes: int, seed: int = 0) -> Band:
    """Return the Band of the first step ahead over windows X with actual values y (samples, horizon)."""
    draws = monte_carlo(weights, X, rate, passes, seed)[:, :, 0]  # (passes, samples)
    low, high = np.percentile(draws, BAND, axis=0)  # each (samples,)
    actual = np.asarray(y)[:, 0]  # (samples,)
    inside = (actual >= low) & (actual <= high)  # (samples,)
    plain, mean = trace_model(weights, X).prediction[:, 0], draws.mean(axis=0)  # each (samples,)
    return Band(plain, mean, low, high, float(inside.mean()), float(np.mean(high - low)), mse(actual, plain),
                mse(actual, mean))


def coverage_statement(result: Band, noise_floor: float | None) -> str:
    """Return, in words, how often the band held the actual value against the nominal share."""
    nominal = (BAND[1] - BAND[0]) / 100
    text = (f"The band from the {BAND[0]:.0f}th to the {BAND[1]:.0f}th percentile of the passes held "
            f"{result.coverage:.0%} of the actual test values; a band that described all the uncertainty "
            f"would hold about {nominal:.0%}.")
    if result.coverage < nominal - 0.05:
        text += f" It is too narrow (mean width {result.mean_width:.3f})"
        if noise_floor is not None:
            noise_width = 2 * 1.645 * np.sqrt(noise_floor)  # a 90 % interval of the noise alone
            text += f": less than the {noise_width:.3f} that the noise alone would need"
        text += ". Dropout shows what the model is unsure of, not the noise in the data."
    elif result.coverage > nominal + 0.05:
        text += f" It is wider than it needs to be (mean width {result.mean_width:.3f})."
    else:
        text += " Here that matches."
    return text


def training_effect(train_loss_with_dropout: float, weights: ModelWeights, X_train: np.ndarray,
                    y_train: np.ndarray) -> tuple[float, float, str]:
    """Return (Keras's last training loss, the training MSE with dropout off, a sentence comparing them)."""
    off = mse(y_train, trace_model(weights, X_train).prediction)
    ratio = train_loss_with_dropout / off if off > 0 else float("nan")
    text = (f"The last epoch's training loss, measured with dropout on, was {train_loss_with_dropout:.5f}; the "
            f"same weights on the same training windows with dropout off score {off:.5f}")
    if np.isfinite(ratio) and ratio > 1.1:
        text += f", ×{ratio:.1f} better: while training, dropout handicaps the model on purpose."
    elif np.isfinite(ratio) and ratio < 1 / 1.1:
        text += f", ×{1 / ratio:.1f} worse: the weights still moved after the loss was measured."
    else:
        text += ": no difference here."
    return train_loss_with_dropout, off, text
