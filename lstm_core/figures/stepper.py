"""The Inside page's stepper as one Plotly figure: every step of a window sent once, stepped through in the browser.

The window, the six gate and state heatmaps of a layer, one unit's values, its six equations with the
replay's numbers and the backward pass are panels of one figure. What changes with the step lives in
one Plotly frame per step, named "1".."T"; the figure's own slider, play buttons (at 2, 5 or 10 steps
a second) and step buttons move between frames in plotly.js, so stepping and playing run no script on
the server. Only what moves is in a frame: step lines, markers, the unit's bars and the equation texts;
the heatmaps and curves are drawn once.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lstm_core.figures.cell import (
    CELL_Y_RANGE,
    add_cell_diagram,
    add_unrolled_strip,
    cell_diagram_frame,
    cell_values,
    label_heights,
    unrolled_frame,
)
from lstm_core.figures.stepper_layout import MIN_WIDTHS, Arrangement, Band, apply_arrangement, arrangement_updates
from lstm_core.figures.style import (
    CHART_TEXT_COLOR,
    DIVERGING_SCALE,
    GATE_COLORS,
    GATE_TEXT_COLORS,
    LABEL_BACKGROUND,
    LARGE_TITLE_FONT,
    MUTED_LINE_COLOR,
    PREDICTION_COLOR,
    SEQUENTIAL_SCALE,
    TRANSPARENT,
    WINDOW_X_COLOR,
    WINDOW_Y_COLOR,
    chart_layout,
    log_axis_ticks,
    readable_axes,
)
from lstm_core.figures.summaries import step_announcements
from lstm_core.glassbox.backprop import ModelGradients
from lstm_core.glassbox.replay import ModelTrace, gate_terms
from lstm_core.model.gates import CELL_PART_KEYS, CELL_PARTS, GATES
from lstm_core.model.weights import ModelWeights


@dataclass(frozen=True)
class UnitOrder:
    """The order of the heatmaps' rows: the unit drawn on each row from the bottom up, and what orders them."""

    units: tuple[int, ...]
    by: str = "index"  # said on the chart: "unit (by index)", "unit (by importance)"

    @classmethod
    def by_index(cls, units: int) -> UnitOrder:
        """Return the order by unit index, unit 0 on the bottom row."""
        return cls(tuple(range(units)))

    @property
    def axis_title(self) -> str:
        """Return the heatmaps' unit-axis title, which says the order."""
        return f"unit (by {self.by})"


HEATMAP_PARTS = ("i", "f", "o", "g", "c", "h")  # gates on the first row, candidate and states on the second
INPUT_DASHES = ("dot", "dash", "dashdot")  # the inputs beside the series in the window panel, one dash each
SPEEDS = (2, 5, 10)  # steps per second of the play buttons
# Plotly shows a frame at the first display frame after its duration is over, up to 1/60 s late each step.
DISPLAY_FRAME_MS = 17
STEP_LINE_COLOR = "black"
# Above the panels, bottom to top: the slider, the step buttons, the play buttons, lifted this many pixels.
SLIDER_LIFT_PX, STEP_MENU_LIFT_PX, PLAY_MENU_LIFT_PX = 30, 110, 150
NARROW_EQUATION_CHARS = 44  # an equation wraps past this on a narrow screen (12 px text in ~300 px)
MAX_UNIT_TICKS = 10  # past this many units the unit axes label every k-th row (16 px apart in a 160 px heatmap)
FLOOR = 1e-12  # a gradient of exactly 0 has no place on a log axis
_SUBSCRIPTS = str.maketrans("0123456789()", "₀₁₂₃₄₅₆₇₈₉₍₎")
_SUPERSCRIPTS = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")


def subscript(number: int) -> str:
    """Return number in Unicode subscript digits: 15 -> "₁₅"."""
    return str(number).translate(_SUBSCRIPTS)


def _forward_number(value: float) -> str:
    # Three decimals, as the gate values read on the bars; a negative term in parentheses, so "+ (-0.2)" never
    # reads as "+ -0.2".
    return f"{value:.3f}" if value >= 0 else f"({value:.3f})"


def _backward_number(value: float) -> str:
    # Gradients shrink by orders of magnitude along the window: three significant digits, and e-notation below
    # 0.001, where three decimals would print 0.000; negatives in parentheses as in the forward equations.
    text = f"{value:.3g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.2e}"
    return text if value >= 0 else f"({text})"


def forward_equation_texts(weights: ModelWeights, model_trace: ModelTrace, layer: int, step: int,
                           unit: int) -> list[str]:
    """Return the six equations (i, f, g, o, c, h) of one unit at one step as plain text with the replay's numbers."""
    terms = gate_terms(weights.lstm_layer(layer), model_trace, layer, 0, step, unit)
    t, before = subscript(step + 1), subscript(step)
    source = f"x{t}" if layer == 0 else f"h{str(f'({layer})').translate(_SUPERSCRIPTS)}{t}"
    x_t = model_trace.layer_inputs[layer][0, step]  # (input_dim,)
    kernel = np.asarray(weights.lstm_layer(layer).kernel, dtype=np.float64)  # (input_dim, 4 * units)
    units = kernel.shape[1] // 4
    lines = []
    for slot, gate in enumerate(GATES):
        term, activation = terms[gate], CELL_PARTS[gate].activation
        input_part = _forward_number(term.input_part)
        if layer == 0 and len(x_t) > 1:  # several inputs: W·x_t written term by term, one weight × value each
            weights_in = kernel[:, slot * units + unit]  # (input_dim,)
            input_part = "[" + " + ".join(f"{_forward_number(float(w))}×{_forward_number(float(x))}"
                                          for w, x in zip(weights_in, x_t)) + "]"
        lines.append(f"{gate}{t}[{unit}] = {activation}(W·{source} + U·h{before} + b) = {activation}("
                     f"{input_part} + {_forward_number(term.recurrent_part)} + "
                     f"{_forward_number(term.bias)}) = {activation}({term.preactivation:.3f}) = {term.value:.3f}")
    trace = model_trace.lstm_layer(layer)
    c_before = float(trace.c[0, step - 1, unit]) if step > 0 else 0.0
    c_now, h_now = float(trace.c[0, step, unit]), float(trace.h[0, step, unit])
    i, f, g, o = (terms[gate].value for gate in GATES)
    lines.append(f"c{t}[{unit}] = f{t} ⊙ c{before} + i{t} ⊙ g{t} = {_forward_number(f)} × "
                 f"{_forward_number(c_before)} + {_forward_number(i)} × {_forward_number(g)} = {c_now:.3f}")
    lines.append(f"h{t}[{unit}] = o{t} ⊙ tanh(c{t}) = {_forward_number(o)} × tanh({_forward_number(c_now)}) "
                 f"= {h_now:.3f}")
    return lines


def backward_equation_text(grads: ModelGradients, model_trace: ModelTrace, layer: int, step: int, unit: int) -> str:
    """Return dL/dc_t of one unit at one step, split into its carried part and its part through h, as plain text."""
    trace = model_trace.lstm_layer(layer)
    dc, dh = grads.cell_gradient(layer)[0, :, unit], grads.layers[layer].dh[0, :, unit]  # (timesteps,)
    last = step == len(dc) - 1
    t, after = subscript(step + 1), subscript(step + 2)
    o, c = float(trace.o[0, step, unit]), float(trace.c[0, step, unit])
    later = ("0 (no later step)" if last
             else f"{_backward_number(float(dc[step + 1]))} × {_backward_number(float(trace.f[0, step + 1, unit]))}")
    return (f"∂L/∂c{t}[{unit}] = ∂L/∂c{after} ⊙ f{after} + ∂L/∂h{t} ⊙ o{t} ⊙ (1 − tanh² c{t}) = {later} + "
            f"{_backward_number(float(dh[step]))} × {_backward_number(o)} × "
            f"{_backward_number(1 - np.tanh(c) ** 2)} = {_backward_number(float(dc[step]))}")


def _animate_args(frame: str | None, duration_ms: int, redraw: bool = True) -> list:
    # No frame name plays every frame from the current one; no tween between steps. A redraw draws the whole
    # figure anew, the step buttons' targets included; Play goes without, at a quarter of its cost per step
    # (only the moving traces are drawn), and the page's script makes a step button step from the step shown.
    return [[frame] if frame else None, dict(mode="immediate", fromcurrent=True, transition=dict(duration=0),
                                             frame=dict(duration=duration_ms, redraw=redraw))]


def _step_menu(step: int, seq_length: int) -> dict:
    """Return the step-back / step-forward buttons for a figure showing step (0-based): each names its frame."""
    back, forward = max(step, 1), min(step + 2, seq_length)  # frame names are 1-based
    # Lifted above the panels in pixels, not paper fractions, so a frame's menu sits right at either figure height.
    return dict(type="buttons", direction="right", showactive=False, x=0.0, xanchor="left", y=1.0,
                yanchor="bottom", pad=dict(t=0, r=0, b=STEP_MENU_LIFT_PX), buttons=[
                    dict(label="◀◀ Step 1", method="animate", args=_animate_args("1", 0)),
                    dict(label="◀ Step back", method="animate", args=_animate_args(str(back), 0)),
                    dict(label="Step ▶", method="animate", args=_animate_args(str(forward), 0)),
                ])


def _play_menu() -> dict:
    buttons = [dict(label=f"▶ Play {speed} steps/s", method="animate",
                    args=_animate_args(None, 1000 // speed - DISPLAY_FRAME_MS, redraw=False))
               for speed in SPEEDS]
    # An animation to no frame at all is Plotly's way to stop the one playing.
    buttons.append(dict(label="Pause", method="animate", args=[[None], dict(
        mode="immediate", frame=dict(duration=0, redraw=False), transition=dict(duration=0))]))
    return dict(type="buttons", direction="right", showactive=False, x=0.0, xanchor="left", y=1.0,
                yanchor="bottom", pad=dict(t=0, r=0, b=PLAY_MENU_LIFT_PX), buttons=buttons)


def _colorbar_beside(fig: go.Figure, row: int, col: int) -> dict:
    low, high = fig.get_subplot(row, col).yaxis.domain
    return dict(thickness=10, len=high - low, y=(low + high) / 2, yanchor="middle", x=1.01)


def _title(layer: int, unit: int) -> str:
    # The slider's label above the panels tells the step.
    return f"Unit {unit} of layer {layer + 1}"


def _overlay_axes(fig: go.Figure, row: int, col: int, x_range: list[float], y_range: list[float]) -> dict:
    """Lay invisible axes over a panel and return the trace keys that draw on them.

    A step without a full redraw draws only the subplots of the moving traces, and a heatmap in such a
    subplot would vanish; its step line therefore moves on axes of its own, over the heatmap's.
    """
    panel = fig.get_subplot(row, col)
    base_x, base_y = panel.xaxis.plotly_name.replace("axis", ""), panel.yaxis.plotly_name.replace("axis", "")
    panel.xaxis.range, panel.yaxis.range = x_range, y_range
    taken = [int(name[5:] or 1) for name in fig.layout.to_plotly_json() if name.startswith("xaxis")]
    number = max(taken) + 1
    fig.layout[f"xaxis{number}"] = dict(overlaying=base_x, anchor=f"y{number}", range=x_range, visible=False)
    fig.layout[f"yaxis{number}"] = dict(overlaying=base_y, anchor=f"x{number}", range=y_range, visible=False)
    return dict(xaxis=f"x{number}", yaxis=f"y{number}")


WIDE_MARGIN = dict(l=60, r=40, t=240, b=60)
NARROW_MARGIN = dict(l=50, r=45, t=330, b=50)  # the play buttons stand in a column on a narrow screen


def wrapped_equation(text: str) -> str:
    """Return an equation broken into lines of at most NARROW_EQUATION_CHARS characters, joined by Plotly's <br>."""
    return "<br>".join(textwrap.wrap(text, NARROW_EQUATION_CHARS, subsequent_indent="    "))


def _arrangements(fig: go.Figure, backward: bool, heatmap_traces: dict[str, int],
                  equation_traces: tuple[int, int], cell_labels: int) -> dict[str, Arrangement]:
    """Return the wide, the medium and the narrow arrangement of the stepper's panels, in pixels.

    Wide: the controls, then the window and the six heatmaps they move fit one 1366x768 screen together.
    Narrow: one panel a row, the window, the unit's bars and its cell first, right under the controls, the play
    buttons in a column. Medium (a tablet): stacked the same, the play buttons in a row.
    """
    def side_by_side(*panels: tuple[int, int]) -> tuple:
        return tuple((panel, tuple(fig.get_subplot(*panel).xaxis.domain)) for panel in panels)

    def full_width(panel: tuple[int, int]) -> tuple:
        return ((panel, (0.0, 1.0)),)

    gates, states = [(2, col) for col in (1, 2, 3)], [(3, col) for col in (1, 2, 3)]
    wide = [Band(100, 0, side_by_side((1, 1))), Band(160, 80, side_by_side(*gates)),
            Band(160, 50, side_by_side(*states)), Band(330, 85, side_by_side((4, 1), (4, 2))),
            Band(185, 85, side_by_side((5, 1))), Band(240, 85, side_by_side((6, 1)))]
    # Below a heatmap of g, c or h (not i, f or o) stands the axis title "time step".
    heatmap_gaps = (75, 55, 55, 55, 85, 85)
    narrow = [Band(150, 0, full_width((1, 1))), Band(170, 75, full_width((4, 1))), Band(260, 75, full_width((4, 2))),
              *(Band(200, gap, full_width(panel)) for gap, panel in zip(heatmap_gaps, gates + states)),
              Band(180, 85, full_width((5, 1))), Band(430, 75, full_width((6, 1)))]
    if backward:
        wide.append(Band(220, 85, side_by_side((7, 1), (7, 3))))
        narrow += [Band(220, 75, full_width((7, 1))), Band(220, 75, full_width((7, 3)))]
    colorbars = {heatmap_traces["o"]: tuple(gates), heatmap_traces["h"]: tuple(states)}
    legend = (7, 1) if backward else None
    one_line, wrapped = equation_traces
    cell_axis = fig.get_subplot(4, 2).yaxis.plotly_name
    # Wide, the gates' heatmaps stand right above the states', whose step labels serve both rows.
    gate_step_labels = [f"{fig.get_subplot(*panel).xaxis.plotly_name}.showticklabels" for panel in gates]

    def stacked(margin: dict[str, int], play_menu: dict[str, Any]) -> Arrangement:
        return Arrangement(tuple(narrow), margin, play_menu, wrap_titles=True, colorbars=colorbars,
                           shown_traces=(wrapped,), hidden_traces=(one_line,), legend_panel=legend,
                           restyles={cell_labels: {"y": label_heights(narrow=True), "textfont.size": 10}},
                           # room above the diagram for the labels raised over its belt
                           relayout={f"{cell_axis}.range": [CELL_Y_RANGE[0], CELL_Y_RANGE[1] + 0.4],
                                     **{labels: True for labels in gate_step_labels}})

    return {"wide": Arrangement(tuple(wide), WIDE_MARGIN, {"direction": "right"}, colorbars=colorbars,
                                shown_traces=(one_line,), hidden_traces=(wrapped,), legend_panel=legend,
                                restyles={cell_labels: {"y": label_heights(), "textfont.size": 12}},
                                relayout={f"{cell_axis}.range": list(CELL_Y_RANGE),
                                          **{labels: False for labels in gate_step_labels}}),
            # A tablet stacks the panels as a phone does, with the play buttons in a row as on a wide screen.
            "medium": stacked(dict(NARROW_MARGIN, t=WIDE_MARGIN["t"]), {"direction": "right"}),
            "narrow": stacked(NARROW_MARGIN, {"direction": "down"})}


def stepper_figure(weights: ModelWeights, model_trace: ModelTrace, grads: ModelGradients | None,
                   x_window: np.ndarray, target: np.ndarray, prediction: np.ndarray, layer: int, unit: int,
                   start_step: int = 0, address_param: str | None = None,
                   unit_order: UnitOrder | None = None, input_names: tuple[str, ...] = ("own past",)) -> go.Figure:
    """Return the Inside stepper: one figure of every panel, a frame per step, its slider and play/step buttons.

    x_window is the window (seq_length, features), the series' own past first and then each input named in
    input_names (drawn as grey lines beside it); target and prediction (horizon,). Without grads the figure
    shows the forward pass alone. start_step (0-based) is the step the figure opens at; address_param
    names the page address's field that follows the step shown. unit_order lists the heatmaps' rows top to
    bottom (by default the units by index); the axes say which order it is.
    """
    trace = model_trace.lstm_layer(layer)
    seq_length, units = trace.h.shape[1], trace.h.shape[2]
    order = unit_order or UnitOrder.by_index(units)
    rows_of_units = np.asarray(order.units)  # (units,) the unit drawn on each row, bottom row first
    row_of_unit = int(np.flatnonzero(rows_of_units == unit)[0])
    unit_labels = [str(u) for u in rows_of_units]
    steps = np.arange(1, seq_length + 1)  # (seq_length,)
    inputs = np.asarray(x_window, dtype=np.float64)[:, 0]  # (seq_length,)
    unit_values = {part: getattr(trace, part)[0, :, unit] for part in CELL_PART_KEYS}  # each (seq_length,)
    backward = grads is not None
    rows = 7 if backward else 6
    specs: list[list[dict | None]] = [[{"colspan": 3}, None, None], [{}, {}, {}], [{}, {}, {}],
                                      [{}, {"colspan": 2}, None], [{"colspan": 3}, None, None],
                                      [{"colspan": 3}, None, None]]
    titles = ["The window, fed one step at a time", *(CELL_PARTS[p].title for p in HEATMAP_PARTS),
              "The unit's gates and states at this step",
              "The unit's cell at this step: wire width follows the value",
              "One cell reused at every step: c and h of the unit along the window",
              "The same numbers in the equations"]
    heights = [0.11, 0.12, 0.12, 0.2, 0.11, 0.14]
    if backward:
        specs.append([{"colspan": 2}, None, {}])
        titles += ["How strongly the loss reaches back to each step", f"∂L/∂c of layer {layer + 1}"]
        heights.append(0.13)
    fig = make_subplots(rows=rows, cols=3, specs=specs, subplot_titles=titles, row_heights=heights,
                        horizontal_spacing=0.08, vertical_spacing=0.045)
    title_panels = [(r, c) for r, cells in enumerate(specs, 1) for c, cell in enumerate(cells, 1) if cell is not None]
    for k, part in enumerate(HEATMAP_PARTS):
        fig.layout.annotations[1 + k].font.update(color=GATE_COLORS[part], **LARGE_TITLE_FONT)

    moving: list[int] = []  # the indices of the traces the frames rewrite, in frame order

    def add(trace_object, row: int, col: int, moves: bool = False) -> None:
        fig.add_trace(trace_object, row=row, col=col)
        if moves:
            moving.append(len(fig.data) - 1)

    def add_heatmap_step_line(name: str, row: int, col: int) -> None:
        """Add the moving step line of the heatmap at (row, col), on axes laid over the heatmap's."""
        over = _overlay_axes(fig, row, col, [0.5, seq_length + 0.5], [-0.5, units - 0.5])
        fig.add_trace(go.Scatter(y=[-0.5, units - 0.5], mode="lines", hoverinfo="skip", showlegend=False,
                                 name=name, line=dict(color=STEP_LINE_COLOR, width=2), **over))
        moving.append(len(fig.data) - 1)

    # Row 1: the window, the steps fed so far solid and the current one ringed; the forecast at the last step.
    after = np.arange(seq_length + 1, seq_length + 1 + len(target))  # (horizon,)
    add(go.Scatter(x=steps, y=inputs, mode="markers", name="still to come", showlegend=False,
                   marker=dict(color=WINDOW_X_COLOR, opacity=0.25)), 1, 1)
    for feature, name in enumerate(input_names[1:], start=1):  # the inputs beside the series: each its own line
        add(go.Scatter(x=steps, y=np.asarray(x_window, dtype=np.float64)[:, feature], mode="lines+markers",
                       name=name, showlegend=False, line=dict(color=MUTED_LINE_COLOR, width=1, dash=INPUT_DASHES[
                           (feature - 1) % len(INPUT_DASHES)]), marker=dict(size=4, color=MUTED_LINE_COLOR)), 1, 1)
    add(go.Scatter(x=after, y=np.asarray(target, dtype=np.float64), mode="markers", name="Y (target)",
                   showlegend=False, marker=dict(color=WINDOW_Y_COLOR, size=12, symbol="diamond")), 1, 1)
    add(go.Scatter(mode="markers+lines", name="fed so far", showlegend=False, marker=dict(color=WINDOW_X_COLOR),
                   line=dict(color=WINDOW_X_COLOR)), 1, 1, moves=True)
    # Unclipped: on a phone half a step is narrower than the ring, which the axis would cut at step 1.
    add(go.Scatter(mode="markers", name="x now", showlegend=False, cliponaxis=False,
                   marker=dict(size=16, color=TRANSPARENT, line=dict(color=STEP_LINE_COLOR, width=2))), 1, 1,
        moves=True)
    add(go.Scatter(mode="markers", name="prediction", showlegend=False,
                   marker=dict(color=PREDICTION_COLOR, size=12, symbol="x")), 1, 1, moves=True)

    heatmap_traces: dict[str, int] = {}
    # Rows 2-3: every unit of the layer at every step, the unit's row dotted and the step's column lined.
    for k, part in enumerate(HEATMAP_PARTS):
        row, col = 2 + k // 3, 1 + k % 3
        values = getattr(trace, part)[0][:, rows_of_units].T.astype(np.float32)  # (units, seq_length), in order
        gate = CELL_PARTS[part].activation == "σ"  # a sigmoid gate: values in (0, 1)
        add(go.Heatmap(z=values, x=steps, y=np.arange(units), colorscale=SEQUENTIAL_SCALE if gate else DIVERGING_SCALE,
                       zmin=0 if gate else -1, zmax=1, zmid=None if gate else 0, showscale=col == 3,
                       colorbar=_colorbar_beside(fig, row, col),
                       customdata=np.repeat(rows_of_units[:, None], seq_length, axis=1),  # (units, seq_length)
                       hovertemplate="step %{x}, unit %{customdata}: %{z:.3f}<extra>" + part + "</extra>"), row, col)
        heatmap_traces[part] = len(fig.data) - 1
        add(go.Scatter(x=[0.5, seq_length + 0.5], y=[row_of_unit, row_of_unit], mode="lines", hoverinfo="skip",
                       showlegend=False,
                       name=f"unit line {part}", line=dict(color=STEP_LINE_COLOR, width=1, dash="dot")), row, col)
        add_heatmap_step_line(f"step line {part}", row, col)

    # Row 4: the unit's six values as bars; its cell drawn with the step's values.
    add(go.Bar(x=list(CELL_PART_KEYS), name="unit values", showlegend=False, textposition="outside",
               marker=dict(color=[GATE_COLORS[p] for p in CELL_PART_KEYS]), cliponaxis=False,
               textfont=dict(color=[GATE_TEXT_COLORS[p] for p in CELL_PART_KEYS]),
               hovertemplate="%{x} = %{y:.3f}<extra></extra>"), 4, 1, moves=True)
    moving += add_cell_diagram(fig, 4, 2)
    cell_labels = moving[-1]  # the diagram's value labels, its last moving trace

    # Row 5: the unrolled strip, one box per step and the unit's c and h along the window, the step framed.
    moving.append(add_unrolled_strip(fig, model_trace, layer, 0, unit, 5, 1))
    add(go.Scatter(mode="markers", name="c and h now", showlegend=False, hoverinfo="skip",
                   marker=dict(size=14, color=TRANSPARENT, line=dict(color=STEP_LINE_COLOR, width=2))), 5, 1,
        moves=True)

    # Row 6: the equations, one line each, in the gate's colour.
    equation_colors = [GATE_TEXT_COLORS[p] for p in CELL_PART_KEYS] + ([GATE_TEXT_COLORS["c"]] if backward else [])
    lines = len(equation_colors)
    add(go.Scatter(x=[0.0] * lines, y=list(range(lines, 0, -1)), mode="text", name="equations", showlegend=False,
                   textposition="middle right", hoverinfo="skip", cliponaxis=False,
                   textfont=dict(color=equation_colors, size=14)), 6, 1, moves=True)
    # A narrow screen shows the same equations wrapped onto a few lines each, in a trace of their own.
    add(go.Scatter(x=[0.0] * lines, y=list(range(lines, 0, -1)), mode="text", name="equations narrow",
                   showlegend=False, visible=False, textposition="middle right", hoverinfo="skip", cliponaxis=False,
                   textfont=dict(color=equation_colors, size=12)), 6, 1, moves=True)
    equation_traces = (len(fig.data) - 2, len(fig.data) - 1)

    # Row 7: the backward pass, the size of the gradient per step and dL/dc of every unit.
    if grads is not None:
        dx = np.maximum(np.linalg.norm(grads.dx[0], axis=1), FLOOR)  # (seq_length,)
        dc_all = grads.cell_gradient(layer)[0]  # (seq_length, units)
        dc_norm = np.maximum(np.linalg.norm(dc_all, axis=1), FLOOR)  # (seq_length,)
        add(go.Scatter(x=steps, y=dx, mode="lines+markers", name="|∂L/∂x_t| (input)",
                       line=dict(color=WINDOW_X_COLOR)), 7, 1)
        add(go.Scatter(x=steps, y=dc_norm, mode="lines+markers", name=f"|∂L/∂c_t| (layer {layer + 1})",
                       line=dict(color=GATE_COLORS["c"])), 7, 1)
        plotted = np.concatenate([dx, dc_norm])  # (2 * seq_length,)
        add(go.Scatter(y=[float(plotted.min()), float(plotted.max())], mode="lines", hoverinfo="skip",
                       showlegend=False, name="step line gradients",
                       line=dict(color=STEP_LINE_COLOR, width=1, dash="dot")), 7, 1, moves=True)
        bound = float(np.max(np.abs(dc_all))) or 1.0
        add(go.Heatmap(z=dc_all[:, rows_of_units].T.astype(np.float32), x=steps, y=np.arange(units),
                       colorscale=DIVERGING_SCALE, zmin=-bound, zmax=bound, zmid=0, showscale=False,
                       customdata=np.repeat(rows_of_units[:, None], seq_length, axis=1),  # (units, seq_length)
                       hovertemplate="step %{x}, unit %{customdata}: %{z:.2e}<extra>∂L/∂c</extra>"), 7, 3)
        add(go.Scatter(x=[0.5, seq_length + 0.5], y=[row_of_unit, row_of_unit], mode="lines", hoverinfo="skip",
                       showlegend=False,
                       name="unit line dc", line=dict(color=STEP_LINE_COLOR, width=1, dash="dot")), 7, 3)
        add_heatmap_step_line("step line dc", 7, 3)
        ticks, labels = log_axis_ticks(plotted)
        fig.update_yaxes(type="log", tickvals=ticks or None, ticktext=labels or None, row=7, col=1)
        low, high = fig.get_subplot(7, 1).yaxis.domain
        fig.update_layout(legend=dict(x=0.01, y=high, yanchor="top", bgcolor=LABEL_BACKGROUND))

    def frame_data(step: int) -> list[dict]:
        """Return, in the order of `moving`, what each moving trace shows at step (0-based)."""
        t = step + 1
        last = step == seq_length - 1
        values = [float(unit_values[p][step]) for p in CELL_PART_KEYS]
        texts = forward_equation_texts(weights, model_trace, layer, step, unit)
        if grads is not None:
            texts.append(backward_equation_text(grads, model_trace, layer, step, unit))
        # Each update names its trace type: Plotly reads an untyped frame trace as a scatter.
        data: list[dict[str, Any]] = [dict(type="scatter", x=steps[:t], y=inputs[:t]),
                                      dict(type="scatter", x=[t], y=[float(inputs[step])]),
                                      dict(type="scatter", x=after if last else [],
                                           y=np.asarray(prediction, dtype=np.float64) if last else [])]
        data += [dict(type="scatter", x=[t, t]) for _ in HEATMAP_PARTS]
        data.append(dict(type="bar", y=values, text=[f"{v:.3f}" for v in values]))
        data += cell_diagram_frame(cell_values(model_trace, layer, 0, step, unit))
        data.append(unrolled_frame(model_trace, layer, 0, unit, step))
        data.append(dict(type="scatter", x=[t, t], y=[unit_values["c"][step], unit_values["h"][step]]))
        data.append(dict(type="scatter", text=texts))
        data.append(dict(type="scatter", text=[wrapped_equation(text) for text in texts]))
        if backward:
            data += [dict(type="scatter", x=[t, t]), dict(type="scatter", x=[t, t])]
        return data

    # A frame carries the step buttons alone: Plotly merges a frame's menus into the layout's one by one, so
    # the play buttons keep where the screen's arrangement put them.
    def frame_layout(step: int) -> dict:
        return dict(updatemenus=[_step_menu(step, seq_length)])

    start_step = max(0, min(int(start_step), seq_length - 1))
    for index, update in zip(moving, frame_data(start_step)):
        fig.data[index].update(update)
    fig.frames = [dict(name=str(step + 1), data=frame_data(step), traces=moving, layout=frame_layout(step))
                  for step in range(seq_length)]
    # The slider's current value reads the step's label; past a few dozen steps the labels under the
    # rail would overlap, so they are drawn without colour and the axes below give the steps.
    crowded = seq_length > 30
    slider = dict(active=start_step, x=0.0, len=1.0, y=1.0, yanchor="bottom", pad=dict(t=0, b=SLIDER_LIFT_PX),
                  font=dict(color=TRANSPARENT) if crowded else None,
                  currentvalue=dict(prefix="Step ", suffix=f" of {seq_length}",
                                    font=dict(size=16, color=CHART_TEXT_COLOR)),
                  steps=[dict(label=str(step + 1), method="animate", args=_animate_args(str(step + 1), 0))
                         for step in range(seq_length)])
    # The page's script speaks each step's words in a live region as the frame changes (step_words[k] is frame k+1's).
    meta: dict[str, Any] = dict(step_words=step_announcements(model_trace, layer, unit))
    if address_param:  # the page's script keeps the step shown there, 1-based as the frames' names
        meta["address_param"] = address_param
    fig.update_layout(sliders=[slider], updatemenus=[_step_menu(start_step, seq_length), _play_menu()])

    fig.update_xaxes(range=[0.5, seq_length + len(target) + 0.5], title_text="time step", row=1, col=1)
    fig.update_yaxes(title_text="scaled value", row=1, col=1)
    fig.update_xaxes(title_text="time step", row=3)
    tick_rows = list(range(0, units, -(-units // MAX_UNIT_TICKS)))  # every row, or every k-th past the limit
    unit_axis = dict(tickvals=tick_rows, ticktext=[unit_labels[r] for r in tick_rows])
    for heat_row, heat_col in [(2, c) for c in (1, 2, 3)] + [(3, c) for c in (1, 2, 3)]:
        fig.update_yaxes(**unit_axis, row=heat_row, col=heat_col)
    fig.update_yaxes(title_text=order.axis_title, col=1, row=2)
    fig.update_yaxes(title_text=order.axis_title, col=1, row=3)
    reach = max(1.0, float(np.max(np.abs(unit_values["c"]))))  # c, unlike the gates, can leave (-1, 1)
    fig.update_yaxes(range=[-1.2 * reach, 1.2 * reach], title_text="value", row=4, col=1)
    fig.update_xaxes(title_text="step", row=5, col=1)
    fig.update_yaxes(title_text="value", row=5, col=1)
    fig.update_xaxes(visible=False, range=[0, 1], row=6, col=1)
    fig.update_yaxes(visible=False, range=[0.4, lines + 0.6], row=6, col=1)
    if backward:
        fig.update_xaxes(title_text="time step", row=7)
        fig.update_yaxes(title_text=order.axis_title, **unit_axis, row=7, col=3)
    fig.update_layout(**chart_layout(WIDE_MARGIN["t"], WIDE_MARGIN, title=dict(
        text=_title(layer, unit), y=0.995, yanchor="top")))
    arrangements = {name: arrangement_updates(fig, title_panels, arranged) for name, arranged in
                    _arrangements(fig, backward, heatmap_traces, equation_traces, cell_labels).items()}
    apply_arrangement(fig, arrangements["wide"])
    # figure_widths.js draws the narrow arrangement on a narrow screen and the wide one otherwise.
    fig.update_layout(meta=dict(meta, min_widths=MIN_WIDTHS, arrangements=arrangements))
    return readable_axes(fig)
