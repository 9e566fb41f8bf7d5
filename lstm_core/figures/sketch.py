"""The drawn forecast revealed: the learner's sketch, the model's forecast and what happened on one chart."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from lstm_core.figures.style import (
    PREDICTION_COLOR,
    SERIES_COLOR,
    SKETCH_COLOR,
    SPLIT_COLORS,
    legend_under_x_axis,
    titled_figure,
)

SKETCH_BAND_COLOR = SPLIT_COLORS["test"]  # the test points to draw over, shaded as the test part is elsewhere
STEP_TITLE = "steps from the start of the test part"


def sketch_figure(known: np.ndarray, actual: np.ndarray, forecast: np.ndarray, sketch: np.ndarray,
                  model_name: str = "LSTM forecast") -> go.Figure:
    """Return what happened, the model's forecast and the sketch (series units) over the test points drawn.

    known (n_known,) are the values before the test part, at steps -n_known … -1; actual and forecast
    (n_points,) are at steps 0 … n_points - 1; sketch (drawn, 2) holds the drawn points (step, value).
    """
    n_known, n_points = len(known), len(actual)
    steps = np.arange(-n_known, n_points)  # (n_known + n_points,)
    drawn = np.asarray(sketch, dtype=np.float64).reshape(-1, 2)  # (drawn, 2)
    drawn = drawn[np.argsort(drawn[:, 0], kind="stable")]  # read left to right, as it is scored
    fig = go.Figure()
    fig.add_vrect(x0=-0.5, x1=n_points - 1, fillcolor=SKETCH_BAND_COLOR, line_width=0, layer="below")
    fig.add_scatter(x=steps, y=np.concatenate([known, actual]), mode="lines", name="what happened",
                    line=dict(color=SERIES_COLOR, width=1.5))
    fig.add_scatter(x=np.arange(n_points), y=forecast, mode="lines", name=model_name,
                    line=dict(color=PREDICTION_COLOR, width=2))
    fig.add_scatter(x=drawn[:, 0], y=drawn[:, 1], mode="lines" if len(drawn) > 1 else "markers", name="your sketch",
                    line=dict(color=SKETCH_COLOR, width=3), marker=dict(color=SKETCH_COLOR, size=8))
    fig.add_vline(x=-0.5, line=dict(color=SERIES_COLOR, dash="dash", width=1))
    return titled_figure(fig, "Your sketch, the forecast and what happened", STEP_TITLE, "value (series units)",
                         legend=legend_under_x_axis())
