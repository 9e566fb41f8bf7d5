"""The class board's pictures: each distinct training of a room as a point, a panel per lever, its verdict on top;
the class's answers to a question as a bar per answer."""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lstm_core.evaluation.class_answers import TallyBar
from lstm_core.evaluation.levers import LEVER_DEFAULTS, LEVERS, LeverVerdict, Training, lever_value
from lstm_core.figures.stepper_layout import Arrangement, Band, Panel, apply_arrangement, arrangement_updates
from lstm_core.figures.style import (
    LINE_BREAK,
    PREDICTION_COLOR,
    REFERENCE_LINE_COLOR,
    TITLE_FONT_PX,
    chart_layout,
    in_lines,
    legend_under_x_axis,
    pad_under_toolbar,
    readable_axes,
    with_alpha,
)

COLUMNS = 4
BOARD_MARGIN = dict(l=60, r=40, t=120, b=40)  # room above the first row's two-line panel titles
PANEL_PX = 200
ROW_GAP_PX = 120  # under a row its tick labels and axis titles, over the next its panels' two-line titles
PANEL_GAP = 0.05  # of the plot's width, between two panels of a row
# Panels a row, and the chart width each arrangement needs: a panel keeps about 200 px, as four do on a wide screen.
PANELS_A_ROW = {"wide": COLUMNS, "medium": 2, "narrow": 1}
MIN_WIDTHS = {"wide": 900, "medium": 520, "narrow": 0}
TITLE_CHAR_PX = 8.5  # a character of the title, on average
ADDED_TITLE_LINE_PX = round(TITLE_FONT_PX * 2.3)  # a line added to the title: its own height and the pad's
PHONE_CHART_PX = 340  # a phone's chart: the screen less the page's sides


def lever_figure(runs: Sequence[Training], verdicts: Sequence[LeverVerdict], score_basis: str) -> go.Figure:
    """Return one panel per lever: each training's score at its value, each value's mean and spread, the verdict."""
    by_lever = {verdict.lever: verdict for verdict in verdicts}
    rows = -(-len(LEVERS) // COLUMNS)
    # The verdict under the lever's name, on a line of its own: four panels a row leave little width.
    titles = [f"<b>{name.split(' (')[0]}</b><br>{by_lever[field].verdict}" if field in by_lever else name
              for field, name in LEVERS]
    # One y range for every panel: a lever's effect reads against the same scale as every other's.
    fig = make_subplots(rows=rows, cols=COLUMNS, subplot_titles=titles, shared_yaxes="all",
                        horizontal_spacing=PANEL_GAP, vertical_spacing=0.26)
    scores = np.array([run.score for run in runs], dtype=np.float64)  # (runs,)
    panels = [(1 + k // COLUMNS, 1 + k % COLUMNS) for k in range(len(LEVERS))]
    for k, ((field, name), (row, col)) in enumerate(zip(LEVERS, panels)):
        # (runs,) a post made before a lever existed reads its default
        values = np.array([float(run.settings.get(field, LEVER_DEFAULTS.get(field, np.nan))) for run in runs])
        known = np.isfinite(values) & np.isfinite(scores)
        distinct = sorted(set(values[known].tolist()))
        labels = [lever_value(field, v) for v in distinct]
        position = {v: i for i, v in enumerate(distinct)}
        # Runs of one value spread a little sideways, so repeats do not hide each other.
        jitter = np.linspace(-0.15, 0.15, num=max(1, int(known.sum())))
        xs = [position[v] + jitter[i % len(jitter)] for i, v in enumerate(values[known].tolist())]
        shared = [run.learners for run, ok in zip(runs, known) if ok]
        fig.add_scatter(x=xs, y=scores[known], mode="markers", name="a training", showlegend=k == 0,
                        marker=dict(color=with_alpha(PREDICTION_COLOR, 0.45), size=8),
                        hovertemplate=(f"{name} %{{customdata[0]}}<br>score %{{y:.3f}}<br>"
                                       "learners on it: %{customdata[1]}<extra></extra>"),
                        customdata=[[lever_value(field, v), n] for v, n in zip(values[known].tolist(), shared)],
                        row=row, col=col)
        means = [float(scores[known][values[known] == v].mean()) for v in distinct]
        spreads = [float(scores[known][values[known] == v].std(ddof=1)) if (values[known] == v).sum() > 1 else 0.0
                   for v in distinct]
        counts = [int((values[known] == v).sum()) for v in distinct]
        fig.add_scatter(x=list(range(len(distinct))), y=means, mode="markers+lines", name="mean of a value",
                        showlegend=k == 0, line=dict(color=REFERENCE_LINE_COLOR, width=1),
                        marker=dict(color=REFERENCE_LINE_COLOR, size=11, symbol="diamond"),
                        error_y=dict(array=spreads, color=REFERENCE_LINE_COLOR, thickness=1),
                        customdata=counts,
                        hovertemplate="mean %{y:.3f} of %{customdata} trainings<extra></extra>", row=row, col=col)
        fig.update_xaxes(tickvals=list(range(len(distinct))), ticktext=labels, title_text=name,
                         range=[-0.6, max(len(distinct) - 0.4, 0.6)], row=row, col=col)
    fig.update_yaxes(title_text=f"score<br>(test MSE / {score_basis})", col=1)
    title = ("Every distinct training of the room, lever by lever (lower is better; diamonds: the mean of a value, "
             "bars: its spread)")
    fig.update_layout(**chart_layout(300 * rows + 110, BOARD_MARGIN, title=title,
                                     legend=legend_under_x_axis()))
    arrangements = {name: arrangement_updates(fig, panels, _arrangement(fig, panels, name, title))
                    for name in PANELS_A_ROW}
    apply_arrangement(fig, arrangements["wide"])
    # figure_widths.js draws the widest arrangement that fits the chart: four panels a row, two, or one.
    fig.update_layout(meta=dict(min_widths=MIN_WIDTHS, arrangements=arrangements))
    return readable_axes(fig)


def _arrangement(fig: go.Figure, panels: list[Panel], name: str, title: str) -> Arrangement:
    """Return the panels PANELS_A_ROW[name] a row, the figure's title in lines that fit the arrangement's width.

    The first panel of each row carries the score's tick labels and title; the others share them.
    """
    per_row = PANELS_A_ROW[name]
    width = (1 - PANEL_GAP * (per_row - 1)) / per_row
    bands: list[Band] = []
    relayout: dict[str, object] = {}
    for start in range(0, len(panels), per_row):
        row = panels[start:start + per_row]
        left = [round(place * (width + PANEL_GAP), 5) for place in range(len(row))]
        bands.append(Band(PANEL_PX, 0 if start == 0 else ROW_GAP_PX,
                          tuple((panel, (low, round(low + width, 5))) for panel, low in zip(row, left))))
        for place, panel in enumerate(row):
            y_axis = fig.get_subplot(*panel).yaxis
            relayout[f"{y_axis.plotly_name}.showticklabels"] = place == 0
            relayout[f"{y_axis.plotly_name}.title.text"] = fig.layout.yaxis.title.text if place == 0 else ""
    narrowest = MIN_WIDTHS[name] or PHONE_CHART_PX
    lines = in_lines(title, int(narrowest / TITLE_CHAR_PX))
    added = lines.count(LINE_BREAK)
    relayout.update({"title.text": lines, "title.pad.t": pad_under_toolbar(added + 1)})
    top = BOARD_MARGIN["t"] + added * ADDED_TITLE_LINE_PX
    return Arrangement(tuple(bands), {**BOARD_MARGIN, "t": top}, {}, relayout=relayout)


def tally_figure(bars: Sequence[TallyBar], title: str, outcome: str | None = None) -> go.Figure:
    """Return a bar per answer (how many of the class gave it); the outcome's bar outlined once it is revealed."""
    answers = [bar.answer for bar in bars]
    counts = [bar.count for bar in bars]
    # Plotly reads a few tags (<b>, <br>) in tick labels: a learner's answer is escaped, so it shows as typed.
    labels = [html.escape(answer, quote=False) for answer in answers]
    colors = [PREDICTION_COLOR if outcome is None or answer == outcome else with_alpha(PREDICTION_COLOR, 0.35)
              for answer in answers]
    fig = go.Figure(go.Bar(x=counts, y=labels, orientation="h", marker=dict(color=colors),
                           text=[str(count) for count in counts], textposition="outside", cliponaxis=False,
                           hovertemplate="%{x} gave this answer<extra></extra>"))
    top = max(counts, default=0)
    fig.update_xaxes(title_text="learners", range=[0, max(1, top) * 1.15], dtick=max(1, -(-top // 5)))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_layout(**chart_layout(110 + 48 * max(1, len(bars)), dict(l=20, r=30, t=60, b=50), title=title))
    return readable_axes(fig)
