"""The architecture diagram: the stack unrolled in time, steps as columns and layers as rows, with the head."""

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
from lstm_core.model.shapes import weight_shapes

MAX_DRAWN_STEPS = 3  # a phone fits the label column, three steps and an ellipsis
COLUMN_GAP = 1.4  # distance between step columns, in data units
BOX_HALF_WIDTH, BOX_HALF_HEIGHT = 0.42, 0.28
ELLIPSIS_HALF_WIDTH = 0.25  # the room the "⋯" of the skipped steps takes in its row
LABEL_X = -1.45  # the row labels' column, left of step 1
FAN_POINTS = 3  # lines drawn from and to each box: enough to read as "each to each"
ROW_HEIGHT_PX = 78


def _arrow(x: float, y: float, ax: float, ay: float, **style) -> dict:
    return dict(x=x, y=y, ax=ax, ay=ay, xref="x", yref="y", axref="x", ayref="y", showarrow=True, arrowhead=2,
                **style)


def _box(x0: float, x1: float, y0: float, y1: float, fill: str) -> dict:
    return dict(type="rect", x0=x0, x1=x1, y0=y0, y1=y1, fillcolor=fill, line=dict(color=OUTLINE_COLOR))


def _line(x0: float, y0: float, x1: float, y1: float) -> dict:
    return dict(type="line", x0=x0, y0=y0, x1=x1, y1=y1, line=dict(color=OUTLINE_COLOR, width=1))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def drawn_steps(seq_length: int) -> list[int | None]:
    """Return the step numbers drawn as columns, None where an ellipsis stands for the steps between."""
    if seq_length <= MAX_DRAWN_STEPS:
        return list(range(1, seq_length + 1))
    return [1, 2, None, seq_length]


def _fan(x: float, y_low: float, y_high: float, sources: int) -> list[dict]:
    """Return lines from each of `sources` points on a box's top to each point on the next box's bottom."""
    def spread(count: int) -> list[float]:
        return [x] if count == 1 else [x + BOX_HALF_WIDTH * 0.7 * (2 * k / (count - 1) - 1) for k in range(count)]
    return [_line(a, y_low, b, y_high) for a in spread(sources) for b in spread(FAN_POINTS)]


def architecture_figure(cfg: ModelConfig, n_features: int = 1) -> go.Figure:
    """Return the chosen stack unrolled in time: a column per step, a row per layer, full connections between rows."""
    steps = drawn_steps(cfg.seq_length)
    column_x = [k * COLUMN_GAP for k in range(len(steps))]
    recurrent = [s for s in weight_shapes(cfg, n_features) if s.kind != "Dense"]
    head_y = cfg.layers + 1
    # Shapes and annotations are collected and set once: adding them one by one is slow in Plotly.
    shapes, notes = [], []
    rows = [("input", f"x: {_plural(n_features, 'feature')}")]
    rows += [(f"LSTM {k + 1}", f"h: {s.units} units<br>W: {s.input_dim} × {s.shapes['kernel'][1]}")
             for k, s in enumerate(recurrent)]
    for y, (name, sizes) in enumerate(rows):
        notes.append(dict(x=LABEL_X, y=y, text=f"<b>{name}</b><br>{sizes}", showarrow=False, font=dict(size=12)))
    for x, step in zip(column_x, steps):
        header = "⋯" if step is None else f"step {step}"
        notes.append(dict(x=x, y=-0.62, text=header, showarrow=False, font=dict(size=12)))
        if step is None:
            notes += [dict(x=x, y=y, text="⋯", showarrow=False, font=dict(size=16)) for y in range(len(rows))]
            continue
        for y in range(len(rows)):
            fill = INPUT_BOX_COLOR if y == 0 else GATE_COLORS["h"]
            shapes.append(_box(x - BOX_HALF_WIDTH, x + BOX_HALF_WIDTH, y - BOX_HALF_HEIGHT, y + BOX_HALF_HEIGHT, fill))
            label = f"x<sub>{step}</sub>" if y == 0 else f"h<sup>{y}</sup><sub>{step}</sub>"
            notes.append(dict(x=x, y=y, text=label, showarrow=False, font=dict(color=BOX_TEXT_COLOR, size=13)))
            if y > 0:
                # Every unit (or feature) below feeds every gate of every unit of this layer, at this step alone.
                sources = min(n_features, FAN_POINTS) if y == 1 else FAN_POINTS
                shapes += _fan(x, y - 1 + BOX_HALF_HEIGHT, y - BOX_HALF_HEIGHT, sources)
    for y in range(1, len(rows)):
        # A layer carries its own h and c to its next step; the input row carries nothing along time.
        for k in range(len(steps) - 1):
            start = column_x[k] + (BOX_HALF_WIDTH if steps[k] else ELLIPSIS_HALF_WIDTH)
            end = column_x[k + 1] - (BOX_HALF_WIDTH if steps[k + 1] else ELLIPSIS_HALF_WIDTH)
            notes.append(_arrow(end, y, start, y, arrowcolor=GUIDE_LINE_COLOR))
    last_x = column_x[-1]
    # One layer a line: "Dense 64 → Dense 10" on one line is wider than a phone leaves the head.
    head = (f"Dense {cfg.dense_units} →<br>" if cfg.dense_units else "") + f"Dense {cfg.horizon}<br>forecast"
    head_half_height = 0.38 if cfg.dense_units else 0.3
    head_left, head_right = last_x - 2.2, last_x + BOX_HALF_WIDTH + 0.2
    shapes.append(_box(head_left, head_right, head_y - head_half_height, head_y + head_half_height, HEAD_BOX_FILL))
    notes.append(dict(x=(head_left + head_right) / 2, y=head_y, text=head, showarrow=False))
    notes.append(_arrow(last_x, head_y - head_half_height, last_x, cfg.layers + BOX_HALF_HEIGHT, arrowwidth=3,
                        arrowcolor=GATE_COLORS["o"]))
    fig = go.Figure(layout=dict(shapes=shapes, annotations=notes))
    fig.update_xaxes(visible=False, range=[min(LABEL_X - 1.1, head_left - 0.1), last_x + 0.8])
    fig.update_yaxes(visible=False, range=[-0.85, head_y + 0.45])
    title = f"{_plural(cfg.layers, 'LSTM layer')} over {_plural(cfg.seq_length, 'step')}"
    return fig.update_layout(**chart_layout(60 + int(ROW_HEIGHT_PX * (head_y + 1.3)), "diagram", showlegend=False,
                                            title=title))
