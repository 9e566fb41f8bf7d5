"""Browser fixtures: the app served on a free loopback port, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from lstm_core.store.runs import DATA_DIR_ENV, DATABASE_URL_ENV

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
SERVER_LIFETIME_SECONDS = 900  # the server ends itself even if the test run is killed
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_serving(url: str, process: subprocess.Popen, limit: float = 60) -> None:
    """Return once url answers 200; raise if the server dies or stays silent."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app server exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the app server did not answer at {url} within {limit} s")


@contextlib.contextmanager
def served_app(log_name: str, data_dir: Path | None = None):
    """Yield the URL of the app served as `make run` serves it, on a free loopback port; stop it afterwards.

    Its runs are kept in data_dir, by default a fresh directory of this server's own.
    """
    port = free_port()
    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="lstm-lens-e2e-"))
    env = {**os.environ, DATA_DIR_ENV: str(data_dir)}
    env.pop(DATABASE_URL_ENV, None)
    command = ["timeout", str(SERVER_LIFETIME_SECONDS), sys.executable, "-m", "lstm_core.ui.serve",
               "--server.address", "127.0.0.1", "--server.port", str(port), "--server.headless", "true",
               "--browser.gatherUsageStats", "false"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = open(ROOT / "artifacts" / log_name, "w")
    process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                               env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url, process)
        yield url
    finally:
        # The whole process group: the server and the training workers it spawned.
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="session")
def app_url():
    """Yield the URL of the app for the learner's walk."""
    with served_app("server.log") as url:
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
