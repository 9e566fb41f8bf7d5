"""The backward pass of one window drawn: how much the loss feels each input and each cell state, step by step."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from lstm_core.figures.style import DIVERGING_SCALE, GATE_COLORS, WINDOW_X_COLOR, chart_layout, log_y_axis
from lstm_core.glassbox.backprop import ModelGradients
from lstm_core.glassbox.replay import LSTMTrace

FLOOR = 1e-12  # a gradient of exactly 0 has no place on a log axis


def gradient_steps_figure(grads: ModelGradients, layer: int, step: int, sample: int = 0) -> go.Figure:
    """Return |dL/dx_t| and |dL/dc_t| (the layer's units together) per step, on a log axis, the step marked."""
    dx = np.linalg.norm(grads.dx[sample], axis=1)  # (timesteps,)
    dc = np.linalg.norm(grads.layers[layer].dc[sample], axis=1)  # (timesteps,)
    steps = np.arange(1, len(dx) + 1)
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


def dc_heatmap(grads: ModelGradients, layer: int, step: int, unit: int, sample: int = 0) -> go.Figure:
    """Return the heatmap of dL/dc over units × steps for one layer, the step and the unit marked."""
    values = grads.layers[layer].dc[sample].T  # (units, timesteps)
    bound = float(np.max(np.abs(values))) or 1.0
    fig = go.Figure(go.Heatmap(z=values, x=np.arange(1, values.shape[1] + 1), y=np.arange(values.shape[0]),
                               colorscale=DIVERGING_SCALE, zmin=-bound, zmax=bound, zmid=0,
                               hovertemplate="step %{x}, unit %{y}: %{z:.2e}<extra>∂L/∂c</extra>"))
    fig.add_vline(x=step + 1, line=dict(color="black", width=2))
    fig.add_hline(y=unit, line=dict(color="black", width=1, dash="dot"))
    fig.update_xaxes(title="time step")
    fig.update_yaxes(title="unit")
    return fig.update_layout(**chart_layout(320, "compact",
                                            title=f"∂L/∂c of every unit of layer {layer + 1} at every step"))


def _num(value: float) -> str:
    text = f"{value:.3g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.2e}"
    return text if value >= 0 else f"({text})"


def backward_cell_equation(grads: ModelGradients, trace: LSTMTrace, layer: int, step: int, unit: int,
                           sample: int = 0) -> tuple[str, float, float]:
    """Return (LaTeX, carried part, part through h) of dL/dc_t for one unit at one step, with the real numbers."""
    dc, dh = grads.layers[layer].dc[sample, :, unit], grads.layers[layer].dh[sample, :, unit]  # (timesteps,)
    t, last = step + 1, step == len(dc) - 1
    f_next = 0.0 if last else float(trace.f[sample, step + 1, unit])
    dc_next = 0.0 if last else float(dc[step + 1])
    o, c = float(trace.o[sample, step, unit]), float(trace.c[sample, step, unit])
    carried, through_h = dc_next * f_next, float(dh[step]) * o * (1 - np.tanh(c) ** 2)
    later = (r"0 \;(\text{no later step})" if last
             else rf"{_num(dc_next)} \times {_num(f_next)}")
    latex = (rf"\frac{{\partial L}}{{\partial c_{{{t}}}}}[{unit}] = "
             rf"\frac{{\partial L}}{{\partial c_{{{t + 1}}}}} \odot f_{{{t + 1}}} + "
             rf"\frac{{\partial L}}{{\partial h_{{{t}}}}} \odot o_{{{t}}} \odot (1 - \tanh^2 c_{{{t}}})"
             rf" = {later} + {_num(float(dh[step]))} \times {_num(o)} \times {_num(1 - np.tanh(c) ** 2)}"
             rf" = {_num(float(dc[step]))}")
    return latex, carried, through_h
