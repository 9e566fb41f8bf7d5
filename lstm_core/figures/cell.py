"""The LSTM cell drawn with one unit's real numbers, unrolled over a window, and every gate of a layer as heatmaps.

The diagram follows the usual picture: the cell state runs along the top like a conveyor belt, the
forget gate multiplies it, the input gate lets the candidate in, and the output gate reads it out
through tanh. Every wire carries the selected unit's value at the selected step; its width follows
the magnitude and its colour the gate, in the colours used on every other chart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lstm_core.figures.style import (
    CURRENT_STEP_COLOR,
    DIVERGING_SCALE,
    FAINT_LINE_COLOR,
    GATE_COLORS,
    GATE_TEXT_COLORS,
    LABEL_BACKGROUND,
    LABEL_TEXT_COLOR,
    LARGE_TITLE_FONT,
    OUTLINE_COLOR,
    SEQUENTIAL_SCALE,
    STEP_BOX_FILL,
    TANH_BOX_FILL,
    TRANSPARENT,
    WINDOW_X_COLOR,
    WINDOW_X_TEXT_COLOR,
    chart_layout,
    readable_axes,
)
from lstm_core.glassbox.replay import ModelTrace
from lstm_core.model.gates import CELL_PARTS, GATES


@dataclass(frozen=True)
class CellValues:
    """One unit of one layer at one step: what enters the cell, every gate, and what leaves it."""

    x_t: float  # the step's input (layer 1, one feature) or the norm of the lower layer's h_t
    x_is_norm: bool
    h_tm1: float
    c_tm1: float
    i: float
    f: float
    g: float
    o: float
    kept: float  # f * c_{t-1}
    added: float  # i * g
    c_t: float
    tanh_c: float
    h_t: float


def cell_values(model_trace: ModelTrace, layer: int, sample: int, step: int, unit: int) -> CellValues:
    """Return the CellValues of one unit of one layer at one step, read from the replay's trace."""
    trace = model_trace.layers[layer]
    x_t = model_trace.layer_inputs[layer][sample, step]  # (input_dim,)
    x_is_norm = x_t.shape[0] > 1
    c_tm1 = float(trace.c[sample, step - 1, unit]) if step > 0 else 0.0
    h_tm1 = float(trace.h[sample, step - 1, unit]) if step > 0 else 0.0
    i, f, g, o = (float(getattr(trace, gate)[sample, step, unit]) for gate in GATES)
    c_t = float(trace.c[sample, step, unit])
    return CellValues(float(np.linalg.norm(x_t)) if x_is_norm else float(x_t[0]), x_is_norm, h_tm1, c_tm1,
                      i, f, g, o, f * c_tm1, i * g, c_t, float(np.tanh(c_t)), float(trace.h[sample, step, unit]))


def _width(value: float) -> float:
    return 1.5 + 7.0 * min(abs(value), 1.5) / 1.5


def _wire(points: list[tuple[float, float]], value: float, color: str) -> go.Scatter:
    xs, ys = zip(*points)
    return go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=color, width=_width(value)), hoverinfo="skip",
                      showlegend=False)


def _label(x: float, y: float, text: str, color: str = LABEL_TEXT_COLOR, size: int = 12) -> dict:
    return dict(x=x, y=y, text=text, showarrow=False, font=dict(color=color, size=size),
                bgcolor=LABEL_BACKGROUND)


def _node(x: float, y: float, symbol: str, r: float = 0.28) -> tuple[dict, dict]:
    circle = dict(type="circle", x0=x - r, x1=x + r, y0=y - r, y1=y + r, line=dict(color=OUTLINE_COLOR),
                  fillcolor="white", layer="above")
    return circle, dict(x=x, y=y, text=symbol, showarrow=False, font=dict(size=16))


def cell_figure(values: CellValues, step: int, unit: int) -> go.Figure:
    """Return the diagram of one LSTM cell with every wire and node labelled by its value."""
    v = values
    top, gates_y, bottom = 4.0, 1.8, 0.0
    gate_x = {"f": 2.0, "i": 3.6, "g": 5.0, "o": 6.8}
    traces = [
        _wire([(0, top), (2.0, top)], v.c_tm1, GATE_COLORS["c"]),  # c_{t-1} in
        _wire([(2.0, top), (5.0, top)], v.kept, GATE_COLORS["c"]),  # f * c_{t-1}
        _wire([(5.0, top), (9.6, top)], v.c_t, GATE_COLORS["c"]),  # c_t out
        _wire([(0, bottom), (6.8, bottom)], v.h_tm1, GATE_COLORS["h"]),  # h_{t-1} along the bottom
        _wire([(1.0, -1.0), (1.0, bottom)], v.x_t, WINDOW_X_COLOR),  # x_t joins it
        _wire([(8.0, top), (8.0, 2.6)], v.c_t, GATE_COLORS["c"]),  # c_t down to tanh
        _wire([(8.0, 2.6), (8.0, gates_y)], v.tanh_c, GATE_COLORS["c"]),
        _wire([(6.8, gates_y), (8.0, gates_y)], v.o, GATE_COLORS["o"]),
        _wire([(8.0, gates_y), (8.0, bottom - 0.0), (9.6, bottom)], v.h_t, GATE_COLORS["h"]),  # h_t out
        _wire([(4.3, gates_y + 0.9), (5.0, gates_y + 0.9), (5.0, top)], v.added, GATE_COLORS["g"]),
    ]
    for gate, x in gate_x.items():
        traces.append(_wire([(x, bottom), (x, gates_y)], getattr(v, gate), GATE_COLORS[gate]))
    traces.append(_wire([(2.0, gates_y), (2.0, top)], v.f, GATE_COLORS["f"]))
    traces.append(_wire([(3.6, gates_y), (3.6, gates_y + 0.9), (4.3, gates_y + 0.9)], v.i, GATE_COLORS["i"]))
    traces.append(_wire([(5.0, gates_y), (5.0, gates_y + 0.5), (4.3, gates_y + 0.9)], v.g, GATE_COLORS["g"]))
    shapes, notes = [], []
    for gate, x in gate_x.items():
        symbol, name = CELL_PARTS[gate].activation, CELL_PARTS[gate].short_title
        shapes.append(dict(type="rect", x0=x - 0.45, x1=x + 0.45, y0=gates_y - 0.35, y1=gates_y + 0.35,
                           fillcolor=GATE_COLORS[gate], line=dict(color=GATE_COLORS[gate]), layer="above"))
        notes.append(dict(x=x, y=gates_y, text=f"<b>{symbol}</b>", showarrow=False,
                          font=dict(color=CELL_PARTS[gate].symbol_color)))
        notes.append(_label(x - 0.05, gates_y - 0.75, f"{name} = {getattr(v, gate):.3f}", GATE_TEXT_COLORS[gate], 11))
    for (x, y, symbol) in [(2.0, top, "⊙"), (5.0, top, "+"), (4.3, gates_y + 0.9, "⊙"), (8.0, gates_y, "⊙")]:
        circle, note = _node(x, y, symbol)
        shapes.append(circle)
        notes.append(note)
    shapes.append(dict(type="rect", x0=7.6, x1=8.4, y0=2.45, y1=2.95, fillcolor=TANH_BOX_FILL,
                       line=dict(color=OUTLINE_COLOR), layer="above"))
    notes += [
        dict(x=8.0, y=2.7, text="tanh", showarrow=False),
        _label(0.6, top + 0.35, f"c<sub>t-1</sub> = {v.c_tm1:.3f}", GATE_TEXT_COLORS["c"]),
        _label(3.5, top + 0.35, f"f·c<sub>t-1</sub> = {v.kept:.3f}", GATE_TEXT_COLORS["c"]),
        _label(4.3, gates_y + 1.3, f"i·g = {v.added:.3f}", GATE_TEXT_COLORS["g"]),
        _label(9.0, top + 0.35, f"c<sub>t</sub> = {v.c_t:.3f}", GATE_TEXT_COLORS["c"]),
        _label(8.9, 2.7, f"tanh(c<sub>t</sub>) = {v.tanh_c:.3f}", GATE_TEXT_COLORS["c"], 11),
        _label(0.45, bottom + 0.35, f"h<sub>t-1</sub> = {v.h_tm1:.3f}", GATE_TEXT_COLORS["h"]),
        _label(1.0, -1.3, (f"‖x<sub>t</sub>‖ = {v.x_t:.3f}" if v.x_is_norm else f"x<sub>t</sub> = {v.x_t:.3f}"),
               WINDOW_X_TEXT_COLOR),
        _label(9.2, bottom + 0.35, f"h<sub>t</sub> = {v.h_t:.3f}", GATE_TEXT_COLORS["h"]),
    ]
    fig = go.Figure(data=traces, layout=dict(shapes=shapes, annotations=notes))
    fig.update_xaxes(visible=False, range=[-0.4, 10.2])
    fig.update_yaxes(visible=False, range=[-1.7, 4.8])
    return fig.update_layout(**chart_layout(
        380, "diagram", title=f"The cell of unit {unit} at step {step + 1}: wire width follows the value"))


def unrolled_figure(model_trace: ModelTrace, layer: int, sample: int, step: int, unit: int) -> go.Figure:
    """Return the same cell repeated over the window's steps, the current one highlighted, c flowing along."""
    trace = model_trace.layers[layer]
    c = trace.c[sample, :, unit]  # (timesteps,)
    steps = np.arange(1, len(c) + 1)
    fig = go.Figure()
    fig.add_scatter(x=steps, y=c, mode="lines+markers", line=dict(color=GATE_COLORS["c"], width=3),
                    name="c (cell state)")
    fig.add_scatter(x=steps, y=trace.h[sample, :, unit], mode="lines", line=dict(color=GATE_COLORS["h"], width=1.5),
                    name="h (hidden state)")
    low = float(min(c.min(), trace.h[sample, :, unit].min(), -0.1)) - 0.3
    shapes = [dict(type="rect", x0=t - 0.4, x1=t + 0.4, y0=low, y1=low + 0.25, fillcolor=STEP_BOX_FILL,
                   line=dict(color=FAINT_LINE_COLOR)) for t in steps]
    shapes.append(dict(type="rect", x0=step + 1 - 0.45, x1=step + 1 + 0.45, y0=low - 0.05, y1=float(c.max()) + 0.2,
                       line=dict(color=CURRENT_STEP_COLOR, width=2), fillcolor=TRANSPARENT))
    fig.update_layout(shapes=shapes)
    fig.update_xaxes(title="step (the same cell, the same weights, at every step)")
    fig.update_yaxes(title="value")
    return fig.update_layout(**chart_layout(240, "compact", title="One cell, reused at every step of the window",
                                            legend=dict(orientation="h", y=1.15)))


def gate_heatmaps(trace, step: int, unit: int | None = None) -> go.Figure:
    """Return six heatmaps (units × time) of i, f, g, o, c, h for one window, the current step marked."""
    names = ("i", "f", "o", "g", "c", "h")
    fig = make_subplots(rows=2, cols=3, subplot_titles=[CELL_PARTS[n].title for n in names],
                        horizontal_spacing=0.08, vertical_spacing=0.16)
    for k, name in enumerate(names):
        row, col = divmod(k, 3)
        values = getattr(trace, name)[0].T  # (units, timesteps)
        gate = CELL_PARTS[name].activation == "σ"  # a sigmoid gate: values in (0, 1)
        colorbar = dict(len=0.38, y=0.79 if row == 0 else 0.21, x=1.01, thickness=10)
        fig.add_heatmap(z=values, x=np.arange(1, values.shape[1] + 1), y=np.arange(values.shape[0]),
                        colorscale=SEQUENTIAL_SCALE if gate else DIVERGING_SCALE,
                        zmin=0 if gate else -1, zmax=1, zmid=None if gate else 0,
                        showscale=(col == 2), colorbar=colorbar, row=row + 1, col=col + 1,
                        hovertemplate="step %{x}, unit %{y}: %{z:.3f}<extra>" + name + "</extra>")
        fig.add_vline(x=step + 1, line=dict(color="black", width=2), row=row + 1, col=col + 1)
        if unit is not None:
            fig.add_hline(y=unit, line=dict(color="black", width=1, dash="dot"), row=row + 1, col=col + 1)
        fig.layout.annotations[k].font.update(color=GATE_COLORS[name], **LARGE_TITLE_FONT)
    fig.update_xaxes(title_text="time step", row=2)
    fig.update_yaxes(title_text="unit", col=1)
    fig.update_layout(**chart_layout(560, "grid",
                                     title="Gates and states of every unit at every step (black line: this step)"))
    return readable_axes(fig)
