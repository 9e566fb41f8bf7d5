"""Learners' answers in the run store: one answer per learner and question, in a room or alone.

An answer is what a learner committed to: a prediction's choice, a sketch (its points and scores in the
payload), the guided path's progress (question "guide/progress") or an exit ticket's answer
("exit/<ticket>/<n>"). They share one table because they are one thing: a learner's latest value for a
question key, replaced by a new one, seen in their room only, and removed with the room. A learner is
named by a stable id (lstm_core.ui.answers.learner_id), never by a nickname: two learners may type the same.

A room's answers are read by room code only, so an answer given in one room is never seen from another;
answers given in a room take no more answers once it is closed or expired. Answers given alone (no room)
go after the run store's retention.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from lstm_core.store.rooms import normalised_code
from lstm_core.store.runs import WRITES, RunStore, StoreError
from lstm_core.store.schema import LEARNER_ID_LENGTH, NICKNAME_LENGTH, QUESTION_KEY_LENGTH, answers, rooms

ANSWER_LENGTH = 500  # a choice or an exit ticket's sentence
PAYLOAD_BYTES = 64 * 1024  # a sketch of a few hundred points fits many times over
LEARNER_ID = re.compile(rf"[A-Za-z0-9_-]{{{LEARNER_ID_LENGTH}}}")
QUESTION_KEY = re.compile(rf"[A-Za-z0-9_./:<>=-]{{1,{QUESTION_KEY_LENGTH}}}")
REPLACE_ATTEMPTS = 3  # two writes of one learner's answer at once: the loser of the unique key tries again


@dataclass(frozen=True)
class Answer:
    """One learner's answer to one question: where and when it was given, its text and its payload."""

    room_code: str | None  # None: a learner alone
    learner_id: str
    question: str
    answer: str
    payload: dict[str, Any] | None
    nickname: str | None
    created_at: float  # seconds since the epoch


def checked_question(question: object) -> str:
    """Return question if it is a question key (letters, digits and ``_./:<>=-``, up to 80); else ValueError."""
    if not isinstance(question, str) or not QUESTION_KEY.fullmatch(question):
        raise ValueError(f"a question key is 1 to {QUESTION_KEY_LENGTH} letters, digits or _./:<>=-, "
                         f"not {question!r}")
    return question


def _checked_learner(learner_id: object) -> str:
    if not isinstance(learner_id, str) or not LEARNER_ID.fullmatch(learner_id):
        raise ValueError(f"a learner id is {LEARNER_ID_LENGTH} URL-safe characters, not {learner_id!r}")
    return learner_id


def _checked_answer(answer: object) -> str:
    # PostgreSQL refuses a NUL in text and SQLite keeps it: refuse it here, the same on both.
    if not isinstance(answer, str) or "\x00" in answer or len(answer) > ANSWER_LENGTH:
        raise ValueError(f"an answer is text of at most {ANSWER_LENGTH} characters without NUL, not {answer!r}")
    return answer


def _payload_json(payload: object) -> str | None:
    if payload is None:
        return None
    if not isinstance(payload, dict):
        raise ValueError(f"an answer's payload is a dict or None, not {type(payload).__name__}")
    try:
        text = json.dumps(payload, allow_nan=False)
    except (TypeError, ValueError) as problem:
        raise ValueError(f"an answer's payload must be plain JSON: {problem}") from problem
    if "\\u0000" in text or len(text.encode("utf-8")) > PAYLOAD_BYTES:
        raise ValueError(f"an answer's payload is JSON of at most {PAYLOAD_BYTES // 1024} KB without NUL")
    return text


def _answer_of(row: sa.Row[Any]) -> Answer:
    return Answer(row.room_code, row.learner_id, row.question, row.answer,
                  None if row.payload is None else json.loads(row.payload), row.nickname, row.created_at)


def _room_filter(room_code: str | None) -> sa.ColumnElement[bool]:
    return answers.c.room_code.is_(None) if room_code is None else answers.c.room_code == room_code


class AnswerStore:
    """The answers of one run store's database: record a learner's answer, read it back, tally a room's."""

    def __init__(self, run_store: RunStore) -> None:
        self.engine = run_store.engine
        self.limits = run_store.limits
        self._writer = run_store.engine.execution_options(**{WRITES: True})

    def record(self, room_code: str | None, learner_id: str, question: str, answer: str,
               payload: dict[str, Any] | None = None, nickname: str | None = None) -> bool:
        """Keep a learner's answer to question, replacing their earlier one; return False if the room is not open.

        Raises ValueError for a malformed learner id, question key, answer, payload or room code, and
        StoreError when the database cannot be reached.
        """
        learner_id, question = _checked_learner(learner_id), checked_question(question)
        answer, payload_json = _checked_answer(answer), _payload_json(payload)
        if nickname is not None:
            nickname = " ".join(_checked_answer(nickname).split())[:NICKNAME_LENGTH]
        code = None
        if room_code is not None:
            code = normalised_code(room_code)
            if code is None:
                raise ValueError(f"not a room's code: {room_code!r}")
        for attempt in range(REPLACE_ATTEMPTS):
            try:
                with self._writer.begin() as connection:
                    if code is not None:
                        # A shared lock on PostgreSQL: an answer cannot slip in after the room closes.
                        room = connection.execute(sa.select(rooms.c.closed_at, rooms.c.expires_at)
                                                  .where(rooms.c.code == code).with_for_update(read=True)).first()
                        now = time.time()
                        if room is None or room.closed_at is not None or now >= room.expires_at:
                            return False
                    connection.execute(answers.delete().where(
                        _room_filter(code), answers.c.learner_id == learner_id, answers.c.question == question))
                    connection.execute(answers.insert().values(
                        room_code=code, learner_id=learner_id, question=question, answer=answer,
                        payload=payload_json, nickname=nickname, created_at=time.time()))
                return True
            except sa.exc.IntegrityError as problem:
                if attempt == REPLACE_ATTEMPTS - 1:
                    raise StoreError("an answer could not be kept: the same learner answered at once "
                                     "elsewhere") from problem
            except sa.exc.SQLAlchemyError as problem:
                raise StoreError(f"the answer could not be kept: {type(problem).__name__}") from problem
        return False  # not reached: the loop returns or raises

    def answer(self, room_code: str | None, learner_id: str, question: str) -> Answer | None:
        """Return a learner's answer to question in a room (or alone, room_code None), or None."""
        found = self._read(sa.select(answers).where(
            _room_filter(self._code(room_code)), answers.c.learner_id == learner_id,
            answers.c.question == question))
        return _answer_of(found[0]) if found else None

    def learners_answers(self, room_code: str | None, learner_id: str, prefix: str = "") -> dict[str, Answer]:
        """Return a learner's answers in a room (or alone) by question key, those starting with prefix only."""
        query = sa.select(answers).where(_room_filter(self._code(room_code)), answers.c.learner_id == learner_id)
        if prefix:
            query = query.where(answers.c.question.startswith(prefix, autoescape=True))
        return {row.question: _answer_of(row) for row in self._read(query.order_by(answers.c.question))}

    def tally(self, room_code: str, question: str) -> dict[str, int]:
        """Return how many learners of a room gave each answer to question, the most frequent first."""
        code = normalised_code(room_code)
        if code is None:
            return {}
        rows = self._read(sa.select(answers.c.answer, sa.func.count()).where(
            answers.c.room_code == code, answers.c.question == question).group_by(answers.c.answer))
        counts = (tuple(row) for row in rows)
        return dict(Counter({str(answer): int(count) for answer, count in counts}).most_common())

    def room_answers(self, room_code: str, prefix: str) -> list[Answer]:
        """Return a room's answers to every question starting with prefix, by question, then oldest first."""
        code = normalised_code(room_code)
        if code is None:
            return []
        return [_answer_of(row) for row in self._read(
            sa.select(answers).where(answers.c.room_code == code,
                                     answers.c.question.startswith(prefix, autoescape=True))
            .order_by(answers.c.question, answers.c.created_at, answers.c.id))]

    def room_questions(self, room_code: str) -> list[str]:
        """Return the keys of the questions a room's learners answered, in key order."""
        code = normalised_code(room_code)
        if code is None:
            return []
        rows = self._read(sa.select(answers.c.question).where(answers.c.room_code == code).distinct()
                          .order_by(answers.c.question))
        return [str(row[0]) for row in rows]

    def evict(self, now: float | None = None, retention_days: float | None = None) -> int:
        """Remove answers given alone over retention_days ago; return how many. A room's go with the room."""
        now = time.time() if now is None else now
        retention_days = self.limits.retention_days if retention_days is None else retention_days
        try:
            with self._writer.begin() as connection:
                removed = connection.execute(answers.delete().where(
                    answers.c.room_code.is_(None), answers.c.created_at < now - retention_days * 86400))
        except sa.exc.SQLAlchemyError as problem:
            raise StoreError(f"answers could not be tidied: {type(problem).__name__}") from problem
        return int(removed.rowcount)

    def _code(self, room_code: str | None) -> str | None:
        if room_code is None:
            return None
        code = normalised_code(room_code)
        if code is None:
            raise ValueError(f"not a room's code: {room_code!r}")
        return code

    def _read(self, query: sa.Select[Any]) -> list[sa.Row[Any]]:
        try:
            with self.engine.connect() as connection:
                return list(connection.execute(query).all())
        except sa.exc.SQLAlchemyError as problem:
            raise StoreError(f"answers cannot be read just now: {type(problem).__name__}") from problem

