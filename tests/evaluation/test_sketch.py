"""Scoring a drawn forecast: known sketches give known MSEs, ratios to the noise floor and verdicts."""

import numpy as np
import pytest

from lstm_core.evaluation.sketch import SketchError, resample_sketch, score_sketch, sketch_verdict, times

FLOOR = 0.01
ACTUAL = np.sin(np.arange(40) / 5.0)  # (40,) what happened at test points 0 … 39
FORECAST = ACTUAL + 0.1  # (40,) a forecast off by a constant 0.1: MSE 0.01, exactly the floor


def test_a_sketch_equal_to_what_happened_scores_zero():
    score = score_sketch(np.arange(40), ACTUAL, ACTUAL, FORECAST, FLOOR)
    assert score.sketch_mse == 0.0 and score.sketch_ratio == 0.0
    assert score.model_mse == pytest.approx(0.01) and score.model_ratio == pytest.approx(1.0)
    assert score.sketch_to_model_mse == pytest.approx(0.01)
    assert score.scored_steps == tuple(range(40)) and score.offered == 40
    assert score.verdict == ("Scored on all 40 points. Your sketch: 0× the noise floor; the LSTM: 1.0×. "
                             "Your sketch came closer to what happened: it matches what happened exactly.")


@pytest.mark.parametrize("offset", [0.05, -0.2, 0.3])
def test_a_sketch_off_by_a_constant_scores_its_square_over_the_floor(offset):
    score = score_sketch(np.arange(40), ACTUAL + offset, ACTUAL, FORECAST, FLOOR)
    assert score.sketch_mse == pytest.approx(offset ** 2)
    assert score.sketch_ratio == pytest.approx(offset ** 2 / FLOOR)
    assert score.largest_gap == pytest.approx(abs(offset))
    assert score.sketch_to_model_mse == pytest.approx((offset - 0.1) ** 2)


def test_a_sketch_drawn_between_the_test_points_is_read_on_its_line():
    # Two points at x = 0.5 and 3.5 on the line y = 2x: whole points 1, 2 and 3 lie inside, read as 2, 4 and 6.
    sketch = resample_sketch([0.5, 3.5], [1.0, 7.0], n_points=10)
    assert sketch.steps.tolist() == [1, 2, 3]
    assert sketch.values == pytest.approx([2.0, 4.0, 6.0])


def test_a_partial_sketch_scores_only_the_points_it_covers_and_says_how_many():
    xs = np.linspace(10.0, 19.0, 91)  # (91,) a stroke over test points 10 … 19, through each of them
    ys = np.interp(xs, np.arange(40), ACTUAL) + 0.2  # (50,) 0.2 above the line through what happened
    score = score_sketch(xs, ys, ACTUAL, FORECAST, FLOOR)
    assert score.scored_steps == tuple(range(10, 20))
    assert score.sketch_mse == pytest.approx(0.04)
    assert score.model_mse == pytest.approx(0.01), "the model is scored on the same ten points"
    assert score.verdict.startswith("Scored on the 10 of 40 points your sketch covers; the other 30 were not drawn")
    assert "The LSTM came closer to what happened: its MSE is 4.0× smaller than your sketch's." in score.verdict


def test_unordered_and_repeated_points_are_sorted_and_averaged():
    # Drawn right to left, with two values at x = 2: the mean 3 stands there.
    sketch = resample_sketch([4, 2, 2, 0], [4.0, 2.0, 4.0, 0.0], n_points=5)
    assert sketch.steps.tolist() == [0, 1, 2, 3, 4]
    assert sketch.values == pytest.approx([0.0, 1.5, 3.0, 3.5, 4.0])


def test_a_stroke_beyond_the_test_points_is_cut_to_them():
    sketch = resample_sketch([-3.0, 12.0], [-3.0, 12.0], n_points=5)
    assert sketch.steps.tolist() == [0, 1, 2, 3, 4]
    assert sketch.values == pytest.approx([0.0, 1.0, 2.0, 3.0, 4.0])


def test_points_that_are_not_numbers_are_dropped():
    sketch = resample_sketch([0, 1, np.nan, 3], [0.0, np.inf, 5.0, 3.0], n_points=4)
    assert sketch.values == pytest.approx([0.0, 1.0, 2.0, 3.0])


@pytest.mark.parametrize("xs, ys, words", [
    ([], [], "Nothing was drawn yet"),
    ([np.nan], [1.0], "Nothing was drawn yet"),
    ([2.2, 2.7], [0.0, 1.0], "covers none of the test points 0 to 39"),
    ([50, 60], [0.0, 1.0], "covers none of the test points 0 to 39"),
    ([1, 2], [0.0], "2 positions and 1 values"),
])
def test_a_sketch_that_cannot_be_scored_says_what_to_do(xs, ys, words):
    with pytest.raises(SketchError, match=words):
        score_sketch(xs, ys, ACTUAL, FORECAST, FLOOR)


def test_actual_and_forecast_of_different_lengths_and_a_floor_of_zero_are_refused():
    with pytest.raises(ValueError, match="same shape"):
        score_sketch([0, 1], [0, 1], ACTUAL, FORECAST[:-1], FLOOR)
    with pytest.raises(ValueError, match="must be positive"):
        score_sketch([0, 1], [0, 1], ACTUAL, FORECAST, 0.0)


def test_without_a_noise_floor_the_score_is_plain_mse_and_says_why():
    score = score_sketch(np.arange(40), ACTUAL + 0.3, ACTUAL, FORECAST, None)
    assert score.sketch_ratio is None and score.model_ratio is None
    assert score.sketch_mse == pytest.approx(0.09)
    assert "Your sketch: MSE 0.09000; the LSTM: MSE 0.01000 (scaled units: the noise in this data is unknown" \
        in score.verdict
    assert "its MSE is 9.0× smaller than your sketch's" in score.verdict


@pytest.mark.parametrize("sketch_mse, model_mse, judgement", [
    (0.031, 0.012, "The LSTM came closer to what happened: its MSE is 2.6× smaller than your sketch's."),
    (0.012, 0.031, "Your sketch came closer to what happened: its MSE is 2.6× smaller than the LSTM's."),
    (0.0105, 0.0100, "They are about as good: the two MSEs differ by less than 10% (5%)."),
    (0.0100, 0.0109, "They are about as good: the two MSEs differ by less than 10% (8%)."),
    (0.0100, 0.0112, "Your sketch came closer to what happened: its MSE is 1.1× smaller than the LSTM's."),
    (0.0, 0.0, "Both match what happened exactly."),
])
def test_the_verdict_says_which_came_closer_and_by_how_much(sketch_mse, model_mse, judgement):
    verdict = sketch_verdict(sketch_mse, model_mse, 0.01, 50, 50)
    assert verdict.endswith(judgement), verdict


def test_the_verdict_quotes_both_scores_in_noise_floors():
    verdict = sketch_verdict(0.031, 0.012, 0.01, 50, 50)
    assert "Your sketch: 3.1× the noise floor; the LSTM: 1.2×." in verdict


@pytest.mark.parametrize("ratio, words", [(3.14, "3.1×"), (0.954, "0.95×"), (12.4, "12×"), (1.0, "1.0×"),
                                          (9.96, "10×"), (0.996, "1.0×"), (0.0, "0×"), (0.0123, "0.012×")])
def test_ratios_are_written_to_two_significant_digits(ratio, words):
    assert times(ratio) == words
