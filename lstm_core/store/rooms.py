"""Classroom rooms in the run store: a teacher opens a room under a short code, the class posts its scores there.

A room is joined by a 6-character code a class can read off a projector and type: upper-case letters and
digits without look-alikes (no I, L, O, 0 or 1), matched whatever the case, spaces and dashes. The teacher
gets a secret with the room; only its SHA-256 is stored, and every teacher control needs it. A room takes
posts until the teacher closes it or it expires; RoomStore.evict removes it, posts and all, once it has been
over for the run store's retention. A post's nickname is plain text, stored as typed (stripped and cut
to NICKNAME_LENGTH): whatever shows it must show it as text, never as markup.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeGuard

import sqlalchemy as sa

from lstm_core.store import schema
from lstm_core.store.runs import (
    IDS_PER_STATEMENT,
    RUN_ID,
    WRITES,
    RunStore,
    StoreError,
    _checked_name,
    positive_setting,
)
from lstm_core.store.schema import NICKNAME_LENGTH, room_posts, rooms

JOIN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = schema.ROOM_CODE_LENGTH
DEFAULT_LIFETIME_HOURS = 10.0  # a school day, with room to spare
ROOM_HOURS_ENV = "LSTM_LENS_ROOM_HOURS"
PROMPT_LENGTH = 300
OPENING_ATTEMPTS = 20  # 31**6 is near 900 million codes: twenty collisions in a row means something is broken


class RoomNotOpen(Enum):
    """Why a code opens no room: RoomStore.room's answer, and the pages' when the store cannot be reached."""

    UNKNOWN = "unknown"  # malformed, never opened, or removed after its retention
    CLOSED = "closed"  # by its teacher
    EXPIRED = "expired"  # past its lifetime
    UNREACHABLE = "unreachable"  # the run store's database cannot be reached just now


@dataclass(frozen=True)
class OpenedRoom:
    """A room just opened: the code the class joins by and the secret only its teacher holds."""

    code: str
    teacher_secret: str


@dataclass(frozen=True)
class Room:
    """An open room: its code, when it was opened and expires, the teacher's prompt and the nicknames hidden."""

    code: str
    created_at: float  # seconds since the epoch
    expires_at: float
    closed_at: float | None
    prompt: str
    hidden_nicknames: tuple[str, ...]


@dataclass(frozen=True)
class RoomPost:
    """One post in a room: a training's scores, who posted them when, the run it opens and the model's settings."""

    id: int
    room_code: str
    posted_at: float
    nickname: str
    run_id: str | None
    training: str | None
    lesson: str | None
    settings: dict[str, Any]
    scores: dict[str, Any]
    hidden: bool


def normalised_code(code: object) -> str | None:
    """Return a typed code as stored (upper case, no spaces or dashes), or None when it cannot be a room's code."""
    if not isinstance(code, str) or not code.isascii():
        # Non-ASCII letters could upper-case into the alphabet (the long s becomes S): no code has them.
        return None
    code = "".join(code.split()).replace("-", "").upper()
    if len(code) != CODE_LENGTH or any(char not in JOIN_ALPHABET for char in code):
        return None
    return code


def room_lifetime_hours(environ: Mapping[str, str] | None = None) -> float:
    """Return how long a new room stays open: LSTM_LENS_ROOM_HOURS, or DEFAULT_LIFETIME_HOURS when unset."""
    return positive_setting(os.environ if environ is None else environ, ROOM_HOURS_ENV, DEFAULT_LIFETIME_HOURS,
                             "hours")


def new_room_code() -> str:
    """Return a fresh random room code: CODE_LENGTH characters of JOIN_ALPHABET."""
    return "".join(secrets.choice(JOIN_ALPHABET) for _ in range(CODE_LENGTH))


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _checked_text(text: object, what: str) -> str:
    # PostgreSQL refuses a NUL in text and SQLite keeps it: refuse it here, the same on both.
    if not isinstance(text, str) or "\x00" in text:
        raise ValueError(f"a {what} must be a string without NUL characters, not {text!r}")
    return text


def _nickname(nickname: object) -> str:
    return _checked_text(nickname, "nickname").strip()[:NICKNAME_LENGTH].rstrip()


def _is_open(row: sa.Row[Any] | None, now: float) -> TypeGuard[sa.Row[Any]]:
    return row is not None and row.closed_at is None and now < row.expires_at


class RoomStore:
    """The classroom rooms of one run store's database: open one, look it up, post to it, and the teacher's controls."""

    def __init__(self, run_store: RunStore) -> None:
        self.engine = run_store.engine
        self.limits = run_store.limits  # a room is kept as long after it ended as an unopened run is kept
        # Every write here is one transaction that takes SQLite's write lock at BEGIN, as the run store's do.
        self._writer = run_store.engine.execution_options(**{WRITES: True})

    def open_room(self, lifetime_hours: float = DEFAULT_LIFETIME_HOURS) -> OpenedRoom:
        """Open a room for lifetime_hours and return its new code and teacher secret."""
        if not (isinstance(lifetime_hours, int | float) and math.isfinite(lifetime_hours) and lifetime_hours > 0):
            raise ValueError(f"a room's lifetime must be a positive number of hours, not {lifetime_hours!r}")
        secret = secrets.token_urlsafe(24)
        for _ in range(OPENING_ATTEMPTS):
            code, now = new_room_code(), time.time()
            try:
                # Each attempt is its own transaction: on PostgreSQL a refused insert spoils the rest of one.
                with self._writer.begin() as connection:
                    connection.execute(rooms.insert().values(
                        code=code, teacher_hash=_digest(secret), created_at=now,
                        expires_at=now + lifetime_hours * 3600, closed_at=None, prompt="", hidden_nicknames="[]"))
            except sa.exc.IntegrityError:
                continue  # the code is taken, by an open room or one not yet evicted: draw again
            return OpenedRoom(code, secret)
        raise StoreError(f"no free room code was found in {OPENING_ATTEMPTS} draws")

    def room(self, code: str) -> Room | RoomNotOpen:
        """Return the open room of a code, else why it is not open: UNKNOWN, CLOSED or EXPIRED."""
        code = normalised_code(code)
        if code is None:
            return RoomNotOpen.UNKNOWN
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(rooms).where(rooms.c.code == code)).first()
        if row is None:
            return RoomNotOpen.UNKNOWN
        if row.closed_at is not None:
            return RoomNotOpen.CLOSED
        if time.time() >= row.expires_at:
            return RoomNotOpen.EXPIRED
        return Room(row.code, row.created_at, row.expires_at, row.closed_at, row.prompt,
                    tuple(json.loads(row.hidden_nicknames)))

    def is_teacher(self, code: str, secret: str) -> bool:
        """Return whether secret is the teacher secret of the room of code (open or not)."""
        code = normalised_code(code)
        if code is None or not isinstance(secret, str):
            return False
        with self.engine.connect() as connection:
            stored = connection.execute(sa.select(rooms.c.teacher_hash).where(rooms.c.code == code)).scalar()
        return stored is not None and hmac.compare_digest(stored, _digest(secret))

    def post(self, code: str, nickname: str, settings: dict[str, Any], scores: dict[str, Any],
             run_id: str | None = None, training: str | None = None, lesson: str | None = None) -> int | None:
        """Store a post in an open room and return its id, or None when the room is not open."""
        nickname = _nickname(nickname)
        if not nickname:
            raise ValueError("a post needs a nickname that is not blank")
        if not isinstance(settings, dict) or not isinstance(scores, dict):
            raise ValueError("a post's settings and scores must be dicts")
        if run_id is not None and not (isinstance(run_id, str) and RUN_ID.fullmatch(run_id)):
            raise ValueError(f"a post's run id must be a run's id, not {run_id!r}")
        for name, what in ((training, "training's name"), (lesson, "lesson")):
            if name is not None:
                _checked_name(name, what, schema.NAME_LENGTH)
        code = normalised_code(code)
        if code is None:
            return None
        with self._writer.begin() as connection:
            room = self._locked_room(connection, code, share=True)
            now = time.time()
            if not _is_open(room, now):
                return None
            inserted = connection.execute(room_posts.insert().values(
                room_code=code, posted_at=now, nickname=nickname, run_id=run_id, training=training, lesson=lesson,
                settings=json.dumps(settings), scores=json.dumps(scores), hidden=False))
            assert inserted.inserted_primary_key is not None  # a one-row INSERT has its key
            return int(inserted.inserted_primary_key[0])

    def attach_run(self, code: str, post_id: int, run_id: str) -> bool:
        """Give a post made before its run was stored that run's id; return whether the post had none."""
        if not (isinstance(run_id, str) and RUN_ID.fullmatch(run_id)) or not isinstance(post_id, int):
            raise ValueError(f"a post's run id must be a run's id, not {run_id!r}")
        code = normalised_code(code)
        if code is None:
            return False
        with self._writer.begin() as connection:
            changed = connection.execute(room_posts.update().where(
                room_posts.c.id == post_id, room_posts.c.room_code == code, room_posts.c.run_id.is_(None))
                .values(run_id=run_id))
        return changed.rowcount == 1

    def posts(self, code: str, include_hidden: bool = False) -> list[RoomPost]:
        """Return a room's posts, oldest first, without the hidden ones and hidden nicknames' unless include_hidden."""
        code = normalised_code(code)
        if code is None:
            return []
        with self.engine.connect() as connection:
            hidden_json = connection.execute(sa.select(rooms.c.hidden_nicknames).where(rooms.c.code == code)).scalar()
            if hidden_json is None:
                return []
            rows = connection.execute(sa.select(room_posts).where(room_posts.c.room_code == code)
                                      .order_by(room_posts.c.posted_at, room_posts.c.id)).all()
        hidden_nicknames = set(json.loads(hidden_json))
        return [RoomPost(row.id, row.room_code, row.posted_at, row.nickname, row.run_id, row.training, row.lesson,
                         json.loads(row.settings), json.loads(row.scores), bool(row.hidden))
                for row in rows
                if include_hidden or not (row.hidden or row.nickname in hidden_nicknames)]

    def set_prompt(self, code: str, secret: str, prompt: str) -> bool:
        """Set an open room's prompt (cut to PROMPT_LENGTH); return whether it was set."""
        prompt = _checked_text(prompt, "prompt")[:PROMPT_LENGTH]
        with self._writer.begin() as connection:
            code = self._teachers_open_room(connection, code, secret)
            if code is None:
                return False
            connection.execute(rooms.update().where(rooms.c.code == code).values(prompt=prompt))
        return True

    def hide_post(self, code: str, secret: str, post_id: int, hidden: bool = True) -> bool:
        """Hide (or show again) one post of an open room; return whether the room had that post."""
        with self._writer.begin() as connection:
            code = self._teachers_open_room(connection, code, secret)
            if code is None or not isinstance(post_id, int):
                return False
            changed = connection.execute(room_posts.update()
                                         .where(room_posts.c.id == post_id, room_posts.c.room_code == code)
                                         .values(hidden=bool(hidden)))
        return changed.rowcount == 1

    def hide_nickname(self, code: str, secret: str, nickname: str, hidden: bool = True) -> bool:
        """Hide (or show again) every post of a nickname in an open room, later ones too; return whether it was done."""
        nickname = _nickname(nickname)  # the same text a post under this nickname was stored with
        with self._writer.begin() as connection:
            code = self._teachers_open_room(connection, code, secret)
            if code is None:
                return False
            hidden_json = connection.execute(sa.select(rooms.c.hidden_nicknames)
                                             .where(rooms.c.code == code)).scalar_one()
            nicknames = [name for name in json.loads(hidden_json) if name != nickname]
            if hidden:
                nicknames.append(nickname)
            connection.execute(rooms.update().where(rooms.c.code == code)
                               .values(hidden_nicknames=json.dumps(nicknames)))
        return True

    def close_room(self, code: str, secret: str) -> bool:
        """Close an open room for good, so it takes no more posts; return whether it was closed."""
        with self._writer.begin() as connection:
            code = self._teachers_open_room(connection, code, secret)
            if code is None:
                return False
            connection.execute(rooms.update().where(rooms.c.code == code).values(closed_at=time.time()))
        return True

    def delete_room(self, code: str, secret: str) -> bool:
        """Delete a room now, open or ended, with its board's posts, answers and state; return whether it was deleted.

        Only its teacher's secret deletes it. The runs its posts linked to stay, nameless, under the run store's
        retention: anyone holding one's link opens it as before.
        """
        code = normalised_code(code)
        if code is None or not isinstance(secret, str):
            return False
        with self._writer.begin() as connection:
            room = self._locked_room(connection, code, share=False)
            if room is None or not hmac.compare_digest(room.teacher_hash, _digest(secret)):
                return False
            for table in (schema.room_states, schema.answers, room_posts):
                connection.execute(table.delete().where(table.c.room_code == code))
            connection.execute(rooms.delete().where(rooms.c.code == code))
        return True

    def evict(self, now: float | None = None, retention_days: float | None = None) -> list[str]:
        """Remove rooms that ended (closed or expired) over retention_days ago, with their posts; return their codes.

        An unset retention_days is the run store's retention: a room's posts link to its runs, kept that long.
        """
        now = time.time() if now is None else now
        retention_days = self.limits.retention_days if retention_days is None else retention_days
        cutoff = now - retention_days * 86400
        with self._writer.begin() as connection:
            # A room is closed before it expires or not at all: whichever came first is when it ended.
            ended = list(connection.execute(
                sa.select(rooms.c.code).where(sa.func.coalesce(rooms.c.closed_at, rooms.c.expires_at) < cutoff)
                .order_by(rooms.c.code)).scalars())
            for chunk in range(0, len(ended), IDS_PER_STATEMENT):
                codes = ended[chunk:chunk + IDS_PER_STATEMENT]
                connection.execute(room_posts.delete().where(room_posts.c.room_code.in_(codes)))
                connection.execute(rooms.delete().where(rooms.c.code.in_(codes)))
        return ended

    def _locked_room(self, connection: sa.Connection, code: str, share: bool) -> sa.Row[Any] | None:
        # On PostgreSQL the row stays locked until the transaction ends: a post cannot slip in after the room
        # closes, and two teacher controls cannot overwrite each other's hidden nicknames. SQLite's BEGIN
        # IMMEDIATE already makes each write transaction the only one.
        return connection.execute(sa.select(rooms).where(rooms.c.code == code)
                                  .with_for_update(read=share)).first()

    def _teachers_open_room(self, connection: sa.Connection, code: str, secret: str) -> str | None:
        code = normalised_code(code)
        if code is None or not isinstance(secret, str):
            return None
        room = self._locked_room(connection, code, share=False)
        if not _is_open(room, time.time()) or not hmac.compare_digest(room.teacher_hash, _digest(secret)):
            return None
        return code
