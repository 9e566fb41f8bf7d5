"""The charts Inside drew before the stepper, one set per step from the server, rebuilt as the benches' reference.

Inside once reran its script for every step and sent six figures: the window, the six gate and state
heatmaps, the cell diagram, the unrolled strip, the gradient per step and dL/dc. The stepper
(lstm_core/figures/stepper.py) sends all steps at once as frames of one figure; bench_inside_frames and
bench_frames measure it against what these six figures cost for one step. They follow the removed
figures' traces and layout, drawn with the same panels the stepper uses for the cell and the strip.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lstm_core.figures.cell import add_cell_diagram, add_unrolled_strip, cell_diagram_frame, cell_values, unrolled_frame
from lstm_core.figures.style import (
    DIVERGING_SCALE,
    GATE_COLORS,
    LARGE_TITLE_FONT,
    PREDICTION_COLOR,
    SEQUENTIAL_SCALE,
    TRANSPARENT,
    WINDOW_X_COLOR,
    WINDOW_Y_COLOR,
    chart_layout,
    log_y_axis,
    readable_axes,
    titled_figure,
)
from lstm_core.glassbox.backprop import ModelGradients
from lstm_core.glassbox.replay import LSTMTrace, ModelTrace
from lstm_core.model.gates import CELL_PARTS

FLOOR = 1e-12  # a gradient of exactly 0 has no place on a log axis


def window_figure(window: np.ndarray, step: int, target: np.ndarray, prediction: np.ndarray) -> go.Figure:
    """Return the window (seq_length, 1) with the steps fed so far solid and the current one ringed."""
    values = np.asarray(window)[:, 0]  # (seq_length,)
    steps = np.arange(1, len(values) + 1)  # (seq_length,)
    seen = steps <= step + 1  # (seq_length,)
    after = np.arange(len(values) + 1, len(values) + 1 + len(target))  # (horizon,)
    fig = go.Figure()
    fig.add_scatter(x=steps[seen], y=values[seen], mode="markers+lines", name="fed so far",
                    marker=dict(color=WINDOW_X_COLOR), line=dict(color=WINDOW_X_COLOR))
    fig.add_scatter(x=steps[~seen], y=values[~seen], mode="markers", name="still to come",
                    marker=dict(color=WINDOW_X_COLOR, opacity=0.25))
    fig.add_scatter(x=[step + 1], y=[values[step]], mode="markers", name=f"x_{step + 1} (now)",
                    marker=dict(size=16, color=TRANSPARENT, line=dict(color="black", width=2)))
    fig.add_scatter(x=after, y=target, mode="markers", name="Y (target)",
                    marker=dict(color=WINDOW_Y_COLOR, size=12, symbol="diamond"))
    if step == len(values) - 1:
        fig.add_scatter(x=after, y=prediction, mode="markers", name="prediction",
                        marker=dict(color=PREDICTION_COLOR, size=12, symbol="x"))
    return titled_figure(fig, "The window, fed one step at a time", "time step", "scaled value", height=300,
                         legend=dict(orientation="h", y=-0.3))


def gate_heatmaps(trace: LSTMTrace, step: int, unit: int | None = None) -> go.Figure:
    """Return six heatmaps (units x steps) of i, f, o, g, c, h for one window, the step and the unit marked."""
    names = ("i", "f", "o", "g", "c", "h")
    fig = make_subplots(rows=2, cols=3, subplot_titles=[CELL_PARTS[n].title for n in names],
                        horizontal_spacing=0.08, vertical_spacing=0.16)
    for k, name in enumerate(names):
        row, col = divmod(k, 3)
        values = getattr(trace, name)[0].T  # (units, timesteps)
        gate = CELL_PARTS[name].activation == "σ"
        fig.add_heatmap(z=values, x=np.arange(1, values.shape[1] + 1), y=np.arange(values.shape[0]),
                        colorscale=SEQUENTIAL_SCALE if gate else DIVERGING_SCALE,
                        zmin=0 if gate else -1, zmax=1, zmid=None if gate else 0, showscale=(col == 2),
                        colorbar=dict(len=0.38, y=0.79 if row == 0 else 0.21, x=1.01, thickness=10),
                        row=row + 1, col=col + 1,
                        hovertemplate="step %{x}, unit %{y}: %{z:.3f}<extra>" + name + "</extra>")
        fig.add_vline(x=step + 1, line=dict(color="black", width=2), row=row + 1, col=col + 1)
        if unit is not None:
            fig.add_hline(y=unit, line=dict(color="black", width=1, dash="dot"), row=row + 1, col=col + 1)
        fig.layout.annotations[k].font.update(color=GATE_COLORS[name], **LARGE_TITLE_FONT)
    fig.update_xaxes(title_text="time step", row=2)
    fig.update_yaxes(title_text="unit", col=1)
    fig.update_layout(**chart_layout(560, "grid", title="Gates and states of every unit at every step"))
    return readable_axes(fig)


def cell_figure(model_trace: ModelTrace, layer: int, step: int, unit: int) -> go.Figure:
    """Return the cell diagram of one unit at one step, every wire as wide as its value."""
    fig = make_subplots(rows=1, cols=1)
    values = cell_values(model_trace, layer, 0, step, unit)
    for index, update in zip(add_cell_diagram(fig, 1, 1), cell_diagram_frame(values)):
        fig.data[index].update(update)
    return fig.update_layout(**chart_layout(
        380, "diagram", title=f"The cell of unit {unit} at step {step + 1}: wire width follows the value"))


def unrolled_figure(model_trace: ModelTrace, layer: int, step: int, unit: int) -> go.Figure:
    """Return the unit's c and h along the window over one box per step, the step framed."""
    fig = make_subplots(rows=1, cols=1)
    highlight = add_unrolled_strip(fig, model_trace, layer, 0, unit, 1, 1)
    fig.data[highlight].update(unrolled_frame(model_trace, layer, 0, unit, step))
    fig.update_xaxes(title="step (the same cell, the same weights, at every step)")
    fig.update_yaxes(title="value")
    return fig.update_layout(**chart_layout(240, "compact", title="One cell, reused at every step of the window"))


def gradient_steps_figure(grads: ModelGradients, layer: int, step: int) -> go.Figure:
    """Return |dL/dx_t| and |dL/dc_t| per step on a log axis, the step marked."""
    dx = np.linalg.norm(grads.dx[0], axis=1)  # (timesteps,)
    dc = np.linalg.norm(grads.layers[layer].dc[0], axis=1)  # (timesteps,)
    steps = np.arange(1, len(dx) + 1)  # (timesteps,)
    fig = go.Figure()
    fig.add_scatter(x=steps, y=np.maximum(dx, FLOOR), mode="lines+markers", name="|∂L/∂x_t| (input)",
                    line=dict(color=WINDOW_X_COLOR))
    fig.add_scatter(x=steps, y=np.maximum(dc, FLOOR), mode="lines+markers", name=f"|∂L/∂c_t| (layer {layer + 1})",
                    line=dict(color=GATE_COLORS["c"]))
    log_y_axis(fig, title="size of the gradient (log scale)")
    fig.add_vline(x=step + 1, line=dict(color="black", width=1, dash="dot"))
    fig.update_xaxes(title="time step (the forecast is made after the last one)")
    return fig.update_layout(**chart_layout(320, "compact", title="How strongly the loss reaches back to each step",
                                            legend=dict(orientation="h", y=1.12)))


def dc_heatmap(grads: ModelGradients, layer: int, step: int, unit: int) -> go.Figure:
    """Return dL/dc over units x steps for one layer, the step and the unit marked."""
    values = grads.layers[layer].dc[0].T  # (units, timesteps)
    bound = float(np.max(np.abs(values))) or 1.0
    fig = go.Figure(go.Heatmap(z=values, x=np.arange(1, values.shape[1] + 1), y=np.arange(values.shape[0]),
                               colorscale=DIVERGING_SCALE, zmin=-bound, zmax=bound, zmid=0,
                               hovertemplate="step %{x}, unit %{y}: %{z:.2e}<extra>∂L/∂c</extra>"))
    fig.add_vline(x=step + 1, line=dict(color="black", width=2))
    fig.add_hline(y=unit, line=dict(color="black", width=1, dash="dot"))
    fig.update_xaxes(title="time step")
    fig.update_yaxes(title="unit")
    return fig.update_layout(**chart_layout(320, "compact", title=f"∂L/∂c of every unit of layer {layer + 1}"))


def step_figures(model_trace: ModelTrace, grads: ModelGradients, window: np.ndarray, target: np.ndarray,
                 layer: int, step: int, unit: int) -> list[go.Figure]:
    """Return the six figures the per-step Inside page sent for one step of one window."""
    return [window_figure(window, step, target, model_trace.prediction[0]),
            gate_heatmaps(model_trace.layers[layer], step, unit),
            cell_figure(model_trace, layer, step, unit), unrolled_figure(model_trace, layer, step, unit),
            gradient_steps_figure(grads, layer, step), dc_heatmap(grads, layer, step, unit)]
