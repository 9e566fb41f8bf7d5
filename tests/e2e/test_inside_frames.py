"""In a real Chromium, the Inside stepper steps and plays in the browser: its frames change, the server runs nothing."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from bench.page_waits import IDLE
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.figure_slider import WATCH_SCRIPT_STATE_JS

pytestmark = pytest.mark.e2e


# What the stepper shows now: the slider's step label, the heatmap's step line, the unit's numbers, and the cell
# diagram's labels as drawn in the SVG and its wire widths.
SHOWN_JS = """() => {
    const chart = document.querySelector('.js-plotly-plot');
    if (!chart || !chart.data) return {label: null, line: [], numbers: [], cell: [], wires: [], title: ''};
    const trace = name => chart.data.find(t => t.name === name);
    const labels = Array.from(chart.querySelectorAll('.slider-container text')).map(e => e.textContent);
    return {label: labels.find(text => /^Step \\d+ of/.test(text)) || null,
            line: Array.from(trace('step line i').x),
            numbers: Array.from(trace('unit values').text),
            cell: Array.from(chart.querySelectorAll('.textpoint text')).map(e => e.textContent)
                .filter(text => /^[ifgo] = /.test(text)),
            wires: chart.data.filter(t => (t.name || '').startsWith('wire ')).map(t => t.line.width),
            title: chart.layout.title.text};
}"""


# The frame the figure's Step ▶ button animates to when pressed (its Plotly data), or null before it is drawn.
STEP_BUTTON_FRAME_JS = """() => {
    const button = Array.from(document.querySelectorAll('.js-plotly-plot g.updatemenu-button'))
        .find(element => /Step ▶/.test(element.textContent || ''));
    const args = button && button.__data__ && button.__data__.args;
    return args ? String(args[0][0]) : null;
}"""


def _press(page: Page, label: str) -> None:
    page.locator(".js-plotly-plot .updatemenu-button").filter(has_text=label).click()


def _wait_for_label(page: Page, label: str) -> dict:
    """Wait until the slider reads label and the figure has drawn that step's frame; return what it shows."""
    step = int(label.split()[1])
    page.wait_for_function(f"() => {{ const shown = ({SHOWN_JS})(); return shown.label === {label!r} "
                           f"&& shown.line[0] === {step}; }}", timeout=TIMEOUT_MS)
    return page.evaluate(SHOWN_JS)


def test_the_stepper_steps_and_plays_in_the_browser_with_no_script_run(browser, app_url):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    sent_frames: list = []
    page.on("websocket", lambda socket: socket.on("framesent", lambda payload: sent_frames.append(payload)))
    page.goto(app_url)
    page.get_by_role("button", name="Quick start", exact=False).click()
    expect(page.locator("h1").first).to_contain_text("Train", timeout=TIMEOUT_MS)
    expect(page.get_by_text("How good is the forecast?")).to_be_visible(timeout=120_000)
    page.locator('.st-key-app_navigation').get_by_role("link", name="Inside the LSTM", exact=True).click()
    expect(page.get_by_text("Replay matches Keras", exact=False)).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_selector(".js-plotly-plot .updatemenu-button", timeout=TIMEOUT_MS)
    page.wait_for_selector(IDLE, timeout=TIMEOUT_MS)

    first = _wait_for_label(page, "Step 1 of 20")
    assert first["line"] == [1, 1] and "Unit 0 of layer 1" in first["title"]
    # A polite live region after the figure says the step and the unit's numbers as the frame changes.
    live = page.locator(".js-plotly-plot + .figure-live-region")
    expect(live).to_have_attribute("aria-live", "polite")
    expect(live).to_contain_text("Step 1 of 20: input")
    said_first = live.text_content()
    # The chart's summary follows it for screen readers, drawn nowhere, and shows under "Describe this chart".
    summary = page.locator("p.chart-summary").filter(has_text="its forget gate is")
    expect(summary).to_contain_text("Unit 0 of layer 1 over 20 steps")
    box = summary.bounding_box()
    assert box is not None and box["width"] <= 1 and box["height"] <= 1, f"the summary is drawn: {box}"
    page.evaluate(WATCH_SCRIPT_STATE_JS)
    frames_before = len(sent_frames)

    _press(page, "Step ▶")
    second = _wait_for_label(page, "Step 2 of 20")
    assert second["line"] == [2, 2], "the heatmap's step line moved to step 2"
    assert second["numbers"] != first["numbers"], "the unit's numbers are step 2's"
    assert len(first["cell"]) == 4 and second["cell"] != first["cell"], "the cell diagram shows step 2's values"
    assert second["wires"] != first["wires"], "the cell's wires take step 2's widths"
    expect(live).to_contain_text("Step 2 of 20: input")
    assert "unit 0: input gate" in live.text_content() and live.text_content() != said_first
    _press(page, "Step ▶")
    assert _wait_for_label(page, "Step 3 of 20")["line"] == [3, 3]
    _press(page, "◀ Step back")
    back = _wait_for_label(page, "Step 2 of 20")
    assert back["numbers"] == second["numbers"] and back["cell"] == second["cell"], "back to step 2's numbers"

    _press(page, "▶ Play 10 steps/s")
    page.wait_for_function(f"() => ({SHOWN_JS})().label === 'Step 20 of 20'", timeout=10_000)
    last = page.evaluate(SHOWN_JS)
    assert last["line"] == [20, 20] and last["numbers"] != second["numbers"] and last["cell"] != second["cell"]
    # Play draws only what moves, its step buttons too: they still step from the step shown.
    _press(page, "◀ Step back")
    assert _wait_for_label(page, "Step 19 of 20")["line"] == [19, 19], "Step back at once after a play to the end"
    _press(page, "▶ Play 2 steps/s")
    _wait_for_label(page, "Step 20 of 20")
    page.wait_for_timeout(700)  # the play is over
    _press(page, "◀ Step back")
    assert _wait_for_label(page, "Step 19 of 20")["line"] == [19, 19], "Step back a while after a play"
    _press(page, "◀◀ Step 1")
    _wait_for_label(page, "Step 1 of 20")
    _press(page, "▶ Play 2 steps/s")
    page.wait_for_function(f"() => ({SHOWN_JS})().label === 'Step 3 of 20'", timeout=10_000)
    _press(page, "Step ▶")  # while playing: one step on from the step shown, and the play stops
    assert _wait_for_label(page, "Step 4 of 20")["line"] == [4, 4]
    _press(page, "▶ Play 2 steps/s")
    page.wait_for_function(f"() => ({SHOWN_JS})().label === 'Step 6 of 20'", timeout=10_000)
    _press(page, "Pause")
    page.wait_for_timeout(700)  # longer than a step at 2 a second: the play has stopped
    paused = int(page.evaluate(SHOWN_JS)["label"].split()[1])
    assert 6 <= paused < 20
    _press(page, "Step ▶")
    assert _wait_for_label(page, f"Step {paused + 1} of 20")["line"] == [paused + 1] * 2, "Step ▶ after a pause"
    page.locator(".js-plotly-plot .slider-rail-touch-rect").click(position={"x": 5, "y": 5})  # scrub back to step 1
    assert _wait_for_label(page, "Step 1 of 20")["numbers"] == first["numbers"]

    # The figure's own controls work from the keyboard: a button takes Enter, the slider arrows and Home, and Tab
    # goes from one control to the next. The scrub draws the buttons anew once its slide ends, pointing Step ▶ at
    # step 2: a key pressed on the button before that lands on one about to go.
    page.wait_for_function(f"() => ({STEP_BUTTON_FRAME_JS})() === '2'", timeout=TIMEOUT_MS)
    step_button = page.locator('.js-plotly-plot g.updatemenu-button[role="button"][aria-label="Step ▶"]')
    step_button.focus()
    page.keyboard.press("Enter")
    assert _wait_for_label(page, "Step 2 of 20")["numbers"] == second["numbers"], "Enter pressed Step ▶"
    # Whether or not the step drew the buttons anew, the focus is still on Step ▶: Enter again would step again.
    page.wait_for_function("() => document.activeElement.getAttribute('aria-label') === 'Step ▶'",
                           timeout=TIMEOUT_MS)
    slider = page.locator('.js-plotly-plot g.slider-container[role="slider"]')
    slider.focus()
    page.keyboard.press("ArrowRight")
    assert _wait_for_label(page, "Step 3 of 20")["line"] == [3, 3], "the right arrow stepped on"
    expect(slider).to_have_attribute("aria-valuenow", "3")
    expect(slider).to_have_attribute("aria-valuemax", "20")
    page.keyboard.press("Home")
    assert _wait_for_label(page, "Step 1 of 20")["numbers"] == first["numbers"], "Home went back to step 1"
    step_button.focus()
    page.keyboard.press("Tab")
    reached = page.evaluate("() => document.activeElement.getAttribute('aria-label') || ''")
    assert reached.startswith(("Step", "▶ Play", "Pause", "◀")), f"Tab reached {reached!r}, not the next control"

    assert page.evaluate("() => window.scriptStates") == [], "no script ran on the server while stepping"
    assert sent_frames[frames_before:] == [], "the browser sent the server nothing while stepping"

    # The watchers do see a rerun: the server's own step slider asks for one, and the figure opens at its step.
    thumb = page.locator('[data-testid="stSlider"] input[type="range"][aria-label="Open the figure at step"]')
    thumb.focus()
    thumb.press("ArrowRight")
    # Seen as the browser's request for a run: the page's script state may draw a quick run as no change at all.
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while len(sent_frames) == frames_before and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert len(sent_frames) > frames_before, "the step slider asked the server for a run"
    page.wait_for_selector(IDLE, timeout=TIMEOUT_MS)
    assert _wait_for_label(page, "Step 2 of 20")["numbers"] == second["numbers"]

    # The address keeps the step the figure shows, so a reload opens the figure there.
    _press(page, "Step ▶")
    _press(page, "Step ▶")
    shown = _wait_for_label(page, "Step 4 of 20")
    page.wait_for_function("() => new URL(location.href).searchParams.get('insideStep') === '4'", timeout=TIMEOUT_MS)
    page.reload()
    assert _wait_for_label(page, "Step 4 of 20")["numbers"] == shown["numbers"], "the reload opened at step 4"

    # With prefers-reduced-motion nothing glides, not even the slider's handle, and Play still plays.
    transition_js = "() => document.querySelector('.js-plotly-plot')._fullLayout.sliders[0].transition.duration"
    assert page.evaluate(transition_js) > 0, "Plotly's own slider glides by default"
    page.emulate_media(reduced_motion="reduce")
    page.wait_for_function(f"() => ({transition_js})() === 0", timeout=TIMEOUT_MS)
    _press(page, "▶ Play 10 steps/s")
    assert _wait_for_label(page, "Step 20 of 20")["line"] == [20, 20], "Play advanced with reduced motion"
    expect(page.locator(".js-plotly-plot + .figure-live-region")).to_contain_text("Step 20 of 20")
    context.close()
