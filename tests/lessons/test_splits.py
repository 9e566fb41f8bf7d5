"""The split lesson's compute: the series, both ways of dealing windows, the scores and the verdict."""

import numpy as np
import pytest

from lstm_core.lessons.splits import (
    SERIES_KINDS,
    SplitLesson,
    SplitScores,
    lesson_model,
    lesson_runs,
    lesson_series,
    run_name,
    scores_from_predictions,
    split_data,
    split_verdict,
)


def _random_walk(residual: np.ndarray) -> bool:
    """Return True when residual moves by steps of std 0.1 around zero that do not follow one another."""
    steps = np.diff(residual)  # (n_points - 1,)
    if not (0.08 < np.std(steps) < 0.12 and abs(np.mean(steps)) < 0.02):
        return False  # flat, a ramp or a jump: no walk
    return abs(np.corrcoef(steps[:-1], steps[1:])[0, 1]) < 0.15


COMPONENT = {  # what each kind adds to the sine; a kind missing here fails the test below
    "plain sine": lambda residual: np.allclose(residual, 0),
    "sine + trend": lambda residual: residual[-1] > 1.9 and np.all(np.diff(residual) > 0),
    "sine + level shift": lambda residual: np.allclose(residual[:400], 0) and np.allclose(residual[400:], 1.5),
    "sine + random walk": _random_walk,
}


@pytest.mark.parametrize("kind", SERIES_KINDS)
def test_every_series_kind_is_a_noisy_sine_plus_its_component(kind):
    clean, noisy = lesson_series(kind, 500)
    assert clean.shape == noisy.shape == (500,)
    assert 0.05 < np.std(noisy - clean) < 0.15
    residual = clean - np.sin(np.arange(500) * 0.1)  # (500,)
    assert COMPONENT[kind](residual), kind
    assert sum(check(residual) for check in COMPONENT.values()) == 1, f"{kind} looks like another kind too"


def test_the_random_walk_is_drawn_from_the_seed():
    walks = [lesson_series("sine + random walk", 500, seed)[0] for seed in (0, 0, 1)]  # clean, (500,) each
    np.testing.assert_array_equal(walks[0], walks[1])
    assert not np.allclose(walks[0], walks[2])


def test_unknown_series_is_refused():
    with pytest.raises(ValueError, match="not one of"):
        lesson_series("square wave", 100)
    with pytest.raises(ValueError, match="not one of"):
        SplitLesson(series="square wave")


def test_the_chronological_split_tests_on_the_future():
    split = split_data(SplitLesson(n_points=400), "chronological", seed=0)
    targets = split.target_index
    assert targets["train"].max() < targets["val"].min() and targets["val"].max() < targets["test"].min()
    assert targets["test"].min() >= 340  # the last 15 % of 400 points


def test_the_random_split_deals_every_window_once_and_depends_on_its_seed():
    lesson = SplitLesson(n_points=400, seq_length=10)
    split = split_data(lesson, "random", seed=0)
    dealt = np.concatenate([split.target_index[p] for p in ("train", "val", "test")])
    assert sorted(dealt) == list(range(10, 400)), "every window in exactly one part"
    assert len(split.target_index["train"]) == 390 * 70 // 100
    assert split.target_index["test"].min() < 200, "test targets among the training ones"
    other = split_data(lesson, "random", seed=1)
    assert not np.array_equal(split.target_index["test"], other.target_index["test"])
    chronological = split_data(lesson, "chronological", seed=0)
    np.testing.assert_array_equal(split.scaled, chronological.scaled)
    assert split.noise_floor == chronological.noise_floor, "both splits are scored in the same units"
    for part in ("train", "val", "test"):
        X, y = getattr(split.data, f"X_{part}"), getattr(split.data, f"y_{part}")
        np.testing.assert_allclose(y[:, 0], split.scaled[split.target_index[part]], rtol=1e-6)
        np.testing.assert_allclose(X[:, -1, 0], split.scaled[split.target_index[part] - 1], rtol=1e-6)


@pytest.mark.parametrize("how", ["chronological", "random"])
def test_the_shortest_series_with_the_longest_window_still_fills_every_part(how):
    split = split_data(SplitLesson(n_points=200, seq_length=50), how, seed=0)
    assert all(len(split.target_index[part]) >= 20 for part in ("train", "val", "test"))


def test_runs_cover_both_splits_under_every_seed():
    lesson = SplitLesson(seeds=3, units=8)
    runs = lesson_runs(lesson)
    assert set(runs) == {run_name(how, seed) for how in ("chronological", "random") for seed in range(3)}
    assert lesson_model(lesson, 2).seed == 2 and lesson_model(lesson, 2).units == 8


def test_scores_are_test_mse_over_the_noise_floor():
    lesson = SplitLesson(seeds=2)
    runs = lesson_runs(lesson)
    perfect = {name: split.data.y_test for name, split in runs.items()}
    assert scores_from_predictions(lesson, runs, perfect) == SplitScores((0.0, 0.0), (0.0, 0.0))
    off = {name: split.data.y_test + 0.1 for name, split in runs.items()}
    scores = scores_from_predictions(lesson, runs, off)
    expected = 0.01 / runs[run_name("random", 0)].noise_floor
    assert scores.random == pytest.approx((expected, expected), rel=1e-5)


def test_the_verdict_compares_the_gap_with_the_spread_across_seeds():
    clear = SplitScores(chronological=(3.0, 3.5, 4.0), random=(1.1, 1.2, 1.3))
    assert clear.clear and split_verdict(clear).startswith("The random split flatters by ×2.9")
    overlapping = SplitScores(chronological=(1.2, 2.0, 1.4), random=(1.1, 1.5, 1.3))
    assert not overlapping.clear and split_verdict(overlapping).startswith("No clear difference here")
    small = SplitScores(chronological=(1.21, 1.22), random=(1.1, 1.12))  # separated, but by less than ×1.3
    assert not small.clear and "No clear difference" in split_verdict(small)
    reverse = SplitScores(chronological=(1.0, 1.1), random=(2.0, 2.2))
    assert reverse.opposite and "random split scores worse" in split_verdict(reverse)
    assert "random 1.20× the noise floor (seeds 1.10 to 1.30)" in split_verdict(clear)
