"""In a real Chromium: Inside's what-if answers a guess, and its chart's menu switches what-ifs in the browser; the
memory page draws its curves after a guess. Both pages, answers shown, pass the accessibility audit.

The stored quick start is read from the session app's run store, so what the browser draws is checked against
the glass box run here on the same weights.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from bench.memory_class import stored_training
from bench.page_waits import IDLE
from lstm_core.evaluation.expectations import outcome_of
from lstm_core.glassbox.memory_report import MemoryReport, memory_report
from lstm_core.glassbox.memory_verdict import memory_verdict
from lstm_core.glassbox.what_if import WhatIf
from tests.e2e.accessibility import blocking_findings
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.figure_slider import WATCH_SCRIPT_STATE_JS
from tests.e2e.fit import PHONE, assert_fits

pytestmark = pytest.mark.e2e

TRAINING_TIMEOUT_MS = 120_000
RUN_IN_URL = re.compile(r"[?&]run=([A-Za-z0-9_-]{22})(&|$)")
WHAT_IF_CHART = ".st-key-what_if_forecast .js-plotly-plot"
# The dashed forecast the what-if chart shows now: its trace's name and its values as drawn.
# The altered forecasts shown; the legend's one dashed entry for all of them draws nothing and is left out.
SHOWN_WHAT_IF_JS = """el => el._fullData.filter(t => t.visible === true && t.line && t.line.dash === 'dash'
                                         && t.showlegend === false)
    .map(t => ({name: t.name, y: Array.from(t.y)}))"""


def settle(page: Page) -> None:
    """Wait until Streamlit has finished running the script."""
    page.wait_for_selector(IDLE, timeout=TIMEOUT_MS)


def radio_group(page: Page, label_start: str):
    """Return the radio group whose question starts with label_start."""
    return page.locator('[data-testid="stRadio"]').filter(has_text=re.compile("^" + re.escape(label_start)))


def guess_and_show(page: Page, question_start: str, guess: str) -> None:
    """Pick guess in the question that starts with question_start, press Show and wait for the answer."""
    radio_group(page, question_start).get_by_text(guess, exact=True).click()
    show = page.get_by_role("button", name="Show what happens")
    expect(show).to_be_enabled(timeout=TIMEOUT_MS)
    settle(page)
    show.click()
    expect(page.get_by_text(f"You expected {guess}", exact=False)).to_be_visible(timeout=TIMEOUT_MS)
    settle(page)


def shown_what_if(page: Page) -> dict:
    """Return the altered forecast the what-if chart shows: its trace's name and values."""
    shown = page.locator(WHAT_IF_CHART).evaluate(SHOWN_WHAT_IF_JS)
    assert len(shown) == 1, f"one what-if at a time: {[s['name'] for s in shown]}"
    return shown[0]


def expect_shown(page: Page, what_if: WhatIf) -> None:
    """Assert that the chart shows what_if's forecast, with its name and test error, as the glass box computed it."""
    name = f"{what_if.label}, MSE {what_if.test_mse:.4f}"
    page.wait_for_function(f"el => ({SHOWN_WHAT_IF_JS})(el).some(t => t.name === {name!r})",
                           arg=page.locator(WHAT_IF_CHART).element_handle(), timeout=TIMEOUT_MS)
    np.testing.assert_allclose(shown_what_if(page)["y"], what_if.predictions[:, 0], rtol=1e-9, atol=1e-12)


def pick_in_menu(page: Page, what_if: WhatIf) -> None:
    """Open the what-if chart's menu and click what_if's entry, scrolling the menu to it as a mouse wheel does."""
    chart = page.locator(WHAT_IF_CHART)
    chart.locator(".updatemenu-header").click()
    entry = chart.locator(".updatemenu-dropdown-button").filter(has_text=what_if.label)
    expect(entry).to_have_count(1, timeout=TIMEOUT_MS)
    plot = chart.locator("svg.main-svg").first.bounding_box()
    for _ in range(10):  # the menu is longer than the chart: its scroll box shows a part of it
        box = entry.bounding_box()
        if plot["y"] < box["y"] and box["y"] + box["height"] < plot["y"] + plot["height"]:
            break
        first = chart.locator(".updatemenu-dropdown-button").first.bounding_box()
        page.mouse.move(first["x"] + 40, max(first["y"], plot["y"]) + 40)
        page.mouse.wheel(0, 300 if box["y"] > plot["y"] else -300)
        page.wait_for_timeout(200)
    entry.click()


def trained_report(page: Page, data_dir: Path) -> MemoryReport:
    """Return the memory report of layer 1 of the run the address bar names, computed from the stored weights."""
    expect(page).to_have_url(RUN_IN_URL, timeout=TIMEOUT_MS)
    stored, dataset = stored_training(data_dir, RUN_IN_URL.search(page.url).group(1))
    assert stored.result.weights is not None
    return memory_report(stored.result.weights, dataset, 0)


def check_accessible(page: Page, name: str) -> None:
    """Assert that the app's own elements have no critical or serious WCAG 2.1 A/AA failure."""
    findings = blocking_findings(page)
    assert not findings, f"{name}: {len(findings)} accessibility failures\n" + "\n".join(map(str, findings))


def test_what_ifs_switch_in_the_browser_and_the_memory_curves_follow_a_guess(page: Page, app_url: str,
                                                                            app_data_dir: Path):
    sent_frames: list = []
    page.on("websocket", lambda socket: socket.on("framesent", lambda payload: sent_frames.append(payload)))
    page.goto(app_url)
    expect(page.locator("h1").first).to_have_text("LSTM Lens", timeout=TIMEOUT_MS)
    settle(page)
    page.get_by_role("button", name="Quick start: small preset, then train").click()
    # The quick start trains (or opens its run, stored by an earlier module) by itself.
    expect(page.get_by_text("How good is the forecast?")).to_be_visible(timeout=TRAINING_TIMEOUT_MS)
    report = trained_report(page, app_data_dir)
    atlas = report.atlas

    page.locator('.st-key-app_navigation').get_by_role("link", name="Inside the LSTM", exact=True).click()
    expect(page.get_by_text("Replay matches Keras", exact=False)).to_be_visible(timeout=TIMEOUT_MS)
    settle(page)
    radio_group(page, "What if").get_by_text("Clamp a gate", exact=True).click()
    clamp = atlas.clamp(0, "f", 1.0)  # the clamp the select box offers first
    expect(radio_group(page, f"If you {clamp.label}")).to_be_visible(timeout=TIMEOUT_MS)
    settle(page)
    assert page.locator(WHAT_IF_CHART).count() == 0, "no answer before the guess"
    guess_and_show(page, f"If you {clamp.label}", "the same")
    expect(page.get_by_text(f"You expected the same; it came out {outcome_of(clamp.ratio)}", exact=False)) \
        .to_be_visible()
    expect_shown(page, clamp)
    labels = page.locator(WHAT_IF_CHART).evaluate("el => el.layout.updatemenus[0].buttons.map(b => b.label)")
    assert labels == [w.label for w in atlas.what_ifs.values()], "the menu holds every what-if of the layer"

    # Switching the menu is plotly.js alone: no script run, nothing sent to the server.
    page.evaluate(WATCH_SCRIPT_STATE_JS)
    frames_before = len(sent_frames)
    forgets, reset = atlas.clamp(0, "f", 0.0), atlas.reset()
    pick_in_menu(page, forgets)
    expect_shown(page, forgets)
    pick_in_menu(page, reset)
    expect_shown(page, reset)
    pick_in_menu(page, forgets)
    expect_shown(page, forgets)
    assert page.evaluate("() => window.scriptStates") == [], "no script ran on the server while switching"
    assert sent_frames[frames_before:] == [], "the browser sent the server nothing while switching"
    check_accessible(page, "Inside with a what-if revealed")
    assert_fits(page, "inside with a what-if revealed", PHONE)

    page.locator('.st-key-app_navigation').get_by_role("link", name="What the memory holds", exact=True).click()
    expect(page.locator("h1").first).to_contain_text("What does the memory hold", timeout=TIMEOUT_MS)
    settle(page)
    # The same frames watcher does see a page switch, which asks the server for a script run. (The page's script
    # state need not show that run: React may draw a quick run's "running" and "notRunning" as one change.)
    assert len(sent_frames) > frames_before, "the browser asked the server for the new page's run"
    assert page.locator(".st-key-readout_curves").count() == 0, "no curves before the guess"
    guess_and_show(page, "Before you look", "partly")
    expect(page.locator(".st-key-readout_curves .js-plotly-plot")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_text(memory_verdict(report.curves), exact=True)).to_be_visible()
    expect(page.locator(".st-key-unit_roles .js-plotly-plot")).to_be_visible()
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    check_accessible(page, "the memory page with its curves revealed")
    assert_fits(page, "the memory page with its curves revealed", PHONE)
    assert page.console_errors == [], page.console_errors
