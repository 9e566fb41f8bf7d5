"""The class board's scores of a run: over the noise floor when it is known, over the last value when not."""

import numpy as np
import pytest

from lstm_core.config import SeriesConfig
from lstm_core.data.dataset import build_dataset, build_dataset_from_values
from lstm_core.evaluation.board import LAST_VALUE_BASIS, NOISE_FLOOR_BASIS, run_scores
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
