"""A class on one stored run, over Streamlit's websocket protocol: ten learners open its memory page at once.

The quick start is trained once, through the server's own pool, and stored; then ten learners open the memory
page's projector link for that run at the same moment, each guesses and presses Show, and all of them read the
verdict, the answer to their guess and the unit roles that the glass box computes from the stored weights here,
in the test. The server (bench/memory_class.py) writes a line to its log each time it computes a memory report,
so "the class computes it once" is a count, not a timing. The same ten then open Inside on that run, and it
is not computed again.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from bench.memory_class import (
    INSIDE_PATH,
    INSIDE_TITLE,
    MEMORY_PATH,
    MEMORY_QUESTION,
    MEMORY_TITLE,
    Learner,
    counting_server,
    guess_and_show,
    inside_query,
    memory_query,
    open_page,
    reports_computed,
    stored_training,
    train_quick_start,
)
from lstm_core.data.dataset import Dataset
from lstm_core.evaluation.expectations import guess_verdict
from lstm_core.glassbox.memory_report import MemoryReport, memory_report
from lstm_core.glassbox.memory_verdict import READ_BACK, memory_verdict, r2_text, read_back_of
from tests.e2e.conftest import ROOT

pytestmark = pytest.mark.xdist_group("memory-class")

LEARNERS = 10
SERVER_LOG = "server-memory-class.log"
SERVER_LIFETIME_SECONDS = 600  # the server ends itself if the test run is killed
TRAIN_LIMIT_SECONDS = 120.0  # a liveness bound: the first training waits for the workers to warm up
CLASS_LIMIT_SECONDS = 90.0  # a liveness bound: ten page loads and guesses take seconds on a healthy server
ASKED = re.compile(r"the noise of the input (\d+) steps back out of the cell state c at step (\d+)\?")
ROLES_COLUMN, IMPORTANCE_COLUMN = "role", "error without it ÷ with it"


@dataclass(frozen=True)
class TrainedRun:
    """The stored quick start: the server's URL and log, its run id, its dataset and its memory report."""

    url: str
    log: Path
    run_id: str
    dataset: Dataset
    report: MemoryReport


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory) -> Iterator[TrainedRun]:
    """Yield the quick start trained once on a counting server of its own, with its report computed here."""
    data_dir = tmp_path_factory.mktemp("memory-class-store")
    log = ROOT / "artifacts" / SERVER_LOG
    with counting_server(log, data_dir, lifetime=SERVER_LIFETIME_SECONDS) as server:
        run_id = asyncio.run(train_quick_start(server.url, TRAIN_LIMIT_SECONDS))
        stored, dataset = stored_training(data_dir, run_id)
        assert stored.result.weights is not None
        # The glass box on the stored weights, in this process: what every learner must be shown.
        yield TrainedRun(server.url, log, run_id, dataset, memory_report(stored.result.weights, dataset, 0))


def check_server_log(log: Path) -> None:
    """Assert that no worker ran the app script and that nothing raised on the server."""
    text = log.read_text()
    assert "missing ScriptRunContext" not in text, "a worker process ran the app script"
    assert "Traceback" not in text, text[text.index("Traceback"):][:2000]


async def _open_all(url: str, path: str, query: str, title: str) -> list[Learner]:
    learners = [Learner(url, f"learner-{index}") for index in range(LEARNERS)]
    await asyncio.wait_for(asyncio.gather(*(open_page(learner, path, query, title, CLASS_LIMIT_SECONDS)
                                            for learner in learners)), CLASS_LIMIT_SECONDS)
    return learners


async def _memory_class(run: TrainedRun) -> tuple[list[Learner], list[str]]:
    learners = await _open_all(run.url, MEMORY_PATH, memory_query(run.run_id), MEMORY_TITLE)
    try:
        questions = await asyncio.wait_for(asyncio.gather(*(
            guess_and_show(learner, MEMORY_QUESTION, READ_BACK[index % len(READ_BACK)], CLASS_LIMIT_SECONDS)
            for index, learner in enumerate(learners))), CLASS_LIMIT_SECONDS)
    finally:
        await asyncio.gather(*(learner.close() for learner in learners))
    return learners, questions


async def _inside_class(run: TrainedRun) -> list[Learner]:
    learners = await _open_all(run.url, INSIDE_PATH, inside_query(run.run_id), INSIDE_TITLE)
    await asyncio.gather(*(learner.close() for learner in learners))
    return learners


def test_ten_learners_on_one_runs_memory_page_read_one_report_computed_once(trained_run: TrainedRun):
    run, report = trained_run, trained_run.report
    learners, questions = asyncio.run(_memory_class(run))

    assert [learner.errors for learner in learners] == [[]] * LEARNERS
    assert len(set(questions)) == 1, questions
    steps_back, step = map(int, ASKED.search(questions[0]).groups())
    assert step == run.dataset.seq_length, "the page opens on the last step, the one the forecast reads"
    noise = report.curves.states["c"].noise
    assert noise is not None, "the quick start's series is generated: its noise is known"
    asked = float(noise[steps_back])
    happened = f"R² {r2_text(asked)} on the test windows"
    verdict = memory_verdict(report.curves)
    roles = [role.role for role in report.roles.units]
    for index, learner in enumerate(learners):
        guess = READ_BACK[index % len(READ_BACK)]
        alerts = learner.alerts()
        assert guess_verdict(guess, read_back_of(asked), happened) in alerts, (learner.name, alerts)
        assert verdict in alerts, (learner.name, alerts)
        tables = learner.tables()
        assert len(tables) == 1, f"{learner.name}: the unit roles table, and no other"
        assert tables[0][ROLES_COLUMN] == roles, learner.name
        np.testing.assert_allclose(tables[0][IMPORTANCE_COLUMN], np.round(report.atlas.knock_out_ratios[0], 3),
                                   atol=1e-3, err_msg=learner.name)
    # Ten learners opened the one run at the same moment: the server computed its report once, for all of them.
    computed = reports_computed(run.log.read_text())
    assert [c.layer for c in computed] == [0], computed
    check_server_log(run.log)


def test_the_same_class_on_inside_reads_the_unit_roles_of_the_shared_report(trained_run: TrainedRun):
    run, report = trained_run, trained_run.report
    computed_before = reports_computed(run.log.read_text())
    learners = asyncio.run(_inside_class(run))

    assert [learner.errors for learner in learners] == [[]] * LEARNERS
    role = report.roles.units[0].role  # Inside opens on unit 0 of layer 1
    assert all(learner.shows(f"**Unit 0 of layer 1** {role}.") for learner in learners), role
    # The memory page computed the report (the test before), or, run alone, this class did, once.
    assert len(reports_computed(run.log.read_text())) == max(1, len(computed_before))
    check_server_log(run.log)
