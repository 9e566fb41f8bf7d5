"""Plotly figures from arrays: pure functions, one colour per gate, colour-blind-safe scales."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lstm_core.config import ModelConfig
from lstm_core.data import Dataset

# Okabe-Ito colours: distinguishable with every common colour-vision deficiency. Orange and sky blue are
# darkened to 3:1 on white, the contrast WCAG asks of a chart's marks and of large text (the heatmap titles).
GATE_COLORS = {"i": "#0072B2", "f": "#D55E00", "g": "#009E73", "o": "#CC79A7", "c": "#C28600", "h": "#1E9BE2"}
# The same hues darkened to 4.5:1 on white, for text in a gate's colour at body size.
GATE_TEXT_COLORS = {"i": "#0072B2", "f": "#B65000", "g": "#007D5B", "o": "#B44582", "c": "#926500", "h": "#1674A9"}
# A gate's symbol written on its own colour: white where that reaches 4.5:1, near-black elsewhere.
GATE_SYMBOL_COLORS = {"i": "white", "f": "#111111", "g": "#111111", "o": "#111111", "c": "#111111", "h": "#111111"}
STATE_TITLES = {"i": "input gate i", "f": "forget gate f", "g": "candidate g", "o": "output gate o",
                "c": "cell state c", "h": "hidden state h"}
WINDOW_X_COLOR = "#D55E00"  # the window's inputs, "red"
WINDOW_Y_COLOR = "#009E73"  # the window's target, "green"
WINDOW_X_TEXT_COLOR = GATE_TEXT_COLORS["f"]  # the window's inputs named in text
SPLIT_COLORS = {"train": "rgba(0,114,178,0.06)", "val": "rgba(230,159,0,0.12)", "test": "rgba(204,121,167,0.12)"}
SERIES_COLOR = "#444444"
PREDICTION_COLOR = "#0072B2"
DIVERGING_SCALE = "RdBu"  # values in (-1, 1): c, g, h
SEQUENTIAL_SCALE = "Viridis"  # values in (0, 1): i, f, o
# Streamlit's chart theme writes tick labels, axis titles and annotations in a grey (#808495) that reaches
# only 3.7:1 on white; colours set in a figure's own layout take precedence over that theme.
CHART_TEXT_COLOR = "#2f2d2b"  # annotations, colour-bar ticks, hover labels: 13.7:1 on white
AXIS_TEXT_COLOR = "#5c5b59"  # tick labels and axis titles, quieter than the data and still 6.8:1 on white
AXIS_TEXT = dict(tickfont=dict(color=AXIS_TEXT_COLOR), title=dict(font=dict(color=AXIS_TEXT_COLOR)))
LARGE_TITLE_FONT = dict(size=20, weight="bold")  # large text for WCAG: 3:1 is enough, as for the gate colours
TEXT_LAYOUT = dict(template="plotly_white", font=dict(color=CHART_TEXT_COLOR), xaxis=AXIS_TEXT, yaxis=AXIS_TEXT,
                   hoverlabel=dict(font=dict(color=CHART_TEXT_COLOR)))
LAYOUT = dict(**TEXT_LAYOUT, margin=dict(l=60, r=20, t=60, b=50), height=360)


def readable_axes(fig: go.Figure) -> go.Figure:
    """Return fig with the tick labels and titles of every axis, subplots' too, in AXIS_TEXT_COLOR."""
    return fig.update_xaxes(AXIS_TEXT).update_yaxes(AXIS_TEXT)


def _titled(fig: go.Figure, title: str, x_title: str, y_title: str, **layout) -> go.Figure:
    fig.update_layout(title=title, xaxis_title=x_title, yaxis_title=y_title, **{**LAYOUT, **layout})
    return fig


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
                        line=dict(color="#999999", width=1, dash="dot"))
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
    return _titled(fig, title, "time", "value (series units)", legend=dict(orientation="h", y=-0.25))


def scaled_series_figure(ds: Dataset) -> go.Figure:
    """Return the series after MinMax scaling to (-1, 1), fitted on the training part only."""
    fig = go.Figure()
    fig.add_scatter(x=np.arange(len(ds.scaled)), y=ds.scaled, mode="lines", name="scaled series",
                    line=dict(color=SERIES_COLOR, width=1))
    _split_regions(fig, ds, np.arange(len(ds.scaled)))
    for level in (-1, 1):
        fig.add_hline(y=level, line=dict(color="#888888", dash="dash", width=1))
    return _titled(fig, "Scaled to (-1, 1) with the training part's min and max", "point index",
                   "scaled value", height=300)


def _arrow(x: float, y: float, ax: float, ay: float, **style) -> dict:
    return dict(x=x, y=y, ax=ax, ay=ay, xref="x", yref="y", axref="x", ayref="y", showarrow=True, arrowhead=2,
                **style)


def _box(x0: float, x1: float, y0: float, y1: float, fill: str) -> dict:
    return dict(type="rect", x0=x0, x1=x1, y0=y0, y1=y1, fillcolor=fill, line=dict(color="#333333"))


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
            color = "#cccccc" if name == "input" else GATE_COLORS["h"]
            shapes.append(_box(x_of[name] - 0.6, x_of[name] + 0.6, y - 0.35, y + 0.35, color))
            notes.append(dict(x=x_of[name], y=y, text=f"{letter}{step_number}", showarrow=False,
                              font=dict(color="#111111", size=13)))
            if k == 0:
                continue
            # Every step of the column before feeds this layer: whole sequences flow between layers.
            notes.append(_arrow(x_of[name] - 0.6, y, x_of[columns[k - 1]] + 0.6, y))
            if t > 0:
                notes.append(_arrow(x_of[name], y + 0.35, x_of[name], y + 0.65, arrowcolor="#888888"))
            if k == len(columns) - 1 and t == steps - 1:
                notes.append(_arrow(head_x - 0.7, y, x_of[name] + 0.6, y, arrowwidth=3, arrowcolor=GATE_COLORS["o"]))
        sub = f"{n_features} feature(s)" if name == "input" else f"{cfg.units} units"
        notes.append(dict(x=x_of[name], y=steps - 0.35 + 0.45, text=f"<b>{name}</b><br>{sub}", showarrow=False))
    head = (f"Dense {cfg.dense_units} → " if cfg.dense_units else "") + f"Dense {cfg.horizon}"
    shapes.append(_box(head_x - 0.7, head_x + 1.5, -0.4, 0.4, "#f2f2f2"))
    notes.append(dict(x=head_x + 0.4, y=0, text=f"{head}<br>forecast", showarrow=False))
    if cfg.seq_length > steps:
        notes += [dict(x=x_of[name], y=0.5, text="⋮", showarrow=False, font=dict(size=16)) for name in columns]
    fig = go.Figure(layout=dict(shapes=shapes, annotations=notes))
    fig.update_xaxes(visible=False, range=[-1, head_x + 1.8])
    fig.update_yaxes(visible=False, range=[-0.8, steps + 0.6])
    return fig.update_layout(title=f"Your stack: {cfg.layers} LSTM layer(s) of {cfg.units} units",
                             **TEXT_LAYOUT, height=120 + 70 * steps, margin=dict(l=10, r=10, t=50, b=10),
                             showlegend=False)


def log_axis_ticks(values: Sequence[float]) -> tuple[list[float], list[str]]:
    """Return (tick values, tick labels) at 1, 2 and 5 times the powers of ten spanning the positive values.

    Plotly labels the minor ticks of a log axis with bare digits ("2" above "0.1"); these labels
    are written in full ("0.2", "0.1", "0.05").
    """
    positive = [float(v) for v in values if v is not None and np.isfinite(v) and v > 0]
    if not positive:
        return [], []
    low, high = int(np.floor(np.log10(min(positive)))), int(np.ceil(np.log10(max(positive))))
    mantissas = (1, 2, 5) if high - low <= 3 else (1,)  # over many decades, 2 and 5 would crowd the axis
    ticks = [m * 10.0 ** k for k in range(low, max(high, low + 1) + 1) for m in mantissas]
    ticks = [t for t in ticks if 10.0 ** low <= t <= 10.0 ** max(high, low + 1)]
    labels = [np.format_float_positional(np.float64(f"{t:.1g}"), trim="-") for t in ticks]
    return ticks, labels


def log_y_axis(fig: go.Figure, **axis) -> go.Figure:
    """Return fig with a log y axis whose ticks, over every plotted y value, are labelled in full."""
    plotted = [y for trace in fig.data for y in (trace.y if trace.y is not None else ())]
    tick_values, tick_labels = log_axis_ticks(plotted)
    return fig.update_yaxes(type="log", tickvals=tick_values or None, ticktext=tick_labels or None, **axis)


def loss_figure(train_loss: Sequence[float], val_loss: Sequence[float], batch_loss: Sequence[tuple[float, float]],
                noise_floor: float | None, epochs: int | None = None) -> go.Figure:
    """Return the training and validation loss per epoch, the running batch loss and the noise floor."""
    fig = go.Figure()
    if batch_loss:
        xs, ys = zip(*batch_loss)
        fig.add_scatter(x=xs, y=ys, mode="lines", name="running batch loss", line=dict(color="#bbbbbb", width=1))
    epochs_done = np.arange(1, len(train_loss) + 1)
    fig.add_scatter(x=epochs_done, y=list(train_loss), mode="lines+markers", name="training loss",
                    line=dict(color=PREDICTION_COLOR))
    fig.add_scatter(x=epochs_done[: len(val_loss)], y=list(val_loss), mode="lines+markers", name="validation loss",
                    line=dict(color=GATE_COLORS["f"]))
    if noise_floor is not None and noise_floor > 0:
        # A trace rather than add_hline: hline annotations land in the wrong place on a log axis.
        right = max(epochs or 0, len(train_loss), 1)
        fig.add_scatter(x=[0, right], y=[noise_floor, noise_floor], mode="lines", name="noise floor (best possible)",
                        line=dict(color="#333333", dash="dash"), hoverinfo="skip")
    log_y_axis(fig)
    if epochs:
        fig.update_xaxes(range=[0, epochs + 0.2])
    return _titled(fig, "Loss while training (mean squared error, scaled units)", "epoch", "MSE (log scale)",
                   legend=dict(orientation="h", y=-0.25))


def prediction_figure(time: np.ndarray, actual: np.ndarray, predicted: np.ndarray, split: str = "test") -> go.Figure:
    """Return predicted against actual values (series units) over time for one split."""
    fig = go.Figure()
    fig.add_scatter(x=time, y=actual, mode="lines", name="actual", line=dict(color=SERIES_COLOR, width=1))
    fig.add_scatter(x=time, y=predicted, mode="lines", name="LSTM forecast", line=dict(color=PREDICTION_COLOR, width=2))
    return _titled(fig, f"Forecast vs actual on the {split} part", "time", "value (series units)",
                   legend=dict(orientation="h", y=-0.25))


def gate_heatmaps(trace, step: int, unit: int | None = None) -> go.Figure:
    """Return six heatmaps (units × time) of i, f, g, o, c, h for one window, the current step marked."""
    names = ("i", "f", "o", "g", "c", "h")
    fig = make_subplots(rows=2, cols=3, subplot_titles=[STATE_TITLES[n] for n in names],
                        horizontal_spacing=0.08, vertical_spacing=0.16)
    for k, name in enumerate(names):
        row, col = divmod(k, 3)
        values = getattr(trace, name)[0].T  # (units, timesteps)
        gate = name in ("i", "f", "o")
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
    fig.update_layout(title="Gates and states of every unit at every step (black line: this step)",
                      **TEXT_LAYOUT, height=560, margin=dict(l=50, r=40, t=80, b=40))
    return readable_axes(fig)


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
                    marker=dict(size=16, color="rgba(0,0,0,0)", line=dict(color="black", width=2)))
    if target is not None:
        after = np.arange(len(values) + 1, len(values) + 1 + len(target))
        fig.add_scatter(x=after, y=target, mode="markers", name="Y (target)",
                        marker=dict(color=WINDOW_Y_COLOR, size=12, symbol="diamond"))
        if prediction is not None and step == len(values) - 1:
            fig.add_scatter(x=after, y=prediction, mode="markers", name="prediction",
                            marker=dict(color=PREDICTION_COLOR, size=12, symbol="x"))
    return _titled(fig, "The window, fed one step at a time", "time step", "scaled value", height=300,
                   legend=dict(orientation="h", y=-0.3))
