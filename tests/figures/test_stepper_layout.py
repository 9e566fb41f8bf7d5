"""The stepper's two arrangements: the wide one drawn, the narrow one carried; panels never share a height band."""

import plotly.graph_objects as go
import pytest

from lstm_core.figures.stepper_layout import MIN_WIDTHS, apply_arrangement
from tests.figures.test_stepper import ONE_LAYER, _figure


def _panels(fig: go.Figure) -> list[tuple[str, str]]:
    """Return the (x axis, y axis) layout names of every panel a visible trace is drawn on, overlays left out."""
    layout = fig.layout.to_plotly_json()
    axes = {(f"xaxis{(t.xaxis or 'x')[1:]}", f"yaxis{(t.yaxis or 'y')[1:]}") for t in fig.data}
    return sorted((x, y) for x, y in axes if "overlaying" not in layout.get(x, {}))


def _overlap(a: list[float], b: list[float]) -> float:
    return min(a[1], b[1]) - max(a[0], b[0])


@pytest.fixture(scope="module")
def figures():
    fig = _figure(ONE_LAYER, 0, 1)
    narrow = apply_arrangement(go.Figure(fig), fig.layout.meta["arrangements"]["narrow"])
    return fig, narrow


def test_the_figure_carries_both_arrangements_and_draws_the_wide_one(figures):
    fig, narrow = figures
    meta = fig.layout.meta
    assert meta["min_widths"] == MIN_WIDTHS and set(meta["arrangements"]) == {"wide", "medium", "narrow"}
    heights = {name: arranged["layout"]["height"] for name, arranged in meta["arrangements"].items()}
    assert len(set(heights.values())) == 3, "the script tells the arrangement drawn by its height"
    assert fig.layout.height == meta["arrangements"]["wide"]["layout"]["height"]
    assert narrow.layout.height == meta["arrangements"]["narrow"]["layout"]["height"] > fig.layout.height
    assert [t.visible for t in fig.data if t.name and t.name.startswith("equations")] == [True, False]
    assert [t.visible for t in narrow.data if t.name and t.name.startswith("equations")] == [False, True]
    assert fig.layout.updatemenus[1].direction == "right" and narrow.layout.updatemenus[1].direction == "down"


def test_narrow_panels_stack_full_width_and_wide_ones_never_overlap(figures):
    fig, narrow = figures
    panels = _panels(fig)
    assert len(panels) == 13, "window, six heatmaps, bars, cell, strip, equations, gradients and dL/dc"
    for x_axis, _ in panels:
        assert list(narrow.layout[x_axis].domain) == [0.0, 1.0], f"{x_axis} spans the narrow screen"
    for drawn in (fig, narrow):
        for k, (x_a, y_a) in enumerate(panels):
            for x_b, y_b in panels[k + 1:]:
                apart_x = _overlap(drawn.layout[x_a].domain, drawn.layout[x_b].domain) <= 0
                apart_y = _overlap(drawn.layout[y_a].domain, drawn.layout[y_b].domain) <= 0
                assert apart_x or apart_y, f"{x_a}/{y_a} and {x_b}/{y_b} overlap"
        for _, y_axis in panels:  # an overlay (a heatmap's step line) stays on its panel
            for axis in drawn.layout.to_plotly_json().values():
                if isinstance(axis, dict) and axis.get("overlaying") == y_axis.replace("axis", ""):
                    assert list(axis["domain"]) == list(drawn.layout[y_axis].domain)


def test_frames_carry_the_step_buttons_alone_so_the_play_buttons_keep_their_place(figures):
    fig, _ = figures
    for frame in fig.frames:
        assert len(frame.layout.updatemenus) == 1 and frame.layout.updatemenus[0].buttons[2].label == "Step ▶"
    moving = {fig.data[index].name: update for index, update in zip(fig.frames[3].traces, fig.frames[3].data)}
    wrapped = moving["equations narrow"].text
    assert [line.replace("<br>    ", " ") for line in wrapped] == list(moving["equations"].text)
    assert all(max(len(part) for part in line.split("<br>")) <= 44 for line in wrapped)
