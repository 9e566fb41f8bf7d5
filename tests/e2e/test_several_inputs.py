"""In a real Chromium: a driver added on Data, trained on Train, read on Inside two numbers at a time.

The learner picks "a driver" in the Data page's inputs, trains, and reads Train's verdict on which input the model
relies on; on Inside the stepper's window panel draws the driver beside the series and the first layer's equations
write W·x_t as two weight × value terms, which change as Step ▶ feeds the next step.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from bench.page_waits import IDLE
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.fit import PHONE, assert_fits

pytestmark = pytest.mark.e2e

TRAINING_TIMEOUT_MS = 180_000
SETTINGS = "points=300&window=10&units=8&layers=1&denseUnits=0&epochs=12&learningRate=0.01&seed=21"
STEPPER = ".st-key-stepper .js-plotly-plot"
# The first layer's input gate equation as the stepper shows it now: the text of its one-line equation trace.
INPUT_GATE_EQUATION_JS = """el => {
  const lines = el._fullData.flatMap(t => Array.isArray(t.text) ? t.text : []);
  return lines.find(line => /^i\\S*\\[/.test(line) && line.includes('W·x')) || null;
}"""
TWO_TERMS = re.compile(r"\[(\(?-?\d+\.\d+\)?)×(\(?-?\d+\.\d+\)?) \+ (\(?-?\d+\.\d+\)?)×(\(?-?\d+\.\d+\)?)\]")


def settle(page: Page) -> None:
    """Wait until Streamlit has finished running the script."""
    page.wait_for_selector(IDLE, timeout=TIMEOUT_MS)


def go_to(page: Page, label: str) -> None:
    """Open a page through the app's own navigation, as a learner does."""
    page.locator(".st-key-app_navigation").get_by_role("link", name=label, exact=True).click()
    settle(page)


def test_a_driver_added_on_data_is_trained_named_in_the_verdict_and_fed_beside_the_series(page: Page, app_url):
    page.goto(f"{app_url}/data?{SETTINGS}")
    settle(page)
    box = page.locator(".st-key-w_series_inputs input")
    expect(box).to_be_visible(timeout=TIMEOUT_MS)
    box.scroll_into_view_if_needed()
    option = page.get_by_role("option", name="a driver (leads the target)")
    for _ in range(3):  # a rerun that redraws the box closes its list: open it again
        box.click()
        try:
            expect(option).to_be_visible(timeout=5_000)
            break
        except AssertionError:
            settle(page)
    option.click()
    page.keyboard.press("Escape")
    settle(page)
    expect(page.get_by_text("2 inputs per step")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_text("(samples, 10 steps, 2 inputs)", exact=False)).to_be_visible()

    go_to(page, "Train")
    page.get_by_role("button", name="Train", exact=True).click()
    heading = page.get_by_role("heading", name="Which input does the model rely on?")
    expect(heading).to_be_visible(timeout=TRAINING_TIMEOUT_MS)
    verdict = page.locator('[data-testid="stAlertContentInfo"]').filter(has_text="the driver").first.inner_text()
    assert "the series' own past" in verdict and "driver" in verdict
    assert "known answer" in verdict or "has not learned it" in verdict, verdict
    assert_fits(page, "train with a driver", PHONE)

    go_to(page, "Inside the LSTM")
    stepper = page.locator(STEPPER)
    expect(stepper).to_be_visible(timeout=TIMEOUT_MS)
    names = stepper.evaluate("el => el._fullData.map(t => t.name)")
    assert "driver" in names, "the window panel draws the driver beside the series"
    first = stepper.evaluate(INPUT_GATE_EQUATION_JS)
    assert first and TWO_TERMS.search(first), first
    page.locator(STEPPER).locator("g.updatemenu-button").filter(has_text="Step ▶").first.click()
    page.wait_for_function(f"el => ({INPUT_GATE_EQUATION_JS})(el) !== {first!r}",
                           arg=stepper.element_handle(), timeout=TIMEOUT_MS)
    after = stepper.evaluate(INPUT_GATE_EQUATION_JS)
    assert TWO_TERMS.search(after) and after != first, "the next step feeds its own two numbers"
    assert_fits(page, "inside with a driver", PHONE)
