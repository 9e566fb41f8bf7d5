"""The picture of the dropout lesson: the Monte-Carlo band around the forecast on the test part."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from lstm_core.figures.style import (
    PREDICTION_BAND_COLOR,
    PREDICTION_COLOR,
    SERIES_COLOR,
    chart_layout,
    legend_under_x_axis,
)
from lstm_core.lessons.dropout import BAND, Band


def band_figure(time: np.ndarray, actual: np.ndarray, result: Band) -> go.Figure:
    """Return the actual test values, the plain forecast and the Monte-Carlo band (all scaled units) over time."""
    fig = go.Figure()
    fig.add_scatter(x=np.concatenate([time, time[::-1]]), y=np.concatenate([result.high, result.low[::-1]]),
                    fill="toself", fillcolor=PREDICTION_BAND_COLOR, line=dict(width=0), hoverinfo="skip",
                    name=f"Monte-Carlo band ({BAND[0]:.0f}th to {BAND[1]:.0f}th percentile)")
    fig.add_scatter(x=time, y=actual, mode="markers", name="actual", marker=dict(color=SERIES_COLOR, size=4))
    fig.add_scatter(x=time, y=result.plain, mode="lines", name="forecast, dropout off",
                    line=dict(color=PREDICTION_COLOR, width=2))
    fig.update_xaxes(title="time")
    fig.update_yaxes(title="scaled value")
    return fig.update_layout(**chart_layout(title="The forecast with its Monte-Carlo dropout band (test part)",
                                            legend=legend_under_x_axis()))
