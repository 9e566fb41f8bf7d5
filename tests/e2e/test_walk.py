"""A learner's walk through the running app in a real Chromium: every page, from Home through the lessons to the board.

Every page the walk checks is also audited against WCAG 2.1 A and AA (tests/e2e/accessibility.py).
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from bench.page_waits import IDLE
from lstm_core.config import ModelConfig
from lstm_core.model.shapes import count_params
from lstm_core.presets import PRESETS
from lstm_core.ui.pages import PAGES as REGISTERED_PAGES
from tests.e2e.accessibility import blocking_findings
from tests.e2e.conftest import ARTIFACTS, TIMEOUT_MS, save_whole_page
from tests.e2e.figure_slider import drag_slider_to
from tests.e2e.fit import PHONE, assert_fits

pytestmark = pytest.mark.e2e

STOP_SECONDS = 15  # no healthy machine takes this long to end a batch of the walk's model


def settle(page: Page) -> None:
    """Wait until Streamlit has finished running the script."""
    page.wait_for_selector(IDLE, timeout=TIMEOUT_MS)


def check_accessible(page: Page, name: str) -> None:
    """Assert that the app's own elements on the page have no critical or serious WCAG 2.1 A/AA failure."""
    findings = blocking_findings(page)
    assert not findings, f"{name}: {len(findings)} accessibility failures\n" + "\n".join(map(str, findings))


def check_page(page: Page, name: str) -> None:
    """Assert no exception box, no console error and no accessibility failure; keep a screenshot if asked."""
    settle(page)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    assert page.console_errors == [], f"{name}: browser console errors {page.console_errors}"
    check_accessible(page, name)
    save_whole_page(page, name, 1400, 1000)


def go_to(page: Page, label: str, title: str) -> None:
    """Click a page in the sidebar navigation and wait for its title."""
    page.locator('.st-key-app_navigation').get_by_role("link", name=label, exact=True).click()
    expect(page.locator("h1").first).to_contain_text(title, timeout=TIMEOUT_MS)
    settle(page)


def slider_input(page: Page, label: str):
    """Return the keyboard-operable range input of the slider with this label."""
    return page.locator(f'[data-testid="stSlider"] input[type="range"][aria-label="{label}"]')


def move_slider(page: Page, label: str, key: str, presses: int) -> None:
    """Press an arrow key on a slider as a keyboard user would, and wait for the rerun it causes."""
    thumb = slider_input(page, label)
    before = thumb.input_value()
    thumb.focus()
    for _ in range(presses):
        thumb.press(key)
    expect(thumb).not_to_have_value(before, timeout=TIMEOUT_MS)
    settle(page)


# Plotly sends arrays base64-packed; the drawn figure's _fullData holds them decoded.
Y_VALUES_JS = "el => (el._fullData || []).map(trace => Array.from(trace.y || []))"


def chart_data(page: Page, index: int = 0) -> list:
    """Return, per trace of the index-th Plotly chart on the page, its y values as drawn."""
    return page.locator(".js-plotly-plot").nth(index).evaluate(Y_VALUES_JS)


def loss_points(page: Page) -> int:
    """Return how many points the loss chart holds across its traces."""
    chart = page.locator(".js-plotly-plot").first
    if chart.count() == 0:
        return 0
    return chart.evaluate("el => (el._fullData || []).reduce((n, trace) => n + (trace.x ? trace.x.length : 0), 0)")


CHART_CHANGED_JS = """points => {
    const chart = document.querySelector('.js-plotly-plot');
    const bar = document.querySelector('[data-testid="stProgress"]');
    const now = chart ? (chart._fullData || []).reduce((n, t) => n + (t.x ? t.x.length : 0), 0) : 0;
    return now !== points || (bar && bar.innerText.includes('(done)'));
}"""


def progress_text(page: Page) -> str:
    """Return the text of the training progress bar."""
    return page.locator('[data-testid="stProgress"]').first.inner_text()


STEPPER_SHOWN_JS = """() => {
    const chart = document.querySelector('.js-plotly-plot');
    const trace = name => chart.data.find(t => t.name === name);
    const labels = Array.from(chart.querySelectorAll('.slider-container text')).map(e => e.textContent);
    return JSON.stringify({label: labels.find(text => /^Step \\d+ of/.test(text)) || null,
                           line: Array.from(trace('step line i').x), numbers: Array.from(trace('unit values').text)});
}"""


def stepper_shown(page: Page) -> str:
    """Return the Inside stepper's step label, heatmap step line and unit values, serialised by the browser."""
    return page.evaluate(STEPPER_SHOWN_JS)


def step_forward(page: Page, expected: int) -> None:
    """Press the stepper figure's Step button and wait for its step label to read `expected`; no rerun follows."""
    page.locator(".js-plotly-plot .updatemenu-button").filter(has_text="Step ▶").click()
    page.wait_for_function(f"() => JSON.parse(({STEPPER_SHOWN_JS})()).label.startsWith('Step {expected} of')",
                           timeout=TIMEOUT_MS)


def check_downloads(page: Page) -> None:
    """Download the settings and the model of the run just trained, and check what they hold."""
    import json

    import keras

    with page.expect_download(timeout=TIMEOUT_MS) as settings_download:
        page.get_by_role("button", name="Settings (JSON)").click()
    settings = json.loads(open(settings_download.value.path()).read())
    assert settings["model"]["units"] == 20 and settings["model"]["layers"] == 1
    with page.expect_download(timeout=TIMEOUT_MS) as model_download:
        page.get_by_role("button", name="The trained model (.keras)").click()
    path = ARTIFACTS / "downloaded.keras"
    model_download.value.save_as(path)
    model = keras.models.load_model(path, safe_mode=True)
    assert model.count_params() > 0 and model.input_shape[1:] == (settings["model"]["seq_length"], 1)
    expect(page.get_by_text("How good is the forecast?")).to_be_visible()  # a download does not rerun the page


# The lessons' own controls, set by the link the walk opens with: small trainings, since what the walk checks of a
# lesson is what a browser shows. Their verdicts at the defaults: the page tests (tests/pages/test_lessons.py).
# Its first training runs long enough to be seen growing on a busy machine, and no longer.
SMALL_TRAININGS = "epochs=15&memoryUnits=8&memoryEpochs=4&splitsPoints=500&splitsUnits=8&splitsEpochs=4&splitsSeeds=2"


def test_a_learner_walks_through_every_page(page: Page, app_url: str):
    visited = {"Home"}

    def visit(label: str, title: str) -> None:
        go_to(page, label, title)
        visited.add(label)

    page.goto(f"{app_url}/?{SMALL_TRAININGS}")
    expect(page.locator("h1").first).to_have_text("LSTM Lens", timeout=TIMEOUT_MS)
    check_page(page, "1-home")

    visit("Data", "Data")
    series_before = chart_data(page, 0)
    assert series_before and len(series_before[0]) > 100
    first_trace_js = f"() => JSON.stringify(({Y_VALUES_JS})(document.querySelector('.js-plotly-plot'))[0])"
    drawn_before = page.evaluate(first_trace_js)  # serialised by the browser, compared by the browser
    move_slider(page, "Noise (std)", "ArrowRight", 20)
    page.wait_for_function(f"before => ({first_trace_js})() !== before", arg=drawn_before, timeout=TIMEOUT_MS)
    assert chart_data(page, 0)[0] != series_before[0], "the series chart changes with the noise"
    noise = float(slider_input(page, "Noise (std)").input_value())
    expect(page.locator('[data-testid="stSidebar"]')).to_contain_text(f"noise σ {noise:.2f}")
    check_page(page, "2-data")

    visit("Model", "Model")
    parameters = page.locator('[data-testid="stMetricValue"]').first
    table = page.locator('[data-testid="stTable"]').first
    table_before = table.inner_text()
    expect(parameters).to_have_text(f"{count_params(ModelConfig()):,}")
    # A slider sends its value a moment after the keys: wait for what it changes, not for an idle app.
    move_slider(page, "Units", "ArrowLeft", 30)  # 50 -> 20 units
    expect(parameters).to_have_text(f"{count_params(ModelConfig(units=20)):,}", timeout=TIMEOUT_MS)
    move_slider(page, "Layers", "ArrowLeft", 1)  # 2 -> 1 layer
    expect(parameters).to_have_text(f"{count_params(ModelConfig(units=20, layers=1)):,}", timeout=TIMEOUT_MS)
    expect(table).not_to_contain_text("lstm_2", timeout=TIMEOUT_MS)  # one layer left in the shape table
    assert table.inner_text() != table_before
    check_page(page, "3-model")

    visit("Train", "Train")
    page.get_by_role("button", name="Train", exact=True).click()
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length > 0", timeout=TIMEOUT_MS)
    seen = set()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and "(done)" not in progress_text(page):
        seen.add(loss_points(page))
        # The next state of the live chart: more points, or training over.
        page.wait_for_function(CHART_CHANGED_JS, arg=loss_points(page), timeout=TIMEOUT_MS)
    assert "(done)" in progress_text(page), progress_text(page)
    assert len({n for n in seen if n > 0}) >= 2, f"the loss chart grew while training: {sorted(seen)}"
    expect(page.get_by_text("How good is the forecast?")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_text("Is it any good?")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator('[data-testid="stSidebar"]')).to_contain_text("Training: finished")
    check_downloads(page)
    check_page(page, "4-train")

    # A longer second run: the learner leaves the Train page and comes back while it trains, then stops it.
    visit("Model", "Model")
    move_slider(page, "Epochs", "ArrowRight", 30)
    visit("Train", "Train")
    page.get_by_role("button", name="Train", exact=True).click()
    expect(page.locator('[data-testid="stProgress"]').first).to_contain_text("(running)", timeout=TIMEOUT_MS)
    visit("Data", "Data")
    visit("Train", "Train")
    expect(page.locator('[data-testid="stProgress"]').first).to_contain_text("(running)", timeout=TIMEOUT_MS)
    page.get_by_role("button", name="Stop").click()
    # A liveness bound, not a speed measurement: Stop acts after the current batch, well within a second here.
    expect(page.locator('[data-testid="stProgress"]').first).to_contain_text("(stopped)", timeout=STOP_SECONDS * 1000)
    epochs_run, epochs = map(int, re.search(r"(\d+) of (\d+) epochs", progress_text(page)).groups())
    assert epochs_run < epochs, progress_text(page)
    settle(page)

    visit("Inside the LSTM", "Inside")
    page.wait_for_selector(".js-plotly-plot .updatemenu-button", timeout=TIMEOUT_MS)
    shown_before = stepper_shown(page)
    assert '"label":"Step 1 of' in shown_before and '"line":[1,1]' in shown_before, shown_before
    for expected in (2, 3, 4):
        step_forward(page, expected)
    shown_after = stepper_shown(page)
    assert '"line":[4,4]' in shown_after, "the heatmap's step line moved with the step"
    assert shown_after.split('"numbers"')[1] != shown_before.split('"numbers"')[1], "the unit's numbers are step 4's"
    expect(page.get_by_text("Replay matches Keras", exact=False)).to_be_visible()
    check_page(page, "5-inside")

    visit("Data", "Data")
    visit("Inside the LSTM", "Inside")
    expect(page.get_by_text("Replay matches Keras", exact=False)).to_be_visible(timeout=TIMEOUT_MS)
    check_page(page, "6-inside-after-return")

    # The memory of the model trained (and stopped) above, read back.
    visit("What the memory holds", "What does the memory hold")
    check_page(page, "6b-lesson-memory-holds")

    # The lesson: both models train, and the page shows who remembered and why.
    visit("LSTM vs plain RNN", "Why an LSTM")
    check_page(page, "7-lesson-memory-before")
    page.get_by_role("button", name="Train both").click()
    # A rerun may briefly show the last run's button beside the new one: the press shows a disabled one.
    expect(page.locator("button:disabled").filter(has_text=re.compile(r"^Train both$"))).not_to_have_count(
        0, timeout=TIMEOUT_MS)
    verdict = page.locator('[data-testid="stAlertContentSuccess"], [data-testid="stAlertContentInfo"]').filter(
        has_text="steps back")
    expect(verdict.first).to_be_visible(timeout=120_000)
    expect(verdict.first).to_contain_text("20 steps back")  # the lesson's k, the link left it at its default
    expect(page.get_by_role("button", name="Train both")).to_be_enabled(timeout=TIMEOUT_MS)
    # The full rerun after the jobs end replaces what the live part drew meanwhile: wait for it to settle.
    expect(page.locator('[data-testid="stMetricValue"]')).to_have_count(2, timeout=TIMEOUT_MS)
    page.get_by_role("tab", name="Through the memory", exact=False).click()
    expect(page.get_by_text("the gradient carried by the memory", exact=False)).to_be_visible()
    check_page(page, "8-lesson-memory-trained")
    assert_fits(page, "8-lesson-memory-trained", PHONE)  # a learner on a phone reads what the lesson's runs showed

    # The evaluation lessons; their verdicts come from their runs.
    visit("Trusting a test score", "How far can you trust")
    check_accessible(page, "9-lesson-splits-before")  # as a learner first sees it: nothing trained yet
    expect(slider_input(page, "Seeds")).to_have_value("2")  # the link's small lesson
    page.get_by_role("button", name="Train both splits").click()
    verdict = alert(page, "noise floor")
    expect(verdict).to_be_visible(timeout=120_000)
    expect(verdict).to_contain_text("chronological test error")
    # The verdict can show before the second chart has drawn: wait for both, and no third.
    expect(page.locator(".js-plotly-plot")).to_have_count(2, timeout=TIMEOUT_MS)
    check_page(page, "9-lesson-splits")
    assert_fits(page, "9-lesson-splits", PHONE)  # a learner on a phone reads what the lesson's runs showed

    visit("Looking further ahead", "Looking further ahead")
    check_accessible(page, "10-lesson-horizon-before")  # as a learner first sees it: nothing trained yet
    page.get_by_role("button", name="Train both").click()
    expect(alert(page, "steps ahead")).to_be_visible(timeout=120_000)
    # In the chart itself: its summary says the same words, hidden and under "Describe this chart".
    expect(page.locator(".st-key-horizon_errors .js-plotly-plot").get_by_text("Error per step ahead", exact=False)
           ).to_be_visible(timeout=TIMEOUT_MS)
    check_page(page, "10-lesson-horizon")
    assert_fits(page, "10-lesson-horizon", PHONE)  # a learner on a phone reads what the lesson's runs showed

    visit("Training as a film", "Training as a film")
    check_accessible(page, "11-lesson-film-before")  # as a learner first sees it: nothing trained yet
    page.get_by_role("button", name="Train and film").click()
    # The film opens on the untrained model; its last moment is the last epoch.
    film = page.locator(".st-key-film .js-plotly-plot")  # the chart's own title, not its summary's words
    expect(film.get_by_text("Before training (the initial random weights)")).to_be_visible(timeout=120_000)
    drag_slider_to(page, film, 1.0)  # the film's own slider, in the browser
    expect(film.get_by_text(re.compile(r"After epoch (\d+) of \1"))).to_be_visible(timeout=TIMEOUT_MS)
    check_page(page, "11-lesson-film")

    visit("Dropout at work", "Dropout at work")
    check_accessible(page, "12-lesson-dropout-before")  # as a learner first sees it: nothing trained yet
    page.get_by_role("button", name="Train", exact=True).click()
    expect(alert(page, "of the actual test values")).to_be_visible(timeout=120_000)
    expect(alert(page, "training loss")).to_be_visible()
    check_page(page, "12-lesson-dropout")
    assert_fits(page, "12-lesson-dropout", PHONE)  # a learner on a phone reads what the lesson's runs showed

    # Outside a room, the class board says what it is for and offers to open or join one.
    visit("Class board", "Class board")
    expect(page.get_by_role("button", name="Teach a class: open a room")).to_be_visible()
    check_page(page, "14-board-outside-a-room")
    assert visited == {registered.title for registered in REGISTERED_PAGES}, "the walk opens every page"


def alert(page: Page, text: str):
    """Return the info, success or warning box that contains text."""
    boxes = ", ".join(f'[data-testid="stAlertContent{kind}"]' for kind in ("Info", "Success", "Warning"))
    return page.locator(boxes).filter(has_text=text).first


def test_a_learner_uploads_a_bad_file_then_a_good_one(page: Page, app_url: str, tmp_path):
    page.goto(app_url)
    expect(page.locator("h1").first).to_have_text("LSTM Lens", timeout=TIMEOUT_MS)
    go_to(page, "Data", "Data")
    page.get_by_text("Your own CSV file").click()
    settle(page)
    upload = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
    bad = tmp_path / "names.csv"
    bad.write_text("name,city\nada,london\nbob,paris\n")
    upload.set_input_files(str(bad))
    expect(page.locator('[data-testid="stAlertContentError"]')).to_contain_text("No column of the file holds numbers",
                                                                               timeout=TIMEOUT_MS)
    expect(page.locator('[data-testid="stSidebar"]')).to_contain_text("sine, 1000 points")
    good = tmp_path / "levels.csv"
    good.write_text("day;level\n" + "\n".join(f"{k};{10 + k % 17},5" for k in range(240)) + "\n")
    upload.set_input_files(str(good))
    expect(page.locator('[data-testid="stSidebar"]')).to_contain_text("levels.csv: level, 240 values",
                                                                      timeout=TIMEOUT_MS)
    expect(page.get_by_text("decimal comma", exact=False).first).to_be_visible()
    check_page(page, "13-own-data")


def test_a_link_copied_in_one_browser_opens_the_same_settings_in_a_fresh_one(page: Page, app_url: str):
    page.goto(app_url)
    expect(page.locator("h1").first).to_have_text("LSTM Lens", timeout=TIMEOUT_MS)
    go_to(page, "Data", "Data")
    move_slider(page, "Noise (std)", "ArrowRight", 7)
    go_to(page, "Model", "Model")
    move_slider(page, "Units", "ArrowLeft", 9)
    expect(page).to_have_url(re.compile(r"[?&]units=41"), timeout=TIMEOUT_MS)  # the URL follows the control
    settle(page)
    sidebar_before = page.locator('[data-testid="stSidebar"]').inner_text()
    link_box = page.locator('[data-testid="stCode"]').last
    expect(link_box).to_contain_text("units=41", timeout=TIMEOUT_MS)
    link = link_box.inner_text().strip()
    assert "noise=0.17" in link and "w_" not in link, link

    fresh = page.context.browser.new_context()
    other = fresh.new_page()
    try:
        other.goto(link)
        expect(other.locator("h1").first).to_contain_text("Model", timeout=TIMEOUT_MS)
        other.wait_for_selector(IDLE, timeout=TIMEOUT_MS)
        # A fresh browser may look idle before its first run has begun: wait for the control, not for idleness.
        expect(slider_input(other, "Units")).to_have_value("41", timeout=TIMEOUT_MS)
        sidebar = other.locator('[data-testid="stSidebar"]')
        for line in ("noise σ 0.17", "LSTM(41)"):
            assert line in sidebar_before
            expect(sidebar).to_contain_text(line)
        expect(other.locator('[data-testid="stException"]')).to_have_count(0)
        # A preset still loads everywhere when the URL holds controls bound to it.
        other.get_by_text("Load a preset").click()
        other.get_by_role("button", name="Quick demo").click()
        expect(other.locator("h1").first).to_contain_text("Train", timeout=TIMEOUT_MS)
        go_to(other, "Model", "Model")
        expect(slider_input(other, "Units")).to_have_value(str(PRESETS["Quick demo"].model.units), timeout=TIMEOUT_MS)
        expect(other.locator('[data-testid="stException"]')).to_have_count(0)
    finally:
        fresh.close()
