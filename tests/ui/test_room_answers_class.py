"""A class of 30 in a room over the websocket client: everyone answers the board's question, the projected board's
tally equals the answers stored, and a teacher's push brings every learner's page to the Model page."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from pathlib import Path

import pytest

from bench.room_class import Stores, answer, board_answers, follow_push, open_board
from lstm_core.evaluation.class_answers import WINDOW_QUESTION, tally_bars, tally_text
from tests.e2e.conftest import served_app

LEARNERS = 30
LIVENESS_SECONDS = 120.0  # a bound for a stuck server, not a speed target: speed is in bench/bench_room_answers.py


@pytest.fixture(scope="module")
def room_server(tmp_path_factory):
    """Yield the URL of a server of its own and the directory of its run store."""
    data_dir = tmp_path_factory.mktemp("room-answers")
    with served_app("server-room-answers.log", data_dir=data_dir) as url:
        yield url, data_dir


async def _class(url: str, data_dir: Path) -> tuple[dict[str, int], Counter, int | None, str, list[str], int,
                                                  set[str], set[str]]:
    stores = Stores.of(data_dir)
    opened = stores.rooms.open_room()
    stores.states.ask(opened.code, opened.teacher_secret, WINDOW_QUESTION.key)
    board = await open_board(url, "board", f"room={opened.code}&teacher={opened.teacher_secret}",
                             LIVENESS_SECONDS)
    learners = await asyncio.gather(*(open_board(url, f"learner-{n}", f"room={opened.code}", LIVENESS_SECONDS)
                                      for n in range(LEARNERS)))
    choices = list(itertools.islice(itertools.cycle((*WINDOW_QUESTION.choices, WINDOW_QUESTION.choices[0])),
                                    LEARNERS))
    await asyncio.gather(*(answer(learner, choice, LIVENESS_SECONDS) for learner, choice in zip(learners, choices)))
    await board.wait_until(lambda: board_answers(board) == LEARNERS, LIVENESS_SECONDS)
    shown = board_answers(board)
    stored = stores.answers.tally(opened.code, WINDOW_QUESTION.key)
    board_text = " ".join(board.texts())
    polls_on_board = set().union(*(learner.timed_fragments for learner in learners))
    _, left = await follow_push(board, list(learners), LIVENESS_SECONDS)
    polls_on_model = set().union(*(learner.timed_fragments for learner in learners))
    errors = sum(len(session.errors) for session in (board, *learners))
    for session in (board, *learners):
        await session.close()
    return stored, Counter(choices), shown, board_text, left, errors, polls_on_board, polls_on_model


def test_thirty_answers_reach_the_board_and_a_push_reaches_thirty_learners(room_server):
    url, data_dir = room_server
    stored, given, shown, board_text, left, errors, polls_on_board, polls_on_model = asyncio.run(_class(url, data_dir))
    assert stored == dict(given), "one answer per learner, each as given"
    assert shown == LEARNERS == sum(stored.values()), "the projected board's tally counts every answer"
    assert tally_text(tally_bars(dict(given), WINDOW_QUESTION.choices)) in board_text, "bar by bar, as given"
    assert not left, f"every learner's page follows the push to the Model page; not: {left}"
    # The room's poll is a fragment of its own on each page: a poll timer's rerun sent from the old page a moment
    # too late is dropped, instead of starting a run that would leave the new page's drawing unsent.
    assert polls_on_board and polls_on_model and not polls_on_board & polls_on_model
    assert errors == 0
