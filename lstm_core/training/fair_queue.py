"""The waiting line of a training pool, fair between addresses and sessions: each session's jobs wait in their own line.

The next job comes from the client address served longest ago, and within it from the session served longest
ago (an address or session never served comes first, in the order it arrived), so one learner who queues ten
trainings, a lesson that queues ten, or a script that opens two hundred sessions from one machine, takes turns
with the class instead of going ahead of it. A session may hold at most ``cap`` waiting jobs, an address
``per_address`` and the whole queue ``total``; each refusal says which, in ``QueueFull``'s message.
"""

from __future__ import annotations

import itertools
import os
from collections import Counter, deque
from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from lstm_core.training.messages import address_full_message, queue_bound_message, queue_full_message

Item = TypeVar("Item")

MAX_QUEUED_PER_SESSION = 12  # the largest lesson queues ten trainings at once
# A school behind one NAT address matters only on a public server (behind HAProxy on the school's own server each
# learner keeps their LAN address): 60 lets a class of 30 there have two distinct trainings each waiting at once
# (a lesson on the default settings is the same ten trainings for everyone, joined rather than queued again),
# while a script pressing Train in two hundred tabs holds at most 60 of the MAX_QUEUED places and, served by
# address, one turn in each round, as one learner does.
MAX_QUEUED_PER_ADDRESS = 60
# A learner at the back of 400 trainings of a few seconds each on a few workers already waits minutes: past
# that, telling them at once beats a wait nobody sits through (and a flood cannot grow the server's memory).
MAX_QUEUED = 400
MAX_QUEUED_PER_ADDRESS_ENV = "LSTM_LENS_MAX_QUEUED_PER_ADDRESS"
MAX_QUEUED_ENV = "LSTM_LENS_MAX_QUEUED"
MAX_REMEMBERED_SESSIONS = 5000  # when each session was last served, for sessions with nothing waiting


class QueueFull(RuntimeError):
    """A session, an address or the whole queue already holds as many waiting trainings as it may."""


@dataclass(frozen=True)
class QueueLimits:
    """How many trainings may wait at once: per browser session, per client address, and in the whole queue."""

    per_session: int = MAX_QUEUED_PER_SESSION
    per_address: int = MAX_QUEUED_PER_ADDRESS
    total: int = MAX_QUEUED


def queue_limits(environ: Mapping[str, str] | None = None) -> QueueLimits:
    """Return the limits set by LSTM_LENS_MAX_QUEUED_PER_ADDRESS and LSTM_LENS_MAX_QUEUED, defaults for unset ones."""
    environ = os.environ if environ is None else environ
    return QueueLimits(per_address=_count_setting(environ, MAX_QUEUED_PER_ADDRESS_ENV, MAX_QUEUED_PER_ADDRESS),
                       total=_count_setting(environ, MAX_QUEUED_ENV, MAX_QUEUED))


def _count_setting(environ: Mapping[str, str], name: str, default: int) -> int:
    text = environ.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{name} must be a whole number of trainings, at least 1, not {text!r}")
    return int(text)


class FairQueue(Generic[Item]):
    """Jobs waiting per session, served one address at a time (the one served longest ago first), then by session.

    A job queued without an address counts as its session's own address. Not thread-safe: its owner holds a
    lock around every call, as it did around a plain deque.
    """

    def __init__(self, cap: int = MAX_QUEUED_PER_SESSION, limits: QueueLimits | None = None) -> None:
        limits = limits or QueueLimits(per_session=cap)
        self.limits = limits
        self.cap = limits.per_session
        self._lines: dict[Hashable, deque[Item]] = {}  # session -> its waiting jobs, oldest first
        self._session_of: dict[int, Hashable] = {}  # id(job) -> session
        self._address_of: dict[int, Hashable] = {}  # id(job) -> the address it counts against
        self._line_address: dict[Hashable, Hashable] = {}  # session -> the address whose turn its line waits for
        self._per_address: Counter[Hashable] = Counter()  # address -> its jobs waiting
        self._last_served: dict[Hashable, int] = {}  # session -> tick of its latest start (0: never)
        self._address_served: dict[Hashable, int] = {}  # address -> tick of its latest start (0: never)
        self._arrived: dict[Hashable, int] = {}  # session -> tick its current line began
        self._address_arrived: dict[Hashable, int] = {}  # address -> tick it last began to have jobs waiting
        self._count = 0
        self._ticks = itertools.count(1)
        self._order: list[Item] | None = None  # the dispatch order, until the next change

    def append(self, item: Item, session: Hashable | None = None, address: Hashable | None = None) -> None:
        """Queue item at the end of its session's line; raise QueueFull when a limit is reached, saying which."""
        session = ("anonymous", id(item)) if session is None else session  # a job without a session is its own
        line = self._lines.get(session)
        address = self._line_address[session] if line is not None else (
            ("session", session) if address is None else ("address", address))
        if line is not None and len(line) >= self.limits.per_session:
            raise QueueFull(queue_full_message(self.limits.per_session))
        if self._per_address[address] >= self.limits.per_address:
            raise QueueFull(address_full_message(self.limits.per_address))
        if self._count >= self.limits.total:
            raise QueueFull(queue_bound_message(self.limits.total))
        if line is None:
            line = self._lines[session] = deque()
            self._arrived[session] = next(self._ticks)
            self._line_address[session] = address
        if not self._per_address[address]:
            self._address_arrived[address] = next(self._ticks)
        line.append(item)
        self._per_address[address] += 1
        self._count += 1
        self._session_of[id(item)] = session
        self._address_of[id(item)] = address
        self._order = None

    def popleft(self) -> Item:
        """Return and remove the next job to start: the oldest of the session served longest ago."""
        if not self._lines:
            raise IndexError("pop from an empty FairQueue")
        session = self._next_session(self._lines, self._last_served, self._address_served)
        item = self._lines[session].popleft()
        tick = next(self._ticks)
        self._last_served[session] = self._address_served[self._line_address[session]] = tick
        self._forget(item, session)
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
            lines = {session: deque(line) for session, line in self._lines.items()}
            served, address_served = dict(self._last_served), dict(self._address_served)
            ticks = itertools.count(next(self._ticks))  # later than every session's real last start
            order: list[Item] = []
            while lines:
                session = self._next_session(lines, served, address_served)
                order.append(lines[session].popleft())
                served[session] = address_served[self._line_address[session]] = next(ticks)
                if not lines[session]:
                    del lines[session]
            self._order = order
        return list(self._order)

    def clear(self) -> None:
        """Drop every waiting job."""
        self._lines.clear()
        self._session_of.clear()
        self._address_of.clear()
        self._line_address.clear()
        self._per_address.clear()
        self._arrived.clear()
        self._address_arrived.clear()
        self._count = 0
        self._order = None

    def waiting_of(self, session: Hashable) -> int:
        """Return how many jobs session has waiting."""
        return len(self._lines.get(session, ()))

    def waiting_from(self, address: Hashable) -> int:
        """Return how many jobs wait that were queued from address."""
        return self._per_address[("address", address)]

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return bool(self._lines)

    def __contains__(self, item: object) -> bool:
        session = self._session_of.get(id(item))
        return session is not None and item in self._lines.get(session, ())

    def __iter__(self) -> Iterator[Item]:
        return iter(self.ordered())

    def _next_session(self, lines: Mapping[Hashable, deque[Item]], served: Mapping[Hashable, int],
                      address_served: Mapping[Hashable, int]) -> Hashable:
        """Return the session whose job starts next: of the address served longest ago, the one served longest ago."""
        by_address: dict[Hashable, list[Hashable]] = {}
        for session in lines:
            by_address.setdefault(self._line_address[session], []).append(session)
        address = min(by_address, key=lambda a: (address_served.get(a, 0), self._address_arrived[a]))
        return min(by_address[address], key=lambda s: (served.get(s, 0), self._arrived[s]))

    def _forget(self, item: Item, session: Hashable) -> None:
        self._session_of.pop(id(item), None)
        address = self._address_of.pop(id(item))
        self._per_address[address] -= 1
        self._count -= 1
        if not self._per_address[address]:
            del self._per_address[address]
            del self._address_arrived[address]
        if not self._lines[session]:
            del self._lines[session]
            del self._arrived[session]
            del self._line_address[session]
        self._order = None

    def _prune_memory(self) -> None:
        if len(self._last_served) > MAX_REMEMBERED_SESSIONS:
            idle = sorted((tick, s) for s, tick in self._last_served.items() if s not in self._lines)
            for _, session in idle[: len(idle) // 2]:
                del self._last_served[session]
        if len(self._address_served) > MAX_REMEMBERED_SESSIONS:
            idle = sorted((tick, a) for a, tick in self._address_served.items() if a not in self._per_address)
            for _, address in idle[: len(idle) // 2]:
                del self._address_served[address]
