"""A drawn forecast, scored: the learner's sketch of the test part against what happened and against the model.

A sketch arrives as the points a pointer left, (test-point index, value), in any order, some on the same x.
It is read as the line through those points: each whole test point inside the drawn span takes the line's
value there (linear interpolation); points outside it were not drawn and are not scored, and the verdict
says how many were. Errors are MSEs in scaled units, over the noise floor where the noise is known.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lstm_core.evaluation.metrics import mse, squared_errors

ABOUT_AS_GOOD = 0.10  # two MSEs within 10 % of the larger one: neither forecast is called closer


class SketchError(ValueError):
    """A sketch that cannot be scored; the message says what to do instead, in the learner's words."""


@dataclass(frozen=True)
class ResampledSketch:
    """A sketch read at the whole test points its drawn span covers."""

    steps: np.ndarray  # (covered,) test-point indices, consecutive
    values: np.ndarray  # (covered,) the drawn line's value at each


def resample_sketch(xs: Sequence[float] | np.ndarray, ys: Sequence[float] | np.ndarray,
                    n_points: int) -> ResampledSketch:
    """Return the sketch's line read at every whole test point 0 … n_points - 1 inside its drawn span.

    Points are sorted by x; several on one x count as their mean; points that are not finite are dropped.

    Raises
    ------
    SketchError
        If xs and ys differ in length, nothing finite was drawn, or the drawn span holds no whole test point.
    """
    x = np.asarray(xs, dtype=np.float64).ravel()  # (drawn,)
    y = np.asarray(ys, dtype=np.float64).ravel()  # (drawn,)
    if x.shape != y.shape:
        raise SketchError(f"A sketch needs one value per position: {x.size} positions and {y.size} values came.")
    finite = np.isfinite(x) & np.isfinite(y)  # (drawn,)
    x, y = x[finite], y[finite]
    if x.size == 0:
        raise SketchError("Nothing was drawn yet: draw the next values on the chart (or type them), then press "
                          "Done.")
    unique_x, which = np.unique(x, return_inverse=True)  # (distinct,) sorted, and each point's place in it
    mean_y = np.bincount(which, weights=y) / np.bincount(which)  # (distinct,)
    first, last = max(0, math.ceil(unique_x[0])), min(n_points - 1, math.floor(unique_x[-1]))
    if last < first:
        raise SketchError(f"The sketch covers none of the test points 0 to {n_points - 1}: draw across the "
                          f"shaded part of the chart, then press Done.")
    steps = np.arange(first, last + 1)  # (covered,)
    return ResampledSketch(steps, np.interp(steps, unique_x, mean_y))


@dataclass(frozen=True)
class SketchScore:
    """How a sketch and the model's forecast did on the test points the sketch covers (MSEs in scaled units)."""

    offered: int  # test points the learner was asked to draw
    scored_steps: tuple[int, ...]  # the test points the sketch covers, each scored
    sketch_mse: float  # the sketch against what happened
    model_mse: float  # the model's forecast against what happened, on the same points
    sketch_to_model_mse: float  # how far the sketch lies from the model's forecast
    noise_floor: float | None  # the noise's variance in scaled units; None when unknown
    largest_gap: float  # the largest |sketch - what happened| on a scored point
    largest_gap_step: int  # where it is
    verdict: str

    @property
    def sketch_ratio(self) -> float | None:
        """Return the sketch's MSE over the noise floor, or None when the floor is unknown."""
        return None if self.noise_floor is None else self.sketch_mse / self.noise_floor

    @property
    def model_ratio(self) -> float | None:
        """Return the model's MSE over the noise floor on the same points, or None when the floor is unknown."""
        return None if self.noise_floor is None else self.model_mse / self.noise_floor


def times(ratio: float) -> str:
    """Return a ratio to two significant digits with its sign "×": "3.1×", "1.0×", "0.95×", "12×"; zero as "0×"."""
    if ratio == 0:
        return "0×"
    if ratio >= 9.95:  # rounds to 10 or more: whole numbers
        return f"{ratio:.0f}×"
    return f"{ratio:.1f}×" if ratio >= 0.995 else f"{float(f'{ratio:.2g}'):g}×"


def sketch_verdict(sketch_mse: float, model_mse: float, noise_floor: float | None, scored: int, offered: int,
                   model_name: str = "the LSTM") -> str:
    """Return one line saying which of sketch and model came closer to what happened, by how much, on which points."""
    coverage = (f"Scored on all {offered} points." if scored == offered else
                f"Scored on the {scored} of {offered} points your sketch covers; the other {offered - scored} "
                f"were not drawn and are not scored.")
    if noise_floor is not None:
        scores = (f"Your sketch: {times(sketch_mse / noise_floor)} the noise floor; "
                  f"{model_name}: {times(model_mse / noise_floor)}.")
    else:
        scores = (f"Your sketch: MSE {sketch_mse:.5f}; {model_name}: MSE {model_mse:.5f} (scaled units: the noise in "
                  f"this data is unknown, so there is no noise floor to measure them against).")
    larger, smaller = max(sketch_mse, model_mse), min(sketch_mse, model_mse)
    if larger == 0:
        judgement = "Both match what happened exactly."
    elif larger - smaller <= ABOUT_AS_GOOD * larger:
        judgement = (f"They are about as good: the two MSEs differ by less than {ABOUT_AS_GOOD:.0%} "
                     f"({abs(sketch_mse - model_mse) / larger:.0%}).")
    else:
        closer = "Your sketch" if sketch_mse < model_mse else model_name[0].upper() + model_name[1:]
        other = f"{model_name}'s" if sketch_mse < model_mse else "your sketch's"
        by = "it matches what happened exactly" if smaller == 0 else \
            f"its MSE is {times(larger / smaller)} smaller than {other}"
        judgement = f"{closer} came closer to what happened: {by}."
    return f"{coverage} {scores} {judgement}"


def score_sketch(xs: Sequence[float] | np.ndarray, ys: Sequence[float] | np.ndarray, actual: np.ndarray,
                 forecast: np.ndarray, noise_floor: float | None, model_name: str = "the LSTM") -> SketchScore:
    """Return the score of a sketch (xs: test-point indices, ys: scaled values) against actual and forecast.

    actual and forecast are (n_points,) in scaled units: what happened at test points 0 … n_points - 1 and
    the model's forecast of each. Both are scored only where the sketch covers a whole test point.

    Raises
    ------
    SketchError
        If the sketch cannot be read (see resample_sketch).
    ValueError
        If actual and forecast differ in shape, or the noise floor is not positive.
    """
    actual = np.asarray(actual, dtype=np.float64).ravel()  # (n_points,)
    forecast = np.asarray(forecast, dtype=np.float64).ravel()  # (n_points,)
    if actual.shape != forecast.shape:
        raise ValueError(f"actual {actual.shape} and forecast {forecast.shape} must have the same shape")
    if noise_floor is not None and not noise_floor > 0:
        raise ValueError(f"the noise floor must be positive or None, not {noise_floor}")
    sketch = resample_sketch(xs, ys, len(actual))
    happened, predicted = actual[sketch.steps], forecast[sketch.steps]  # (covered,)
    gaps = np.sqrt(squared_errors(happened, sketch.values))  # (covered,)
    sketch_mse, model_mse = mse(happened, sketch.values), mse(happened, predicted)
    return SketchScore(
        offered=len(actual), scored_steps=tuple(int(step) for step in sketch.steps), sketch_mse=sketch_mse,
        model_mse=model_mse, sketch_to_model_mse=mse(predicted, sketch.values), noise_floor=noise_floor,
        largest_gap=float(gaps.max()), largest_gap_step=int(sketch.steps[int(np.argmax(gaps))]),
        verdict=sketch_verdict(sketch_mse, model_mse, noise_floor, len(sketch.steps), len(actual), model_name))


@dataclass(frozen=True)
class DrawnForecast:
    """A learner's drawn forecast of one training's test part with its score: the plain record a store can keep."""

    training: str  # the training it was drawn for: its training key, or its run's id
    points: tuple[tuple[float, float], ...]  # as drawn: (test-point index, value in the series' own units)
    score: SketchScore
