"""Browser fixtures: the app served on a free loopback port, and Debian's Chromium driven by Playwright.

Both are started with deploy/launch.py, as the benchmarks and the school topology start them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.launch import CHROMIUM, CHROMIUM_ARGS, ROOT, SCREENSHOTS, app_server

ARTIFACTS = SCREENSHOTS
SERVER_LIFETIME_SECONDS = 3600  # ends a server the test run left behind; the session's app lives as long as the run


@contextlib.contextmanager
def served_app(log_name: str, data_dir: Path | None = None) -> Iterator[str]:
    """Yield the URL of the app served as `make run` serves it, on a free loopback port; stop it afterwards.

    Its runs are kept in data_dir, by default a fresh directory of this server's own; its log is
    artifacts/log_name.
    """
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with app_server(ROOT / "artifacts" / log_name, data_dir=data_dir, lifetime=SERVER_LIFETIME_SECONDS) as server:
        yield server.url


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
