"""The RNN-versus-LSTM lesson's pictures: one task window, both learning curves, how far back the gradient reaches."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from lstm_core.figures.style import (
    GATE_COLORS,
    MARKED_ZONE_COLOR,
    SERIES_COLOR,
    UNMARKED_BAR_COLOR,
    WINDOW_Y_COLOR,
    chart_layout,
    legend_under_x_axis,
    log_y_axis,
)
from lstm_core.lessons.memory import MARKER_SPAN, ModelOutcome

# The plain RNN has only h, the LSTM is known by its cell state c: each takes that state's colour.
MODEL_COLORS = {"plain RNN": GATE_COLORS["h"], "LSTM": GATE_COLORS["c"]}
GRADIENT_FLOOR = 1e-12  # a gradient of exactly 0 has no place on a log axis
# On a phone each legend entry takes a row of its own under the plot, which Plotly lifts to make room: the
# figure is tall enough that the plot keeps room for its log ticks and its axis title.
LEGEND_ROWS_HEIGHT = 460


def task_window_figure(window: np.ndarray, target: float) -> go.Figure:
    """Return one task window (window, 2) as bars per step back, the marked step highlighted, and its target."""
    values, marker = window[:, 0], window[:, 1]  # each (window,)
    steps_back = np.arange(len(values), 0, -1)  # (window,): the first input lies furthest back
    colors = [WINDOW_Y_COLOR if m > 0 else UNMARKED_BAR_COLOR for m in marker]
    fig = go.Figure(go.Bar(x=steps_back, y=values, marker_color=colors, name="input value",
                           hovertemplate="%{x} steps back: %{y:.3f}<extra></extra>"))
    marked = int(np.argmax(marker))
    fig.add_annotation(x=steps_back[marked], y=values[marked], text=f"marked: {values[marked]:.2f}",
                       showarrow=True, arrowhead=2, ay=-40 if values[marked] >= 0 else 40)
    fig.add_scatter(x=[0], y=[target], mode="markers+text", text=[f"target {target:.2f}"], textposition="top center",
                    marker=dict(color=WINDOW_Y_COLOR, size=14, symbol="star"), name="target: the marked value")
    fig.update_xaxes(autorange="reversed", title="steps before the forecast (0 = the forecast)")
    fig.update_yaxes(range=[-1.35, 1.35], title="value")
    return fig.update_layout(**chart_layout(300, title="One window of the task: noise, one marked value",
                                            showlegend=False))


def memory_curves_figure(histories: Mapping[str, Mapping[str, Sequence[float]]], guess_mean: float,
                         epochs: int | None = None) -> go.Figure:
    """Return both models' training (dotted) and validation (solid) loss per epoch, and the guess-the-mean line."""
    fig = go.Figure()
    for name, history in histories.items():
        color = MODEL_COLORS[name]
        for key, dash, label in (("loss", "dot", "training"), ("val_loss", "solid", "validation")):
            losses = list(history.get(key, []))
            fig.add_scatter(x=np.arange(1, len(losses) + 1), y=losses, mode="lines+markers",
                            name=f"{name}, {label}", line=dict(color=color, dash=dash), marker=dict(size=4))
    right = max([epochs or 0] + [len(h.get("loss", [])) for h in histories.values()] + [1])
    fig.add_scatter(x=[0, right], y=[guess_mean, guess_mean], mode="lines", name="guessing the mean",
                    line=dict(color=SERIES_COLOR, dash="dash"), hoverinfo="skip")
    log_y_axis(fig)
    plotted = [y for trace in fig.data for y in (trace.y if trace.y is not None else ()) if y and y > 0]
    if plotted:  # room above the guess-the-mean line, where a model that learns nothing sits
        fig.update_yaxes(range=[np.log10(min(plotted)) - 0.2, np.log10(max(plotted)) + 0.25])
    if epochs:
        fig.update_xaxes(range=[0, epochs + 0.2])
    fig.update_xaxes(title="epoch")
    fig.update_yaxes(title="MSE (log scale)")
    return fig.update_layout(**chart_layout(LEGEND_ROWS_HEIGHT, title="Learning curves: who learns to remember?",
                                            legend=legend_under_x_axis()))


def _marked_zone(fig: go.Figure, k: int) -> None:
    fig.add_vrect(x0=k - 0.5, x1=k + MARKER_SPAN - 0.5, fillcolor=MARKED_ZONE_COLOR, line_width=0,
                  annotation_text="where the marked value lies", annotation_position="top left")


def gradient_reach_figure(outcomes: Sequence[ModelOutcome], k: int, through_memory: bool = False) -> go.Figure:
    """Return, per step back and per model, the mean gradient size relative to 1 step back, before and after training.

    With through_memory False the gradient is |dL/dx_t| (the input); with True it is the gradient carried
    by the memory itself, |dL/dc_t| for the LSTM and |dL/dh_t| for the plain RNN, as ModelOutcome holds it.
    Each curve is divided by its own value at 1 step back: a model that has learned has a tiny loss and
    so tiny gradients, and what the lesson compares is how the signal fades with distance.
    """
    fig = go.Figure()
    for outcome in outcomes:
        before, after = outcome.profiles(through_memory)
        steps_back = np.arange(1, len(after) + 1)  # (timesteps,)
        for values, dash, when in ((before, "dash", "before training"), (after, "solid", "after training")):
            relative = values / values[0] if values[0] > 0 else values  # (timesteps,)
            fig.add_scatter(x=steps_back, y=np.maximum(relative, GRADIENT_FLOOR), mode="lines",
                            name=f"{outcome.name}, {when}", line=dict(color=MODEL_COLORS[outcome.name], dash=dash))
    _marked_zone(fig, k)
    log_y_axis(fig)
    what = "|∂L/∂c_t| (LSTM) and |∂L/∂h_t| (plain RNN)" if through_memory else "|∂L/∂x_t|"
    title = ("How much error signal the memory carries back" if through_memory
             else "How much error signal reaches each input")
    fig.update_xaxes(title="steps back from the forecast")
    fig.update_yaxes(title="relative to 1 step back (log)")
    title = f"{title}: mean {what}"
    return fig.update_layout(**chart_layout(LEGEND_ROWS_HEIGHT, title=title, legend=legend_under_x_axis()))
