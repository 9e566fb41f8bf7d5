"""How far can you trust a test score? The same model scored on a random and on a chronological split.

A random split of overlapping windows puts test windows between training windows: a test target is
usually inside the input of some training window, and the model is tested on points surrounded by
ones it trained on (interpolation). A chronological split tests on the future (extrapolation), which is
what a forecaster faces. Whether the random split flatters depends on the series and the model, so the
lesson trains both over several seeds and compares the gap with the spread across seeds.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from lstm_core.config import Bound, ModelConfig, check_fields
from lstm_core.data.dataset import SPLITS, TRAIN_PERCENT, VAL_PERCENT, build_dataset_from_values
from lstm_core.evaluation.metrics import mse
from lstm_core.training.protocol import TrainingData

SERIES_KINDS = ("plain sine", "sine + trend", "sine + level shift", "sine + random walk")
SPLIT_KINDS = ("chronological", "random")
NOISE_STD = 0.1
TIME_STEP = 0.1  # one period of the sine (2π) is about 63 points
SPLIT_BOUNDS: dict[str, Bound] = {
    "n_points": Bound(200, 2000, int),
    "seq_length": Bound(5, 50, int),
    "units": Bound(1, 64, int),
    "epochs": Bound(1, 50, int),
    "seeds": Bound(2, 5, int),
}
CLEAR_RATIO = 1.3  # a gap counts only when the chronological error is this many times the random one ...


@dataclass(frozen=True)
class SplitLesson:
    """The lesson's settings: which series, its length, the window, the model's size and the number of seeds."""

    # Chosen by bench/sweep_splits.py: the random split flatters by about x5 here, far beyond the seed spread.
    series: str = "sine + random walk"
    n_points: int = 1000
    seq_length: int = 20
    units: int = 16
    epochs: int = 10
    seeds: int = 3

    def __post_init__(self) -> None:
        if self.series not in SERIES_KINDS:
            raise ValueError(f"series {self.series!r} is not one of {SERIES_KINDS}")
        check_fields("SplitLesson", {k: v for k, v in asdict(self).items() if k != "series"}, SPLIT_BOUNDS)


def lesson_series(kind: str, n_points: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return (clean, noisy) series (n_points,): a sine, alone or plus a trend, a level shift or a random walk."""
    t = np.arange(n_points) * TIME_STEP  # (n_points,)
    rng = np.random.default_rng(seed)
    clean = np.sin(t)  # (n_points,)
    if kind == "sine + trend":
        clean = clean + 2.0 * np.arange(n_points) / n_points
    elif kind == "sine + level shift":
        clean = clean + 1.5 * (np.arange(n_points) >= int(0.8 * n_points))  # the shift lands in the test part
    elif kind == "sine + random walk":
        clean = clean + np.cumsum(rng.normal(0.0, 0.1, n_points))
    elif kind != "plain sine":
        raise ValueError(f"series {kind!r} is not one of {SERIES_KINDS}")
    return clean, clean + rng.normal(0.0, NOISE_STD, n_points)


@dataclass
class SplitData:
    """A series scaled once, its windows assigned to splits one way, and where every window's target lies."""

    scaled: np.ndarray  # (n_points,) in the units of a scaler fitted on the first 70 % of the points
    scale: float  # scaled units per original unit
    data: TrainingData
    target_index: dict[str, np.ndarray]  # split -> (samples,) index of each window's target in the series

    @property
    def noise_floor(self) -> float:
        """Return the noise variance in scaled units: the test MSE no forecaster beats on average."""
        return float((NOISE_STD * self.scale) ** 2)


def split_data(lesson: SplitLesson, how: str, seed: int) -> SplitData:
    """Return the lesson's series (series seed 0) windowed and split `how` ("chronological" or "random")."""
    _, noisy = lesson_series(lesson.series, lesson.n_points)
    # One scaler for both splits, fitted on the chronological training part, so both scores share units.
    ds = build_dataset_from_values(noisy, lesson.seq_length, 1, lesson.series)
    if how == "chronological":
        parts = {name: (ds.X[name], ds.y[name], ds.target_start[name]) for name in SPLITS}
    elif how == "random":
        # With one target per window no window straddles a boundary: the three parts hold every window.
        X = np.concatenate([ds.X[name] for name in SPLITS])  # (samples, seq_length, 1)
        y = np.concatenate([ds.y[name] for name in SPLITS])  # (samples, 1)
        target = np.concatenate([ds.target_start[name] for name in SPLITS])  # (samples,)
        order = np.random.default_rng(seed).permutation(len(X))  # (samples,)
        n_train, n_val = len(X) * TRAIN_PERCENT // 100, len(X) * VAL_PERCENT // 100
        parts = {}
        for name, part in zip(SPLITS, np.split(order, [n_train, n_train + n_val])):
            if not len(part):
                raise ValueError(f"the {name} part gets no window: {lesson.n_points} points are too few for "
                                 f"a window of {lesson.seq_length}")
            chosen = np.sort(part)  # (part,): in time order, as the chronological parts are
            parts[name] = (X[chosen], y[chosen], target[chosen])
    else:
        raise ValueError(f"split {how!r} is not one of {SPLIT_KINDS}")
    (X_train, y_train, _), (X_val, y_val, _), (X_test, y_test, _) = (parts[name] for name in SPLITS)
    data = TrainingData(X_train, y_train, X_val, y_val, X_test, y_test)
    return SplitData(ds.scaled, float(ds.scaler.scale_[0]), data,
                     {name: target_part for name, (_, _, target_part) in parts.items()})


def lesson_model(lesson: SplitLesson, seed: int) -> ModelConfig:
    """Return the ModelConfig both splits train: one LSTM layer of the lesson's size, no dropout, seeded."""
    return ModelConfig(seq_length=lesson.seq_length, units=lesson.units, layers=1, dropout=0.0, dense_units=0,
                       learning_rate=0.01, batch_size=32, epochs=lesson.epochs, seed=seed)


@dataclass(frozen=True)
class SplitScores:
    """Test MSE over the noise floor, one value per seed, for each split."""

    chronological: tuple[float, ...]
    random: tuple[float, ...]

    @property
    def ratio(self) -> float:
        """Return mean chronological score / mean random score: how much the random split flatters."""
        return float(np.mean(self.chronological) / np.mean(self.random))

    @property
    def clear(self) -> bool:
        """Return True when every chronological seed scores worse than every random one, by CLEAR_RATIO in the mean."""
        return min(self.chronological) > max(self.random) and self.ratio >= CLEAR_RATIO

    @property
    def opposite(self) -> bool:
        """Return True when every random seed scores worse than every chronological one, by CLEAR_RATIO."""
        return min(self.random) > max(self.chronological) and 1.0 / self.ratio >= CLEAR_RATIO


def split_verdict(scores: SplitScores) -> str:
    """Return the lesson's verdict in words, computed from the scores and their spread across seeds."""
    def _spread(values: tuple[float, ...]) -> str:
        return f"{np.mean(values):.2f}× the noise floor (seeds {min(values):.2f} to {max(values):.2f})"

    both = f"chronological test error {_spread(scores.chronological)}, random {_spread(scores.random)}"
    if scores.clear:
        return (f"The random split flatters by ×{scores.ratio:.1f}: {both}. Its test windows sit among training "
                f"windows, so it scores interpolation; the future is harder.")
    if scores.opposite:
        return f"Here the random split scores worse, by ×{1 / scores.ratio:.1f}: {both}."
    return (f"No clear difference here: {both}. The gap is within the noise of retraining with another seed, "
            f"so on this series a random split does not mislead.")


def run_name(how: str, seed: int) -> str:
    """Return the name of one of the lesson's training runs, e.g. "random, seed 2"."""
    return f"{how}, seed {seed}"


def lesson_runs(lesson: SplitLesson) -> dict[str, SplitData]:
    """Return the SplitData of every run the lesson trains: each split kind under each seed."""
    return {run_name(how, seed): split_data(lesson, how, seed) for how in SPLIT_KINDS for seed in range(lesson.seeds)}


def scores_from_predictions(lesson: SplitLesson, splits: dict[str, SplitData],
                            test_predictions: dict[str, np.ndarray]) -> SplitScores:
    """Return the SplitScores of every run's test predictions (samples, 1), keyed by run_name."""
    by_kind = {}
    for how in SPLIT_KINDS:
        scores = []
        for seed in range(lesson.seeds):
            name = run_name(how, seed)
            scores.append(mse(splits[name].data.y_test, test_predictions[name]) / splits[name].noise_floor)
        by_kind[how] = tuple(scores)
    return SplitScores(by_kind["chronological"], by_kind["random"])
