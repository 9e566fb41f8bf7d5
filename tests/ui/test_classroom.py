"""A class on one server, over Streamlit's own websocket protocol: ten learners train at once, a closed tab frees
its worker.

Each learner is a session of bench/ws_client.py, which speaks to the real server what a browser's frontend
speaks (widget states, fragment timers, page switches) without drawing anything, so the two cores go to the
server and its workers, as in a classroom where every learner has a laptop. What only a browser sees (its
console, the page as drawn) is held by tests/e2e/test_classroom.py with two Chromium learners.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from dataclasses import replace

import pytest

from bench.ws_client import StreamlitSession
from bench.ws_probe import TRAIN_LABEL, Learner, Press, _reach_train, run_ws_class
from lstm_core.config import MODEL_BOUNDS, SERIES_BOUNDS
from lstm_core.presets import QUICK_START_MODEL, QUICK_START_SERIES
from lstm_core.training.backend import OWNER_GRACE_ENV
from lstm_core.ui.links import share_query
from tests.e2e.conftest import served_app, server_log_path

# One server for the module, started once: the module runs on one xdist worker (tests/conftest.py).

LEARNERS = 10
CLASS_LIMIT_SECONDS = 300.0
NEWCOMER_LIMIT_SECONDS = 60.0  # a liveness bound: a newcomer's Home loads in seconds on a healthy server
RUNNING_SEEN_AFTER_SECONDS = 5.0  # five refreshes of the sidebar
SERVER_LOG = "server-classroom.log"
CLOSED_TAB_GRACE_SECONDS = 3.0
QUICK_START_QUERY = share_query(QUICK_START_SERIES.to_dict(), QUICK_START_MODEL.to_dict(), {})


@pytest.fixture(scope="module")
def class_url() -> Iterator[str]:
    """Yield the URL of a server of its own (its own store and two workers), so the class finds every worker free.

    A closed tab's trainings wait CLOSED_TAB_GRACE_SECONDS for it to come back, not the default 20 s: the two
    trainings a closed tab leaves running would hold both cores that long. An open tab's are kept all the same.
    """
    with served_app(SERVER_LOG, settings={OWNER_GRACE_ENV: str(CLOSED_TAB_GRACE_SECONDS)}) as url:
        yield url


def server_log() -> str:
    """Return what the module's server has logged so far."""
    return server_log_path(SERVER_LOG).read_text()


def check_server_log() -> None:
    """Assert that no worker ran the app script and that nothing raised on the server."""
    log = server_log()
    assert "missing ScriptRunContext" not in log, "a worker process ran the app script"
    assert "Traceback" not in log, log[log.index("Traceback"):][:2000]


def report(learners: list[Learner]) -> str:
    """Return one line per learner: index, seconds to results, statuses and errors."""
    return "\n".join(f"{r.index}: {r.seconds} s, {[s for _, s in r.seen('sidebar')]}, {r.errors}" for r in learners)


def sidebar_queue_positions(learner: Learner) -> list[int]:
    """Return the queue positions the learner's sidebar showed after the press, in order."""
    return [int(m.group(1)) for _, text in learner.seen("sidebar") if (m := re.match(r"queued, position (\d+)", text))]


def test_ten_learners_press_train_at_once_and_all_get_results(class_url: str):
    queries = dict.fromkeys(range(LEARNERS), QUICK_START_QUERY)  # the preset's own seed: one training for all ten
    run = run_ws_class(class_url, LEARNERS, queries, CLASS_LIMIT_SECONDS)
    shown = report(run.learners)
    assert not [r.errors for r in run.learners if r.errors], shown
    assert run.finished() == LEARNERS, shown
    for learner in run.learners:
        statuses = [text for _, text in learner.seen("sidebar")]
        assert statuses and statuses[-1] == "finished", shown
        positions = sidebar_queue_positions(learner)
        assert positions == sorted(positions, reverse=True), f"the queue only moves forward: {shown}"
        if learner.seconds >= RUNNING_SEEN_AFTER_SECONDS:
            assert any(s.startswith("running") for s in statuses), shown
    # Ten identical trainings are one job that all watch (or, once it is stored, open at once): the one job may
    # wait at the head of the queue, while ten jobs on two workers would have queued eight behind one another.
    assert max((p for r in run.learners for p in r.queue_positions()), default=0) <= 1, shown
    # The press's own run draws Train disabled while the training is queued or running.
    assert all(r.button_disabled_while_active is not False for r in run.learners), shown
    assert any(r.button_disabled_while_active for r in run.learners), "someone pressed before the training ended"
    # A newcomer is served while the class trains.
    assert run.home_seconds and max(run.home_seconds) < NEWCOMER_LIMIT_SECONDS, run.home_seconds
    check_server_log()


# Its six jobs (two splits, three seeds) on a shorter series for fewer epochs: as many jobs through the pool
# as at the lesson's defaults, each a third as long.
SPLIT_LESSON = Press("splits", "Train both splits", "the noise floor (seeds")
SPLIT_LESSON_QUERY = "splitsPoints=500&splitsEpochs=4&splitsSeeds=3"


def test_ten_learners_run_a_six_job_lesson_at_once_and_all_get_its_verdict(class_url: str):
    run = run_ws_class(class_url, LEARNERS, dict.fromkeys(range(LEARNERS), SPLIT_LESSON_QUERY), CLASS_LIMIT_SECONDS,
                       press=SPLIT_LESSON)
    shown = report(run.learners)
    assert not [r.errors for r in run.learners if r.errors], shown
    assert run.finished() == LEARNERS, shown
    # None: the verdict came with the press's own run (the jobs had ended); else the button was disabled.
    assert all(r.button_disabled_while_active is not False for r in run.learners), shown
    assert sum(r.button_disabled_while_active is True for r in run.learners) >= LEARNERS // 2, shown
    assert run.home_seconds and max(run.home_seconds) < NEWCOMER_LIMIT_SECONDS, run.home_seconds
    check_server_log()


# The largest series and model a link can ask for: one such training holds a worker for minutes.
LONGEST = {"points": SERIES_BOUNDS["n_points"].high, "units": MODEL_BOUNDS["units"].high,
           "layers": MODEL_BOUNDS["layers"].high, "epochs": MODEL_BOUNDS["epochs"].high}
FREED_WITHIN_SECONDS = 60.0  # a liveness bound: the owner's grace is 3 s here, a long training runs for minutes


def long_training_query(seed: int) -> str:
    """Return the query of /train with the longest training and a seed of its own (identical ones share a job)."""
    series = {**QUICK_START_SERIES.to_dict(), "n_points": LONGEST["points"]}
    model = {**QUICK_START_MODEL.to_dict(), "units": LONGEST["units"], "layers": LONGEST["layers"],
             "epochs": LONGEST["epochs"], "seed": seed}
    return share_query(series, model, {})


def sidebar_status(session: StreamlitSession) -> str:
    """Return the training status the session's sidebar shows ("" before any training)."""
    return next((m.group(1) for text in session.texts(root=1) if (m := re.match(r"\*\*Training\*\*: (.*)", text))),
                "")


async def _close_tabs_while_queued(url: str) -> float:
    leavers = [StreamlitSession(url, f"leaver-{seed}") for seed in (1, 2)]
    for seed, leaver in enumerate(leavers, start=1):  # both workers busy for minutes
        await _reach_train(leaver, long_training_query(seed))
        await leaver.press(leaver.find_button(TRAIN_LABEL))
        await leaver.wait_until(lambda s=leaver: sidebar_status(s).startswith("running"), 120)
    # The quick start with a seed of its own: the class before trained (and stored) the quick start itself.
    stayer = StreamlitSession(url, "stayer")
    await _reach_train(stayer, share_query(QUICK_START_SERIES.to_dict(),
                                           replace(QUICK_START_MODEL, seed=7).to_dict(), {}))
    await stayer.press(stayer.find_button(TRAIN_LABEL))
    await stayer.wait_until(lambda: sidebar_status(stayer) == "queued, position 1", 60)
    for leaver in leavers:  # what a closed tab does on the wire: the websocket closes
        await leaver.close()
    closed_at = asyncio.get_running_loop().time()
    await stayer.wait_until(lambda: sidebar_status(stayer).startswith("running"), FREED_WITHIN_SECONDS)
    started_after = asyncio.get_running_loop().time() - closed_at
    await stayer.wait_until(lambda: stayer.shows("How good is the forecast?"), 120)
    assert stayer.errors == [], stayer.errors
    await stayer.close()
    return started_after


def test_closing_a_tab_stops_its_training_and_frees_the_worker(class_url: str):
    # The server learns that a tab closed from Streamlit's Runtime.is_active_session (lstm_core/ui/
    # training_session.py): if that private API changed, the queued job would wait for minutes and this fails.
    # Both workers held trainings of minutes: the queued job runs within the bound only if both were stopped.
    started_after = asyncio.run(_close_tabs_while_queued(class_url))
    print(f"the queued job started {started_after:.1f} s after the tabs closed")
    check_server_log()
