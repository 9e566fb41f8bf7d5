"""A room's pacing state in the run store: what its teacher pushed, locked, hid, revealed and asked at the close.

Every learner's page in a room polls this one small row about once a second, so it is one primary-key read of
a short JSON text; its version grows by one at every change, so a page redraws only when it moved. Only the
room's teacher (by the room's secret) changes it, and only while the room is open.
"""

from __future__ import annotations

import hmac
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import sqlalchemy as sa

from lstm_core.store.rooms import _digest, _is_open, normalised_code
from lstm_core.store.runs import WRITES, RunStore, StoreError
from lstm_core.store.schema import room_states, rooms

PUSH_KINDS = ("page", "step", "preset")  # what a teacher can send every learner to
EXIT_QUESTIONS = 3  # an exit ticket asks two or three questions
EXIT_QUESTION_LENGTH = 200


@dataclass(frozen=True)
class Push:
    """Where the teacher sent the class: a page (its file), a guided step (its number) or a preset (its name)."""

    kind: str  # one of PUSH_KINDS
    target: str
    number: int  # counts the room's pushes, so a learner follows each one once


@dataclass(frozen=True)
class RoomState:
    """A room's pacing state: the last push, the locked and hidden levers, the revealed questions, the exit ticket."""

    version: int = 0  # 0: the teacher has changed nothing yet
    push: Push | None = None
    locked_levers: tuple[str, ...] = ()  # ModelConfig fields a learner sees but cannot move
    hidden_levers: tuple[str, ...] = ()  # ModelConfig fields not drawn at all
    revealed: tuple[str, ...] = ()  # question keys the teacher revealed to everyone at once
    question: str | None = None  # the question the board asks and tallies now
    show_nicknames: bool = False  # the board's answers are anonymous unless the teacher says otherwise
    exit_ticket: tuple[str, ...] = ()  # the questions of the room's latest exit ticket; () before the first
    exit_number: int = 0  # counts the room's exit tickets: answers are keyed "exit/<number>/<n>"
    exit_open: bool = False  # learners are asked the latest exit ticket now
    extra: dict[str, Any] = field(default_factory=dict)  # keys a newer version wrote, kept as they were


def _state_of(version: int, text: str) -> RoomState:
    data = json.loads(text)
    push = data.pop("push", None)
    known = {name: data.pop(name) for name in list(data) if name in RoomState.__dataclass_fields__}
    for name in ("locked_levers", "hidden_levers", "revealed", "exit_ticket"):
        if name in known:
            known[name] = tuple(known[name])
    known.pop("version", None)
    known.pop("extra", None)
    return RoomState(version=version, push=Push(**push) if push else None, **known, extra=data)


def _state_json(state: RoomState) -> str:
    data = asdict(state)
    data.pop("version")
    extra = data.pop("extra")
    return json.dumps({**extra, **data})


def exit_question_key(number: int, index: int) -> str:
    """Return the question key of an exit ticket's question: ``exit/<ticket number>/<question number from 1>``."""
    return f"exit/{number}/{index + 1}"


class RoomStateStore:
    """The pacing states of one run store's rooms: read one, and the teacher's changes to it."""

    def __init__(self, run_store: RunStore) -> None:
        self.engine = run_store.engine
        self._writer = run_store.engine.execution_options(**{WRITES: True})

    def state(self, code: str) -> RoomState:
        """Return a room's pacing state; the empty RoomState when its teacher changed nothing or it is unknown."""
        code_ = normalised_code(code)
        if code_ is None:
            return RoomState()
        try:
            with self.engine.connect() as connection:
                row = connection.execute(sa.select(room_states.c.version, room_states.c.state)
                                         .where(room_states.c.room_code == code_)).first()
        except sa.exc.SQLAlchemyError as problem:
            raise StoreError(f"the room's state cannot be read: {type(problem).__name__}") from problem
        return RoomState() if row is None else _state_of(row.version, row.state)

    def push(self, code: str, secret: str, kind: str, target: str) -> RoomState | None:
        """Send every learner of the room to a page, a step or a preset; return the new state, None if not allowed."""
        if kind not in PUSH_KINDS or not isinstance(target, str) or not target or len(target) > 200:
            raise ValueError(f"a push is one of {PUSH_KINDS} with a target, not {kind!r} {target!r}")
        return self._change(code, secret, lambda state: replace(
            state, push=Push(kind, target, (state.push.number if state.push else 0) + 1)))

    def set_levers(self, code: str, secret: str, locked: tuple[str, ...] = (),
                   hidden: tuple[str, ...] = ()) -> RoomState | None:
        """Lock and hide these levers (ModelConfig fields) for the room; return the new state, None if not allowed."""
        return self._change(code, secret, lambda state: replace(
            state, locked_levers=tuple(sorted(set(locked))), hidden_levers=tuple(sorted(set(hidden)))))

    def ask(self, code: str, secret: str, question: str | None, show_nicknames: bool = False) -> RoomState | None:
        """Make question the one the board tallies (and whether nicknames show); return the new state or None."""
        return self._change(code, secret, lambda state: replace(state, question=question,
                                                                show_nicknames=bool(show_nicknames)))

    def reveal(self, code: str, secret: str, question: str, revealed: bool = True) -> RoomState | None:
        """Reveal question to everyone in the room at once (or take that back); return the new state or None."""
        def change(state: RoomState) -> RoomState:
            keys = [key for key in state.revealed if key != question] + ([question] if revealed else [])
            return replace(state, revealed=tuple(keys))
        return self._change(code, secret, change)

    def open_exit_ticket(self, code: str, secret: str, questions: list[str]) -> RoomState | None:
        """Ask the room an exit ticket of two or three questions; return the new state, None if not allowed."""
        cleaned = [" ".join(str(question).split())[:EXIT_QUESTION_LENGTH] for question in questions]
        cleaned = [question for question in cleaned if question and "\x00" not in question]
        if not 2 <= len(cleaned) <= EXIT_QUESTIONS:
            raise ValueError(f"an exit ticket asks two or three questions, not {len(cleaned)}")
        return self._change(code, secret, lambda state: replace(
            state, exit_ticket=tuple(cleaned), exit_number=state.exit_number + 1, exit_open=True))

    def close_exit_ticket(self, code: str, secret: str) -> RoomState | None:
        """Stop asking the exit ticket (its questions and answers stay); return the new state, None if not allowed."""
        return self._change(code, secret, lambda state: replace(state, exit_open=False))

    def _change(self, code: str, secret: str, change: Callable[[RoomState], RoomState]) -> RoomState | None:
        code_ = normalised_code(code)
        if code_ is None or not isinstance(secret, str):
            return None
        try:
            with self._writer.begin() as connection:
                room = connection.execute(sa.select(rooms).where(rooms.c.code == code_).with_for_update()).first()
                if not _is_open(room, time.time()) or not hmac.compare_digest(room.teacher_hash, _digest(secret)):
                    return None
                row = connection.execute(sa.select(room_states.c.version, room_states.c.state)
                                         .where(room_states.c.room_code == code_)).first()
                old = RoomState() if row is None else _state_of(row.version, row.state)
                new = replace(change(old), version=old.version + 1)
                values = {"version": new.version, "updated_at": time.time(), "state": _state_json(new)}
                if row is None:
                    connection.execute(room_states.insert().values(room_code=code_, **values))
                else:
                    connection.execute(room_states.update().where(room_states.c.room_code == code_).values(**values))
            return new
        except sa.exc.SQLAlchemyError as problem:
            raise StoreError(f"the room's state cannot be changed: {type(problem).__name__}") from problem
