"""Draw your forecast first: the learner sketches the test part's next values, then sees them beside the model's.

The drawing is a small component (lstm_core/ui/assets/sketch.js and .css, no build step): it draws its own axes,
takes mouse, touch and pen through Pointer Events, offers number boxes for the keyboard, and sends its points
to the server only when the learner presses Done. The scored sketch is kept in the session, per training.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st

from lstm_core.data.dataset import Dataset
from lstm_core.evaluation.sketch import DrawnForecast, SketchError, score_sketch
from lstm_core.figures.sketch import SKETCH_BAND_COLOR, STEP_TITLE, sketch_figure
from lstm_core.figures.style import AXIS_TEXT_COLOR, SERIES_COLOR, SKETCH_COLOR, SKETCH_GRID_COLOR
from lstm_core.ui.charts import show_chart
from lstm_core.ui.training_session import FinishedTraining

ASSETS = Path(__file__).parent / "assets"
SKETCH_POINTS = 50  # test points to draw: most of a period of the quick start's sine (63 points), its turn included
KNOWN_POINTS = 100  # values shown before them: a period and a half of that sine, enough to see its shape
ANCHORS = 6  # number boxes for the keyboard, spread evenly over the test points to draw
RANGE_MARGIN = 0.25  # the drawing's value axis: the known part's range, widened by a quarter each way
DRAWN_KEY = "drawn_forecasts"  # training name -> its DrawnForecast: kept across reruns and page switches
MODEL_NAME = "your LSTM"

_draw = st.components.v2.component("lstm_lens_sketch", js=(ASSETS / "sketch.js").read_text(encoding="utf-8"),
                                   css=(ASSETS / "sketch.css").read_text(encoding="utf-8"))


def training_name(run: FinishedTraining) -> str:
    """Return the name a drawn forecast is kept under: the training key, else the run's id, else the result's."""
    return run.training_key or run.run_id or f"result-{id(run.result)}"


def sketch_widget_key(run: FinishedTraining) -> str:
    """Return the key of the drawing component for this training (a new training asks for a new sketch)."""
    return "sketch_" + hashlib.sha256(training_name(run).encode()).hexdigest()[:12]


def _scaled(dataset: Dataset, values: np.ndarray) -> np.ndarray:
    """Return values in the series' units mapped to the scaled units the model and the noise floor use."""
    return np.asarray(values, dtype=np.float64) * dataset.scaler.scale_[0] + dataset.scaler.min_[0]


def _test_points(run: FinishedTraining, dataset: Dataset, n_points: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (what happened, the model's one-step forecast), (n_points,) each in scaled units, at test points."""
    return dataset.y["test"][:n_points, 0], np.asarray(run.result.predictions["test"])[:n_points, 0]


def _known(dataset: Dataset) -> np.ndarray:
    """Return the values just before the first test point, (n_known,) in the series' units."""
    start = int(dataset.target_start["test"][0])
    return dataset.values[max(0, start - KNOWN_POINTS):start]


def _drawing_data(dataset: Dataset, n_points: int) -> dict[str, Any]:
    """Return what the drawing component needs: the known values, the axes, the labels and colours."""
    known = _known(dataset)  # (n_known,)
    seen = dataset.values[:int(dataset.target_start["test"][0])]  # every value before the test part
    low, high = float(seen.min()), float(seen.max())
    margin = RANGE_MARGIN * (high - low or 1.0)
    spacing = max(1, math.ceil((n_points - 1) / (ANCHORS - 1)))
    anchors = [*range(0, n_points - 1, spacing), n_points - 1]  # 0, 10, 20, 30, 40, 49 for 50 points
    return {
        "history": [float(value) for value in known], "points": n_points, "anchors": anchors,
        "y_range": [low - margin, high + margin],
        "label": f"Draw the next {n_points} values in the shaded band (mouse, finger or pen), then press Done.",
        "description": (f"The values before the test part, from {known.min():.3g} to "
                        f"{known.max():.3g}, ending at {known[-1]:.3g}; the shaded band to the right holds test "
                        f"steps 0 to {n_points - 1}, to draw."),
        "x_title": STEP_TITLE, "y_title": "value (series units)",
        "colors": {"series": SERIES_COLOR, "sketch": SKETCH_COLOR, "band": SKETCH_BAND_COLOR,
                   "text": AXIS_TEXT_COLOR, "grid": SKETCH_GRID_COLOR},
    }


def _taken_in_script() -> None:
    """Do nothing: the section reads a sent sketch itself, so one set in session state is read the same way."""


def _sent_points(key: str) -> list[tuple[float, float]] | None:
    """Return the points the drawing sent with Done, or None when it has sent none."""
    value = st.session_state.get(key)
    sent = value.get("sketch") if isinstance(value, dict) else None
    if not isinstance(sent, dict) or sent.get("points") is None:
        return None
    try:
        return [(float(x), float(y)) for x, y in sent["points"]]
    except (TypeError, ValueError) as error:
        raise SketchError("The drawing sent points that cannot be read: draw again, then press Done.") from error


def _score(run: FinishedTraining, dataset: Dataset, points: list[tuple[float, float]],
           n_points: int) -> DrawnForecast:
    """Return the drawn forecast of these points (test step, series units), scored in scaled units."""
    actual, forecast = _test_points(run, dataset, n_points)
    drawn = np.asarray(points, dtype=np.float64).reshape(-1, 2)  # (drawn, 2)
    score = score_sketch(drawn[:, 0], _scaled(dataset, drawn[:, 1]), actual, forecast, dataset.noise_floor,
                         MODEL_NAME)
    return DrawnForecast(training_name(run), tuple(points), score)


def _ask(key: str, dataset: Dataset, n_points: int) -> None:
    """Draw the drawing component with its instructions."""
    st.markdown("Before you see the model's forecast: how will the series go on? Your sketch then appears beside "
                "the model's forecast and what happened.")
    _draw(key=key, data=_drawing_data(dataset, n_points), on_sketch_change=_taken_in_script, width="stretch")
    st.caption("With a keyboard, type values at a few steps instead. Draw before you look at the forecast further "
               "down: it shows these points.")


def _reveal(drawn: DrawnForecast, run: FinishedTraining, dataset: Dataset, n_points: int) -> None:
    """Draw the sketch beside the model's forecast and what happened, with its score."""
    actual, forecast = _test_points(run, dataset, n_points)
    score = drawn.score
    show_chart(sketch_figure(_known(dataset), dataset.to_original(actual), dataset.to_original(forecast),
                             np.asarray(drawn.points)), key=f"{sketch_widget_key(run)}_reveal")
    gap = score.largest_gap / dataset.scaler.scale_[0]
    st.caption(f"The chart: your sketch (vermillion) strays furthest from what happened (grey) at step "
               f"{score.largest_gap_step}, by {gap:.3g} in the series' units.")
    if score.noise_floor is not None:
        assert score.sketch_ratio is not None and score.model_ratio is not None
        to_model = score.sketch_to_model_mse / score.noise_floor
        st.markdown(f"**Your sketch:** {score.sketch_ratio:.2f}× the noise floor (MSE {score.sketch_mse:.5f}) · "
                    f"**{MODEL_NAME}:** {score.model_ratio:.2f}× (MSE {score.model_mse:.5f}) · "
                    f"**your sketch from its forecast:** {to_model:.2f}× (MSE {score.sketch_to_model_mse:.5f})")
    else:
        st.markdown(f"**Your sketch:** MSE {score.sketch_mse:.5f} · **{MODEL_NAME}:** MSE {score.model_mse:.5f} · "
                    f"**your sketch from its forecast:** MSE {score.sketch_to_model_mse:.5f} (scaled units)")
    st.info(score.verdict, icon=":material/draw:")
    st.caption(f"Fair to know: {MODEL_NAME} forecasts each test point one step ahead, from the true values of the "
               f"window just before it; you drew all {n_points} points at once, seeing none of them. Forecasting "
               f"further ahead is harder, for a model too.")


def sketch_then_reveal(run: FinishedTraining, dataset: Dataset) -> DrawnForecast | None:
    """Ask for a drawn forecast of the test part's first points, then show it beside the model's; return it once drawn.

    dataset is the one run was trained on. The scored sketch is kept in the session under the training's
    name, so a rerun or a visit to another page shows it again instead of asking anew.
    """
    st.subheader("Draw your forecast first")
    n_points = min(SKETCH_POINTS, len(dataset.y["test"]))
    if n_points < 2:
        st.caption("The test part is too short to draw a forecast over: lengthen the series.")
        return None
    drawn_forecasts: dict[str, DrawnForecast] = st.session_state.setdefault(DRAWN_KEY, {})
    drawn = drawn_forecasts.get(training_name(run))
    key = sketch_widget_key(run)
    if drawn is None:
        try:
            points = _sent_points(key)
            if points is not None:
                drawn = drawn_forecasts[training_name(run)] = _score(run, dataset, points, n_points)
        except SketchError as error:
            st.warning(str(error))
    if drawn is None:
        _ask(key, dataset, n_points)
        return None
    _reveal(drawn, run, dataset, n_points)
    return drawn
