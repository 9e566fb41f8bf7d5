"""In a real Chromium, the Inside stepper stacks its panels on a phone and keeps its controls by what they move."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from bench.page_waits import IDLE, wait_for_charts
from tests.e2e.conftest import TIMEOUT_MS, keep_screenshot

pytestmark = pytest.mark.e2e

PHONE, CHROMEBOOK = (390, 844), (1366, 768)

# Every piece of text the stepper draws (titles, labels, ticks, equations, buttons), with its box on the screen.
TEXT_BOXES_JS = """() => {
    const chart = document.querySelector('.js-plotly-plot');
    return [...chart.querySelectorAll('text')].filter(e => (e.textContent || '').trim()
            && getComputedStyle(e).visibility !== 'hidden' && getComputedStyle(e).display !== 'none'
            && !['transparent', 'rgba(0, 0, 0, 0)'].includes(getComputedStyle(e).fill))
        .map(e => { const r = e.getBoundingClientRect();
                    return {text: e.textContent.trim(), left: r.left, right: r.right, top: r.top, bottom: r.bottom}; })
        .filter(box => box.right > box.left && box.bottom > box.top);
}"""

# The screen box of the plot area of the panel that draws a trace, found by the trace's name or type.
PANEL_BOX_JS = """(wanted) => {
    const chart = document.querySelector('.js-plotly-plot');
    const full = chart._fullLayout, page = chart.getBoundingClientRect();
    return chart._fullData.filter(t => t.visible === true && (t.name === wanted || t.type === wanted)).map(t => {
        const x = full[t.xaxis.replace('x', 'xaxis')], y = full[t.yaxis.replace('y', 'yaxis')];
        return {name: t.name || t.type, left: page.left + x._offset, right: page.left + x._offset + x._length,
                top: page.top + y._offset, bottom: page.top + y._offset + y._length};
    });
}"""

# Scrolls the Step button to the top of the page's scrolling area, just under Streamlit's header.
SCROLL_TO_STEP_JS = """(button) => {
    button.scrollIntoView({block: 'start'});
    let scroller = button.parentElement;
    while (scroller && !(scroller.scrollHeight > scroller.clientHeight
                         && /auto|scroll/.test(getComputedStyle(scroller).overflowY))) {
        scroller = scroller.parentElement;
    }
    const header = document.querySelector('[data-testid="stHeader"]');
    if (scroller) scroller.scrollTop -= (header ? header.getBoundingClientRect().bottom : 0) + 8;
}"""


def _overlapping(boxes: list[dict], tolerance: float = 1.0) -> list[tuple[str, str]]:
    """Return the pairs of texts whose boxes overlap by more than tolerance pixels both ways."""
    pairs = []
    for k, a in enumerate(boxes):
        for b in boxes[k + 1:]:
            across = min(a["right"], b["right"]) - max(a["left"], b["left"])
            down = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
            if across > tolerance and down > tolerance:
                pairs.append((a["text"], b["text"]))
    return pairs


def _stepper_shown(page: Page) -> None:
    expect(page.get_by_text("Replay matches Keras", exact=False)).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_selector(".js-plotly-plot .updatemenu-button", timeout=TIMEOUT_MS)
    page.wait_for_selector(IDLE, timeout=TIMEOUT_MS)
    wait_for_charts(page)


def _arranged(page: Page, name: str) -> None:
    """Wait until the stepper is drawn in the arrangement name, at that arrangement's height."""
    page.wait_for_function(f"""() => {{
        const chart = document.querySelector('.js-plotly-plot');
        return chart && chart.layout && chart.layout.meta && chart.dataset.arrangement === {name!r}
            && chart.layout.height === chart.layout.meta.arrangements[{name!r}].layout.height; }}""",
                           timeout=TIMEOUT_MS)
    wait_for_charts(page)


def _inside_address(browser, app_url: str) -> str:
    """Train the quick start and open Inside; return the page's address, which carries the stored run."""
    context = browser.new_context(viewport={"width": CHROMEBOOK[0], "height": CHROMEBOOK[1]})
    page = context.new_page()
    page.goto(app_url)
    page.get_by_role("button", name="Quick start", exact=False).click()
    expect(page.get_by_text("How good is the forecast?")).to_be_visible(timeout=120_000)
    page.get_by_role("link", name="Inside the LSTM", exact=True).first.click()
    _stepper_shown(page)
    address = page.url
    context.close()
    return address


def test_the_stepper_stacks_on_a_phone_and_fits_its_controls_beside_the_heatmaps_on_a_chromebook(browser, app_url):
    address = _inside_address(browser, app_url)

    phone = browser.new_context(viewport={"width": PHONE[0], "height": PHONE[1]}, device_scale_factor=1,
                                has_touch=True, is_mobile=True)
    page = phone.new_page()
    page.goto(address)
    _stepper_shown(page)
    _arranged(page, "narrow")
    chart = page.locator(".js-plotly-plot").first
    assert chart.bounding_box()["width"] <= PHONE[0], "nothing scrolls sideways"
    boxes = page.evaluate(TEXT_BOXES_JS)
    assert len(boxes) > 50, "the stepper's titles, labels and equations were measured"
    assert _overlapping(boxes) == [], "no two texts of the stepper meet on a phone"
    panels = {box["name"]: box for name in ("fed so far", "unit values", "cell labels")
              for box in page.evaluate(PANEL_BOX_JS, name)}
    lefts = sorted({round(box["left"]) for box in page.evaluate(PANEL_BOX_JS, "heatmap")})
    assert len(lefts) == 1, "the six heatmaps stand one above the other"
    step_button = page.locator('.js-plotly-plot g.updatemenu-button').filter(has_text="Step ▶")
    button = step_button.bounding_box()
    assert button["x"] + button["width"] <= PHONE[0]
    for name in ("fed so far", "unit values", "cell labels"):
        assert panels[name]["top"] > button["y"], f"the Step button stands above the {name} panel"
        assert panels[name]["top"] - button["y"] < PHONE[1], f"the {name} panel begins within a screen of Step"
    for name in ("fed so far", "unit values"):
        assert panels[name]["bottom"] - button["y"] <= PHONE[1], f"the {name} panel ends within a screen of Step"
    step_button.evaluate(SCROLL_TO_STEP_JS)
    keep_screenshot(page, "stepper_phone")

    # With a finger: a tap on Step moves one step, a tap on Play plays, a tap on Pause stops it.
    shown = "() => document.querySelector('.js-plotly-plot')._fullLayout.sliders[0].active"
    before = page.evaluate(shown)
    step_button.tap()
    page.wait_for_function(f"() => ({shown})() === {before + 1}", timeout=TIMEOUT_MS)
    page.locator('.js-plotly-plot g.updatemenu-button').filter(has_text="▶ Play 10 steps/s").tap()
    page.wait_for_function(f"() => ({shown})() >= {before + 3}", timeout=TIMEOUT_MS)
    page.locator('.js-plotly-plot g.updatemenu-button').filter(has_text="Pause").tap()
    paused = page.evaluate(shown)
    page.wait_for_timeout(500)
    assert page.evaluate(shown) <= paused + 1, "Pause stops the play (a frame already on its way may land)"

    # The server draws every figure wide: after a rerun (another unit) the phone's arrangement comes back.
    thumb = page.locator('[data-testid="stSlider"] input[type="range"][aria-label="Unit for the equations"]')
    thumb.focus()
    thumb.press("ArrowRight")
    expect(page.get_by_text("Unit 1 of layer 1", exact=False).first).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_selector(IDLE, timeout=TIMEOUT_MS)
    _arranged(page, "narrow")
    assert _overlapping(page.evaluate(TEXT_BOXES_JS)) == [], "no two texts meet after the rerun either"
    phone.close()

    chromebook = browser.new_context(viewport={"width": CHROMEBOOK[0], "height": CHROMEBOOK[1]})
    page = chromebook.new_page()
    page.goto(address)
    _stepper_shown(page)
    _arranged(page, "wide")
    step_button = page.locator('.js-plotly-plot g.updatemenu-button').filter(has_text="Step ▶")
    step_button.evaluate(SCROLL_TO_STEP_JS)
    page.wait_for_timeout(300)
    button = step_button.bounding_box()
    header_bottom = page.locator('[data-testid="stHeader"]').bounding_box()["height"]
    assert header_bottom <= button["y"] and button["y"] + button["height"] <= CHROMEBOOK[1], "Step is on the screen"
    heatmaps = page.evaluate(PANEL_BOX_JS, "heatmap")[:6]  # the gates' and the states'; the gradients' come last
    assert len(heatmaps) == 6
    for heatmap in heatmaps:
        assert header_bottom <= heatmap["top"] and heatmap["bottom"] <= CHROMEBOOK[1], \
            "the six heatmaps Step moves are on the screen with it"
    keep_screenshot(page, "stepper_chromebook")

    # A window made narrow re-lays the figure out at once, with no trip to the server.
    page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
    _arranged(page, "narrow")
    chromebook.close()
