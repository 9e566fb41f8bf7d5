"""Figures whose panels the browser arranges by the chart's width (figure_widths.js): the board's levers, four panels
a row on a wide screen, two on a tablet, one on a phone; an input's reliance, side by side or stacked. Never
overlapping; a what-if's menu and title, wrapped on a phone."""

import numpy as np
import plotly.graph_objects as go
import pytest

from lstm_core.evaluation.levers import LEVERS, Training, judge_levers
from lstm_core.figures.board import MIN_WIDTHS, PANELS_A_ROW, PHONE_CHART_PX, TITLE_CHAR_PX, lever_figure
from lstm_core.figures.inputs import RELIANCE_MIN_WIDTHS, reliance_figure
from lstm_core.figures.memory import WHAT_IF_MIN_WIDTHS, WHAT_IF_PHONE_MENU_CHARS, what_if_forecast_figure
from lstm_core.figures.stepper_layout import NARROW_TITLE_CHARS, apply_arrangement
from lstm_core.glassbox.input_reliance import InputReliance, RelianceReport
from lstm_core.glassbox.what_if import WhatIf

RUNS = [Training({"seq_length": window, "units": 32, "layers": 1, "dropout": 0.0, "learning_rate": 0.01,
                  "epochs": 10, "batch_size": 32, "inputs": 0.0}, score, seed, 1, 1)
        for window, score, seed in ((10, 1.2, 0), (20, 0.9, 0), (10, 1.1, 1))]


def _overlap(a, b) -> float:
    return min(a[1], b[1]) - max(a[0], b[0])


@pytest.fixture(scope="module")
def drawn() -> dict[str, go.Figure]:
    fig = lever_figure(RUNS, judge_levers([]), "noise floor")
    return {name: apply_arrangement(go.Figure(fig), arranged) for name, arranged in
            fig.layout.meta["arrangements"].items()} | {"sent": fig}


def test_the_wide_arrangement_is_the_one_sent_and_each_carries_its_width(drawn):
    sent = drawn["sent"]
    assert sent.layout.meta["min_widths"] == MIN_WIDTHS and set(sent.layout.meta["arrangements"]) == set(PANELS_A_ROW)
    assert sent.layout.height == drawn["wide"].layout.height < drawn["medium"].layout.height
    assert drawn["medium"].layout.height < drawn["narrow"].layout.height, "the script tells them apart by height"


@pytest.mark.parametrize("name", list(PANELS_A_ROW))
def test_panels_stand_in_rows_of_their_arrangement_and_never_overlap(drawn, name):
    fig = drawn[name]
    axes = [(fig.get_subplot(1 + k // 4, 1 + k % 4).xaxis, fig.get_subplot(1 + k // 4, 1 + k % 4).yaxis)
            for k in range(len(LEVERS))]
    rows = sorted({tuple(y.domain) for _, y in axes}, reverse=True)
    assert len(rows) == -(-len(LEVERS) // PANELS_A_ROW[name])
    for k, (x_a, y_a) in enumerate(axes):
        for x_b, y_b in axes[k + 1:]:
            assert _overlap(x_a.domain, x_b.domain) <= 0 or _overlap(y_a.domain, y_b.domain) <= 0
    firsts = [min((x.domain[0], y.plotly_name) for x, y in axes if tuple(y.domain) == row)[1] for row in rows]
    for _, y in axes:
        shown = y.plotly_name in firsts
        assert (y.showticklabels is not False) == shown, f"{name}: {y.plotly_name} carries the score's ticks"
        assert bool(y.title.text) == shown
    title_lines = fig.layout.title.text.split("<br>")
    narrowest = MIN_WIDTHS[name] or PHONE_CHART_PX
    assert max(len(line) for line in title_lines) * TITLE_CHAR_PX <= narrowest, "the title fits its narrowest chart"
    subplot_titles = [a.text for a in fig.layout.annotations[:len(LEVERS)]]
    assert [t.split("<br>")[0].replace("<b>", "").replace("</b>", "") for t in subplot_titles] == [
        name.split(" (")[0] for _, name in LEVERS]


def test_an_inputs_reliance_stands_side_by_side_when_wide_and_stacked_full_width_when_narrow():
    report = RelianceReport(0.01, [InputReliance(name, 0.01 * ratio, 0.0, 0.0, np.linspace(1.0, 0.1, 10))
                                   for name, ratio in (("series", 3.0), ("driver", 1.5))])
    fig = reliance_figure(report)
    assert fig.layout.meta["min_widths"] == RELIANCE_MIN_WIDTHS
    narrow = apply_arrangement(go.Figure(fig), fig.layout.meta["arrangements"]["narrow"])
    left, right = fig.layout.xaxis.domain, fig.layout.xaxis2.domain
    assert left[1] < right[0] and fig.layout.yaxis.domain == fig.layout.yaxis2.domain, "side by side"
    assert narrow.layout.xaxis.domain == narrow.layout.xaxis2.domain == (0.0, 1.0)
    assert narrow.layout.yaxis2.domain[1] < narrow.layout.yaxis.domain[0], "the gradients under the errors"
    titles = [line for a in narrow.layout.annotations[:2] for line in a.text.split("<br>")]
    assert len(titles) > 2 and max(map(len, titles)) <= NARROW_TITLE_CHARS, "the titles wrap to a phone's width"
    assert narrow.layout.height > fig.layout.height


def test_a_what_if_menu_and_title_wrap_on_a_phone_and_keep_their_words_and_the_view_chosen():
    y = np.zeros((30, 1))  # (samples, horizon)
    what_ifs = [WhatIf(f"clamp/0/f={value}", f"clamp f = {value} in every unit of layer 1 from the first step "
                       f"({words})", (), y + value, 0.01 * (1 + value), 1 + value)
                for value, words in ((0, "forgets everything"), (1, "never forgets"))]
    fig = what_if_forecast_figure(y, y, 0.01, what_ifs, shown=1)
    arrangements = fig.layout.meta["arrangements"]
    assert fig.layout.meta["min_widths"] == WHAT_IF_MIN_WIDTHS
    wide, narrow = arrangements["wide"]["layout"], arrangements["narrow"]["layout"]
    assert wide["height"] == fig.layout.height != narrow["height"], "the script tells them apart by height"
    for index, what_if in enumerate(what_ifs):
        label = narrow[f"updatemenus[0].buttons[{index}].label"]
        assert label.replace("<br>", " ") == what_if.label
        assert max(map(len, label.split("<br>"))) <= WHAT_IF_PHONE_MENU_CHARS
        assert wide[f"updatemenus[0].buttons[{index}].label"] == what_if.label == fig.layout.updatemenus[0].buttons[
            index].label
        visible, title = narrow[f"updatemenus[0].buttons[{index}].args"]
        assert visible["visible"][2:] == [k == index for k in range(len(what_ifs))] + [True]
        assert title["title.text"].replace("<br>", " ") == fig.layout.updatemenus[0].buttons[index].args[1][
            "title.text"] and f"MSE {what_if.test_mse:.4f}" in title["title.text"].replace("<br>", " ")
    shown = [trace for trace in fig.data if trace.visible is True and trace.showlegend is False]
    assert [trace.name for trace in shown] == [f"{what_ifs[1].label}, MSE {what_ifs[1].test_mse:.4f}"]
    assert [trace.name for trace in fig.data if trace.showlegend is not False][-1] == "the what-if in the title"
