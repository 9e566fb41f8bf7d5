"""A class in real browsers: many learners on one server open Train on the quick start, then press Train together.

Or, with a Lesson, open that lesson from the sidebar and press its train button together: a lesson
queues several jobs per learner. Used by the classroom tests (tests/e2e/test_classroom.py, 10 learners)
and by bench/bench_classroom.py (up to 30). Each learner is
a separate browser context (its own cookies and Streamlit session) in one headless Chromium. While
the class trains, a visitor opens Home in a fresh context every few seconds, to see whether the
server still answers a newcomer.
"""

from __future__ import annotations

import asyncio
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from bench.page_waits import IDLE
from deploy.launch import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS
from lstm_core.presets import QUICK_START_MODEL, QUICK_START_SERIES
from lstm_core.ui.links import share_query

RESULT_TEXT = "How good is the forecast?"
# Home's Quick start trains at once; the class opens Train on the same settings and waits for the press.
QUICK_START_TRAIN = "train?" + share_query(QUICK_START_SERIES.to_dict(), QUICK_START_MODEL.to_dict(), {})
NOT_FOUND = "Failed to load resource: the server responded with a status of 404 (Not Found)"
# Opened at a page's own URL, Streamlit's frontend first looks for its server under that path, then at the
# root (streamlit/streamlit#7074): two 404s in the console that say nothing about the app.
BASE_PATH_PROBE = re.compile(r"https?://[^/]+/[a-z0-9-]+/_stcore/(health|host-config)$")


def _base_path_probe(url: str, status: int) -> bool:
    return status == 404 and BASE_PATH_PROBE.match(url) is not None


@dataclass(frozen=True)
class Lesson:
    """A lesson page a class runs: its sidebar label, its train button, a text its results show, its settings.

    With a link (the lesson's URL path and a query for its controls), learners open Home, then that link,
    instead of the sidebar.
    """

    nav_label: str
    button: str
    result_text: str
    link: str = ""


@dataclass
class LearnerRun:
    """What one learner saw: seconds from pressing Train to the results, the states on the way."""

    index: int
    seconds: float | None = None  # None: no result before the deadline
    statuses: list[str] = field(default_factory=list)  # sidebar training status, in order of change
    train_disabled_while_active: bool | None = None
    error: str = ""
    console_errors: list[str] = field(default_factory=list)  # what the page logged as an error, uncaught ones too
    probes_missed: list[int] = field(default_factory=list)  # Streamlit's own 404s on a page's URL (see below)

    def unexplained_console_errors(self) -> list[str]:
        """Return the console errors, less one "404" for each of Streamlit's base-path probes that missed."""
        errors, excused = list(self.console_errors), len(self.probes_missed)
        for _ in range(excused):
            if NOT_FOUND in errors:
                errors.remove(NOT_FOUND)
        return errors
    training_seconds: float | None = None  # how long the job ran on a worker, from the finished progress bar


@dataclass
class ClassRun:
    """The whole class: every learner's run and the page-load times of the visitors meanwhile."""

    learners: list[LearnerRun]
    home_load_seconds: list[float]
    wall_seconds: float

    def finished(self) -> int:
        """Return how many learners got their results."""
        return sum(run.seconds is not None for run in self.learners)


async def _settle(page, timeout_ms: int) -> None:
    await page.wait_for_selector(IDLE, timeout=timeout_ms)


async def _sidebar_status(page) -> str:
    try:  # the sidebar is redrawn by a full rerun; a busy browser may take a while to show it again
        text = await page.locator('[data-testid="stSidebar"]').inner_text(timeout=10_000)
    except Exception:
        return ""
    found = re.search(r"Training: ([^\n]*)", text)
    return found.group(1).strip() if found else ""


async def _learner(browser, url: str, index: int, arrived: asyncio.Queue, go: asyncio.Event,
                   deadline: float, lesson: Lesson | None = None, train: str = QUICK_START_TRAIN) -> LearnerRun:
    run = LearnerRun(index)
    context = await browser.new_context(viewport={"width": 1200, "height": 900})
    page = await context.new_page()
    page.on("console", lambda message: message.type == "error" and run.console_errors.append(message.text))
    page.on("response", lambda answer: _base_path_probe(answer.url, answer.status) and run.probes_missed.append(1))
    page.on("pageerror", lambda error: run.console_errors.append(f"uncaught: {error}"))
    try:
        await page.goto(url, timeout=120_000)
        if lesson is not None and lesson.link:
            await page.get_by_role("button", name="Quick start", exact=False).wait_for(timeout=120_000)
            await page.goto(f"{url}/{lesson.link}", timeout=120_000)
            await page.get_by_role("button", name=lesson.button, exact=True).wait_for(timeout=120_000)
        elif lesson is None:
            await page.goto(f"{url}/{train}", timeout=120_000)
            await page.locator("h1").filter(has_text="Train").wait_for(timeout=120_000)
        else:
            nav = page.locator('.st-key-app_navigation')
            await nav.get_by_role("link", name=lesson.nav_label, exact=True).click(timeout=120_000)
            await page.get_by_role("button", name=lesson.button, exact=True).wait_for(timeout=120_000)
        await _settle(page, 120_000)
        await arrived.put(index)
        await go.wait()
        pressed = time.monotonic()
        train = page.get_by_role("button", name="Train" if lesson is None else lesson.button, exact=True)
        await train.click(timeout=60_000)
        result = page.get_by_text(RESULT_TEXT if lesson is None else lesson.result_text)
        checked_disabled = False
        while time.monotonic() < deadline:
            if lesson is not None:
                # A progress bar is drawn only by a run that came after the press: read the button then.
                started = await page.locator('[data-testid="stProgress"]').count() > 0
                if not checked_disabled and started and await result.count() == 0:
                    await _settle(page, 60_000)
                    disabled = await train.is_disabled()
                    if await result.count() == 0:  # still training when the button was read
                        run.train_disabled_while_active, checked_disabled = disabled, True
                if await result.count() > 0:
                    run.seconds = time.monotonic() - pressed
                    break
                await asyncio.sleep(0.5)
                continue
            status = await _sidebar_status(page)
            if status and (not run.statuses or run.statuses[-1] != status):
                run.statuses.append(status)
            if not checked_disabled and (status.startswith("queued") or status.startswith("running")):
                # Read the button once the run that drew this status has finished drawing the page.
                await _settle(page, 60_000)
                disabled = await train.is_disabled()
                still = await _sidebar_status(page)
                if still.startswith("queued") or still.startswith("running"):
                    run.train_disabled_while_active, checked_disabled = disabled, True
            if await result.count() > 0:
                run.seconds = time.monotonic() - pressed
                break
            await asyncio.sleep(0.5)
        # The sidebar's own refresh follows within a second or two.
        settle_by = time.monotonic() + 20
        while lesson is None and run.seconds is not None and time.monotonic() < settle_by \
                and (await _sidebar_status(page)) not in ("finished", "stopped", "failed"):
            await asyncio.sleep(0.5)
        final = await _sidebar_status(page) if lesson is None else ""
        if final and run.statuses[-1:] != [final]:
            run.statuses.append(final)
        if lesson is None and run.seconds is not None:
            bar = await page.locator('[data-testid="stProgress"]').first.inner_text(timeout=10_000)
            took = re.search(r"epochs in ([0-9.]+) s", bar)
            run.training_seconds = float(took.group(1)) if took else None
        if run.seconds is None:
            await page.screenshot(path=str(SCREENSHOTS / f"learner-{index}-no-result.png"), full_page=True)
            main_text = await page.locator('[data-testid="stMain"]').inner_text()
            run.error = f"no results by the deadline; the page showed: {main_text[:300]!r}"
    except Exception as error:  # a learner's failure is a finding to report, not a crash of the class
        run.error = f"{type(error).__name__}: {str(error)[:200]}"
    finally:
        await context.close()
    return run


async def _visitor(browser, url: str, stop: asyncio.Event, loads: list[float]) -> None:
    while not stop.is_set():
        context = await browser.new_context()
        page = await context.new_page()
        began = time.monotonic()
        try:
            await page.goto(url, timeout=90_000)
            await page.locator("h1").filter(has_text="LSTM Lens").wait_for(timeout=90_000)
            await _settle(page, 90_000)
            loads.append(time.monotonic() - began)
        except Exception:
            loads.append(float("inf"))
        finally:
            await context.close()
        try:
            await asyncio.wait_for(stop.wait(), timeout=5)
        except TimeoutError:
            pass


async def _run_class(url: str, learners: int, limit_seconds: float, lesson: Lesson | None,
                     train: str = QUICK_START_TRAIN) -> ClassRun:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        arrived: asyncio.Queue = asyncio.Queue()
        go, stop = asyncio.Event(), asyncio.Event()
        began = time.monotonic()
        deadline = began + limit_seconds
        tasks = [asyncio.create_task(_learner(browser, url, i, arrived, go, deadline, lesson, train))
                 for i in range(learners)]
        # Everyone presses Train together once all are on the Train page (or have failed to get there).
        while arrived.qsize() < learners and not all(task.done() for task in tasks) \
                and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        loads: list[float] = []
        visitor = asyncio.create_task(_visitor(browser, url, stop, loads))
        go.set()
        runs = await asyncio.gather(*tasks)
        stop.set()
        await visitor
        await browser.close()
    return ClassRun(list(runs), loads, time.monotonic() - began)


def run_class(url: str, learners: int, limit_seconds: float = 300, lesson: Lesson | None = None,
              train: str = QUICK_START_TRAIN) -> ClassRun:
    """Return what a class of learners saw on the app at url, each pressing Train (or the lesson's button) at once.

    Without a lesson, every learner opens the Train page's address train (by default the quick start's).
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_run_class(url, learners, limit_seconds, lesson, train))
    # Playwright's sync API, once a test has used it, keeps an event loop running on this thread.
    with ThreadPoolExecutor(max_workers=1) as own_thread:
        return own_thread.submit(asyncio.run, _run_class(url, learners, limit_seconds, lesson, train)).result()
