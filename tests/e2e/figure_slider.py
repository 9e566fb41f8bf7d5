"""Driving an animated figure in the browser, as a learner would, and watching that the server runs nothing."""

from __future__ import annotations

from playwright.sync_api import Locator, Page

# Every change of Streamlit's script-state attribute, recorded in the page from the moment it is installed.
WATCH_SCRIPT_STATE_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    window.scriptStates = [];
    new MutationObserver(() => window.scriptStates.push(app.getAttribute('data-test-script-state')))
        .observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""


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
