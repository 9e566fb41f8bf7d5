"""Where the stepper's panels sit: side by side on a wide screen, stacked one above the other on a narrow one.

The server never learns how wide the browser is, so the stepper figure carries every arrangement in
layout.meta.arrangements, each as the Plotly.relayout and Plotly.restyle updates that draw it, and the plot width
each one needs from in layout.meta.min_widths; lstm_core/ui/assets/figure_widths.js applies the widest that fits.
Heights and gaps are written in pixels and turned into the paper fractions Plotly wants.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import plotly.graph_objects as go

from lstm_core.figures.style import LINE_BREAK, in_lines

NARROW_BELOW_PX = 800  # narrower, panels side by side crowd the cell's labels and cut the longest equation
PLAY_ROW_FROM_PX = 480  # from this plot width the four play buttons stand in a row (about 370 px) past the margin
MIN_WIDTHS = {"narrow": 0, "medium": PLAY_ROW_FROM_PX, "wide": NARROW_BELOW_PX}  # the plot width each arrangement needs
NARROW_TITLE_CHARS = 38  # a subplot title wraps past this on a narrow screen (16 px text in ~330 px)
TITLE_LINE_PX = 22
NARROW_TITLE_LIFT_PX = 8  # a wrapped title stands clear of the top tick label of its panel
Panel = tuple[int, int]  # (row, col) of the figure's subplot grid


@dataclass(frozen=True)
class Band:
    """A horizontal band of panels, its height and the gap above it in pixels, each panel with its x domain."""

    height: int
    gap_above: int
    panels: tuple[tuple[Panel, tuple[float, float]], ...]


@dataclass(frozen=True)
class Arrangement:
    """One arrangement of the panels: its bands top to bottom, the margins and how the controls and titles sit."""

    bands: tuple[Band, ...]
    margin: dict[str, int]
    play_menu: dict[str, Any]  # the play buttons' direction and offsets
    wrap_titles: bool = False
    shown_traces: tuple[int, ...] = ()  # traces drawn only in this arrangement
    hidden_traces: tuple[int, ...] = ()
    colorbars: dict[int, tuple[Panel, ...]] = field(default_factory=dict)  # a heatmap's colorbar spans these panels
    legend_panel: Panel | None = None
    legend_lift_px: int = 0  # the legend's foot this far above its panel's top (over the panel's title)
    controls_below_px: int | None = None  # an animated figure's play buttons and slider this far under the plot
    restyles: dict[int, dict[str, Any]] = field(default_factory=dict)  # a trace's own settings here
    relayout: dict[str, Any] = field(default_factory=dict)  # the layout's own settings here, as Plotly.relayout paths



def _axis_names(fig: go.Figure, panel: Panel) -> tuple[str, str]:
    subplot = fig.get_subplot(*panel)
    return subplot.xaxis.plotly_name, subplot.yaxis.plotly_name


def _overlays(layout: dict, axis: str) -> list[str]:
    short = axis.replace("axis", "")
    return [name for name, value in layout.items() if isinstance(value, dict) and value.get("overlaying") == short]


def arrangement_updates(fig: go.Figure, titles: list[Panel], arrangement: Arrangement) -> dict[str, Any]:
    """Return the arrangement as {"layout": Plotly.relayout paths, "traces": [{"update", "indices"}]} for fig.

    titles lists the panel of each subplot title, in the order make_subplots wrote them (the first annotations).
    """
    title_texts = [fig.layout.annotations[index].text for index in range(len(titles))]
    if arrangement.wrap_titles:
        title_texts = [in_lines(text, NARROW_TITLE_CHARS) for text in title_texts]
    # A title wrapped onto more lines takes that much more of the gap above its panel.
    extra_lines = {panel: text.count(LINE_BREAK) for panel, text in zip(titles, title_texts)}
    lift = NARROW_TITLE_LIFT_PX if arrangement.wrap_titles else 0
    gaps = [band.gap_above + lift + TITLE_LINE_PX * max(extra_lines.get(panel, 0) for panel, _ in band.panels)
            for band in arrangement.bands]
    plot_height = sum(band.height for band in arrangement.bands) + sum(gaps)
    height = plot_height + arrangement.margin["t"] + arrangement.margin["b"]
    layout_json = fig.layout.to_plotly_json()
    paths: dict[str, Any] = {"height": height}
    paths.update({f"margin.{side}": pixels for side, pixels in arrangement.margin.items()})
    y_domains: dict[Panel, tuple[float, float]] = {}
    x_domains: dict[Panel, tuple[float, float]] = {}
    top = plot_height
    for band, gap in zip(arrangement.bands, gaps):
        top -= gap
        low, high = (top - band.height) / plot_height, top / plot_height
        for panel, x_domain in band.panels:
            y_domains[panel], x_domains[panel] = (round(low, 5), round(high, 5)), x_domain
            x_axis, y_axis = _axis_names(fig, panel)
            for name in [x_axis, *_overlays(layout_json, x_axis)]:
                paths[f"{name}.domain"] = list(x_domain)
            for name in [y_axis, *_overlays(layout_json, y_axis)]:
                paths[f"{name}.domain"] = list(y_domains[panel])
        top -= band.height
    for index, (panel, text) in enumerate(zip(titles, title_texts)):
        paths[f"annotations[{index}].x"] = sum(x_domains[panel]) / 2
        paths[f"annotations[{index}].y"] = y_domains[panel][1]
        paths[f"annotations[{index}].text"] = text
        paths[f"annotations[{index}].yshift"] = NARROW_TITLE_LIFT_PX if arrangement.wrap_titles else 0
    paths.update({f"updatemenus[1].{key}": value for key, value in arrangement.play_menu.items()})
    paths.update(arrangement.relayout)
    if arrangement.legend_panel is not None:
        paths["legend.y"] = y_domains[arrangement.legend_panel][1] + arrangement.legend_lift_px / plot_height
    if arrangement.controls_below_px is not None:
        for controls in ("sliders[0]", "updatemenus[0]"):
            paths[f"{controls}.y"] = -arrangement.controls_below_px / plot_height
    traces: list[dict[str, Any]] = []
    for trace_index, spanned in arrangement.colorbars.items():
        low = min(y_domains[panel][0] for panel in spanned)
        high = max(y_domains[panel][1] for panel in spanned)
        traces.append(dict(update={"colorbar.y": [(low + high) / 2], "colorbar.len": [high - low]},
                           indices=[trace_index]))
    for trace_index, settings in arrangement.restyles.items():
        traces.append(dict(update={key: [value] for key, value in settings.items()}, indices=[trace_index]))
    if arrangement.shown_traces:
        traces.append(dict(update={"visible": [True] * len(arrangement.shown_traces)},
                           indices=list(arrangement.shown_traces)))
    if arrangement.hidden_traces:
        traces.append(dict(update={"visible": [False] * len(arrangement.hidden_traces)},
                           indices=list(arrangement.hidden_traces)))
    return dict(layout=paths, traces=traces)


def apply_arrangement(fig: go.Figure, updates: dict[str, Any]) -> go.Figure:
    """Return fig drawn in the arrangement whose updates arrangement_updates returned."""
    # A FramedFigure's slider and play buttons join its layout only on export: framed() places them for the server.
    fig.plotly_relayout({path: value for path, value in updates["layout"].items()
                         if not path.startswith(("sliders[", "updatemenus[")) or fig.layout[path.split("[")[0]]})
    for change in updates["traces"]:
        fig.plotly_restyle(change["update"], trace_indexes=change["indices"])
    return fig
