"""The waiting line of a training pool, fair between sessions: each session's jobs wait in their own line.

The next job is the oldest one of the session served longest ago (a session never served comes first, in
the order it arrived), so one learner who queues ten trainings, or a lesson that queues ten, takes turns
with the class instead of going ahead of it. A session may hold at most ``cap`` waiting jobs.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Hashable, Iterator
from typing import Generic, TypeVar

from lstm_core.training.messages import queue_full_message

Item = TypeVar("Item")

MAX_QUEUED_PER_SESSION = 12  # the largest lesson queues ten trainings at once
MAX_REMEMBERED_SESSIONS = 5000  # when each session was last served, for sessions with nothing waiting


class QueueFull(RuntimeError):
    """A session asked to queue more trainings than a session may hold waiting."""


class FairQueue(Generic[Item]):
    """Jobs waiting per session, served one session at a time (the one served longest ago first).

    Not thread-safe: its owner holds a lock around every call, as it did around a plain deque.
    """

    def __init__(self, cap: int = MAX_QUEUED_PER_SESSION) -> None:
        self.cap = cap
        self._lines: dict[Hashable, deque[Item]] = {}  # session -> its waiting jobs, oldest first
        self._session_of: dict[int, Hashable] = {}  # id(job) -> session
        self._last_served: dict[Hashable, int] = {}  # session -> tick of its latest start (0: never)
        self._arrived: dict[Hashable, int] = {}  # session -> tick its current line began
        self._ticks = itertools.count(1)
        self._order: list[Item] | None = None  # the dispatch order, until the next change

    def append(self, item: Item, session: Hashable | None = None) -> None:
        """Queue item at the end of its session's line; raise QueueFull when that line holds cap jobs."""
        session = ("anonymous", id(item)) if session is None else session  # a job without a session is its own
        line = self._lines.get(session)
        if line is not None and len(line) >= self.cap:
            raise QueueFull(queue_full_message(self.cap))
        if line is None:
            line = self._lines[session] = deque()
            self._arrived[session] = next(self._ticks)
        line.append(item)
        self._session_of[id(item)] = session
        self._order = None

    def popleft(self) -> Item:
        """Return and remove the next job to start: the oldest of the session served longest ago."""
        if not self._lines:
            raise IndexError("pop from an empty FairQueue")
        session = min(self._lines, key=self._turn)
        item = self._lines[session].popleft()
        self._forget(item, session)
        self._last_served[session] = next(self._ticks)
        self._prune_memory()
        return item

    def take(self, count: int) -> list[Item]:
        """Return and remove up to count jobs, the next to start first: what count free workers take."""
        return [self.popleft() for _ in range(min(count, len(self)))]

    def remove(self, item: Item) -> None:
        """Remove a waiting job (withdrawn); raise ValueError when it is not waiting."""
        session = self._session_of.get(id(item))
        if session is None or item not in self._lines.get(session, ()):
            raise ValueError("job is not waiting")
        self._lines[session].remove(item)
        self._forget(item, session)

    def index(self, item: Item) -> int:
        """Return item's place in the dispatch order, 0 = next; raise ValueError when it is not waiting."""
        return self.ordered().index(item)

    def ordered(self) -> list[Item]:
        """Return every waiting job in the order they will start."""
        if self._order is None:
            lines = {session: list(line) for session, line in self._lines.items()}
            served = dict(self._last_served)
            ticks = itertools.count(next(self._ticks))  # later than every session's real last start
            order: list[Item] = []
            while lines:
                session = min(lines, key=lambda s: (served.get(s, 0), self._arrived[s]))
                order.append(lines[session].pop(0))
                served[session] = next(ticks)
                if not lines[session]:
                    del lines[session]
            self._order = order
        return list(self._order)

    def clear(self) -> None:
        """Drop every waiting job."""
        self._lines.clear()
        self._session_of.clear()
        self._order = None

    def waiting_of(self, session: Hashable) -> int:
        """Return how many jobs session has waiting."""
        return len(self._lines.get(session, ()))

    def __len__(self) -> int:
        return sum(len(line) for line in self._lines.values())

    def __bool__(self) -> bool:
        return bool(self._lines)

    def __contains__(self, item: object) -> bool:
        session = self._session_of.get(id(item))
        return session is not None and item in self._lines.get(session, ())

    def __iter__(self) -> Iterator[Item]:
        return iter(self.ordered())

    def _turn(self, session: Hashable) -> tuple[int, int]:
        return self._last_served.get(session, 0), self._arrived[session]

    def _forget(self, item: Item, session: Hashable) -> None:
        self._session_of.pop(id(item), None)
        if not self._lines[session]:
            del self._lines[session]
            del self._arrived[session]
        self._order = None

    def _prune_memory(self) -> None:
        if len(self._last_served) > MAX_REMEMBERED_SESSIONS:
            idle = sorted((tick, s) for s, tick in self._last_served.items() if s not in self._lines)
            for _, session in idle[: len(idle) // 2]:
                del self._last_served[session]
