"""Driving an animated figure in the browser, as a learner would, and watching that the server runs nothing."""

from __future__ import annotations

from playwright.sync_api import Locator, Page

# Every change of Streamlit's script-state attribute, recorded in the page from the moment it is installed.
# The whole document is watched: a page switch may draw the app's root anew, and a watcher of the old root
# would then see nothing of the run it asked for.
WATCH_SCRIPT_STATE_JS = """() => {
    window.scriptStates = [];
    new MutationObserver(changes => changes.forEach(
            change => window.scriptStates.push(change.target.getAttribute('data-test-script-state'))))
        .observe(document.documentElement, {attributes: true, subtree: true,
                                            attributeFilter: ['data-test-script-state']});
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
