"""Driving the slider Plotly draws inside an animated figure, as a learner's mouse would."""

from __future__ import annotations

from playwright.sync_api import Locator, Page


def drag_slider_to(page: Page, chart: Locator, fraction: float) -> None:
    """Press the mouse on the chart's own slider at fraction (0 to 1) of its rail, move a little and let go."""
    rail_rect = chart.locator(".slider-rail-touch-rect").first
    rail_rect.scroll_into_view_if_needed()
    rail = rail_rect.bounding_box()
    y = rail["y"] + rail["height"] / 2
    x = rail["x"] + 8 + fraction * (rail["width"] - 16)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 1, y)
    page.mouse.up()
