"""Skill against the baselines: the score, the judgement against the noise of the test windows, the words."""

import numpy as np
import pytest

from lstm_core.config import SeriesConfig
from lstm_core.data.dataset import build_dataset
from lstm_core.evaluation.skill import Comparison, baseline_forecasts, compare, skill_score, skill_table, skill_verdict


def test_skill_score_is_one_for_perfect_zero_for_equal_and_negative_for_worse():
    assert skill_score(0.0, 0.5) == 1.0
    assert skill_score(0.5, 0.5) == 0.0
    assert skill_score(1.0, 0.5) == -1.0
    assert np.isnan(skill_score(0.1, 0.0))


def test_a_forecaster_with_half_the_error_has_skill_one_half_and_is_judged_better():
    rng = np.random.default_rng(0)
    actual = rng.normal(size=(2000, 1))
    noise = rng.normal(size=(2000, 1))
    model = actual + np.sqrt(0.5) * noise  # squared error 0.5 on average
    reference = actual + noise  # squared error 1
    (c,) = compare(actual, model, {"reference": reference})
    assert c.skill == pytest.approx(0.5, abs=1e-12)
    assert c.outcome == "model better"
    assert skill_verdict([c], "trend") == "Your LSTM beats reference (skill +0.50)."


def test_equal_forecasters_are_no_difference_and_the_verdict_says_so():
    rng = np.random.default_rng(1)
    actual = rng.normal(size=(300, 1))
    model = actual + rng.normal(scale=0.3, size=(300, 1))
    other = actual + rng.normal(scale=0.3, size=(300, 1))  # same error level, other draw
    (c,) = compare(actual, model, {"linear model on the window": other})
    assert c.outcome == "no difference"
    text = skill_verdict([c], "sine")
    assert "as good as your LSTM" in text and "linear combination" in text
    assert "linear combination" not in skill_verdict([c], "trend"), "the sine explanation only for a sine"


def test_the_judgement_is_two_standard_errors():
    assert Comparison("a", 1.0, 0.1, gap=0.2, standard_error=0.1).outcome == "no difference"
    assert Comparison("a", 1.0, 0.1, gap=0.21, standard_error=0.1).outcome == "model better"
    assert Comparison("a", 1.0, -0.1, gap=-0.21, standard_error=0.1).outcome == "reference better"


def test_baselines_on_a_dataset_and_the_table():
    ds = build_dataset(SeriesConfig(n_points=400), seq_length=70, horizon=1)  # a season (63 points) fits
    forecasts = baseline_forecasts(ds)
    assert set(forecasts) == {"repeat the last value", "seasonal naive", "linear model on the window"}
    assert all(f.shape == ds.y["test"].shape for f in forecasts.values())
    np.testing.assert_array_equal(forecasts["repeat the last value"][:, 0], ds.X["test"][:, -1, 0])
    table = skill_table(compare(ds.y["test"], ds.y["test"], forecasts))
    assert list(table.index) == list(forecasts) and (table["skill of your LSTM"] == 1.0).all()
    short = build_dataset(SeriesConfig(n_points=400), seq_length=20, horizon=1)
    assert "seasonal naive" not in baseline_forecasts(short), "no seasonal naive when a season does not fit"
