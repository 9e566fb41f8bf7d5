"""The architecture diagram: input, stacked recurrent layers, dense head, with shapes."""

from __future__ import annotations

import plotly.graph_objects as go

from lstm_core.config import ModelConfig
from lstm_core.figures.style import (
    BOX_TEXT_COLOR,
    GATE_COLORS,
    GUIDE_LINE_COLOR,
    HEAD_BOX_FILL,
    INPUT_BOX_COLOR,
    OUTLINE_COLOR,
    chart_layout,
)


def _arrow(x: float, y: float, ax: float, ay: float, **style) -> dict:
    return dict(x=x, y=y, ax=ax, ay=ay, xref="x", yref="y", axref="x", ayref="y", showarrow=True, arrowhead=2,
                **style)


def _box(x0: float, x1: float, y0: float, y1: float, fill: str) -> dict:
    return dict(type="rect", x0=x0, x1=x1, y0=y0, y1=y1, fillcolor=fill, line=dict(color=OUTLINE_COLOR))


def architecture_figure(cfg: ModelConfig, n_features: int = 1) -> go.Figure:
    """Return a drawing of the chosen stack: sequences between LSTM layers, one vector into the head."""
    steps = min(cfg.seq_length, 5)
    columns = ["input"] + [f"LSTM {k + 1}" for k in range(cfg.layers)]
    x_of = {name: k * 2.2 for k, name in enumerate(columns)}
    head_x = x_of[columns[-1]] + 2.4
    # Shapes and annotations are collected and set once: adding them one by one is slow in Plotly.
    shapes, notes = [], []
    for k, name in enumerate(columns):
        letter = "x" if name == "input" else "h"
        for t in range(steps):
            y = steps - 1 - t
            step_number = cfg.seq_length if t == steps - 1 else t + 1
            color = INPUT_BOX_COLOR if name == "input" else GATE_COLORS["h"]
            shapes.append(_box(x_of[name] - 0.6, x_of[name] + 0.6, y - 0.35, y + 0.35, color))
            notes.append(dict(x=x_of[name], y=y, text=f"{letter}{step_number}", showarrow=False,
                              font=dict(color=BOX_TEXT_COLOR, size=13)))
            if k == 0:
                continue
            # Every step of the column before feeds this layer: whole sequences flow between layers.
            notes.append(_arrow(x_of[name] - 0.6, y, x_of[columns[k - 1]] + 0.6, y))
            if t > 0:
                notes.append(_arrow(x_of[name], y + 0.35, x_of[name], y + 0.65, arrowcolor=GUIDE_LINE_COLOR))
            if k == len(columns) - 1 and t == steps - 1:
                notes.append(_arrow(head_x - 0.7, y, x_of[name] + 0.6, y, arrowwidth=3, arrowcolor=GATE_COLORS["o"]))
        sub = f"{n_features} feature(s)" if name == "input" else f"{cfg.units} units"
        notes.append(dict(x=x_of[name], y=steps - 0.35 + 0.45, text=f"<b>{name}</b><br>{sub}", showarrow=False))
    head = (f"Dense {cfg.dense_units} → " if cfg.dense_units else "") + f"Dense {cfg.horizon}"
    shapes.append(_box(head_x - 0.7, head_x + 1.5, -0.4, 0.4, HEAD_BOX_FILL))
    notes.append(dict(x=head_x + 0.4, y=0, text=f"{head}<br>forecast", showarrow=False))
    if cfg.seq_length > steps:
        notes += [dict(x=x_of[name], y=0.5, text="⋮", showarrow=False, font=dict(size=16)) for name in columns]
    fig = go.Figure(layout=dict(shapes=shapes, annotations=notes))
    fig.update_xaxes(visible=False, range=[-1, head_x + 1.8])
    fig.update_yaxes(visible=False, range=[-0.8, steps + 0.6])
    return fig.update_layout(**chart_layout(120 + 70 * steps, "diagram", showlegend=False,
                                            title=f"Your stack: {cfg.layers} LSTM layer(s) of {cfg.units} units"))
