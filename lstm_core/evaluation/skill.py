"""Is it any good? The model's skill against forecasts that cost nothing, and a verdict computed from the numbers.

Skill against a reference forecast is 1 - MSE_model / MSE_reference: 1 is perfect, 0 is no better than
the reference, below 0 is worse. Whether two forecasters differ at all is judged on the test windows
themselves: the per-window difference of squared errors has a mean and a standard error, and a gap
smaller than two standard errors is "no difference here".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lstm_core.data.dataset import Dataset
from lstm_core.evaluation import baselines
from lstm_core.evaluation.baselines import LAST_VALUE
from lstm_core.evaluation.metrics import mse_per_window

SIGNIFICANCE = 2.0  # standard errors a gap must exceed before the verdict calls it a difference
MODEL_NAME = "your LSTM"
SPOKEN_NAMES = {LAST_VALUE: "repeat the last value", "linear on the window": "linear model on the window"}


def skill_score(mse_model: float, mse_reference: float) -> float:
    """Return 1 - mse_model / mse_reference (nan when the reference is perfect)."""
    return 1.0 - mse_model / mse_reference if mse_reference > 0 else float("nan")


@dataclass(frozen=True)
class Comparison:
    """How one forecaster compares with the model on the same windows."""

    name: str
    mse: float
    skill: float  # the model's skill against this forecaster
    gap: float  # mean over windows of (squared error of this forecaster - squared error of the model)
    standard_error: float  # of that mean

    @property
    def outcome(self) -> str:
        """Return "model better", "reference better" or "no difference", judged against the gap's noise."""
        if not is_difference(self.gap, self.standard_error):
            return "no difference"
        return "model better" if self.gap > 0 else "reference better"


def paired_gap(errors_a: np.ndarray, errors_b: np.ndarray) -> tuple[float, float]:
    """Return the mean of errors_a - errors_b over windows (samples,) and the standard error of that mean."""
    gap = np.asarray(errors_a, dtype=np.float64) - np.asarray(errors_b, dtype=np.float64)  # (samples,)
    standard_error = float(np.std(gap, ddof=1) / np.sqrt(len(gap))) if len(gap) > 1 else float("inf")
    return float(gap.mean()), standard_error


def is_difference(gap: float, standard_error: float) -> bool:
    """Return True when a gap is more than SIGNIFICANCE standard errors away from zero."""
    return abs(gap) > SIGNIFICANCE * standard_error


def baseline_forecasts(ds: Dataset, split: str = "test") -> dict[str, np.ndarray]:
    """Return each baseline's forecasts (samples, horizon) on a split, named as the verdict speaks of them."""
    forecasts = baselines.baseline_forecasts(ds, split)
    return {SPOKEN_NAMES.get(name, name): forecast for name, forecast in forecasts.items()}


def compare(actual: np.ndarray, model_forecast: np.ndarray, references: dict[str, np.ndarray]) -> list[Comparison]:
    """Return one Comparison per reference forecast, all (samples, horizon) like actual."""
    actual = np.asarray(actual, dtype=np.float64)  # (samples, horizon)
    model_error = mse_per_window(actual, model_forecast)  # (samples,)
    out = []
    for name, forecast in references.items():
        error = mse_per_window(actual, forecast)  # (samples,)
        gap, standard_error = paired_gap(error, model_error)
        out.append(Comparison(name, float(error.mean()), skill_score(float(model_error.mean()), float(error.mean())),
                              gap, standard_error))
    return out


def skill_table(comparisons: list[Comparison]) -> pd.DataFrame:
    """Return one row per reference: its test MSE, the model's skill against it and the judgement."""
    words = {"model better": f"{MODEL_NAME} is better", "reference better": "this one is better",
             "no difference": "no difference here"}
    return pd.DataFrame({"test MSE": [c.mse for c in comparisons],
                         "skill of your LSTM": [c.skill for c in comparisons],
                         "judged on the test windows": [words[c.outcome] for c in comparisons]},
                        index=[c.name for c in comparisons])


def skill_verdict(comparisons: list[Comparison], series_shape: str) -> str:
    """Return the honest verdict in words, each clause computed from one comparison."""
    clauses = []
    for c in comparisons:
        if c.outcome == "model better":
            clauses.append(f"{MODEL_NAME} beats {c.name} (skill {c.skill:+.2f})")
        elif c.outcome == "reference better":
            clauses.append(f"{c.name} beats {MODEL_NAME} (skill {c.skill:+.2f})")
        else:
            clauses.append(f"{c.name} is as good as {MODEL_NAME}: the gap (skill {c.skill:+.2f}) is within "
                           f"the noise of the test windows")
    text = "; ".join(clauses) + "."
    linear = next((c for c in comparisons if c.name == "linear model on the window"), None)
    if linear is not None and linear.outcome != "model better" and series_shape in ("sine", "sum_of_sines"):
        text += (" On a sum of sines, each value is a fixed linear combination of the ones before it, so a linear "
                 "model on the window can forecast it as well as any network.")
    return text[0].upper() + text[1:]
