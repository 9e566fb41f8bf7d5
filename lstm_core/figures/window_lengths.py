"""The test error of one trained model read with windows of other lengths."""

from __future__ import annotations

import plotly.graph_objects as go

from lstm_core.figures.style import (
    PREDICTION_COLOR,
    REFERENCE_LINE_COLOR,
    WINDOW_Y_COLOR,
    chart_layout,
    legend_under_x_axis,
    log_axis_ticks,
)
from lstm_core.glassbox.window_lengths import LengthError


def window_lengths_figure(errors: list[LengthError], trained: int, noise_floor: float | None) -> go.Figure:
    """Return the test MSE against the window length read, the trained length marked, the noise floor dashed."""
    fig = go.Figure()
    fig.add_scatter(x=[e.length for e in errors], y=[e.mse for e in errors], mode="lines+markers",
                    name="test MSE", line=dict(color=PREDICTION_COLOR, width=2), marker=dict(size=8))
    at_trained = [e for e in errors if e.length == trained]
    fig.add_scatter(x=[trained], y=[at_trained[0].mse] if at_trained else [], mode="markers",
                    name=f"the window it was trained on ({trained})",
                    marker=dict(color=WINDOW_Y_COLOR, size=14, symbol="diamond"))
    if noise_floor is not None:
        fig.add_hline(y=noise_floor, line=dict(color=REFERENCE_LINE_COLOR, dash="dash", width=1),
                      annotation_text="noise floor", annotation_position="top left")
    fig.update_layout(**chart_layout(height=340, title="The same weights, read with windows of other lengths",
                                     legend=legend_under_x_axis()))
    fig.update_xaxes(title_text="window length read (steps)")
    # Plotly's own log ticks label 2 to 9 of a decade, which crowd one another on a narrow chart.
    tick_values, tick_labels = log_axis_ticks([*(e.mse for e in errors), noise_floor])
    fig.update_yaxes(title_text="test MSE (scaled)", type="log", tickvals=tick_values or None,
                     ticktext=tick_labels or None)
    return fig


def window_lengths_summary(errors: list[LengthError], trained: int, noise_floor: float | None) -> str:
    """Return the figure in words: the error at each length read, and the best one."""
    best = min(errors, key=lambda e: e.mse)
    listed = ", ".join(f"{e.length} steps {e.mse:.4f}" for e in errors)
    floor = f"; noise floor {noise_floor:.4f}" if noise_floor is not None else ""
    return (f"Test MSE of the model trained on windows of {trained}, read with windows of {listed}{floor}. "
            f"Lowest at {best.length} steps.")
