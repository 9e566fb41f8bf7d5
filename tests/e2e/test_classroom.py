"""Two learners in Chromium press Train at once: what a browser sees of a class (its console, the drawn button).

The class of ten, its lesson and a closed tab's worker are tested over the websocket client, which leaves
the cores to the server (tests/ui/test_classroom.py).
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from bench.browser_class import run_class
from lstm_core.presets import QUICK_START_MODEL, QUICK_START_SERIES
from lstm_core.ui.links import share_query
from tests.e2e.conftest import server_log_path

pytestmark = pytest.mark.e2e

LEARNERS = 2
RUNNING_SEEN_AFTER_SECONDS = 5.0  # five refreshes, with time to spare for a browser polling a busy page
# The quick start with a seed no other test trains (the session's store holds the quick start itself), trained
# long enough that a busy browser still finds the run active when it reads the Train button.
TRAIN_QUERY = "train?" + share_query(QUICK_START_SERIES.to_dict(),
                                     replace(QUICK_START_MODEL, seed=11, epochs=50).to_dict(), {})


def queue_positions(statuses: list[str]) -> list[int]:
    """Return the queue positions a learner saw, in order."""
    return [int(m.group(1)) for s in statuses if (m := re.match(r"queued, position (\d+)", s))]


def test_two_learners_in_chromium_press_train_at_once_and_both_get_results(app_url: str):
    run = run_class(app_url, LEARNERS, limit_seconds=300, train=TRAIN_QUERY)
    report = "\n".join(map(str, run.learners))
    assert not [r.error for r in run.learners if r.error], report
    assert run.finished() == LEARNERS, report
    assert not [r.unexplained_console_errors() for r in run.learners if r.unexplained_console_errors()], report
    for learner in run.learners:
        assert learner.train_disabled_while_active is True, learner
        assert learner.statuses[-1] == "finished", learner
        positions = queue_positions(learner.statuses)
        assert positions == sorted(positions, reverse=True), f"the queue only moves forward: {learner}"
        # The status refreshes once a second: a job that ran for several seconds was seen running.
        assert learner.training_seconds is not None, learner
        if learner.training_seconds >= RUNNING_SEEN_AFTER_SECONDS:
            assert any(s.startswith("running") for s in learner.statuses), learner
    # Two identical trainings are one job that both watch.
    assert max((p for r in run.learners for p in queue_positions(r.statuses)), default=0) <= 1, report
    assert run.home_load_seconds and max(run.home_load_seconds) < 60, run.home_load_seconds  # a liveness bound
    log = server_log_path("server.log").read_text()
    assert "missing ScriptRunContext" not in log, "a worker process ran the app script"
    assert "Traceback" not in log
