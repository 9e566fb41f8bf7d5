"""A class on one server: ten learners train at once, and a closed tab gives its worker back."""

from __future__ import annotations

import re
import time
from dataclasses import replace

import pytest
from playwright.sync_api import Page, expect

from bench.browser_class import Lesson, run_class
from lstm_core.presets import QUICK_START_MODEL, QUICK_START_SERIES
from lstm_core.ui.links import share_query
from tests.e2e.conftest import ROOT, served_app
from tests.e2e.test_walk import TIMEOUT_MS, go_to, settle

pytestmark = pytest.mark.e2e

LEARNERS = 10
RUNNING_SEEN_AFTER_SECONDS = 5.0  # five refreshes, with time to spare for a browser polling a busy page
SERVER_LOG = "server-classroom.log"


@pytest.fixture(scope="module")
def class_url():
    """Yield the URL of a server of its own, so the class finds every worker free."""
    with served_app(SERVER_LOG) as url:
        yield url


def queue_positions(statuses: list[str]) -> list[int]:
    """Return the queue positions a learner saw, in order."""
    return [int(m.group(1)) for s in statuses if (m := re.match(r"queued, position (\d+)", s))]


def test_ten_learners_press_train_at_once_and_all_get_results(class_url: str):
    run = run_class(class_url, LEARNERS, limit_seconds=400)
    report = "\n".join(map(str, run.learners))
    assert not [r.error for r in run.learners if r.error], report
    assert run.finished() == LEARNERS, report
    assert not [r.unexplained_console_errors() for r in run.learners if r.unexplained_console_errors()], report
    for learner in run.learners:
        assert learner.train_disabled_while_active is True, learner
        assert learner.statuses[-1] == "finished", learner
        positions = queue_positions(learner.statuses)
        assert positions == sorted(positions, reverse=True), f"the queue only moves forward: {learner}"
        # The status refreshes once a second: a job that ran for several seconds was seen running. (A job of
        # a second may start and end between two refreshes.)
        assert learner.training_seconds is not None, learner
        if learner.training_seconds >= RUNNING_SEEN_AFTER_SECONDS:
            assert any(s.startswith("running") for s in learner.statuses), learner
    # Ten identical trainings are one job that all watch (or, once it is stored, open at once): the one job may
    # wait at the head of the queue, while ten jobs on two workers would have queued eight behind one another.
    assert max((p for r in run.learners for p in queue_positions(r.statuses)), default=0) <= 1, report
    # A newcomer is served while the class trains.
    assert run.home_load_seconds and max(run.home_load_seconds) < 60, run.home_load_seconds
    log = (ROOT / "artifacts" / SERVER_LOG).read_text()
    assert "missing ScriptRunContext" not in log, "a worker process ran the app script"
    assert "Traceback" not in log


# Its six jobs (two splits, three seeds) on a shorter series for fewer epochs: as many jobs through the pool
# as at the lesson's defaults, each a third as long.
SPLIT_LESSON = Lesson("Trusting a test score", "Train both splits", "the noise floor (seeds",
                      "splits?w_splits_n_points=500&w_splits_epochs=4&w_splits_seeds=3")


def test_ten_learners_run_a_six_job_lesson_at_once_and_all_get_its_verdict(class_url: str):
    run = run_class(class_url, LEARNERS, limit_seconds=400, lesson=SPLIT_LESSON)
    report = "\n".join(map(str, run.learners))
    assert not [r.error for r in run.learners if r.error], report
    assert run.finished() == LEARNERS, report  # 60 jobs through two workers
    assert not [r.unexplained_console_errors() for r in run.learners if r.unexplained_console_errors()], report
    # None: the verdict came before the button could be read while training (a fast learner).
    assert all(r.train_disabled_while_active is not False for r in run.learners), report
    assert sum(r.train_disabled_while_active is True for r in run.learners) >= LEARNERS // 2, report
    assert run.home_load_seconds and max(run.home_load_seconds) < 60, run.home_load_seconds
    print(f"lesson class: slowest {max(r.seconds for r in run.learners):.1f} s, "
          f"newcomer's Home {max(run.home_load_seconds):.1f} s at worst")


def press_end(page: Page, label: str) -> None:
    """Move a slider to its maximum with the keyboard, as a learner would, and wait for the rerun."""
    thumb = page.locator(f'[data-testid="stSlider"] [role="slider"][aria-label="{label}"]')
    if thumb.count() == 0:
        thumb = page.locator(f'[data-testid="stSlider"] input[type="range"][aria-label="{label}"]')
    before = thumb.get_attribute("aria-valuenow") or thumb.input_value()
    thumb.focus()
    thumb.press("End")
    deadline = time.monotonic() + 30
    while (thumb.get_attribute("aria-valuenow") or thumb.input_value()) == before and time.monotonic() < deadline:
        time.sleep(0.1)
    settle(page)


def start_long_training(page: Page, url: str, seed: int) -> None:
    """Open the app, choose the largest series and model (with its own seed), press Train and wait until it runs."""
    page.goto(f"{url}/?w_model_seed={seed}")  # a training of its own: identical ones would share one job
    expect(page.locator("h1").first).to_have_text("LSTM Lens", timeout=TIMEOUT_MS)
    go_to(page, "Data", "Data")
    press_end(page, "Length (points)")
    go_to(page, "Model", "Model")
    for label in ("Units", "Layers", "Epochs"):
        press_end(page, label)
    go_to(page, "Train", "Train")
    page.get_by_role("button", name="Train", exact=True).click()
    expect(page.locator('[data-testid="stProgress"]').first).to_contain_text("(running)", timeout=TIMEOUT_MS)


def test_closing_a_tab_stops_its_training_and_frees_the_worker(class_url: str, browser):
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(3)]
    leavers, stayer = [c.new_page() for c in contexts[:2]], contexts[2].new_page()
    for seed, page in enumerate(leavers, start=1):  # both workers busy for minutes
        start_long_training(page, class_url, seed)
    # The quick start with a seed of its own: the class before trained (and stored) the quick start itself.
    quick_start = share_query(QUICK_START_SERIES.to_dict(), replace(QUICK_START_MODEL, seed=7).to_dict(), {})
    stayer.goto(f"{class_url}/train?{quick_start}")
    expect(stayer.locator("h1").first).to_contain_text("Train", timeout=TIMEOUT_MS)
    settle(stayer)
    stayer.get_by_role("button", name="Train", exact=True).click()
    sidebar = stayer.locator('[data-testid="stSidebar"]')
    expect(sidebar).to_contain_text("Training: queued, position 1", timeout=TIMEOUT_MS)

    for context in contexts[:2]:
        context.close()
    closed_at = time.monotonic()
    expect(sidebar).to_contain_text("Training: running", timeout=45_000)
    started_after = time.monotonic() - closed_at
    expect(stayer.get_by_text("How good is the forecast?")).to_be_visible(timeout=60_000)
    contexts[2].close()
    # The grace (20 s) lets a reload keep its job; the worker must be free within 30 s of the close.
    assert started_after <= 30, f"the queued job started {started_after:.1f} s after the tabs closed"
