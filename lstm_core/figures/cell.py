"""The LSTM cell of one unit drawn with its real numbers, and the same cell unrolled over the window.

The diagram follows the usual picture: the cell state runs along the top like a conveyor belt, the
forget gate multiplies it, the input gate lets the candidate in, and the output gate reads it out
through tanh. Every wire carries the selected unit's value at the selected step; its width follows
the magnitude and its colour the gate, in the colours used on every other chart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from lstm_core.figures.style import (
    CURRENT_STEP_COLOR,
    FAINT_LINE_COLOR,
    GATE_COLORS,
    GATE_TEXT_COLORS,
    LABEL_TEXT_COLOR,
    OUTLINE_COLOR,
    STEP_BOX_FILL,
    TANH_BOX_FILL,
    WINDOW_X_COLOR,
    WINDOW_X_TEXT_COLOR,
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
    trace = model_trace.lstm_layer(layer)
    x_t = model_trace.layer_inputs[layer][sample, step]  # (input_dim,)
    x_is_norm = x_t.shape[0] > 1
    c_tm1 = float(trace.c[sample, step - 1, unit]) if step > 0 else 0.0
    h_tm1 = float(trace.h[sample, step - 1, unit]) if step > 0 else 0.0
    i, f, g, o = (float(getattr(trace, gate)[sample, step, unit]) for gate in GATES)
    c_t = float(trace.c[sample, step, unit])
    return CellValues(float(np.linalg.norm(x_t)) if x_is_norm else float(x_t[0]), x_is_norm, h_tm1, c_tm1,
                      i, f, g, o, f * c_tm1, i * g, c_t, float(np.tanh(c_t)), float(trace.h[sample, step, unit]))


def wire_width(value: float) -> float:
    """Return the drawn width in pixels of a wire carrying value: 1.5 for zero, 8.5 from |value| = 1.5 on."""
    return 1.5 + 7.0 * min(abs(value), 1.5) / 1.5


@dataclass(frozen=True)
class Wire:
    """A wire of the cell diagram: the points it runs through, the CellValues field it carries, its part's colour."""

    points: tuple[tuple[float, float], ...]
    carries: str
    color: str


_TOP, _GATES_Y, _BOTTOM = 4.0, 1.8, 0.0  # the cell state's belt, the row of gates, the hidden state's wire
_GATE_X = {"f": 2.0, "i": 3.6, "g": 5.0, "o": 6.8}
_MIX_Y = _GATES_Y + 0.9  # where i and g meet
CELL_WIRES = (
    Wire(((0, _TOP), (2.0, _TOP)), "c_tm1", GATE_COLORS["c"]),
    Wire(((2.0, _TOP), (5.0, _TOP)), "kept", GATE_COLORS["c"]),
    Wire(((5.0, _TOP), (9.6, _TOP)), "c_t", GATE_COLORS["c"]),
    Wire(((0, _BOTTOM), (6.8, _BOTTOM)), "h_tm1", GATE_COLORS["h"]),
    Wire(((1.0, -1.0), (1.0, _BOTTOM)), "x_t", WINDOW_X_COLOR),
    Wire(((8.0, _TOP), (8.0, 2.6)), "c_t", GATE_COLORS["c"]),
    Wire(((8.0, 2.6), (8.0, _GATES_Y)), "tanh_c", GATE_COLORS["c"]),
    Wire(((6.8, _GATES_Y), (8.0, _GATES_Y)), "o", GATE_COLORS["o"]),
    Wire(((8.0, _GATES_Y), (8.0, _BOTTOM), (9.6, _BOTTOM)), "h_t", GATE_COLORS["h"]),
    Wire(((4.3, _MIX_Y), (5.0, _MIX_Y), (5.0, _TOP)), "added", GATE_COLORS["g"]),
    *(Wire(((x, _BOTTOM), (x, _GATES_Y)), gate, GATE_COLORS[gate]) for gate, x in _GATE_X.items()),
    Wire(((2.0, _GATES_Y), (2.0, _TOP)), "f", GATE_COLORS["f"]),
    Wire(((3.6, _GATES_Y), (3.6, _MIX_Y), (4.3, _MIX_Y)), "i", GATE_COLORS["i"]),
    Wire(((5.0, _GATES_Y), (5.0, _GATES_Y + 0.5), (4.3, _MIX_Y)), "g", GATE_COLORS["g"]),
)
# Each value label: where it sits, the CellValues field it prints, its name, its colour.
_CELL_LABELS = (
    *((x, _GATES_Y - 0.6, gate, gate, GATE_TEXT_COLORS[gate]) for gate, x in _GATE_X.items()),
    (0.6, _TOP + 0.35, "c_tm1", "c<sub>t-1</sub>", GATE_TEXT_COLORS["c"]),
    (3.5, _TOP + 0.35, "kept", "f·c<sub>t-1</sub>", GATE_TEXT_COLORS["c"]),
    (4.3, _GATES_Y + 1.3, "added", "i·g", GATE_TEXT_COLORS["g"]),
    (9.0, _TOP + 0.35, "c_t", "c<sub>t</sub>", GATE_TEXT_COLORS["c"]),
    (9.35, 2.7, "tanh_c", "tanh(c<sub>t</sub>)", GATE_TEXT_COLORS["c"]),
    (0.45, _BOTTOM + 0.35, "h_tm1", "h<sub>t-1</sub>", GATE_TEXT_COLORS["h"]),
    (1.0, -1.3, "x_t", "x<sub>t</sub>", WINDOW_X_TEXT_COLOR),
    (9.2, _BOTTOM + 0.35, "h_t", "h<sub>t</sub>", GATE_TEXT_COLORS["h"]),
)
CELL_X_RANGE, CELL_Y_RANGE = (-0.4, 10.2), (-1.7, 4.8)
# On a narrow screen the gate labels take two rows (i and o below f and g), f·c_t-1 rises above c_t-1's label and
# tanh(c_t) above its box, so no two labels meet.
_NARROW_LABEL_SHIFT = {"i": -0.55, "o": -0.55, "c_tm1": 0.35, "kept": 0.75, "tanh_c": 0.65}


def label_heights(narrow: bool = False) -> list[float]:
    """Return the y of each value label of the diagram, on a narrow screen or a wide one, in the label trace's order."""
    return [y + (_NARROW_LABEL_SHIFT.get(field, 0.0) if narrow else 0.0) for _, y, field, _, _ in _CELL_LABELS]


def cell_label_texts(values: CellValues) -> list[str]:
    """Return the diagram's value labels ("f = 0.512", ...) for values, in the order of the label trace."""
    texts = []
    for _, _, field, name, _ in _CELL_LABELS:
        if field == "x_t" and values.x_is_norm:
            name = "‖x<sub>t</sub>‖"
        texts.append(f"{name} = {getattr(values, field):.3f}")
    return texts


def cell_diagram_frame(values: CellValues) -> list[dict]:
    """Return the updates of the diagram's moving traces (each wire's width, then the labels) for values."""
    updates = [dict(type="scatter", line=dict(width=wire_width(getattr(values, wire.carries)))) for wire in CELL_WIRES]
    updates.append(dict(type="scatter", text=cell_label_texts(values)))
    return updates


def add_cell_diagram(fig: go.Figure, row: int, col: int) -> list[int]:
    """Draw the cell's boxes, nodes, wires and labels into a panel of fig; return the indices of its moving traces.

    The wires and the label trace are drawn empty of values: cell_diagram_frame gives them their widths
    and texts, in the order of the returned indices.
    """
    where = dict(row=row, col=col)
    moving = []
    for wire in CELL_WIRES:
        xs, ys = zip(*wire.points)
        fig.add_scatter(x=xs, y=ys, mode="lines", line=dict(color=wire.color, width=wire_width(0.0)),
                        hoverinfo="skip", showlegend=False, name=f"wire {wire.carries}", **where)
        moving.append(len(fig.data) - 1)
    for gate, x in _GATE_X.items():
        fig.add_shape(type="rect", x0=x - 0.45, x1=x + 0.45, y0=_GATES_Y - 0.35, y1=_GATES_Y + 0.35,
                      fillcolor=GATE_COLORS[gate], line=dict(color=GATE_COLORS[gate]), layer="above", **where)
    nodes = [(2.0, _TOP, "⊙"), (5.0, _TOP, "+"), (4.3, _MIX_Y, "⊙"), (8.0, _GATES_Y, "⊙")]
    for x, y, _ in nodes:
        r = 0.28
        fig.add_shape(type="circle", x0=x - r, x1=x + r, y0=y - r, y1=y + r, line=dict(color=OUTLINE_COLOR),
                      fillcolor="white", layer="above", **where)
    fig.add_shape(type="rect", x0=7.6, x1=8.4, y0=2.45, y1=2.95, fillcolor=TANH_BOX_FILL,
                  line=dict(color=OUTLINE_COLOR), layer="above", **where)
    # The symbols sit above the shapes, so they are annotations, drawn over the layout's shapes.
    symbols = [(x, _GATES_Y, f"<b>{CELL_PARTS[gate].activation}</b>", CELL_PARTS[gate].symbol_color)
               for gate, x in _GATE_X.items()]
    symbols += [(x, y, symbol, LABEL_TEXT_COLOR) for x, y, symbol in nodes] + [(8.0, 2.7, "tanh", LABEL_TEXT_COLOR)]
    for x, y, text, color in symbols:
        fig.add_annotation(x=x, y=y, text=text, showarrow=False, font=dict(color=color, size=15), **where)
    fig.add_scatter(x=[x for x, *_ in _CELL_LABELS], y=[y for _, y, *_ in _CELL_LABELS], mode="text",
                    textfont=dict(color=[label[-1] for label in _CELL_LABELS], size=12), hoverinfo="skip",
                    showlegend=False, name="cell labels", cliponaxis=False, **where)
    moving.append(len(fig.data) - 1)
    fig.update_xaxes(visible=False, range=list(CELL_X_RANGE), **where)
    fig.update_yaxes(visible=False, range=list(CELL_Y_RANGE), **where)
    return moving


def add_unrolled_strip(fig: go.Figure, model_trace: ModelTrace, layer: int, sample: int, unit: int,
                       row: int, col: int) -> int:
    """Draw the unit's c and h along the window over a strip of one box per step; return the highlight's index.

    The highlight, a frame around the current step, is drawn empty: unrolled_frame places it.
    """
    where = dict(row=row, col=col)
    trace = model_trace.lstm_layer(layer)
    c, h = trace.c[sample, :, unit], trace.h[sample, :, unit]  # (timesteps,) each
    steps = np.arange(1, len(c) + 1)  # (timesteps,)
    fig.add_scatter(x=steps, y=c, mode="lines+markers", line=dict(color=GATE_COLORS["c"], width=3),
                    name="c (cell state)", showlegend=False, **where)
    fig.add_scatter(x=steps, y=h, mode="lines", line=dict(color=GATE_COLORS["h"], width=1.5),
                    name="h (hidden state)", showlegend=False, **where)
    low, high = _strip_bounds(c, h)
    fig.add_scatter(x=steps, y=np.full(len(steps), low + 0.12), mode="markers", hoverinfo="skip", showlegend=False,
                    name="one cell per step", marker=dict(symbol="square", size=9, color=STEP_BOX_FILL,
                                                          line=dict(color=FAINT_LINE_COLOR, width=1)), **where)
    fig.add_scatter(mode="lines", hoverinfo="skip", showlegend=False, name="this step's cell",
                    line=dict(color=CURRENT_STEP_COLOR, width=2), **where)
    return len(fig.data) - 1


def _strip_bounds(c: np.ndarray, h: np.ndarray) -> tuple[float, float]:
    return float(min(c.min(), h.min(), -0.1)) - 0.3, float(max(c.max(), h.max())) + 0.2


def unrolled_frame(model_trace: ModelTrace, layer: int, sample: int, unit: int, step: int) -> dict:
    """Return the update of the strip's highlight that frames step (0-based)."""
    trace = model_trace.lstm_layer(layer)
    low, high = _strip_bounds(trace.c[sample, :, unit], trace.h[sample, :, unit])
    left, right = step + 1 - 0.45, step + 1 + 0.45
    return dict(type="scatter", x=[left, right, right, left, left], y=[low - 0.05, low - 0.05, high, high, low - 0.05])
