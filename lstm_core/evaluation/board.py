"""A run's scores as the class board shows them: one number to compare runs on, and its skill against baselines.

The board's score is the test MSE over the noise floor (1 is as good as any forecaster can be on average),
or, when the noise level is unknown (the learner's own data), over the MSE of repeating the last value.
Lower is better either way.
"""

from __future__ import annotations

import numpy as np

from lstm_core.data.dataset import Dataset
from lstm_core.evaluation.baselines import last_value_forecast
from lstm_core.evaluation.metrics import mse
from lstm_core.evaluation.skill import baseline_forecasts, skill_score

NOISE_FLOOR_BASIS = "noise floor"
LAST_VALUE_BASIS = "last value"


def run_scores(ds: Dataset, predicted: np.ndarray, seconds: float | None) -> dict[str, float | str | None]:
    """Return the board's scores of a test forecast (samples, horizon): MSE, score and its basis, skills, seconds."""
    test_mse = mse(ds.y["test"], predicted)
    references = baseline_forecasts(ds)
    reference_mse = {name: mse(ds.y["test"], forecast) for name, forecast in references.items()}
    last_value = reference_mse.get("repeat the last value")
    floor = ds.noise_floor
    if floor:
        score, basis = test_mse / floor, NOISE_FLOOR_BASIS
    else:
        score, basis = (test_mse / last_value if last_value else float("nan")), LAST_VALUE_BASIS
    return {"test_mse": test_mse, "score": score, "score_basis": basis,
            "skill_last_value": skill_score(test_mse, last_value) if last_value is not None else None,
            "skill_linear": (skill_score(test_mse, reference_mse["linear model on the window"])
                             if "linear model on the window" in reference_mse else None),
            "seconds": seconds}


def window_scores(X_test: np.ndarray, y_test: np.ndarray, predicted: np.ndarray,
                  seconds: float | None) -> dict[str, float | str | None]:
    """Return the board's scores of a forecast (samples, horizon) of windows X_test (samples, T, features) alone.

    A lesson's windows come without their series, so the score is over repeating each window's last value.
    """
    test_mse = mse(y_test, predicted)
    reference = mse(y_test, last_value_forecast(X_test, np.asarray(y_test).shape[1]))
    return {"test_mse": test_mse, "score": test_mse / reference if reference else float("nan"),
            "score_basis": LAST_VALUE_BASIS, "skill_last_value": skill_score(test_mse, reference),
            "skill_linear": None, "seconds": seconds}
