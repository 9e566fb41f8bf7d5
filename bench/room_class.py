"""A class in a room over the websocket client: learners answer the board's question, follow the teacher's push.

Shared by tests/ui/test_room_answers_class.py and bench/bench_room_answers.py. The projected board is a session
of its own on /board with the teacher's link, and each learner a session on /board with the join link. The
teacher asks the question through the store, as the board's menu calls it (RoomStateStore), and pushes a page
with the board's own controls.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from streamlit.proto.WidgetStates_pb2 import WidgetState

from bench.memory_class import Learner
from lstm_core.evaluation.class_answers import WINDOW_QUESTION
from lstm_core.store.answers import AnswerStore
from lstm_core.store.room_states import RoomStateStore
from lstm_core.store.rooms import RoomStore
from lstm_core.store.runs import RunStore

BOARD_TITLE = "Class board"
MODEL_TITLE = "Model: choose the levers"
MODEL_PAGE = "Model"  # as the teacher's page menu names it
SEND_LABEL = "Send to everyone"
ANSWERS_SHOWN = re.compile(r"\((\d+) answers?\)\.$")


@dataclass
class Stores:
    """The server's run store as the room's pages reach it: rooms, answers and pacing states."""

    rooms: RoomStore
    answers: AnswerStore
    states: RoomStateStore

    @classmethod
    def of(cls, data_dir: Path) -> Stores:
        """Return the stores of a server whose run store lives in data_dir."""
        run_store = RunStore(f"sqlite:///{data_dir / 'lstm_lens.sqlite3'}")
        return cls(RoomStore(run_store), AnswerStore(run_store), RoomStateStore(run_store))


def board_answers(session: Learner) -> int | None:
    """Return how many answers the board's tally says it counted, or None while it shows no tally."""
    for text in session.texts():
        if text == "No answer yet.":
            return 0
        found = ANSWERS_SHOWN.search(text)
        if found:
            return int(found.group(1))
    return None


async def open_board(url: str, name: str, query: str, timeout: float) -> Learner:
    """Return a session on the class board of a room, once drawn."""
    session = Learner(url, name)
    await session.open("board", query, timeout=timeout)
    await session.wait_until(lambda: session.idle and session.shows(BOARD_TITLE), timeout)
    return session


async def answer(learner: Learner, choice: str, timeout: float) -> float:
    """Pick choice in the board's question and press Answer; return when the press was sent (monotonic)."""
    await learner.wait_until(lambda: learner.find("radio", WINDOW_QUESTION.text) is not None, timeout)
    radio = learner.find("radio", WINDOW_QUESTION.text)
    assert radio is not None
    # A radio inside a form goes to the server with the form's submit, as in a browser.
    state = WidgetState(id=radio.widget_id)
    state.string_value = choice
    learner._widgets[radio.widget_id] = state
    submit = learner.find_button("Answer")
    assert submit is not None
    began = time.monotonic()
    await learner.press(submit)
    await learner.wait_until(lambda: learner.shows(f"Your answer: {choice}"), timeout)
    return began


@dataclass
class BoardWatch:
    """When the board first showed each count of answers (monotonic seconds)."""

    seen: dict[int, float] = field(default_factory=dict)

    async def run(self, board: Learner, stop: asyncio.Event) -> None:
        """Record the board's tally count after every message until stop is set."""
        while True:
            count = board_answers(board)
            if count is not None and count not in self.seen:
                for lower in range(count + 1):
                    self.seen.setdefault(lower, time.monotonic())
            if stop.is_set():  # read once more after the stop: the last count may have arrived with it
                return
            await asyncio.sleep(0.02)


def tally_delays(answered_at: list[float], watch: BoardWatch) -> list[float]:
    """Return, for the k-th answer (in time order), how long until the board first counted k answers."""
    return [watch.seen[k] - at if k in watch.seen else float("inf")
            for k, at in enumerate(sorted(answered_at), start=1)]


async def follow_push(board: Learner, learners: list[Learner], timeout: float) -> tuple[list[float], list[str]]:
    """Send the class to the Model page from the teacher's board, as the teacher does (pick it, press Send to
    everyone); return each arrived learner's seconds from the press until their Model page is drawn, and where
    each learner that did not arrive within timeout was left."""
    page = board.find("selectbox", "Page")
    assert page is not None, "the teacher's board draws the pacing controls"
    await board.choose(page, MODEL_PAGE)
    await board.wait_idle(timeout)
    send = board.find_button(SEND_LABEL)
    assert send is not None, "the teacher's board draws Send to everyone"
    began = time.monotonic()
    await board.press(send)
    arrived: list[float] = []
    left: list[str] = []

    async def watch(learner: Learner) -> None:
        try:
            await learner.wait_until(lambda: learner.url_path == "model" and learner.shows(MODEL_TITLE), timeout)
        except TimeoutError:
            left.append(f"{learner.name} on /{learner.url_path} ({len(learner.errors)} errors)")
            return
        arrived.append(time.monotonic() - began)
    await asyncio.gather(*(watch(learner) for learner in learners))
    return arrived, left
