"""In a real Chromium: the Data page's window and the film's moment move inside the chart, with no script run."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from bench.page_waits import IDLE
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.figure_slider import WATCH_SCRIPT_STATE_JS, drag_slider_to

pytestmark = pytest.mark.e2e


# What a chart draws now: its title, the slider's step and the y values of the traces a frame changes.
DRAWN_JS = """el => ({
    title: el._fullLayout.title.text.replace(/<\\/?b>/g, ''),  // Streamlit's theme bolds the first title by markup
    active: el._fullLayout.sliders[0].active,
    moving: (el._transitionData._frames[0].traces || []).map(k => Array.from(el._fullData[k].y || [])),
})"""


def record_sent_frames(page: Page) -> list:
    """Return a list that collects every websocket message the page sends to the server from now on."""
    sent = []
    page.on("websocket", lambda socket: socket.on("framesent", lambda payload: sent.append(payload)))
    return sent


def drawn(chart) -> dict:
    """Return the chart's title, its slider's active step and the y values of its animated traces."""
    return chart.evaluate(DRAWN_JS)


def settle(page: Page) -> None:
    """Wait until Streamlit has finished running the script."""
    page.wait_for_selector(IDLE, timeout=TIMEOUT_MS)


def go_to(page: Page, label: str, title: str) -> None:
    """Click a page in the sidebar navigation and wait for its title and the end of its run."""
    page.locator('.st-key-app_navigation').get_by_role("link", name=label, exact=True).click()
    expect(page.locator("h1").first).to_contain_text(title, timeout=TIMEOUT_MS)
    settle(page)


def assert_moves_in_the_browser(page: Page, chart, sent: list, fractions: tuple[float, ...]) -> list[dict]:
    """Drag the chart's slider to each fraction; assert it redraws each time and the server hears nothing."""
    settle(page)
    page.evaluate(WATCH_SCRIPT_STATE_JS)
    page.wait_for_timeout(500)  # let any message of the last run's end leave first
    before, states = len(sent), []
    seen = [drawn(chart)]
    for fraction in fractions:
        drag_slider_to(page, chart, fraction)
        page.wait_for_function("([el, active]) => el._fullLayout.sliders[0].active !== active",
                               arg=[chart.element_handle(), seen[-1]["active"]], timeout=TIMEOUT_MS)
        page.wait_for_timeout(300)  # the animation's redraw follows the slider's step
        seen.append(drawn(chart))
        assert seen[-1]["title"] != seen[-2]["title"] and seen[-1]["moving"] != seen[-2]["moving"], seen[-2:]
    page.wait_for_timeout(500)  # a rerun, if the slider caused one, would have been asked for by now
    states = page.evaluate("() => window.scriptStates")
    assert states == [], f"the script ran on the server: {states}"
    assert len(sent) == before, f"the page sent the server {len(sent) - before} messages"
    return seen


def test_the_data_window_and_the_film_moment_move_with_no_script_run(page: Page, app_url: str):
    sent = record_sent_frames(page)
    page.goto(app_url)
    expect(page.locator("h1").first).to_have_text("LSTM Lens", timeout=TIMEOUT_MS)
    go_to(page, "Data", "Data")
    windows = page.locator(".st-key-window .js-plotly-plot")
    expect(windows).to_have_count(1, timeout=TIMEOUT_MS)
    page.wait_for_function("el => el._fullLayout && el._fullLayout.sliders.length === 1",
                           arg=windows.element_handle(), timeout=TIMEOUT_MS)
    seen = assert_moves_in_the_browser(page, windows, sent, (0.5, 1.0, 0.1))
    assert seen[0]["title"].startswith("Window 0:") and seen[1]["title"] != seen[0]["title"]
    assert [s["active"] for s in seen][0] == 0 and seen[2]["active"] > seen[1]["active"] > seen[3]["active"]
    assert page.console_errors == [], page.console_errors

    # From the keyboard too: the figure's slider takes focus and its arrows and Home move it, in the browser.
    slider = windows.locator('g.slider-container[role="slider"]')
    slider.focus()
    before = drawn(windows)
    page.keyboard.press("ArrowRight")
    page.wait_for_function("([el, active]) => el._fullLayout.sliders[0].active === active + 1",
                           arg=[windows.element_handle(), before["active"]], timeout=TIMEOUT_MS)
    page.keyboard.press("Home")
    page.wait_for_function("el => el._fullLayout.sliders[0].active === 0", arg=windows.element_handle(),
                           timeout=TIMEOUT_MS)
    page.wait_for_timeout(300)
    assert drawn(windows)["title"].startswith("Window 0:"), "Home went back to the first window"

    go_to(page, "Training as a film", "Training as a film")
    page.get_by_role("button", name="Train and film").click()
    film = page.locator(".st-key-film .js-plotly-plot")
    expect(film).to_have_count(1, timeout=120_000)
    page.wait_for_function("el => el._fullLayout && el._fullLayout.sliders.length === 1",
                           arg=film.element_handle(), timeout=TIMEOUT_MS)
    expect(film.get_by_text("Before training (the initial random weights)")).to_be_visible(timeout=TIMEOUT_MS)
    seen = assert_moves_in_the_browser(page, film, sent, (1.0, 0.5))
    assert seen[0]["title"].startswith("Before training") and seen[1]["title"].startswith("After epoch 12 of 12")
    expect(page.get_by_text("After epoch 12 of 12")).to_be_visible()
    assert page.console_errors == [], page.console_errors
