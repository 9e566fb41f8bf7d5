"""In a real Chromium: the guided lesson goes page to page, resumes after a reload and outlines its target."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from bench.page_waits import IDLE
from lstm_core.figures.style import HIGHLIGHT_COLOR
from lstm_core.lessons.guide import STEPS, key_class
from tests.e2e.conftest import TIMEOUT_MS, keep_screenshot
from tests.e2e.fit import PHONE, assert_fits

pytestmark = pytest.mark.e2e

NOT_FOUND = "Failed to load resource: the server responded with a status of 404 (Not Found)"
OUTLINE_JS = """(selector) => {
  const element = document.querySelector(selector);
  if (!element) return null;
  const style = getComputedStyle(element), box = element.getBoundingClientRect();
  const banner = document.querySelector('.st-key-guide_banner').getBoundingClientRect();
  return {style: style.outlineStyle, width: style.outlineWidth, color: style.outlineColor,
          top: box.top, bottom: box.bottom, height: window.innerHeight, banner_bottom: banner.bottom};
}"""


def settle(page: Page) -> None:
    """Wait until Streamlit has finished running the script."""
    page.wait_for_selector(IDLE, timeout=TIMEOUT_MS)


def rgb(hex_color: str) -> str:
    """Return a #rrggbb colour as the browser's computed style writes it."""
    red, green, blue = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


def expect_step(page: Page, number: int, url_path: str) -> None:
    """Wait until the banner shows step number on the page at url_path, with the step in the address."""
    expect(page.get_by_text(f"Guided lesson · step {number} of {len(STEPS)}")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page).to_have_url(re.compile(rf"/{url_path}\?(.*&)?guide={number}(&|$)"), timeout=TIMEOUT_MS)
    settle(page)


def outline_of(page: Page, key: str) -> dict:
    """Return the outline of the element of key, once it is drawn, and where it sits in the window."""
    selector = "." + key_class(key)
    page.wait_for_selector(selector, timeout=TIMEOUT_MS)
    page.wait_for_function(f"() => ({OUTLINE_JS})({selector!r}).style === 'solid'", timeout=TIMEOUT_MS)
    return page.evaluate(OUTLINE_JS, selector)


def press(page: Page, name: str) -> None:
    """Press the banner's button called name."""
    page.locator(".st-key-guide_banner").get_by_role("button", name=name).click()


def test_the_guide_resumes_after_a_reload_with_its_target_outlined(page: Page, app_url: str):
    probes_missed = []  # opened on a page's path, Streamlit first looks for its server under that path
    page.on("response", lambda response: response.status == 404 and "/model/_stcore/" in response.url
            and probes_missed.append(response.url))
    page.goto(app_url)
    expect(page.locator("h1").first).to_have_text("LSTM Lens", timeout=TIMEOUT_MS)
    settle(page)
    page.get_by_role("button", name="Start the guided lesson").click()
    expect_step(page, 1, "")
    assert outline_of(page, STEPS[0].target_key)["color"] == rgb(HIGHLIGHT_COLOR)

    press(page, "Next")
    expect_step(page, 2, "data")
    assert STEPS[1].target_key == "w_series_noise_std"
    outline = outline_of(page, STEPS[1].target_key)
    assert (outline["width"], outline["color"]) == ("3px", rgb(HIGHLIGHT_COLOR))
    assert page.locator(".st-key-series").evaluate(
        "element => getComputedStyle(element).outlineStyle") == "none", "only the step's element is outlined"
    expect(page.locator(".st-key-guide_banner").get_by_role("button", name="Next")).to_be_visible()
    thumb = page.locator('.st-key-w_series_noise_std input[type="range"]')
    before = thumb.input_value()
    thumb.focus()
    thumb.press("ArrowRight")
    expect(thumb).not_to_have_value(before, timeout=TIMEOUT_MS)
    expect(page.locator(".st-key-guide_banner").get_by_role("button", name="Done — Next")).to_be_visible(
        timeout=TIMEOUT_MS)
    settle(page)

    press(page, "Done — Next")
    expect_step(page, 3, "data")
    chart = outline_of(page, STEPS[2].target_key)  # a chart's key outlines the chart
    # The page keeps the chart in view while the charts above it draw: wait for it to rest under the banner.
    page.wait_for_function(f"""() => {{ const box = ({OUTLINE_JS})('.{key_class(STEPS[2].target_key)}');
        return box && box.top > 0 && box.top <= box.banner_bottom + 40; }}""", timeout=TIMEOUT_MS)
    chart = page.evaluate(OUTLINE_JS, "." + key_class(STEPS[2].target_key))
    assert chart["banner_bottom"] <= chart["top"] <= chart["banner_bottom"] + 40 < chart["height"], \
        ("the page scrolled the step's chart (far down the page) to just under the banner, which stays in view", chart)
    press(page, "Next")
    expect_step(page, 4, "model")

    page.reload()
    expect_step(page, 4, "model")
    outline = outline_of(page, STEPS[3].target_key)
    assert (outline["style"], outline["color"]) == ("solid", rgb(HIGHLIGHT_COLOR))
    assert outline["banner_bottom"] <= outline["top"] and outline["bottom"] <= outline["height"], \
        ("the step's slider is in view, under the banner", outline)
    expect(page.locator(".st-key-guide_banner")).to_contain_text(STEPS[3].sentence)
    keep_screenshot(page, "guide-step-4")
    assert_fits(page, "the guide at its step 4", PHONE)

    press(page, "Back")
    expect_step(page, 3, "data")
    press(page, "Leave the guide")
    expect(page.locator(".st-key-guide_banner")).to_have_count(0, timeout=TIMEOUT_MS)
    settle(page)
    assert "guide=" not in page.url and "/data" in page.url
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    errors = list(page.console_errors)
    for _ in probes_missed:
        errors.remove(NOT_FOUND)
    assert errors == [], (errors, probes_missed)
