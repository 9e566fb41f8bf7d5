"""In a real Chromium: a teacher's gates lesson link, built on Home after the quick start, opens with its model.

Opened in a fresh browser, as a projector would, it shows the lesson screen (no sidebar) with the stored model,
and its gates step in the browser.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from bench.page_waits import IDLE
from tests.e2e.conftest import TIMEOUT_MS, keep_screenshot
from tests.e2e.test_inside_frames import SHOWN_JS

pytestmark = pytest.mark.e2e

TRAINING_TIMEOUT_MS = 120_000
VIEWPORT = {"width": 1400, "height": 1000}
GATES_LESSON = "One step at a time through a trained LSTM's gates"
RUN_IN_URL = re.compile(r"[?&]run=([A-Za-z0-9_-]{22})(&|$)")


def settle(page: Page) -> None:
    """Wait until Streamlit has finished running the script."""
    page.wait_for_selector(IDLE, timeout=TIMEOUT_MS)


def shown_step(page: Page, label: str) -> dict:
    """Wait until the stepper's slider reads label and its heatmap line stands at that step; return what it shows."""
    step = int(label.split()[1])
    page.wait_for_function(f"() => {{ const shown = ({SHOWN_JS})(); return shown.label === {label!r} "
                           f"&& shown.line[0] === {step}; }}", timeout=TIMEOUT_MS)
    return page.evaluate(SHOWN_JS)


def choose(page: Page, key: str, option: str) -> None:
    """Pick option in the selectbox whose key is key, opening its list again whenever it closed before the click.

    A page that redraws a fragment every second (the projected board) can close an open list under a slow machine.
    """
    select = page.locator(f".st-key-{key}")
    combobox = select.get_by_role("combobox")
    expect(combobox).to_be_visible(timeout=TIMEOUT_MS)
    for _ in range(15):
        if not page.get_by_role("listbox").is_visible():
            select.get_by_role("button", name="Open").click()
        try:
            page.get_by_role("option", name=option).click(timeout=3_000)
            expect(combobox).to_have_value(option, timeout=3_000)
            return
        except (AssertionError, PlaywrightTimeoutError):
            continue
    expect(combobox).to_have_value(option, timeout=TIMEOUT_MS)


def test_the_gates_lesson_link_built_on_home_opens_with_its_model_in_a_fresh_browser(browser: Browser,
                                                                                     app_url: str):
    teacher = browser.new_context(viewport=VIEWPORT).new_page()
    teacher.goto(app_url)
    expect(teacher.locator("h1").first).to_have_text("LSTM Lens", timeout=TIMEOUT_MS)
    settle(teacher)
    teacher.get_by_role("button", name="Quick start: small preset, then train").click()
    expect(teacher.locator("h1").first).to_contain_text("Train", timeout=TIMEOUT_MS)
    # The quick start trains by itself (or opens its run, stored by an earlier module): nobody presses Train.
    expect(teacher.get_by_text("How good is the forecast?")).to_be_visible(timeout=TRAINING_TIMEOUT_MS)
    expect(teacher).to_have_url(RUN_IN_URL, timeout=TIMEOUT_MS)
    run_id = RUN_IN_URL.search(teacher.url).group(1)
    settle(teacher)

    teacher.locator('.st-key-app_navigation').get_by_role("link", name="Home", exact=True).click()
    expect(teacher.locator("h1").first).to_have_text("LSTM Lens", timeout=TIMEOUT_MS)
    settle(teacher)
    teacher.get_by_text("For teachers: a lesson link for a projected class").click()
    choose(teacher, "teacher_lesson", GATES_LESSON)
    settle(teacher)
    box = teacher.locator('[data-testid="stCode"]').filter(has_text="lesson=gates")
    expect(box).to_have_count(1, timeout=TIMEOUT_MS)
    link = re.sub(r"\s+", "", box.inner_text())
    parts = urlsplit(link)
    assert parts.path == "/inside" and parse_qs(parts.query)["run"] == [run_id], link
    teacher.context.close()

    projector_context = browser.new_context(viewport=VIEWPORT)
    projector = projector_context.new_page()
    projector.goto(link)
    expect(projector.locator("h1").first).to_contain_text("Inside the LSTM", timeout=TIMEOUT_MS)
    expect(projector.get_by_text("Replay matches Keras", exact=False)).to_be_visible(timeout=TIMEOUT_MS)
    projector.wait_for_selector(".js-plotly-plot .updatemenu-button", timeout=TIMEOUT_MS)
    settle(projector)
    keep_screenshot(projector, "lesson-link-projector", full_page=True)
    expect(projector.get_by_text(re.compile("no trained model", re.IGNORECASE))).to_have_count(0)
    expect(projector.locator('[data-testid="stSidebar"]')).to_have_count(0)
    expect(projector.get_by_text("The stored model this link carries", exact=False)).to_be_visible()
    assert not [text for text in projector.locator('[data-testid="stAlert"]').all_inner_texts() if "sidebar" in text]
    assert parse_qs(urlsplit(projector.url).query).get("lesson") == ["gates"], "the projector stays in lesson mode"

    first = shown_step(projector, "Step 1 of 20")
    projector.locator(".js-plotly-plot .updatemenu-button").filter(has_text="Step ▶").click()
    second = shown_step(projector, "Step 2 of 20")
    assert second["line"] == [2, 2] and second["numbers"] != first["numbers"], "the gates stepped to step 2"
    expect(projector.locator('[data-testid="stException"]')).to_have_count(0)
    projector_context.close()
