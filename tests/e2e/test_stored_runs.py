"""Stored runs in a real Chromium: a reload, a fresh browser or another server on the store opens the run untrained.

The address bar names the screen (settings and ``run=<id>``); a bad or expired id says so and the page goes on
working with the link's settings.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from lstm_core.config import SeriesConfig
from lstm_core.store.runs import RunStore
from tests.e2e.conftest import keep_screenshot, served_app
from tests.e2e.test_walk import IDLE, TIMEOUT_MS, alert, chart_data, go_to, move_slider, settle, slider_input

pytestmark = pytest.mark.e2e

TRAINING_TIMEOUT_MS = 120_000
RUN_IN_URL = re.compile(r"[?&]run=([A-Za-z0-9_-]{22})(&|$)")
VIEWPORT = {"width": 1400, "height": 1000}
LINK_OPENED_TRAIN = "This run was opened from a link"
LINK_OPENED_INSIDE = "This model was opened from a link"
LINK_OPENED_LESSON = "These results were opened from a link"
STORED_BEFORE = "This exact training (same data, model and seed) was run before"
DEFAULT_NOISE = SeriesConfig().noise_std


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory) -> Path:
    """Return the directory of the run store of this module's server."""
    return tmp_path_factory.mktemp("stored-runs")


@pytest.fixture(scope="module")
def store_app(store_dir: Path):
    """Yield the URL of a server of this module's own, whose run store starts empty."""
    with served_app("server-stored-runs.log", data_dir=store_dir) as url:
        yield url


@pytest.fixture
def open_fresh(browser: Browser) -> Iterator[Callable[[str], Page]]:
    """Yield a function that opens an address in a browser context of its own, as another learner would."""
    contexts = []

    def open_address(address: str) -> Page:
        context = browser.new_context(viewport=VIEWPORT)
        contexts.append(context)
        fresh = context.new_page()
        fresh.goto(address)
        fresh.wait_for_selector(IDLE, timeout=TIMEOUT_MS)
        return fresh

    yield open_address
    for context in contexts:
        context.close()


@dataclass(frozen=True)
class TrainedScreen:
    """What the Train page showed once the quick start had trained: its address, run id, share link and charts."""

    address: str
    run_id: str
    share_link: str
    settings: list[str]
    forecast: list


def snap(page: Page, name: str) -> None:
    """Save a screenshot of the page as it is now, for a reader of a failed run."""
    keep_screenshot(page, f"stored-{name}", full_page=True)


def query_of(address: str) -> tuple[str, dict[str, list[str]]]:
    """Return an address's path and its query parameters as a dict, so parameter order does not matter."""
    parts = urlsplit(address)
    return parts.path, parse_qs(parts.query, keep_blank_values=True)


def run_id_of(page: Page) -> str:
    """Return the run id the address bar names, waiting for the app to write it."""
    expect(page).to_have_url(RUN_IN_URL, timeout=TIMEOUT_MS)
    return RUN_IN_URL.search(page.url).group(1)


def settings_lines(page: Page) -> list[str]:
    """Return the sidebar's captions of the current data and model settings."""
    captions = page.locator('[data-testid="stSidebar"] [data-testid="stCaptionContainer"]').all_inner_texts()
    return [text for text in captions if text.startswith(("Data:", "Model:"))]


def training_status(page: Page):
    """Return the sidebar's training status line."""
    return page.locator('[data-testid="stSidebar"]').get_by_text("Training:", exact=False)


def forecast_chart(page: Page) -> list:
    """Return, per trace of the Train page's forecast chart, its y values as drawn."""
    chart = page.locator(".st-key-forecast .js-plotly-plot")
    expect(chart).to_be_visible(timeout=TIMEOUT_MS)
    return chart.evaluate("el => (el._fullData || []).map(trace => Array.from(trace.y || []))")


def copy_link(page: Page) -> str:
    """Return the address in the copy-link box at the foot of the page."""
    return page.locator('[data-testid="stCode"]').last.inner_text().strip()


def quick_start_and_train(page: Page, url: str) -> TrainedScreen:
    """Open Home, take the quick start, train it on Train and return what the finished screen showed."""
    page.goto(url)
    expect(page.locator("h1").first).to_have_text("LSTM Lens", timeout=TIMEOUT_MS)
    settle(page)
    page.get_by_role("button", name="Quick start: small preset, then train").click()
    expect(page.locator("h1").first).to_contain_text("Train", timeout=TIMEOUT_MS)
    expect(page.get_by_text("How good is the forecast?")).to_be_visible(timeout=TRAINING_TIMEOUT_MS)
    expect(page.locator('[data-testid="stProgress"]').first).to_contain_text("(done)")
    run_id = run_id_of(page)
    settle(page)
    share = page.locator('[data-testid="stCode"]').filter(has_text="/inside?run=")
    expect(share).to_have_count(1)
    return TrainedScreen(page.url, run_id, share.inner_text().strip(), settings_lines(page), forecast_chart(page))


def expect_stored_run_on_train(page: Page, screen: TrainedScreen) -> None:
    """Assert that the Train page shows the stored run of screen, with its settings, and trains nothing."""
    expect(page.locator("h1").first).to_contain_text("Train", timeout=TIMEOUT_MS)
    settle(page)
    expect(alert(page, LINK_OPENED_TRAIN)).to_be_visible()
    expect(page.get_by_text("How good is the forecast?")).to_be_visible()
    expect(page.get_by_text("Is it any good?")).to_be_visible()
    # A job of this session would draw its progress bar and name itself in the sidebar.
    expect(page.locator('[data-testid="stProgress"]')).to_have_count(0)
    expect(training_status(page)).to_contain_text("a trained model is ready")
    assert settings_lines(page) == screen.settings
    assert forecast_chart(page) == screen.forecast, "the stored model's forecast, not another one"
    assert query_of(page.url) == query_of(screen.address)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


@pytest.fixture(scope="module")
def quick_start_run(browser: Browser, store_app: str):
    """Yield the page on which the quick start was trained, and what its finished screen showed."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    screen = quick_start_and_train(page, store_app)
    snap(page, "1-trained")
    yield page, screen
    context.close()


def test_a_reload_and_a_fresh_browser_show_the_trained_run_without_training(quick_start_run, open_fresh):
    page, screen = quick_start_run
    path, query = query_of(screen.address)
    assert path == "/train" and query["run"] == [screen.run_id]
    assert query["units"] == ["32"], "the quick start's model is in the address"
    assert any("LSTM(32)" in line for line in screen.settings), screen.settings

    page.reload()
    expect_stored_run_on_train(page, screen)
    snap(page, "2-reloaded")

    other = open_fresh(screen.address)
    expect_stored_run_on_train(other, screen)


def test_a_setting_moved_on_data_stays_in_the_address_on_train(page: Page, store_app: str):
    page.goto(store_app)
    expect(page.locator("h1").first).to_have_text("LSTM Lens", timeout=TIMEOUT_MS)
    go_to(page, "Data", "Data")
    move_slider(page, "Noise (std)", "ArrowRight", 5)
    noise = slider_input(page, "Noise (std)").input_value()
    assert float(noise) != DEFAULT_NOISE
    expect(page).to_have_url(re.compile(rf"[?&]noise={re.escape(noise)}"), timeout=TIMEOUT_MS)

    go_to(page, "Train", "Train")
    expect(page).to_have_url(re.compile(r"/train\?"), timeout=TIMEOUT_MS)
    settle(page)
    path, query = query_of(page.url)
    assert query.get("noise") == [noise], page.url
    expect(page.locator('[data-testid="stSidebar"]')).to_contain_text(f"noise σ {float(noise):.2f}")
    assert query_of(copy_link(page)) == (path, query), "the copy-link box holds the address bar's address"
    assert urlsplit(copy_link(page)).netloc == urlsplit(page.url).netloc


def test_the_share_link_opens_the_model_on_inside_with_nothing_trained(quick_start_run, store_app: str, open_fresh):
    _, screen = quick_start_run
    assert screen.share_link == f"{store_app}/inside?run={screen.run_id}"

    inside = open_fresh(screen.share_link)
    expect(inside.locator("h1").first).to_have_text("Inside the LSTM: one step at a time", timeout=TIMEOUT_MS)
    settle(inside)
    expect(alert(inside, LINK_OPENED_INSIDE)).to_be_visible()
    expect(inside.get_by_text("Replay matches Keras", exact=False)).to_be_visible()
    expect(inside.get_by_text(re.compile(r"^Step 1 of \d+$"))).to_be_visible()  # the figure's own slider label
    expect(training_status(inside)).to_contain_text("a trained model is ready")
    assert settings_lines(inside) == screen.settings, "the model's own settings came with it"
    assert RUN_IN_URL.search(inside.url).group(1) == screen.run_id
    expect(inside.locator('[data-testid="stException"]')).to_have_count(0)
    snap(inside, "3-shared-inside")


def test_a_second_learner_with_the_same_settings_gets_the_stored_run_at_once(quick_start_run, store_app: str,
                                                                             open_fresh):
    _, screen = quick_start_run
    second = open_fresh(store_app)
    second.get_by_role("button", name="Quick start: small preset, then train").click()
    expect(second.locator("h1").first).to_contain_text("Train", timeout=TIMEOUT_MS)
    expect(alert(second, STORED_BEFORE)).to_be_visible(timeout=TIMEOUT_MS)
    settle(second)
    expect(second.locator('[data-testid="stProgress"]')).to_have_count(0)
    assert run_id_of(second) == screen.run_id
    assert forecast_chart(second) == screen.forecast

    second.get_by_role("button", name="Train again with a new seed").click()
    expect(second.locator('[data-testid="stProgress"]').first).to_contain_text("(done)", timeout=TRAINING_TIMEOUT_MS)
    expect(second).not_to_have_url(re.compile(rf"run={screen.run_id}"), timeout=TIMEOUT_MS)
    settle(second)
    assert query_of(second.url)[1]["seed"] == ["43"], second.url
    assert run_id_of(second) != screen.run_id
    expect(alert(second, STORED_BEFORE)).to_have_count(0)


def test_a_lesson_run_reopens_its_outcome_in_a_fresh_browser(store_app: str, open_fresh):
    lesson = open_fresh(f"{store_app}/dropout")
    expect(lesson.locator("h1").first).to_have_text("Dropout at work", timeout=TIMEOUT_MS)
    settle(lesson)
    lesson.get_by_role("button", name="Train", exact=True).click()
    expect(alert(lesson, "of the actual test values")).to_be_visible(timeout=TRAINING_TIMEOUT_MS)
    run_id = run_id_of(lesson)
    settle(lesson)
    band = chart_data(lesson, 0)
    coverage = alert(lesson, "of the actual test values").inner_text()
    address = lesson.url
    assert query_of(address)[0] == "/dropout"

    again = open_fresh(address)
    expect(again.locator("h1").first).to_have_text("Dropout at work", timeout=TIMEOUT_MS)
    settle(again)
    expect(again.get_by_text(LINK_OPENED_LESSON, exact=False)).to_be_visible()
    expect(alert(again, "of the actual test values")).to_have_text(coverage)
    assert chart_data(again, 0) == band, "the stored lesson run's band, not a new training's"
    expect(again.get_by_role("button", name="Train", exact=True)).to_be_enabled()
    expect(training_status(again)).to_contain_text("not started yet")
    assert RUN_IN_URL.search(again.url).group(1) == run_id
    expect(again.locator('[data-testid="stException"]')).to_have_count(0)
    snap(again, "4-lesson-reopened")


BAD_IDS = [
    pytest.param("not-an-id", "not one LSTM Lens makes", id="malformed"),
    pytest.param("Forged0id0never0stored", "No run with this link's id", id="never-stored"),
]


@pytest.mark.parametrize(("run_id", "message"), BAD_IDS)
def test_a_bad_run_id_says_so_and_the_page_works_with_the_links_settings(store_app: str, open_fresh, run_id: str,
                                                                          message: str):
    page = open_fresh(f"{store_app}/train?w_series_noise_std=0.25&run={run_id}")
    expect(page.locator("h1").first).to_contain_text("Train", timeout=TIMEOUT_MS)
    settle(page)
    expect_link_fell_back(page, message, "noise σ 0.25")


def expect_link_fell_back(page: Page, message: str, setting: str) -> None:
    """Assert the page warns with message, uses the link's setting, drops the id and still follows the learner."""
    expect(page.locator('[data-testid="stAlertContentWarning"]').filter(has_text=message)).to_be_visible()
    expect(page.locator('[data-testid="stSidebar"]')).to_contain_text(setting)
    expect(page.get_by_text("Press Train to start", exact=False)).to_be_visible()
    expect(page).not_to_have_url(re.compile(r"[?&]run="), timeout=TIMEOUT_MS)
    go_to(page, "Data", "Data")
    move_slider(page, "Noise (std)", "ArrowRight", 2)
    moved = slider_input(page, "Noise (std)").input_value()
    expect(page).to_have_url(re.compile(rf"[?&]noise={re.escape(moved)}"), timeout=TIMEOUT_MS)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def test_a_run_opens_in_a_server_that_never_trained_it_and_says_so_once_expired(quick_start_run, store_app: str,
                                                                                 store_dir: Path, open_fresh, tmp_path):
    _, screen = quick_start_run
    # A copy of the module's store, taken as a backup is, serves another server that never trained the run.
    source, copy = (sqlite3.connect(folder / "lstm_lens.sqlite3") for folder in (store_dir, tmp_path))
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()
    path_and_query = screen.address.removeprefix(store_app)

    with served_app("server-stored-runs-b.log", tmp_path) as second_url:
        address = second_url + path_and_query
        restored = open_fresh(address)
        expect_stored_run_on_train(restored, TrainedScreen(address, screen.run_id, "", screen.settings,
                                                           screen.forecast))
        snap(restored, "5-another-server")

        store = RunStore(f"sqlite:///{tmp_path}/lstm_lens.sqlite3")
        try:
            assert screen.run_id in store.evict(now=time.time() + 31 * 86400)
        finally:
            store.close()
        expired = open_fresh(address)
        expect(expired.locator("h1").first).to_contain_text("Train", timeout=TIMEOUT_MS)
        settle(expired)
        snap(expired, "6-expired")
        expect(expired.locator('[data-testid="stAlertContentWarning"]').filter(has_text="has expired")).to_be_visible()
        assert settings_lines(expired) == screen.settings, "the link's settings opened in the run's place"
        expect(expired.get_by_text("How good is the forecast?")).to_have_count(0)
        # As the warning says: Train trains these settings again, and the new run gets a link of its own.
        expired.get_by_role("button", name="Train", exact=True).click()
        expect(expired.get_by_text("How good is the forecast?")).to_be_visible(timeout=TRAINING_TIMEOUT_MS)
        expect(expired.locator('[data-testid="stProgress"]').first).to_contain_text("(done)")
        assert run_id_of(expired) != screen.run_id
