"""The pictures of the horizon lesson: one test window's two forecasts, and the error per step ahead."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go

from lstm_core.data.dataset import Dataset
from lstm_core.figures.style import (
    GATE_COLORS,
    MUTED_LINE_COLOR,
    REFERENCE_LINE_COLOR,
    SERIES_COLOR,
    WINDOW_Y_COLOR,
    chart_layout,
    legend_under_x_axis,
)
from lstm_core.lessons.horizon import HorizonOutcome

FORECAST_COLORS = {"direct": GATE_COLORS["i"], "recursive": GATE_COLORS["f"], "repeat the last value": MUTED_LINE_COLOR}


def horizon_window_figure(ds: Dataset, outcome: HorizonOutcome, window: int) -> go.Figure:
    """Return one test window's past values, the truth of the next m values and both forecasts."""
    start = int(ds.target_start["test"][window])  # index of the first forecast value in the series
    horizon = outcome.actual.shape[1]
    past = np.arange(start - ds.seq_length, start)  # (seq_length,)
    ahead = np.arange(start, start + horizon)  # (horizon,)
    fig = go.Figure()
    fig.add_scatter(x=ds.time[past], y=ds.X["test"][window, :, 0], mode="lines+markers", name="the window (input)",
                    line=dict(color=SERIES_COLOR), marker=dict(size=4))
    fig.add_scatter(x=ds.time[ahead], y=outcome.actual[window], mode="lines+markers", name="what happened",
                    line=dict(color=WINDOW_Y_COLOR, width=3))
    for name in ("direct", "recursive"):
        fig.add_scatter(x=ds.time[ahead], y=getattr(outcome, name)[window], mode="lines+markers",
                        name=f"{name} forecast", line=dict(color=FORECAST_COLORS[name], dash="dash"))
    fig.update_xaxes(title="time")
    fig.update_yaxes(title="scaled value")
    return fig.update_layout(**chart_layout(title=f"Test window {window}: {horizon} steps ahead",
                                            legend=legend_under_x_axis()))


def error_per_step_figure(errors: Mapping[str, np.ndarray], noise_floor: float | None) -> go.Figure:
    """Return the test MSE at each step ahead for every forecast, with the noise floor when it is known."""
    fig = go.Figure()
    for name, values in errors.items():
        fig.add_scatter(x=np.arange(1, len(values) + 1), y=values, mode="lines+markers", name=name,
                        line=dict(color=FORECAST_COLORS[name], dash="dot" if name.startswith("repeat") else "solid"))
    steps = len(next(iter(errors.values())))
    if noise_floor is not None:
        fig.add_scatter(x=[1, steps], y=[noise_floor, noise_floor], mode="lines", name="noise floor (best possible)",
                        line=dict(color=REFERENCE_LINE_COLOR, dash="dash"), hoverinfo="skip")
    fig.update_xaxes(title="steps ahead", dtick=1)
    fig.update_yaxes(title="test MSE (scaled units)", rangemode="tozero")
    return fig.update_layout(**chart_layout(title="Error per step ahead over the whole test part",
                                            legend=legend_under_x_axis()))
