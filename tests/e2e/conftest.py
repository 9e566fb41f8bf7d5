"""Browser fixtures: the app served on a free loopback port, and Debian's Chromium driven by Playwright.

Both are started with deploy/launch.py, as the benchmarks and the school topology start them.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from deploy.launch import CHROMIUM, CHROMIUM_ARGS, ROOT, SCREENSHOTS, app_server

ARTIFACTS = SCREENSHOTS
# A full-page picture costs Chromium seconds of software painting: the tests keep one of every screen they check
# only when asked (LSTM_LENS_SCREENSHOTS=1), and of every page a failing test left open always.
KEEP_SCREENSHOTS = os.environ.get("LSTM_LENS_SCREENSHOTS") == "1"
SCREENSHOT_TIMEOUT_MS = 90_000  # a page thousands of pixels tall, painted by a software renderer on a busy machine
PLOTLY_RESIZE_MS = 400  # plotly.js re-lays a chart out after a debounced window resize event
TIMEOUT_MS = 60_000  # what a page may take to show what a test waits for, on a busy machine
SERVER_LIFETIME_SECONDS = 3600  # ends a server the test run left behind; the session's app lives as long as the run


def server_log_path(log_name: str) -> Path:
    """Return where a server of this test process logs: artifacts/log_name, after the process when several run."""
    process = os.environ.get("PYTEST_XDIST_WORKER")
    return ROOT / "artifacts" / (f"{process}-{log_name}" if process else log_name)


@contextlib.contextmanager
def served_app(log_name: str, data_dir: Path | None = None, settings: Mapping[str, str] | None = None) -> Iterator[str]:
    """Yield the URL of the app served as `make run` serves it, on a free loopback port; stop it afterwards.

    Its runs are kept in data_dir, by default a fresh directory of this server's own; settings are LSTM_LENS_*
    variables it starts with; its log is server_log_path(log_name).
    """
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with app_server(server_log_path(log_name), data_dir=data_dir, lifetime=SERVER_LIFETIME_SECONDS,
                    settings=settings) as server:
        yield server.url


def _save_screenshot(target: Any, name: str, full_page: bool) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target.screenshot(path=str(ARTIFACTS / f"{name}.png"), timeout=SCREENSHOT_TIMEOUT_MS,
                      **({"full_page": True} if full_page else {}))


def keep_screenshot(target: Any, name: str, *, full_page: bool = False) -> None:
    """Save a picture of a page or a locator as artifacts/screenshots/name.png when pictures are asked for."""
    if KEEP_SCREENSHOTS:
        _save_screenshot(target, name, full_page)


def save_whole_page(page: Any, name: str, width: int, height: int) -> None:
    """Save the whole of the page's main column at this width when pictures are asked for; keep the window's size."""
    if not KEEP_SCREENSHOTS:
        return
    # Streamlit scrolls inside its own container, so grow the window to the page's height first.
    tall = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": width, "height": max(height, min(int(tall) + 100, 8000))})
    page.wait_for_timeout(PLOTLY_RESIZE_MS)
    _save_screenshot(page, name, full_page=True)
    page.set_viewport_size({"width": width, "height": height})


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Save every page still open in the session's Chromium when a browser test fails: failed-<test>-<n>.png."""
    outcome = yield
    report = outcome.get_result()
    browser = getattr(item, "funcargs", {}).get("browser")
    if report.when != "call" or not report.failed or browser is None:
        return
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", item.name)
    open_pages = [page for context in browser.contexts for page in context.pages if not page.is_closed()]
    for number, page in enumerate(open_pages):
        with contextlib.suppress(Exception):  # a page that broke the test may not paint either
            _save_screenshot(page, f"failed-{name}-{number}", full_page=True)


@pytest.fixture(scope="session")
def app_data_dir(tmp_path_factory) -> Path:
    """Return the directory of the run store of the session's app."""
    return tmp_path_factory.mktemp("app-store")


@pytest.fixture(scope="session")
def app_url(app_data_dir: Path):
    """Yield the URL of the session's app, which every module without a server of its own shares.

    One store serves them all: a training one module ran (the quick start, say) opens from the store in the next.
    """
    with served_app("server.log", data_dir=app_data_dir) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """Yield a headless Debian Chromium driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """Yield a fresh page that records console errors in page.console_errors."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    new_page = context.new_page()
    new_page.console_errors = []
    new_page.on("console", lambda message: message.type == "error" and new_page.console_errors.append(message.text))
    new_page.on("pageerror", lambda error: new_page.console_errors.append(str(error)))
    new_page.on("requestfailed", lambda request: new_page.console_errors.append(f"request failed: {request.url}"))
    yield new_page
    context.close()
