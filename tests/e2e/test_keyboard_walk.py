"""In a real Chromium, a learner walks the whole path with the keyboard alone and always sees where the focus is.

Home, the quick start, Train, Inside (the figure's Step, Play and Pause, the unit slider and the figure's step
slider), a lesson and the class board: Tab, Shift+Tab, Enter, Space and the arrows only, no mouse and no address
typed after the first. Links are found by their accessible names, so the walk holds whichever way the sidebar
draws its page links.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from bench.page_waits import IDLE
from tests.e2e.conftest import TIMEOUT_MS, keep_screenshot

pytestmark = pytest.mark.e2e

MAX_TABS = 250  # more than any page of the app has stops

# The focused element: its accessible name and whether its ring shows (an outline of 2 px or more, or a shadow).
FOCUSED_JS = """() => {
    let e = document.activeElement;
    if (!e || e === document.body) return {name: '', tag: 'BODY', ring: false, where: ''};
    while (e.shadowRoot && e.shadowRoot.activeElement) e = e.shadowRoot.activeElement;  // inside a component
    // A canvas's fallback content is never drawn (a dataframe's cell): the canvas shows its ring.
    const style = getComputedStyle(e.closest('canvas') || e);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
    const shadow = style.boxShadow && style.boxShadow !== 'none';
    const name = (e.getAttribute('aria-label') || e.innerText || e.textContent || '').trim().replace(/\\s+/g, ' ');
    const owner = e.closest('[data-testid]') || e.getRootNode().host;
    return {name: name.slice(0, 80), tag: e.tagName, ring: outline || !!shadow,
            where: owner ? owner.getAttribute('data-testid') || owner.className : ''};
}"""

SLIDER_STEP_JS = """() => {
    const label = [...document.querySelectorAll('.js-plotly-plot .slider-container text')]
        .map(e => e.textContent).find(text => /^Step \\d+ of/.test(text));
    return label ? Number(label.split(' ')[1]) : null;
}"""


class KeyboardWalk:
    """A learner at the keyboard: tabs to what it names and records every focus it passes without a visible ring."""

    def __init__(self, page: Page):
        self.page = page
        self.unringed: list[dict] = []

    def focused(self) -> dict:
        """Return the focused element's name, tag, owner and whether its ring shows; note it if it does not."""
        focus = self.page.evaluate(FOCUSED_JS)
        if focus["tag"] != "BODY" and not focus["ring"]:
            self.unringed.append(focus)
        return focus

    def tab_to(self, name: str | re.Pattern, backwards: bool = False) -> dict:
        """Press Tab (or Shift+Tab) until the focused element's accessible name is name (or matches it)."""
        if isinstance(name, str):
            return self._tab_until(lambda focus: focus["name"] == name, repr(name), backwards)
        return self._tab_until(lambda focus: bool(name.search(focus["name"])), repr(name), backwards)

    def tab_into(self, where: str) -> dict:
        """Press Tab until the focused element's owner (its closest data-testid) is where, whatever its name."""
        return self._tab_until(lambda focus: focus["where"] == where, where, backwards=False)

    def _tab_until(self, reached: Callable[[dict], bool], wanted: str, backwards: bool) -> dict:
        key = "Shift+Tab" if backwards else "Tab"
        seen = []
        for _ in range(MAX_TABS):
            self.page.keyboard.press(key)
            focus = self.focused()
            seen.append(focus["name"])
            if reached(focus):
                return focus
        raise AssertionError(f"{key} never reached {wanted}; it passed {seen}")

    def settle(self) -> None:
        """Wait until no script runs on the server."""
        self.page.wait_for_timeout(300)
        self.page.wait_for_selector(IDLE, timeout=TIMEOUT_MS)


def _page_link(name: str) -> re.Pattern:
    # A sidebar link's text may begin with its icon's name ("biotech Inside the LSTM").
    return re.compile(rf"(^|\s){re.escape(name)}$")


def test_the_whole_path_by_keyboard_with_a_visible_focus(browser, app_url):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(app_url)
    expect(page.get_by_role("button", name="Quick start", exact=False)).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_selector(IDLE, timeout=TIMEOUT_MS)
    walk = KeyboardWalk(page)

    walk.tab_to(re.compile(r"^Quick start"))
    page.keyboard.press("Enter")
    expect(page.locator("h1").first).to_contain_text("Train", timeout=TIMEOUT_MS)
    expect(page.get_by_text("How good is the forecast?")).to_be_visible(timeout=120_000)
    walk.settle()

    # A dataframe (the forecast's errors) takes the focus on its canvas; an arrow hands it to a cell of the
    # canvas's hidden copy, never drawn.
    walk.tab_into("data-grid-canvas")
    page.keyboard.press("ArrowDown")
    page.wait_for_function("() => /^glide-cell-/.test(document.activeElement.id)", timeout=TIMEOUT_MS)
    assert walk.focused()["ring"], "a dataframe's focused cell is ringed on its canvas"

    walk.tab_to(_page_link("Inside the LSTM"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Replay matches Keras", exact=False)).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_selector(".js-plotly-plot g.updatemenu-button[role='button']", timeout=TIMEOUT_MS)
    walk.settle()
    assert page.evaluate(SLIDER_STEP_JS) == 1

    walk.tab_to("Step ▶")
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => ({SLIDER_STEP_JS})() === 2", timeout=TIMEOUT_MS)
    walk.tab_to("▶ Play 2 steps/s", backwards=True)
    page.keyboard.press("Space")
    page.wait_for_function(f"() => ({SLIDER_STEP_JS})() >= 4", timeout=TIMEOUT_MS)
    walk.tab_to("Pause")
    page.keyboard.press("Enter")
    page.wait_for_timeout(1200)  # more than two steps at 2 a second: a play still running would have moved
    paused = page.evaluate(SLIDER_STEP_JS)
    page.wait_for_timeout(1200)
    assert page.evaluate(SLIDER_STEP_JS) == paused < 20, "Pause stopped the play"
    slider = walk.tab_to(re.compile(r"^Step of the figure"))
    assert slider["ring"], "the figure's step slider shows its focus"
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => ({SLIDER_STEP_JS})() === {paused + 1}", timeout=TIMEOUT_MS)

    # The unit slider is a Streamlit slider above the figure: its thumb takes the arrows, and the page redraws.
    walk.tab_to("Unit for the equations", backwards=True)
    page.keyboard.press("ArrowRight")
    expect(page.get_by_text("Unit 1 of layer 1", exact=False).first).to_be_visible(timeout=TIMEOUT_MS)
    walk.settle()

    walk.tab_to(_page_link("What the memory holds"), backwards=True)
    page.keyboard.press("Enter")
    expect(page.locator("h1").first).to_contain_text("What does the memory hold?", timeout=TIMEOUT_MS)
    walk.settle()

    walk.tab_to(_page_link("Class board"))
    page.keyboard.press("Enter")
    expect(page.locator("h1").first).to_contain_text("Class board", timeout=TIMEOUT_MS)
    walk.settle()
    walk.tab_to(re.compile(r".+"))  # one step into the board's page: it takes the focus like any other
    keep_screenshot(page, "keyboard_walk_board")

    assert walk.unringed == [], f"every focus the walk passed showed a ring; these did not: {walk.unringed}"
    context.close()
