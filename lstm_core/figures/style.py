"""The house style of every chart: the colour-blind-safe palette, the layout, readable axes and log axes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from lstm_core.model.gates import CELL_PARTS

# Gate and state colours come from the one cell table; the other marks use the same Okabe-Ito palette.
GATE_COLORS = {key: part.color for key, part in CELL_PARTS.items()}
GATE_TEXT_COLORS = {key: part.text_color for key, part in CELL_PARTS.items()}
WINDOW_X_COLOR = GATE_COLORS["f"]  # the window's inputs, "red"
WINDOW_Y_COLOR = GATE_COLORS["g"]  # the window's target, "green"
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


def titled_figure(fig: go.Figure, title: str, x_title: str, y_title: str, **layout) -> go.Figure:
    """Return the figure with its title, axis titles and the house layout (overridable by keyword)."""
    fig.update_layout(title=title, xaxis_title=x_title, yaxis_title=y_title, **{**LAYOUT, **layout})
    return fig


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
