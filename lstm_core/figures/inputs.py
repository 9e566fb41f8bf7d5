"""Several inputs: one window with a row per input (X in red, Y in green), and the share of the target each holds."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lstm_core.data.dataset import Dataset
from lstm_core.figures.stepper_layout import Arrangement, Band, apply_arrangement, arrangement_updates
from lstm_core.figures.style import (
    AXIS_TEXT_COLOR,
    PLOT_MARGIN,
    PREDICTION_COLOR,
    WINDOW_X_COLOR,
    WINDOW_Y_COLOR,
    chart_layout,
    legend_under_x_axis,
)
from lstm_core.glassbox.input_reliance import RelianceReport, called

ROW_PX = 110  # one input's row of the window figure
RELIANCE_PANELS = [(1, 1), (1, 2)]
RELIANCE_PANEL_PX = 230
RELIANCE_STACKED_GAP_PX = 110  # the first panel's tick labels and axis title, the second one's title
# The chart width from which the two panels stand side by side; narrower, their titles would run into each other.
RELIANCE_MIN_WIDTHS = {"narrow": 0, "wide": 700}


def input_windows_figure(ds: Dataset, window: int = 0, split: str = "train") -> go.Figure:
    """Return one window of every input, a row each in scaled units: X (red) per input, Y (green) after the first."""
    X = ds.X[split][window]  # (seq_length, features)
    y = ds.y[split][window]  # (horizon,)
    steps = np.arange(1, ds.seq_length + 1)  # (seq_length,)
    fig = make_subplots(rows=ds.n_features, cols=1, shared_xaxes=True, vertical_spacing=0.06,
                        subplot_titles=[f"x[:, {k}]: {name}" for k, name in enumerate(ds.features)])
    for k, name in enumerate(ds.features):
        fig.add_scatter(x=steps, y=X[:, k], mode="lines+markers", name=f"X: {name}", row=k + 1, col=1,
                        line=dict(color=WINDOW_X_COLOR, width=1.5), marker=dict(size=5), showlegend=k == 0)
        fig.update_yaxes(title_text="scaled", row=k + 1, col=1)
    fig.add_scatter(x=ds.seq_length + np.arange(1, ds.horizon + 1), y=y, mode="markers", name="Y: the next value",
                    marker=dict(color=WINDOW_Y_COLOR, size=9, symbol="diamond"), row=1, col=1)
    fig.update_xaxes(title_text="step of the window", row=ds.n_features, col=1)
    title = (f"Window {window}: X is ({ds.seq_length} steps × {ds.n_features} inputs), "
             f"Y the series' next {'value' if ds.horizon == 1 else f'{ds.horizon} values'}")
    fig.update_layout(**chart_layout(height=120 + ROW_PX * ds.n_features), title=title)
    return _quiet_axes(fig)


def input_shares_figure(ds: Dataset) -> go.Figure:
    """Return a bar per extra input: the share of the target's variance it accounts for, as the series was made."""
    names = list(ds.input_shares)
    shares = [100 * ds.input_shares[name] for name in names]
    fig = go.Figure(go.Bar(x=shares, y=names, orientation="h", marker_color=PREDICTION_COLOR,
                           text=[f"{share:.0f} %" for share in shares], textposition="outside"))
    fig.update_layout(**chart_layout(height=120 + 45 * len(names)),
                      title="How much of the target each input accounts for (known: the series was made so)")
    fig.update_xaxes(title_text="share of the target's variance (%)", range=[0, 110])
    return _quiet_axes(fig)


def _quiet_axes(fig: go.Figure) -> go.Figure:
    """Return fig with every axis's ticks and title in the house's axis text colour, subplots' axes included."""
    fig.update_xaxes(tickfont_color=AXIS_TEXT_COLOR, title_font_color=AXIS_TEXT_COLOR)
    fig.update_yaxes(tickfont_color=AXIS_TEXT_COLOR, title_font_color=AXIS_TEXT_COLOR)
    return fig


def input_shares_summary(ds: Dataset) -> str:
    """Return the known shares in words, with what the driver's share is tied to."""
    parts = []
    for name, share in ds.input_shares.items():
        why = {"driver": f"its value {ds.cfg.driver_lead if ds.cfg else '?'} steps back moves the target",
               "distractor": "pure noise, tied to nothing", "calendar": "the wave's phase"}[name]
        parts.append(f"{name} {100 * share:.0f} % ({why})")
    return "Share of the target's variance each input accounts for: " + "; ".join(parts) + "."


def reliance_figure(report: RelianceReport) -> go.Figure:
    """Return, per input, the test error with it held at its training mean (left) and its gradient per step back."""
    names = [reliance.name for reliance in report.inputs]
    ratios = [reliance.mse_without / report.mse if report.mse > 0 else 0.0 for reliance in report.inputs]
    fig = make_subplots(rows=1, cols=2, column_widths=[0.4, 0.6], horizontal_spacing=0.16,
                        subplot_titles=["Test error without it (× the model's own)",
                                        "Where it looks: |∂loss/∂x| per step back (1 = its largest)"])
    fig.add_bar(x=ratios, y=names, orientation="h", marker_color=PREDICTION_COLOR, showlegend=False,
                text=[f"{ratio:.2f}×" for ratio in ratios], textposition="outside", row=1, col=1)
    fig.add_vline(x=1, line=dict(color=WINDOW_Y_COLOR, dash="dash", width=1), row=1, col=1)
    for reliance in report.inputs:
        steps = np.arange(1, len(reliance.gradient_by_steps_back) + 1)  # (seq_length,)
        top = float(reliance.gradient_by_steps_back.max())
        share = reliance.gradient_by_steps_back / top if top > 0 else reliance.gradient_by_steps_back  # (seq_length,)
        fig.add_scatter(x=steps, y=share, mode="lines+markers", name=called(reliance.name), row=1, col=2)
    fig.update_xaxes(title_text="× the model's test error", range=[0, max(ratios, default=1) * 1.25], row=1, col=1)
    fig.update_xaxes(title_text="steps before the target", row=1, col=2)
    fig.update_layout(**chart_layout(height=360), legend=legend_under_x_axis())
    side_by_side = tuple((panel, tuple(fig.get_subplot(*panel).xaxis.domain)) for panel in RELIANCE_PANELS)
    stacked = tuple(Band(RELIANCE_PANEL_PX, 0 if k == 0 else RELIANCE_STACKED_GAP_PX, ((panel, (0.0, 1.0)),))
                    for k, panel in enumerate(RELIANCE_PANELS))
    arrangements = {
        "wide": arrangement_updates(fig, RELIANCE_PANELS,
                                    Arrangement((Band(RELIANCE_PANEL_PX, 0, side_by_side),), PLOT_MARGIN, {})),
        "narrow": arrangement_updates(fig, RELIANCE_PANELS, Arrangement(stacked, PLOT_MARGIN, {}, wrap_titles=True))}
    apply_arrangement(fig, arrangements["wide"])
    # figure_widths.js stacks the panels on a narrow screen and sets them side by side otherwise.
    fig.update_layout(meta=dict(min_widths=RELIANCE_MIN_WIDTHS, arrangements=arrangements))
    return _quiet_axes(fig)
