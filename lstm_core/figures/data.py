"""Figures of the data: the series with its splits, its windows as animation frames, the scaled series."""

from __future__ import annotations

import base64
import math
from typing import Any

import numpy as np
import plotly.graph_objects as go

from lstm_core.data.dataset import Dataset
from lstm_core.figures.style import (
    GUIDE_LINE_COLOR,
    MUTED_LINE_COLOR,
    PLOT_MARGIN,
    SERIES_COLOR,
    SPLIT_COLORS,
    TOOLBAR_BAND_PX,
    UNDER_X_AXIS_PX,
    WINDOW_X_COLOR,
    WINDOW_Y_COLOR,
    legend_under_x_axis,
    titled_figure,
)


def _split_regions(fig: go.Figure, ds: Dataset, x: np.ndarray) -> None:
    edges = [0, ds.train_end, ds.val_end, len(x)]
    for split, start, end in zip(("train", "val", "test"), edges[:-1], edges[1:]):
        fig.add_vrect(x0=x[start], x1=x[end - 1], fillcolor=SPLIT_COLORS[split], line_width=0,
                      annotation_text=split, annotation_position="top left", layer="below")


SECOND_TITLE_LINE_PX = 34  # a title's second line, and Plotly hanging two lines from the first one's middle


def _window_marks(ds: Dataset, window: int, split: str) -> tuple[np.ndarray, np.ndarray, list[float], str]:
    """Return one window's X indices (seq_length,), Y indices (horizon,), its zoomed time range and its title."""
    start = int(ds.target_start[split][window])
    x_idx = np.arange(start - ds.seq_length, start)  # (seq_length,)
    y_idx = np.arange(start, start + ds.horizon)  # (horizon,)
    # Zoom to the window with one window length of context on each side.
    left = max(0, start - 2 * ds.seq_length)
    right = min(len(ds.time) - 1, start + ds.horizon + ds.seq_length)
    # Two lines: one of about 55 characters runs past a phone's chart.
    title = f"Window {window}: X = {ds.seq_length} values (red),<br>Y = the next {ds.horizon} (green)"
    return x_idx, y_idx, [float(ds.time[left]), float(ds.time[right])], title


def series_figure(ds: Dataset, window: int | None = None, split: str = "train", height: int = 360) -> go.Figure:
    """Return the noisy series, height pixels high, with its train/validation/test parts and maybe one window marked."""
    fig = go.Figure()
    fig.add_scatter(x=ds.time, y=ds.values, mode="lines", name="noisy series" if ds.clean is not None else ds.name,
                    line=dict(color=SERIES_COLOR, width=1))
    if ds.clean is not None:
        fig.add_scatter(x=ds.time, y=ds.clean, mode="lines", name="clean signal",
                        line=dict(color=MUTED_LINE_COLOR, width=1, dash="dot"))
    _split_regions(fig, ds, ds.time)
    title = "The series and its chronological split"
    if window is not None:
        x_idx, y_idx, time_range, title = _window_marks(ds, window, split)
        fig.add_scatter(x=ds.time[x_idx], y=ds.values[x_idx], mode="markers+lines", name="X (window input)",
                        marker=dict(color=WINDOW_X_COLOR, size=6), line=dict(color=WINDOW_X_COLOR, width=3))
        fig.add_scatter(x=ds.time[y_idx], y=ds.values[y_idx], mode="markers", name="Y (target)",
                        marker=dict(color=WINDOW_Y_COLOR, size=12, symbol="diamond"))
        fig.update_xaxes(range=time_range)
        # The window's title takes a second line: the figure grows by it and the plot keeps its height.
        margin, height = dict(PLOT_MARGIN, t=PLOT_MARGIN["t"] + SECOND_TITLE_LINE_PX), height + SECOND_TITLE_LINE_PX
        return titled_figure(fig, title, "time", "value (series units)", height=height, margin=margin,
                             legend=legend_under_x_axis()).update_layout(
            title_pad_t=TOOLBAR_BAND_PX + SECOND_TITLE_LINE_PX // 2)
    return titled_figure(fig, title, "time", "value (series units)", height=height,
                         legend=legend_under_x_axis())


def packed_array(values: np.ndarray, dtype: type | None = None) -> dict:
    """Return an array as plotly.js's typed-array spec of floats: its dtype, base64 bytes and, if 2-D, its shape."""
    array = np.ascontiguousarray(values, dtype=dtype)
    if array.dtype.name not in PACKED_DTYPES:  # an uploaded series may be timed by integers
        array = array.astype(np.float64)
    spec = {"dtype": PACKED_DTYPES[array.dtype.name], "bdata": base64.b64encode(array.data).decode("ascii")}
    if array.ndim > 1:
        spec["shape"] = ", ".join(map(str, array.shape))
    return spec


PACKED_DTYPES = {"float32": "f4", "float64": "f8"}


class FramedFigure(go.Figure):
    """A Plotly figure whose animation frames and their controls are plain JSON-ready dicts, joined on export.

    Plotly validates every frame and slider step it is given, and packs each array through narwhals, together
    about a millisecond a frame: 680 windows of 20 values took 1.2 s on every rerun. These dicts are
    written as plotly.js reads them, arrays packed once by packed_array, and join the figure's dict, the one
    Streamlit serialises, on export.
    """

    _plain_frames: list[dict] = []
    _plain_layout: dict = {}

    def to_dict(self) -> dict:
        """Return the figure's dict with its frames, sliders and menus added."""
        exported = super().to_dict()
        exported["frames"] = list(self._plain_frames)
        exported["layout"].update(self._plain_layout)
        return exported


def framed(fig: go.Figure, frames: list[dict], labels: list[str], prefix: str, below: float) -> FramedFigure:
    """Return fig as a FramedFigure playing frames with a slider (one step per frame, labelled) and play buttons.

    Each frame is plotly.js's own dict, {"name", "data", "traces", "layout"}, its arrays packed by packed_array;
    the buttons sit in a row at y = below (paper units), the slider under them across the whole width.
    """
    animated = FramedFigure(fig)
    animated._plain_frames = frames
    animated._plain_layout = animation_controls([frame["name"] for frame in frames], labels, prefix, below)
    return animated


PLAY_SPEEDS_MS = {"▶ slow": 600, "▶ fast": 120}  # time per frame of each play button
# The play buttons' row above the slider, in pixels: a figure adds it to its bottom margin. Beside the slider,
# stacked, the buttons took a fixed width that a phone's chart does not have, and lay over the slider.
CONTROLS_ROW_PX = 40


def _animate(frame_names: list[str | None] | None, duration_ms: int) -> list:
    """Return the args of an "animate" call: which frames ([None] pauses), duration_ms each, redrawn for heatmaps."""
    return [frame_names, dict(mode="immediate", fromcurrent=True, frame=dict(duration=duration_ms, redraw=True),
                              transition=dict(duration=0))]


def animation_controls(names: list[str], labels: list[str], prefix: str, below: float) -> dict:
    """Return layout sliders (one step per frame name) and updatemenus (play slow, play fast, pause)."""
    steps = [dict(method="animate", label=label, args=_animate([name], 0)) for name, label in zip(names, labels)]
    slider = dict(active=0, steps=steps, x=0, len=1, y=below, yanchor="top",
                  pad=dict(t=10 + CONTROLS_ROW_PX, b=10), ticklen=4, minorticklen=2,
                  currentvalue=dict(prefix=prefix, xanchor="left"))
    buttons = [dict(label=label, method="animate", args=_animate(None, ms)) for label, ms in PLAY_SPEEDS_MS.items()]
    buttons.append(dict(label="❚❚ pause", method="animate", args=_animate([None], 0)))
    menu = dict(type="buttons", direction="right", buttons=buttons, showactive=False, x=0, xanchor="left",
                y=below, yanchor="top", pad=dict(t=10, r=10))
    return dict(sliders=[slider], updatemenus=[menu])


MAX_WINDOW_FRAME_POINTS = 40_000  # X and Y points over all frames, as float32: about 550 kB of figure JSON at most


def window_frame_stride(ds: Dataset, split: str = "train") -> int:
    """Return the step between windows that get a frame: 1 while all frames hold MAX_WINDOW_FRAME_POINTS or fewer."""
    points = len(ds.X[split]) * (ds.seq_length + ds.horizon)
    return max(1, math.ceil(points / MAX_WINDOW_FRAME_POINTS))


def window_frames_figure(ds: Dataset, split: str = "train") -> FramedFigure:
    """Return series_figure with window 0 marked and a frame, slider step and title per window (at the stride).

    A frame carries only what moves: the X and Y segments (float32), the zoomed time range and the title.
    """
    fig = series_figure(ds, window=0, split=split)
    x_trace, y_trace = len(fig.data) - 2, len(fig.data) - 1
    windows = range(0, len(ds.X[split]), window_frame_stride(ds, split))
    frames: list[dict[str, Any]] = []
    for window in windows:
        x_idx, y_idx, time_range, title = _window_marks(ds, window, split)
        # float32 halves the frames' JSON; the drawn points move by less than a millionth of their value.
        segments = [dict(type="scatter", x=packed_array(ds.time[idx], np.float32),
                         y=packed_array(ds.values[idx], np.float32)) for idx in (x_idx, y_idx)]
        frames.append(dict(name=str(window), traces=[x_trace, y_trace], data=segments,
                           layout=dict(title=dict(text=title), xaxis=dict(range=time_range))))
    # The slider and its buttons take the figure's foot: the legend stays just under the x axis, above them,
    # at the fraction of the plot's height that was that far under it before the figure grew.
    plot_height = fig.layout.height - fig.layout.margin.t - fig.layout.margin.b
    fig.update_layout(legend=dict(orientation="h", x=0, y=-UNDER_X_AXIS_PX / plot_height, yanchor="top", yref="paper"))
    fig.update_layout(height=fig.layout.height + 160, title_font_weight="bold")  # frames change the text only
    fig.layout.margin.b = 170 + CONTROLS_ROW_PX  # room under the legend for the slider and its buttons
    return framed(fig, frames, [frame["name"] for frame in frames], "Window ", below=-0.42)


def scaled_series_figure(ds: Dataset) -> go.Figure:
    """Return the series after MinMax scaling to (-1, 1), fitted on the training part only."""
    fig = go.Figure()
    fig.add_scatter(x=np.arange(len(ds.scaled)), y=ds.scaled, mode="lines", name="scaled series",
                    line=dict(color=SERIES_COLOR, width=1))
    _split_regions(fig, ds, np.arange(len(ds.scaled)))
    for level in (-1, 1):
        fig.add_hline(y=level, line=dict(color=GUIDE_LINE_COLOR, dash="dash", width=1))
    return titled_figure(fig, "Scaled to (-1, 1) with the training part's min and max", "point index",
                   "scaled value", height=300)
