"""In a real Chromium: a forecast drawn with the pointer on Train is scored as lstm_core scores the same points.

The learner draws a wave across the shaded band with the mouse (down, moves, up), presses Done, and the page
shows the sketch's MSE over the noise floor; the test reads the points the drawing sent from the page, checks
they are the pointer's path mapped through the chart's axes, and scores them with lstm_core.evaluation.sketch.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from bench.page_waits import IDLE
from lstm_core.data.dataset import build_dataset
from lstm_core.evaluation.sketch import score_sketch, times
from lstm_core.presets import QUICK_START_MODEL, QUICK_START_SERIES
from lstm_core.ui.sketch import SKETCH_POINTS
from tests.e2e.accessibility import blocking_findings
from tests.e2e.conftest import TIMEOUT_MS, keep_screenshot

pytestmark = pytest.mark.e2e

TRAINING_TIMEOUT_MS = 120_000
MOVES = 120


def drawn_value(step: float) -> float:
    """Return the value the pointer draws at a test step: a wave a little above and below zero."""
    return 0.7 * math.sin(step / 8.0) + 0.2


def test_a_sketch_drawn_with_the_pointer_is_scored_as_lstm_core_scores_its_points(page: Page, app_url: str):
    page.goto(app_url)
    expect(page.locator("h1").first).to_have_text("LSTM Lens", timeout=TIMEOUT_MS)
    page.wait_for_selector(IDLE, timeout=TIMEOUT_MS)
    page.get_by_role("button", name="Quick start: small preset, then train").click()
    expect(page.get_by_text("Draw your forecast first")).to_be_visible(timeout=TRAINING_TIMEOUT_MS)
    page.wait_for_selector(IDLE, timeout=TIMEOUT_MS)
    area = page.locator(".sketch-area")  # inside the component's open shadow root
    expect(area).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_role("button", name="Done: show the forecast")).to_be_disabled()
    audit = blocking_findings(page)
    assert audit == [], "\n".join(map(str, audit))

    area.scroll_into_view_if_needed()
    box = area.bounding_box()
    x0, x1 = (float(v) for v in area.get_attribute("data-x-range").split(","))
    y0, y1 = (float(v) for v in area.get_attribute("data-y-range").split(","))
    assert x1 == SKETCH_POINTS - 1

    def pixel(step: float, value: float) -> tuple[float, float]:
        return (box["x"] + (step - x0) / (x1 - x0) * box["width"],
                box["y"] + (y1 - value) / (y1 - y0) * box["height"])

    # From just left of step 0 to just right of the last step: the drawing clamps both ends onto the band.
    path = np.linspace(-0.4, x1 + 0.4, MOVES)  # (MOVES,) test steps the pointer passes
    page.mouse.move(*pixel(path[0], drawn_value(path[0])))
    page.mouse.down()
    for step in path[1:]:
        page.mouse.move(*pixel(step, drawn_value(step)))
    page.mouse.up()

    root = page.locator('[data-testid="sketch-forecast"]')
    points = np.array(json.loads(root.get_attribute("data-points")))  # (drawn, 2): test step, series units
    assert points[0, 0] == 0 and points[-1, 0] == x1, "the stroke spans every test point"
    assert np.all(np.diff(points[:, 0]) > 0), "one stroke left to right: its points in order"
    inside = (points[:, 0] > 0) & (points[:, 0] < x1)
    one_pixel = (y1 - y0) / box["height"]
    assert np.abs(points[inside, 1] - [drawn_value(s) for s in points[inside, 0]]).max() < 2 * one_pixel, \
        "the points are the pointer's path read through the chart's axes"
    keep_screenshot(page, "sketch-drawn", full_page=True)

    page.get_by_role("button", name="Done: show the forecast").click()
    score_line = page.locator('[data-testid="stMarkdownContainer"] p').filter(has_text="your sketch from its forecast")
    expect(score_line).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_selector(IDLE, timeout=TIMEOUT_MS)
    expect(area).to_have_count(0)

    ds = build_dataset(QUICK_START_SERIES, QUICK_START_MODEL.seq_length, QUICK_START_MODEL.horizon)
    actual = ds.y["test"][:SKETCH_POINTS, 0]  # (50,) scaled
    scaled = points[:, 1] * ds.scaler.scale_[0] + ds.scaler.min_[0]
    # The model's forecast lives on the server; the sketch's own score depends on the points and the data only.
    expected = score_sketch(points[:, 0], scaled, actual, actual, ds.noise_floor)
    shown = score_line.inner_text()
    assert re.match(rf"Your sketch: {expected.sketch_ratio:.2f}× the noise floor \(MSE {expected.sketch_mse:.5f}\)",
                    shown), shown
    verdict = page.locator('[data-testid="stAlert"]').filter(has_text="Scored on").inner_text()
    assert f"Scored on all {SKETCH_POINTS} points. Your sketch: {times(expected.sketch_ratio)} the noise floor;" \
        in verdict, verdict
    keep_screenshot(page, "sketch-revealed", full_page=True)
    assert page.console_errors == [], page.console_errors


PHONE = {"width": 375, "height": 800}
TYPED = {0: "-0.2", 10: "0.5", 20: "0.9", 30: "0.1", 40: "-0.6", 49: "-0.3"}  # step -> value typed in its box


def test_on_a_phone_the_sketch_is_typed_with_the_keyboard_and_scored_the_same_way(browser, app_url: str):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(app_url)
    expect(page.locator("h1").first).to_have_text("LSTM Lens", timeout=TIMEOUT_MS)
    page.wait_for_selector(IDLE, timeout=TIMEOUT_MS)
    page.get_by_role("button", name="Quick start: small preset, then train").click()
    expect(page.get_by_text("Draw your forecast first")).to_be_visible(timeout=TRAINING_TIMEOUT_MS)
    root = page.locator('[data-testid="sketch-forecast"]')
    expect(root).to_be_visible(timeout=TIMEOUT_MS)
    fits = root.evaluate("r => [r.scrollWidth, r.clientWidth, r.querySelector('svg').getBoundingClientRect().right, "
                         "r.getBoundingClientRect().right]")
    assert fits[0] <= fits[1] and fits[2] <= fits[3] + 0.5, f"the drawing fits a phone's width: {fits}"

    page.get_by_label("Step 0", exact=True).focus()
    for step, value in TYPED.items():
        expect(page.get_by_label(f"Step {step}", exact=True)).to_be_focused()
        page.keyboard.type(value)
        page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Done: show the forecast")).to_be_focused()
    points = json.loads(root.get_attribute("data-points"))
    assert points == [[step, float(value)] for step, value in TYPED.items()]
    keep_screenshot(page, "sketch-typed-phone", full_page=True)
    page.keyboard.press("Enter")

    verdict = page.locator('[data-testid="stAlert"]').filter(has_text="Scored on")
    expect(verdict).to_be_visible(timeout=TIMEOUT_MS)
    ds = build_dataset(QUICK_START_SERIES, QUICK_START_MODEL.seq_length, QUICK_START_MODEL.horizon)
    actual = ds.y["test"][:SKETCH_POINTS, 0]  # (50,) scaled
    xs, ys = np.array(points).T
    expected = score_sketch(xs, ys * ds.scaler.scale_[0] + ds.scaler.min_[0], actual, actual, ds.noise_floor)
    score_line = page.locator('[data-testid="stMarkdownContainer"] p').filter(has_text="your sketch from its forecast")
    assert score_line.inner_text().startswith(
        f"Your sketch: {expected.sketch_ratio:.2f}× the noise floor (MSE {expected.sketch_mse:.5f})")
    assert f"Scored on all {SKETCH_POINTS} points. Your sketch: {times(expected.sketch_ratio)} the noise floor;" \
        in verdict.inner_text()
    context.close()
