"""The film's one animated figure: the test forecast, the loss with the moment marked and one window's gates."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from plotly.subplots import make_subplots

from lstm_core.figures.data import FramedFigure, framed, packed_array
from lstm_core.figures.stepper_layout import Arrangement, Band, Panel, apply_arrangement, arrangement_updates
from lstm_core.figures.style import (
    CURRENT_STEP_COLOR,
    DIVERGING_SCALE,
    GATE_COLORS,
    GRID_MARGIN,
    LARGE_TITLE_FONT,
    PREDICTION_COLOR,
    REFERENCE_LINE_COLOR,
    SEQUENTIAL_SCALE,
    SERIES_COLOR,
    TOOLBAR_BAND_PX,
    TRANSPARENT,
    chart_layout,
    log_axis_ticks,
    readable_axes,
)
from lstm_core.lessons.film import FilmFrame
from lstm_core.lessons.splits_figures import PART_COLORS
from lstm_core.model.gates import CELL_PARTS

GATE_ORDER = ("i", "f", "o", "g", "c", "h")  # the sigmoid gates on the first row of heatmaps, tanh values below
FORECAST, LOSS = (1, 1), (1, 3)  # (row, col) of the forecast and the loss; the heatmaps fill rows 2 and 3
GATE_PANELS = tuple((2 + k // 3, 1 + k % 3) for k in range(len(GATE_ORDER)))  # in GATE_ORDER
TITLE_PANELS = [FORECAST, LOSS, *GATE_PANELS]  # the panel of each subplot title, in make_subplots' order
# The plot width each arrangement needs: the loss beside the forecast from "wide" (narrower, its axis title lies on
# the forecast), three heatmaps a row from "medium", one a row below it.
MIN_WIDTHS = {"narrow": 0, "medium": 540, "wide": 820}


def moment_title(frame: FilmFrame, noise_floor: float | None) -> str:
    """Return the figure's title at one moment: when it is and the test MSE then, against the noise floor."""
    floor = f" ({frame.test_mse / noise_floor:.2f}× the noise floor)" if noise_floor else ""
    return f"{frame.shot.label.capitalize()}:<br>test MSE {frame.test_mse:.5f}{floor}"


def gate_values(frame: FilmFrame, layer: int) -> list[np.ndarray]:
    """Return the window's i, f, o, g, c, h at this moment, each (units, timesteps), in GATE_ORDER."""
    trace = frame.window_trace.layers[layer]
    return [getattr(trace, name)[0].T for name in GATE_ORDER]  # each (units, timesteps)


def film_figure(frames: Sequence[FilmFrame], time: np.ndarray, actual: np.ndarray,
                to_original: Callable[[np.ndarray], np.ndarray], history: dict[str, Sequence[float]],
                noise_floor: float | None, layer: int) -> FramedFigure:
    """Return the film: one frame per moment of the forecast, the moment on the loss and the window's gates.

    time and actual (samples,) are the test targets' times and values in series units; to_original turns
    the scaled forecasts into series units; history holds the per-epoch "loss" and "val_loss".
    """
    fig = make_subplots(rows=3, cols=3, specs=[[{"colspan": 2}, None, {}], [{}, {}, {}], [{}, {}, {}]],
                        row_heights=[0.38, 0.31, 0.31], horizontal_spacing=0.1, vertical_spacing=0.1,
                        subplot_titles=["Forecast vs actual on the test part", "Loss (MSE, scaled units)",
                                        *(CELL_PARTS[name].title for name in GATE_ORDER)])
    first = frames[0]
    fig.add_scatter(x=time, y=actual, mode="lines", name="actual", line=dict(color=SERIES_COLOR, width=1),
                    row=FORECAST[0], col=FORECAST[1])
    fig.add_scatter(x=time, y=to_original(first.test_predictions[:, 0]), mode="lines", name="LSTM forecast",
                    line=dict(color=PREDICTION_COLOR, width=2), row=FORECAST[0], col=FORECAST[1])
    forecast_trace = len(fig.data) - 1
    epochs = np.arange(1, len(history["loss"]) + 1)
    moments = [frame.shot.epochs_trained for frame in frames]
    test_mse = [frame.test_mse for frame in frames]
    losses = [*history["loss"], *history["val_loss"], *test_mse, *([noise_floor] if noise_floor else [])]
    low, high = min(losses) / 1.5, max(losses) * 1.5  # the moment's line spans the plotted losses, on a log axis
    fig.add_scatter(x=epochs, y=list(history["loss"]), mode="lines+markers", name="training loss",
                    line=dict(color=PREDICTION_COLOR), row=LOSS[0], col=LOSS[1])
    fig.add_scatter(x=epochs[:len(history["val_loss"])], y=list(history["val_loss"]), mode="lines+markers",
                    name="validation loss", line=dict(color=GATE_COLORS["f"]), row=LOSS[0], col=LOSS[1])
    fig.add_scatter(x=moments, y=test_mse, mode="lines+markers", name="test loss (replayed)",
                    line=dict(color=PART_COLORS["test"], dash="dot"), row=LOSS[0], col=LOSS[1])
    if noise_floor:
        fig.add_scatter(x=[0, max(moments)], y=[noise_floor, noise_floor], mode="lines", name="noise floor",
                        line=dict(color=REFERENCE_LINE_COLOR, dash="dash"), hoverinfo="skip",
                        row=LOSS[0], col=LOSS[1])
    fig.add_scatter(x=[moments[0], moments[0]], y=[low, high], mode="lines", name="this moment",
                    line=dict(color=CURRENT_STEP_COLOR, width=2), hoverinfo="skip", row=LOSS[0], col=LOSS[1])
    moment_line = len(fig.data) - 1
    fig.add_scatter(x=[moments[0]], y=[test_mse[0]], mode="markers", showlegend=False, hoverinfo="skip",
                    marker=dict(size=14, color=TRANSPARENT, line=dict(color=CURRENT_STEP_COLOR, width=2)),
                    row=LOSS[0], col=LOSS[1])
    moment_ring = len(fig.data) - 1
    tick_values, tick_labels = log_axis_ticks(losses)
    fig.update_yaxes(type="log", tickvals=tick_values or None, ticktext=tick_labels or None,
                     title_text="MSE (log scale)", row=LOSS[0], col=LOSS[1])
    fig.update_xaxes(range=[0, max(moments) + 0.2], title_text="epoch", row=LOSS[0], col=LOSS[1])
    fig.update_xaxes(title_text="time", row=FORECAST[0], col=FORECAST[1])
    fig.update_yaxes(title_text="value", row=FORECAST[0], col=FORECAST[1])
    heatmap_traces = _add_gate_heatmaps(fig, gate_values(first, layer))
    for k, name in enumerate(GATE_ORDER):
        fig.layout.annotations[2 + k].font.update(color=GATE_COLORS[name], **LARGE_TITLE_FONT)
    title = dict(text=moment_title(first, noise_floor), font_weight="bold")  # frames change the text, not the font
    fig.update_layout(**chart_layout(1000, "grid", title=title, legend=dict(orientation="h", x=0, yanchor="bottom")))
    arrangements = {name: arrangement_updates(fig, TITLE_PANELS, arranged)
                    for name, arranged in _arrangements(fig, heatmap_traces).items()}
    apply_arrangement(fig, arrangements["wide"])
    # figure_widths.js draws the narrow arrangement on a narrow screen and the wide one otherwise.
    fig.update_layout(meta=dict(min_widths=MIN_WIDTHS, arrangements=arrangements))
    film = [_moment_frame(k, frame, [forecast_trace, moment_line, moment_ring, *heatmap_traces], to_original,
                          (low, high), noise_floor, layer) for k, frame in enumerate(frames)]
    labels = ["untrained" if frame.shot.epochs_trained == 0 else f"{frame.shot.epochs_trained:.2g}"
              for frame in frames]
    return framed(readable_axes(fig), film, labels, "Epochs trained: ",
                  below=arrangements["wide"]["layout"]["sliders[0].y"])


def _arrangements(fig, heatmap_traces: list[int]) -> dict[str, Arrangement]:
    """Return the wide and the narrow arrangement of the film's panels, in pixels.

    Wide: the forecast beside the loss, the six heatmaps three a row. Narrow: one panel a row, the forecast first.
    Each leaves room above it for the axis title of the panel over it and for its own title.
    """
    def side_by_side(*panels: Panel) -> tuple:
        return tuple((panel, tuple(fig.get_subplot(*panel).xaxis.domain)) for panel in panels)

    def full_width(panel: Panel) -> tuple:
        return ((panel, (0.0, 1.0)),)

    gates, states = GATE_PANELS[:3], GATE_PANELS[3:]
    colorbars = {heatmap_traces[2]: gates, heatmap_traces[5]: states}  # one colorbar a row: σ's, then tanh's
    stacked = (Band(220, 0, full_width(FORECAST)), Band(200, 90, full_width(LOSS)))
    three_a_row = (Band(200, 105, side_by_side(*gates)), Band(200, 60, side_by_side(*states)))
    # Above each heatmap: the loss's "epoch", tick labels only, or the "time step" under a heatmap of g, c or h.
    heatmap_gaps = (95, 55, 55, 55, 85, 85)
    one_a_row = tuple(Band(150, gap, full_width(panel)) for gap, panel in zip(heatmap_gaps, GATE_PANELS))
    def arranged(bands: tuple[Band, ...], margin_top: int, title_px: int, wrap_titles: bool = False) -> Arrangement:
        # The controls stand under the last heatmaps' "time step", the legend over the forecast's title. Plotly
        # hangs a title of two lines from its first line's middle: the pad takes that half line back.
        return Arrangement(bands, dict(GRID_MARGIN, t=margin_top, b=170), {}, wrap_titles=wrap_titles,
                           colorbars=colorbars, legend_panel=FORECAST, legend_lift_px=30, controls_below_px=55,
                           relayout={"title.font.size": title_px, "title.pad.t": TOOLBAR_BAND_PX + title_px})

    return {"wide": arranged((Band(270, 0, side_by_side(FORECAST, LOSS)), *three_a_row), 175, 16),
            "medium": arranged(stacked + three_a_row, 175, 16),
            # On a phone the legend stands one entry a row: seven rows over the forecast.
            "narrow": arranged(stacked + one_a_row, 260, 13, wrap_titles=True)}


def _moment_frame(index: int, frame: FilmFrame, traces: list[int], to_original: Callable[[np.ndarray], np.ndarray],
                  line_span: tuple[float, float], noise_floor: float | None, layer: int) -> dict:
    """Return plotly.js's frame of one moment: the forecast, the moment's line and ring, the six gates, the title."""
    epochs_trained = frame.shot.epochs_trained
    # float32: half the JSON of float64, and far finer than a pixel or a colour step.
    forecast = packed_array(to_original(frame.test_predictions[:, 0]), np.float32)  # (samples,)
    gates = [dict(type="heatmap", z=packed_array(values, np.float32)) for values in gate_values(frame, layer)]
    return dict(name=str(index), traces=traces, layout=dict(title=dict(text=moment_title(frame, noise_floor))),
                data=[dict(type="scatter", y=forecast), dict(type="scatter", x=[epochs_trained] * 2, y=list(line_span)),
                      dict(type="scatter", x=[epochs_trained], y=[frame.test_mse]), *gates])


def _add_gate_heatmaps(fig, gates: list[np.ndarray]) -> list[int]:
    """Add the six heatmaps (units × time) on rows 2 and 3; return their trace indices."""
    indices = []
    for k, (name, values) in enumerate(zip(GATE_ORDER, gates)):
        row, col = divmod(k, 3)
        sigmoid = CELL_PARTS[name].activation == "σ"  # a sigmoid gate: values in (0, 1)
        domain = fig.get_subplot(row + 2, col + 1).yaxis.domain  # this row's height on the paper
        colorbar = dict(len=domain[1] - domain[0], y=(domain[0] + domain[1]) / 2, x=1.01, thickness=10)
        fig.add_heatmap(z=values, x=np.arange(1, values.shape[1] + 1), y=np.arange(values.shape[0]),
                        colorscale=SEQUENTIAL_SCALE if sigmoid else DIVERGING_SCALE, zmin=0 if sigmoid else -1,
                        zmax=1, zmid=None if sigmoid else 0, showscale=(col == 2), colorbar=colorbar,
                        hovertemplate="step %{x}, unit %{y}: %{z:.3f}<extra>" + name + "</extra>",
                        row=row + 2, col=col + 1)
        indices.append(len(fig.data) - 1)
    fig.update_xaxes(title_text="time step", row=3)
    fig.update_yaxes(title_text="unit", row=2, col=1)
    fig.update_yaxes(title_text="unit", row=3, col=1)
    return indices
