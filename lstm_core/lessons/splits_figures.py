"""The pictures of the split lesson: where each split's windows lie on the series, and the scores per seed."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lstm_core.figures.style import (
    GATE_COLORS,
    REFERENCE_LINE_COLOR,
    SERIES_COLOR,
    chart_layout,
    legend_under_x_axis,
    readable_axes,
)
from lstm_core.lessons.splits import SPLIT_KINDS, SplitData, SplitScores

PART_COLORS = {"train": GATE_COLORS["i"], "val": GATE_COLORS["c"], "test": GATE_COLORS["o"]}
KIND_COLORS = {"chronological": GATE_COLORS["f"], "random": GATE_COLORS["i"]}


def split_windows_figure(splits: dict[str, SplitData]) -> go.Figure:
    """Return the series twice, chronological above and random below, each window's target coloured by its split."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.12,
                        subplot_titles=[f"{how} split" for how in SPLIT_KINDS])
    for row, how in enumerate(SPLIT_KINDS, start=1):
        split = splits[how]
        index = np.arange(len(split.scaled))  # (n_points,)
        fig.add_scatter(x=index, y=split.scaled, mode="lines", line=dict(color=SERIES_COLOR, width=1),
                        name="series", showlegend=row == 1, row=row, col=1)
        for part, color in PART_COLORS.items():
            targets = split.target_index[part]  # (samples,)
            fig.add_scatter(x=targets, y=split.scaled[targets], mode="markers", marker=dict(color=color, size=5),
                            name=f"{part} targets", showlegend=row == 1, row=row, col=1)
    fig.update_xaxes(title_text="time step", row=2, col=1)
    fig.update_yaxes(title_text="scaled value")
    fig.update_layout(**chart_layout(460, "titled_grid", legend=legend_under_x_axis(),
                                     title="Which windows train, validate and test"))
    return readable_axes(fig)


def split_scores_figure(scores: SplitScores) -> go.Figure:
    """Return each split's test error over the noise floor: one dot per seed, the mean as a bar."""
    fig = go.Figure()
    for how in SPLIT_KINDS:
        values = getattr(scores, how)
        fig.add_bar(x=[how], y=[float(np.mean(values))], marker_color=KIND_COLORS[how], opacity=0.35,
                    name=f"{how}: mean", hovertemplate="mean %{y:.2f}<extra></extra>")
        fig.add_scatter(x=[how] * len(values), y=list(values), mode="markers", name=f"{how}: one seed each",
                        marker=dict(color=KIND_COLORS[how], size=11, line=dict(color="white", width=1)))
    fig.add_scatter(x=list(SPLIT_KINDS), y=[1.0, 1.0], mode="lines", line=dict(color=REFERENCE_LINE_COLOR, dash="dash"),
                    name="noise floor (best possible)", hoverinfo="skip")
    fig.update_yaxes(title="test MSE / noise floor", rangemode="tozero")
    return fig.update_layout(**chart_layout(title="Test error on each split, one dot per seed", barmode="overlay",
                                            legend=legend_under_x_axis()))
