"""Figures of the data: the series with its splits, the scaled series, one input window."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from lstm_core.data.dataset import Dataset
from lstm_core.figures.style import (
    GUIDE_LINE_COLOR,
    MUTED_LINE_COLOR,
    PREDICTION_COLOR,
    SERIES_COLOR,
    SPLIT_COLORS,
    TRANSPARENT,
    WINDOW_X_COLOR,
    WINDOW_Y_COLOR,
    titled_figure,
)


def _split_regions(fig: go.Figure, ds: Dataset, x: np.ndarray) -> None:
    edges = [0, ds.train_end, ds.val_end, len(x)]
    for split, start, end in zip(("train", "val", "test"), edges[:-1], edges[1:]):
        fig.add_vrect(x0=x[start], x1=x[end - 1], fillcolor=SPLIT_COLORS[split], line_width=0,
                      annotation_text=split, annotation_position="top left", layer="below")


def series_figure(ds: Dataset, window: int | None = None, split: str = "train") -> go.Figure:
    """Return the noisy series with its train/validation/test parts and, optionally, one window marked."""
    fig = go.Figure()
    fig.add_scatter(x=ds.time, y=ds.values, mode="lines", name="noisy series" if ds.clean is not None else ds.name,
                    line=dict(color=SERIES_COLOR, width=1))
    if ds.clean is not None:
        fig.add_scatter(x=ds.time, y=ds.clean, mode="lines", name="clean signal",
                        line=dict(color=MUTED_LINE_COLOR, width=1, dash="dot"))
    _split_regions(fig, ds, ds.time)
    title = "The series and its chronological split"
    if window is not None:
        start = int(ds.target_start[split][window])
        x_idx = np.arange(start - ds.seq_length, start)  # (seq_length,)
        y_idx = np.arange(start, start + ds.horizon)  # (horizon,)
        fig.add_scatter(x=ds.time[x_idx], y=ds.values[x_idx], mode="markers+lines", name="X (window input)",
                        marker=dict(color=WINDOW_X_COLOR, size=6), line=dict(color=WINDOW_X_COLOR, width=3))
        fig.add_scatter(x=ds.time[y_idx], y=ds.values[y_idx], mode="markers", name="Y (target)",
                        marker=dict(color=WINDOW_Y_COLOR, size=12, symbol="diamond"))
        # Zoom to the window with one window length of context on each side.
        left = max(0, start - 2 * ds.seq_length)
        right = min(len(ds.time) - 1, start + ds.horizon + ds.seq_length)
        fig.update_xaxes(range=[ds.time[left], ds.time[right]])
        title = f"Window {window}: X = {ds.seq_length} values (red), Y = the next {ds.horizon} (green)"
    return titled_figure(fig, title, "time", "value (series units)", legend=dict(orientation="h", y=-0.25))


def scaled_series_figure(ds: Dataset) -> go.Figure:
    """Return the series after MinMax scaling to (-1, 1), fitted on the training part only."""
    fig = go.Figure()
    fig.add_scatter(x=np.arange(len(ds.scaled)), y=ds.scaled, mode="lines", name="scaled series",
                    line=dict(color=SERIES_COLOR, width=1))
    _split_regions(fig, ds, np.arange(len(ds.scaled)))
    for level in (-1, 1):
        fig.add_hline(y=level, line=dict(color=GUIDE_LINE_COLOR, dash="dash", width=1))
    return titled_figure(fig, "Scaled to (-1, 1) with the training part's min and max", "point index",
                   "scaled value", height=300)


def input_window_figure(window: np.ndarray, step: int, target: np.ndarray | None = None,
                        prediction: np.ndarray | None = None) -> go.Figure:
    """Return the window's input values (scaled), steps seen so far solid, the current step ringed."""
    values = np.asarray(window)[:, 0]  # (seq_length,)
    steps = np.arange(1, len(values) + 1)
    seen = steps <= step + 1
    fig = go.Figure()
    fig.add_scatter(x=steps[seen], y=values[seen], mode="markers+lines", name="fed so far",
                    marker=dict(color=WINDOW_X_COLOR), line=dict(color=WINDOW_X_COLOR))
    fig.add_scatter(x=steps[~seen], y=values[~seen], mode="markers", name="still to come",
                    marker=dict(color=WINDOW_X_COLOR, opacity=0.25))
    fig.add_scatter(x=[step + 1], y=[values[step]], mode="markers", name=f"x_{step + 1} (now)",
                    marker=dict(size=16, color=TRANSPARENT, line=dict(color="black", width=2)))
    if target is not None:
        after = np.arange(len(values) + 1, len(values) + 1 + len(target))
        fig.add_scatter(x=after, y=target, mode="markers", name="Y (target)",
                        marker=dict(color=WINDOW_Y_COLOR, size=12, symbol="diamond"))
        if prediction is not None and step == len(values) - 1:
            fig.add_scatter(x=after, y=prediction, mode="markers", name="prediction",
                            marker=dict(color=PREDICTION_COLOR, size=12, symbol="x"))
    return titled_figure(fig, "The window, fed one step at a time", "time step", "scaled value", height=300,
                   legend=dict(orientation="h", y=-0.3))
