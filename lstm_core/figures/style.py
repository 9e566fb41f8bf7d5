"""The house style of every chart: the colour-blind-safe palette and named greys, the layout, readable and log axes."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from lstm_core.model.gates import CELL_PARTS

# Gate and state colours come from the one cell table; the other marks use the same Okabe-Ito palette.
GATE_COLORS = {key: part.color for key, part in CELL_PARTS.items()}
GATE_TEXT_COLORS = {key: part.text_color for key, part in CELL_PARTS.items()}
WINDOW_X_COLOR = GATE_COLORS["f"]  # the window's inputs, "red"
WINDOW_Y_COLOR = GATE_COLORS["g"]  # the window's target, "green"
WINDOW_X_TEXT_COLOR = GATE_TEXT_COLORS["f"]  # the window's inputs named in text
SERIES_COLOR = "#444444"
PREDICTION_COLOR = "#0072B2"
DIVERGING_SCALE = "RdBu"  # values in (-1, 1): c, g, h
SEQUENTIAL_SCALE = "Viridis"  # values in (0, 1): i, f, o


def with_alpha(hex_color: str, alpha: float) -> str:
    """Return hex_color ("#rrggbb") at opacity alpha as a Plotly "rgba(r,g,b,a)" string."""
    red, green, blue = (int(hex_color.lstrip("#")[k:k + 2], 16) for k in (0, 2, 4))
    return f"rgba({red},{green},{blue},{alpha:g})"


# The greys and fills of reference marks and diagrams, each named by what it draws.
REFERENCE_LINE_COLOR = "#333333"  # dashed reference levels: the noise floor
MUTED_LINE_COLOR = "#999999"  # a series drawn quieter than the data: the clean signal, repeating the last value
GUIDE_LINE_COLOR = "#888888"  # thin guides: the bounds of the scaled range, the step-to-step arrows of a diagram
FAINT_LINE_COLOR = "#bbbbbb"  # the faintest lines: the running batch loss, the outlines of the unrolled steps
UNMARKED_BAR_COLOR = "#c8c8c8"  # the bars of a task window's unmarked steps
OUTLINE_COLOR = "#333333"  # the outlines of a diagram's boxes and nodes
INPUT_BOX_COLOR = "#cccccc"  # the input column of the architecture diagram
HEAD_BOX_FILL = "#f2f2f2"  # the dense head of the architecture diagram
TANH_BOX_FILL = "#f4f4f4"  # the tanh box of the cell diagram
STEP_BOX_FILL = "#f0f0f0"  # the boxes of the unrolled cell, one per step
BOX_TEXT_COLOR = "#111111"  # text written on a diagram's filled boxes
LABEL_TEXT_COLOR = "#222222"  # the cell diagram's labels when no gate colour is given
LABEL_BACKGROUND = with_alpha("#ffffff", 0.85)  # behind the cell diagram's labels, over the wires
CURRENT_STEP_COLOR = "#222222"  # the frame around the current step of the unrolled cell
TRANSPARENT = with_alpha("#000000", 0)  # no fill: rings and frames
SPLIT_COLORS = {"train": with_alpha(PREDICTION_COLOR, 0.06), "val": with_alpha("#E69F00", 0.12),  # Okabe-Ito orange
                "test": with_alpha(GATE_COLORS["o"], 0.12)}
PREDICTION_BAND_COLOR = with_alpha(PREDICTION_COLOR, 0.18)  # the Monte-Carlo band around the forecast
MARKED_ZONE_COLOR = with_alpha(WINDOW_Y_COLOR, 0.12)  # where the marked value of a task window lies
SKETCH_COLOR = GATE_COLORS["f"]  # the learner's drawn forecast: vermillion, apart from the grey series, blue forecast
SKETCH_GRID_COLOR = "#e6e6e6"  # the drawing area's grid lines
HIGHLIGHT_COLOR = "#b45309"  # the guide's outline: 5:1 on white, where an outline needs 3:1 to be seen (WCAG 1.4.11)
PAGE_BACKGROUND = "#ffffff"  # behind a banner that stays in view while the page scrolls under it


# Streamlit's chart theme writes tick labels, axis titles and annotations in a grey (#808495) that reaches
# only 3.7:1 on white; colours set in a figure's own layout take precedence over that theme.
CHART_TEXT_COLOR = "#2f2d2b"  # annotations, colour-bar ticks, hover labels: 13.7:1 on white
AXIS_TEXT_COLOR = "#5c5b59"  # tick labels and axis titles, quieter than the data and still 6.8:1 on white
AXIS_TEXT = dict(tickfont=dict(color=AXIS_TEXT_COLOR), title=dict(font=dict(color=AXIS_TEXT_COLOR)))
LARGE_TITLE_FONT = dict(size=20, weight="bold")  # large text for WCAG: 3:1 is enough, as for the gate colours
HOUSE_TEMPLATE = "lstm_lens_white"
TEXT_LAYOUT = dict(template=HOUSE_TEMPLATE, font=dict(color=CHART_TEXT_COLOR), xaxis=AXIS_TEXT, yaxis=AXIS_TEXT,
                   hoverlabel=dict(font=dict(color=CHART_TEXT_COLOR)))



def _house_template() -> go.layout.Template:
    """Return plotly_white cut to the trace types and layout parts these charts use.

    Plotly validates and copies a figure's template whenever it is set: the full plotly_white, with its
    defaults for two dozen trace types and 3D, polar and map layouts, took 14 ms per figure, a cost every
    learner of a class paid for every chart of every refresh; this cut draws the same and takes 3 ms.
    """
    white = pio.templates["plotly_white"].to_plotly_json()
    unused = ("polar", "ternary", "scene", "geo")
    layout = {part: value for part, value in white["layout"].items() if part not in unused}
    traces = {trace: white["data"][trace] for trace in ("scatter", "heatmap", "bar")}
    return go.layout.Template(layout=layout, data=traces)


pio.templates[HOUSE_TEMPLATE] = _house_template()

# The named margins of chart_layout: a plot with axis titles, a shorter plot, a diagram with no axes,
# a grid of subplots with subplot titles and colour bars, a plot with a menu above it.
PLOT_MARGIN = dict(l=60, r=20, t=60, b=50)
COMPACT_MARGIN = dict(l=60, r=20, t=50, b=40)
DIAGRAM_MARGIN = dict(l=10, r=10, t=50, b=10)
GRID_MARGIN = dict(l=50, r=40, t=80, b=40)
MENU_MARGIN = dict(l=60, r=30, t=130, b=60)
TITLED_GRID_MARGIN = dict(PLOT_MARGIN, t=90)  # the title under the toolbar, the first subplot's title under it
MARGINS = {"plot": PLOT_MARGIN, "compact": COMPACT_MARGIN, "diagram": DIAGRAM_MARGIN, "grid": GRID_MARGIN,
           "menu": MENU_MARGIN, "titled_grid": TITLED_GRID_MARGIN}


# Plotly's toolbar takes the top TOOLBAR_BAND_PX of a chart, at its right, where a long title runs on a narrow
# chart: a title starts under that band unless its figure places it.
TOOLBAR_BAND_PX = 34  # the toolbar is 26 px high, 2 px down; a title's glyphs reach 4 px above its top
TITLE_FONT_PX = 17  # Plotly's title font: 1.4 times the figure's 12 px
TITLE_UNDER_TOOLBAR = dict(y=1, yref="container", yanchor="top", pad=dict(t=TOOLBAR_BAND_PX))
LINE_BREAK = "<br>"  # Plotly's


def in_lines(text: str, chars: int) -> str:
    """Return text broken with Plotly's line breaks into lines of at most chars characters."""
    return LINE_BREAK.join(textwrap.wrap(text, chars))


def pad_under_toolbar(lines: int) -> int:
    """Return the top pad that starts a title of this many lines under Plotly's toolbar.

    Plotly hangs a title of several lines from its first line: the pad takes the lines added back.
    """
    return TOOLBAR_BAND_PX + (lines - 1) * TITLE_FONT_PX


def chart_layout(height: int = 360, margin: str | dict = "plot", **overrides) -> dict:
    """Return the house layout (text colours, template, a named or given margin, height) with overrides on top.

    A title given as text or as a dict without its own y starts under Plotly's toolbar (TITLE_UNDER_TOOLBAR).
    """
    chosen = MARGINS[margin] if isinstance(margin, str) else margin
    title = overrides.get("title")
    if title is not None:
        title = dict(text=title) if isinstance(title, str) else dict(title)
        overrides["title"] = title if "y" in title else {**TITLE_UNDER_TOOLBAR, **title}
    return {**TEXT_LAYOUT, "margin": dict(chosen), "height": height, **overrides}


UNDER_X_AXIS_PX = 62  # from the plot's bottom edge past the tick labels and the x axis title


def legend_under_x_axis() -> dict:
    """Return a horizontal legend's layout at the foot of its figure, under the x axis title.

    Placed in the figure's own height (yref "container"), not at a fraction of the plot's: Plotly makes room
    for it above the figure's bottom and lifts the plot, so a legend that wraps onto more rows on a narrow
    screen, or a title that takes two lines, moves the axis and never onto it.
    """
    return dict(orientation="h", x=0, y=0, yref="container", yanchor="bottom")


def readable_axes(fig: go.Figure) -> go.Figure:
    """Return fig with the tick labels and titles of every axis, subplots' too, in AXIS_TEXT_COLOR."""
    return fig.update_xaxes(AXIS_TEXT).update_yaxes(AXIS_TEXT)


def titled_figure(fig: go.Figure, title: str, x_title: str, y_title: str, **layout) -> go.Figure:
    """Return the figure with its title, axis titles and the house layout (overridable by keyword)."""
    fig.update_layout(xaxis_title=x_title, yaxis_title=y_title, **chart_layout(title=title, **layout))
    return fig


def log_axis_ticks(values: Iterable[float | None]) -> tuple[list[float], list[str]]:
    """Return (tick values, tick labels) at 1, 2 and 5 times the powers of ten spanning the positive values.

    Plotly labels the minor ticks of a log axis with bare digits ("2" above "0.1"); these labels
    are written in full ("0.2", "0.1", "0.05").
    """
    positive = [float(v) for v in values if v is not None and np.isfinite(v) and v > 0]
    if not positive:
        return [], []
    low, high = int(np.floor(np.log10(min(positive)))), int(np.ceil(np.log10(max(positive))))
    # Over more decades, 2 and 5 would crowd the axis of a short chart (a phone's, under a legend of many rows).
    mantissas = (1, 2, 5) if high - low <= 2 else (1,)
    ticks = [m * 10.0 ** k for k in range(low, max(high, low + 1) + 1) for m in mantissas]
    ticks = [t for t in ticks if 10.0 ** low <= t <= 10.0 ** max(high, low + 1)]
    labels = [np.format_float_positional(np.float64(f"{t:.1g}"), trim="-") for t in ticks]
    return ticks, labels


def log_y_axis(fig: go.Figure, **axis) -> go.Figure:
    """Return fig with a log y axis whose ticks, over every plotted y value, are labelled in full."""
    plotted = [y for trace in fig.data for y in (trace.y if trace.y is not None else ())]
    tick_values, tick_labels = log_axis_ticks(plotted)
    return fig.update_yaxes(type="log", tickvals=tick_values or None, ticktext=tick_labels or None, **axis)
