"""What the memory holds, drawn: readout curves of c and h, each unit's role and importance, and the what-ifs.

Every number comes from the glass box's readouts, roles and what-if atlas of the model shown; where a
quantity is unknown (no clean signal) its curve is absent, not drawn at zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lstm_core.figures.stepper_layout import TITLE_LINE_PX
from lstm_core.figures.style import (
    GATE_COLORS,
    LINE_BREAK,
    MENU_MARGIN,
    MUTED_LINE_COLOR,
    PREDICTION_COLOR,
    REFERENCE_LINE_COLOR,
    SERIES_COLOR,
    TOOLBAR_BAND_PX,
    WINDOW_X_COLOR,
    chart_layout,
    in_lines,
    legend_under_x_axis,
    log_axis_ticks,
    pad_under_toolbar,
    readable_axes,
)
from lstm_core.glassbox.readouts import R2_PLOT_FLOOR, MemoryCurves
from lstm_core.glassbox.unit_roles import SIGNALS, UnitRoles
from lstm_core.glassbox.what_if import WhatIf

STATE_DASH = {"c": "solid", "h": "dot"}
ROLE_COLORS = {"level": PREDICTION_COLOR, "slope": GATE_COLORS["g"], "noise": WINDOW_X_COLOR,
               "position": GATE_COLORS["o"], "mixed": MUTED_LINE_COLOR}
ALTERED_COLOR = WINDOW_X_COLOR


def _shown(r2: np.ndarray) -> np.ndarray:
    """Return R² values clipped at the floor for drawing (the hover gives the raw value), NaN kept."""
    return np.where(np.isnan(r2), np.nan, np.maximum(r2, R2_PLOT_FLOOR))


def readout_curves_figure(curves: MemoryCurves, title: str | None = None, height: int = 520) -> go.Figure:
    """Return R² of each readout against k steps back: past inputs and their noise, from c (solid) and h (dotted).

    Tall enough that on a phone, with a row of the legend per readout under it, the plot keeps about 200 px.
    """
    fig = go.Figure()
    back = np.arange(curves.window)  # (window,) k
    for state, found in curves.states.items():
        dash = STATE_DASH[state]
        fig.add_trace(go.Scatter(x=back, y=_shown(found.inputs), mode="lines+markers", name=f"x(t−k) from {state}",
                                 line=dict(color=SERIES_COLOR, dash=dash), customdata=found.inputs,
                                 hovertemplate="k = %{x}: R² %{customdata:.3f}<extra>x(t−k) from " + state +
                                 "</extra>"))
        if found.noise is not None:
            fig.add_trace(go.Scatter(x=back, y=_shown(found.noise), mode="lines+markers",
                                     name=f"noise of x(t−k) from {state}", customdata=found.noise,
                                     line=dict(color=WINDOW_X_COLOR, dash=dash),
                                     hovertemplate="k = %{x}: R² %{customdata:.3f}<extra>noise from " + state +
                                     "</extra>"))
        for name, value, color in (("clean signal", found.clean, PREDICTION_COLOR),
                                   ("its slope", found.slope, GATE_COLORS["g"])):
            if value is not None:
                fig.add_trace(go.Scatter(x=[back[0], back[-1]], y=[max(value, R2_PLOT_FLOOR)] * 2, mode="lines",
                                         name=f"{name} now from {state}: R² {value:.3f}",
                                         line=dict(color=color, dash=dash, width=1), hoverinfo="name"))
    fig.update_layout(**chart_layout(height, title=title or f"What a straight line can read back from layer "
                                     f"{curves.layer + 1} at step {curves.step + 1}",
                                     legend=legend_under_x_axis()))
    fig.update_xaxes(title_text="k: steps back from the step read", dtick=max(1, curves.window // 10))
    fig.update_yaxes(title_text="R² on the test windows", range=[R2_PLOT_FLOOR - 0.05, 1.05])
    return readable_axes(fig)


def compared_readouts_figure(curves: Mapping[str, MemoryCurves], height: int = 360) -> go.Figure:
    """Return side-by-side panels, one per model, of R² of x(t−k) read back from each state (memory lesson)."""
    names = list(curves)
    fig = make_subplots(rows=1, cols=len(names), subplot_titles=names, shared_yaxes=True)
    for col, name in enumerate(names, start=1):
        found = curves[name]
        back = np.arange(found.window)  # (window,)
        for state, state_curves in found.states.items():
            fig.add_trace(go.Scatter(x=back, y=_shown(state_curves.inputs), mode="lines", name=f"{name}: {state}",
                                     line=dict(color=GATE_COLORS[state], dash=STATE_DASH[state]),
                                     customdata=state_curves.inputs, legendgroup=state,
                                     hovertemplate="k = %{x}: R² %{customdata:.3f}<extra>" + f"{name}, {state}"
                                     "</extra>"), row=1, col=col)
        fig.update_xaxes(title_text="k: steps back", row=1, col=col)
    fig.update_yaxes(title_text="R² of x(t−k), test windows", range=[R2_PLOT_FLOOR - 0.05, 1.05], row=1, col=1)
    fig.update_layout(**chart_layout(height, "titled_grid",
                                     title="What each memory can read back of the inputs k steps ago"))
    return readable_axes(fig)


def unit_roles_figure(roles: UnitRoles, height: int = 360) -> go.Figure:
    """Return each unit's knock-out cost (test MSE ratio), most important first, coloured by the signal it follows."""
    order = roles.by_importance
    fig = go.Figure()
    for signal in (*SIGNALS, "mixed"):
        members = [u for u in order if (roles.units[u].dominant or "mixed") == signal]
        if not members:
            continue
        fig.add_trace(go.Bar(x=[f"unit {u}" for u in members], y=[roles.units[u].importance for u in members],
                             name=signal if signal == "mixed" else f"follows the {signal}",
                             marker_color=ROLE_COLORS[signal],
                             customdata=[roles.units[u].role for u in members],
                             hovertemplate="%{x}: %{customdata}<extra></extra>"))
    fig.add_hline(y=1.0, line=dict(color=REFERENCE_LINE_COLOR, dash="dash"), annotation_text="untouched model")
    fig.update_layout(**chart_layout(height, title=f"What each unit of layer {roles.layer + 1} is worth: the test "
                                     "error without it, units by importance", barmode="overlay"))
    fig.update_xaxes(categoryorder="array", categoryarray=[f"unit {u}" for u in order], title_text="unit")
    # Plotly's own log ticks label 2 to 9 of every decade, which crowd one another on a short or narrow chart.
    tick_values, tick_labels = log_axis_ticks([1.0, *(unit.importance for unit in roles.units)])
    fig.update_yaxes(title_text="test MSE without it ÷ with it", type="log", tickvals=tick_values or None,
                     ticktext=tick_labels or None)
    return readable_axes(fig)


WHAT_IF_MENU_Y = 1.22  # the menu over the plot, under the title
WHAT_IF_MIN_WIDTHS = {"narrow": 0, "wide": 560}  # narrower, the menu's longest entry runs past the chart
WHAT_IF_PHONE_TITLE_CHARS = 38  # a title line on a phone's chart (17 px bold in about 330 px)
WHAT_IF_PHONE_MENU_CHARS = 44  # a menu line (12 px in about 300 px)
WHAT_IF_PHONE_MENU_PX = 60  # the menu's entry of two lines, and the room under it
WHAT_IF_PHONE_BOTTOM_PX = 150  # the x axis title and a legend of a row per entry
WHAT_IF_PHONE_PLOT_PX = 240


def what_if_forecast_figure(y_test: np.ndarray, untouched: np.ndarray, untouched_mse: float,
                            what_ifs: Sequence[WhatIf], shown: int = 0, height: int = 400) -> go.Figure:
    """Return the test forecast untouched and under each what-if, one shown at a time, switched in the browser.

    y_test, untouched and each what-if's predictions are (samples, horizon); the first horizon step is drawn.
    The menu's choices swap which altered forecast is visible and the title with its error, in plotly.js.
    """
    samples = np.arange(len(y_test))  # (samples,)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=samples, y=np.asarray(y_test)[:, 0], mode="lines", name="actual (test)",
                             line=dict(color=SERIES_COLOR, width=1)))
    fig.add_trace(go.Scatter(x=samples, y=np.asarray(untouched)[:, 0], mode="lines",
                             name=f"untouched model, MSE {untouched_mse:.4f}", line=dict(color=PREDICTION_COLOR)))
    titles = [_what_if_title(w, untouched_mse) for w in what_ifs]
    for index, what_if in enumerate(what_ifs):
        # The title names the what-if shown; the legend has one short entry for every altered forecast.
        fig.add_trace(go.Scatter(x=samples, y=what_if.predictions[:, 0], mode="lines", visible=index == shown,
                                 name=f"{what_if.label}, MSE {what_if.test_mse:.4f}", showlegend=False,
                                 line=dict(color=ALTERED_COLOR, dash="dash")))
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name="the what-if in the title",
                             line=dict(color=ALTERED_COLOR, dash="dash"), hoverinfo="skip"))
    labels = [w.label for w in what_ifs]
    buttons = [dict(label=label, method="update", args=_what_if_switch(index, len(what_ifs), titles[index]))
               for index, label in enumerate(labels)]
    menus = [dict(buttons=buttons, active=shown, x=0.0, xanchor="left", y=WHAT_IF_MENU_Y, yanchor="top",
                  direction="down", showactive=True)] if len(what_ifs) > 1 else []
    fig.update_layout(**chart_layout(height, "menu", title=titles[shown] if what_ifs else "",
                                     updatemenus=menus, legend=legend_under_x_axis()))
    if what_ifs:
        # figure_widths.js draws the phone's arrangement on a narrow chart: the title and the menu's entries
        # wrapped onto lines that fit, the legend kept in the bottom margin, the plot its own height.
        arrangements = {"wide": _what_if_arrangement(labels, titles, height, phone=False),
                        "narrow": _what_if_arrangement(labels, titles, height, phone=True)}
        fig.update_layout(meta=dict(min_widths=WHAT_IF_MIN_WIDTHS, arrangements=arrangements))
    fig.update_xaxes(title_text="test window")
    fig.update_yaxes(title_text="scaled value")
    return readable_axes(fig)


def _what_if_switch(index: int, count: int, title: str) -> list:
    """Return a menu button's Plotly.update arguments: show the index-th what-if's forecast and its title."""
    return [{"visible": [True, True, *(k == index for k in range(count)), True]}, {"title.text": title}]


def _what_if_arrangement(labels: list[str], titles: list[str], height: int, phone: bool) -> dict:
    """Return the what-if figure's arrangement on a wide chart (as the server draws it) or on a phone's.

    With a menu, the title is the menu's to set: figure_widths.js applies the chosen entry again once it has
    arranged the figure.
    """
    def lines(text: str, chars: int) -> str:
        return in_lines(text, chars) if phone else text

    # Under the longest title, the menu; under the menu, the plot.
    title_lines = max((in_lines(title, WHAT_IF_PHONE_TITLE_CHARS).count(LINE_BREAK) + 1 for title in titles),
                      default=1)
    title_pad = pad_under_toolbar(title_lines)
    menu_top = title_pad + title_lines * TITLE_LINE_PX + TITLE_LINE_PX // 2
    top = menu_top + WHAT_IF_PHONE_MENU_PX if phone else MENU_MARGIN["t"]
    bottom = WHAT_IF_PHONE_BOTTOM_PX if phone else MENU_MARGIN["b"]
    plot_px = WHAT_IF_PHONE_PLOT_PX if phone else height - top - bottom
    layout: dict = {"height": top + plot_px + bottom if phone else height, "margin.t": top, "margin.b": bottom,
                    "title.pad.t": title_pad if phone else TOOLBAR_BAND_PX,
                    # The menu's top this many pixels under the figure's, whatever the plot's height.
                    "updatemenus[0].y": 1 + (top - menu_top) / plot_px if phone else WHAT_IF_MENU_Y}
    for index, label in enumerate(labels):
        layout[f"updatemenus[0].buttons[{index}].label"] = lines(label, WHAT_IF_PHONE_MENU_CHARS)
        layout[f"updatemenus[0].buttons[{index}].args"] = _what_if_switch(
            index, len(labels), lines(titles[index], WHAT_IF_PHONE_TITLE_CHARS))
    if len(labels) < 2:  # no menu: the one title is the arrangement's own
        layout = {path: value for path, value in layout.items() if not path.startswith("updatemenus")}
        layout["title.text"] = lines(titles[0], WHAT_IF_PHONE_TITLE_CHARS)
    return {"layout": layout, "traces": []}


def _what_if_title(what_if: WhatIf, untouched_mse: float) -> str:
    """Return the title of one what-if: its change and what it does to the test error, in words and numbers."""
    if not np.isfinite(what_if.ratio):
        return f"{what_if.label}: test MSE {what_if.test_mse:.4f} (the untouched model's is 0)"
    return (f"{what_if.label}: test MSE {what_if.test_mse:.4f}, {what_if.ratio:.2f}× the untouched "
            f"{untouched_mse:.4f}")
