"""Looking further ahead: a direct forecaster (one Dense(m) head) against a one-step model fed its own predictions.

Direct: one model outputs all m future values at once. Recursive: a one-step model forecasts the next
value, the value is appended to the window (the oldest value drops out), and the model runs again, m
times; its errors feed its later inputs. Both are scored on the same test windows, step by step ahead.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from lstm_core.config import ModelConfig
from lstm_core.data.dataset import Dataset
from lstm_core.evaluation.metrics import mse_per_step, squared_errors
from lstm_core.evaluation.skill import is_difference, paired_gap
from lstm_core.glassbox.replay import trace_model
from lstm_core.model.weights import ModelWeights
from lstm_core.presets import QUICK_START_MODEL


def horizon_models(horizon: int) -> dict[str, ModelConfig]:
    """Return the two models the lesson trains: "direct" with a Dense(horizon) head and the one-step "recursive"."""
    return {"direct": replace(QUICK_START_MODEL, horizon=horizon), "recursive": replace(QUICK_START_MODEL, horizon=1)}


def recursive_forecast(weights: ModelWeights, X: np.ndarray, steps: int) -> np.ndarray:
    """Return (samples, steps) forecasts of a one-step model, each step's forecast fed back as its next input."""
    window = np.asarray(X, dtype=np.float64)  # (samples, seq_length, 1)
    forecasts = []
    for _ in range(steps):
        next_value = trace_model(weights, window).prediction[:, :1]  # (samples, 1)
        forecasts.append(next_value[:, 0])
        window = np.concatenate([window[:, 1:], next_value[:, :, None]], axis=1)  # (samples, seq_length, 1)
    return np.stack(forecasts, axis=1)  # (samples, steps)


@dataclass(frozen=True)
class HorizonOutcome:
    """Both forecasts on the test windows and their errors per step ahead."""

    direct: np.ndarray  # (samples, horizon)
    recursive: np.ndarray  # (samples, horizon)
    last_value: np.ndarray  # (samples, horizon): the no-skill reference
    actual: np.ndarray  # (samples, horizon)

    def errors(self) -> dict[str, np.ndarray]:
        """Return the MSE per step ahead, (horizon,), of direct, recursive and repeating the last value."""
        named = (("direct", "direct"), ("recursive", "recursive"), ("repeat the last value", "last_value"))
        return {name: mse_per_step(self.actual, getattr(self, key)) for name, key in named}


def horizon_outcome(ds: Dataset, direct: ModelWeights, one_step: ModelWeights) -> HorizonOutcome:
    """Return the HorizonOutcome of both trained models on ds's test windows (ds built with the lesson's horizon)."""
    X, y = ds.X["test"], ds.y["test"]  # (samples, seq_length, 1), (samples, horizon)
    return HorizonOutcome(trace_model(direct, X).prediction, recursive_forecast(one_step, X, y.shape[1]),
                          np.repeat(X[:, -1, :1], y.shape[1], axis=1), y)


def horizon_verdict(outcome: HorizonOutcome) -> str:
    """Return, in words, which forecast is better at the furthest step, judged against the noise of the windows."""
    horizon = outcome.actual.shape[1]
    direct_error = squared_errors(outcome.actual[:, -1], outcome.direct[:, -1])  # (samples,)
    recursive_error = squared_errors(outcome.actual[:, -1], outcome.recursive[:, -1])  # (samples,)
    gap, standard_error = paired_gap(recursive_error, direct_error)
    numbers = (f"at {horizon} step{'s' * (horizon > 1)} ahead the direct model's test MSE is "
               f"{direct_error.mean():.4f} and the recursive one's {recursive_error.mean():.4f}")
    if horizon == 1:
        return f"One step ahead both models do the same job: {numbers}."
    if not is_difference(gap, standard_error):
        return f"No difference here: {numbers}, a gap within the noise of the test windows."
    better = "direct" if gap > 0 else "recursive"
    return f"The {better} forecast is better: {numbers}."
