"""A class over the websocket client: learners who open Train on the quick start and press Train together.

Every learner is a StreamlitSession (bench/ws_client.py) on one asyncio event loop. A learner opens /train
with the served app's quick-start settings (Home's Quick start button would start training at once), waits
until its script run has finished, and waits there; once the whole class is on Train, all press Train at
the same moment and keep their fragment timers running until "How good is the forecast?" is on screen.
With the preset's own seed the whole class asks for one training; with distinct queries every learner has a
model seed of its own, so no two jobs are the same. Meanwhile a newcomer opens Home in a fresh session every ~2 s."""

from __future__ import annotations

import asyncio
import json
import math
import re
import ssl
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from bench.ws_client import SIDEBAR_ROOT, RenderedElement, StreamlitProtocolError, StreamlitSession

RESULT_TEXT = "How good is the forecast?"
HOME_TITLE = "LSTM Lens"
TRAIN_LABEL = "Train"
SIDEBAR_STATUS = re.compile(r"\*\*Training\*\*: (.*)")
PAGE_QUEUE = re.compile(r"number (\d+) in the queue")
FINAL_STATUSES = ("finished", "stopped", "failed")
PROBE_EVERY_SECONDS = 2.0
PROBE_LIMIT_SECONDS = 90.0
STEP_LIMIT_SECONDS = 120.0  # opening a page or following a switch, before the class presses Train
SETTLE_SECONDS = 20.0  # after the results, for the sidebar's own refresh to say "finished"


def quick_start_queries(app_root: Path, indices: range, distinct: bool = True) -> dict[int, str]:
    """Return, per index, the query string of /train with the served app's quick start: seed 1000 + index if distinct.

    The settings come from the app being served (its own lstm_core, in a subprocess), so a server of
    another commit gets its own quick start and only values its link reader accepts. Without distinct,
    every learner keeps the preset's own seed: a class on one preset.
    """
    program = ("import json, sys\n"
               "from lstm_core.presets import QUICK_START_MODEL, QUICK_START_SERIES\n"
               "from lstm_core.ui.links import share_query\n"
               "distinct = sys.argv[2] == 'distinct'\n"
               "print(json.dumps({i: share_query(QUICK_START_SERIES.to_dict(), "
               "{**QUICK_START_MODEL.to_dict(), **({'seed': 1000 + i} if distinct else {})}, {}) "
               "for i in json.loads(sys.argv[1])}))")
    answer = subprocess.run([sys.executable, "-c", program, json.dumps(list(indices)),
                             "distinct" if distinct else "shared"], cwd=app_root,
                            capture_output=True, text=True, timeout=120, check=True)
    return {int(index): query for index, query in json.loads(answer.stdout).items()}


@dataclass
class Learner:
    """What one learner saw: the wait from Train to results, every status on the way, and errors."""

    index: int
    seconds: float | None = None  # None: no results before the deadline
    pressed_at: float | None = None
    statuses: list[tuple[float, str, str]] = field(default_factory=list)  # (monotonic time, where, text)
    errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # warnings on the Train page before the press
    messages: int = 0
    server: str = ""  # which replica served the learner's websocket, behind a proxy that says (X-Lens-Server)
    # The button as the first full run after the press drew it, while the training was still queued or running;
    # None when the results came with that run (a training opened from the store, say).
    button_disabled_while_active: bool | None = None

    def watch(self, path: tuple[int, ...], element: RenderedElement) -> None:
        """Record a status the learner's screen shows now, if it differs from the last one in its place."""
        where, text = None, None
        if path[0] == SIDEBAR_ROOT and (found := SIDEBAR_STATUS.match(element.text)):
            where, text = "sidebar", found.group(1).strip()
        elif path[0] != SIDEBAR_ROOT and (found := PAGE_QUEUE.search(element.text)):
            where, text = "page", f"number {found.group(1)} in the queue"
        if where is None:
            return
        last = next((s for _, w, s in reversed(self.statuses) if w == where), None)
        if text != last:
            self.statuses.append((time.monotonic(), where, text))

    def seen(self, where: str) -> list[tuple[float, str]]:
        """Return (seconds after pressing Train, text) of the statuses shown in one place since the press."""
        start = self.pressed_at if self.pressed_at is not None else math.inf
        return [(t - start, s) for t, w, s in self.statuses if w == where and t >= start]

    def sidebar_now(self) -> str:
        """Return the sidebar status shown last."""
        return next((s for _, w, s in reversed(self.statuses) if w == "sidebar"), "")

    def queue_positions(self) -> list[int]:
        """Return every queue position seen after the press, in the sidebar or on the Train page."""
        positions = []
        for _, text in self.seen("sidebar") + self.seen("page"):
            if found := re.search(r"(?:position|number) (\d+)", text):
                positions.append(int(found.group(1)))
        return positions

    def skipped_running(self) -> bool:
        """Return True if the sidebar went from queued straight to finished, no running seen between."""
        states = [text.split(",")[0] for _, text in self.seen("sidebar")]
        return any(a == "queued" and b == "finished" for a, b in pairwise(states))


@dataclass
class WsClassRun:
    """The whole class: each learner, the newcomers' Home load times, the wall time and the client's CPU."""

    learners: list[Learner]
    home_seconds: list[float]
    wall_seconds: float
    client_cpu_seconds: float

    def finished(self) -> int:
        """Return how many learners got their results."""
        return sum(learner.seconds is not None for learner in self.learners)


@dataclass(frozen=True)
class Press:
    """What a class presses: the page (URL path), its button and a text only its results show.

    By default Train on the Train page; a lesson's page and button otherwise. Only the Train page's training
    shows its status in the sidebar.
    """

    path: str = "train"
    button: str = TRAIN_LABEL
    result_text: str = RESULT_TEXT

    @property
    def sidebar_status(self) -> bool:
        """Return True if the sidebar says how this press's training goes (the Train page's does)."""
        return self.path == "train"


TRAIN_PRESS = Press()


def _screen(session: StreamlitSession) -> str:
    return " | ".join(session.texts(root=0))[:300]


async def _reach(session: StreamlitSession, query: str, press: Press = TRAIN_PRESS) -> None:
    await session.open(press.path, query)
    await session.wait_until(lambda: session.url_path == press.path and session.idle
                             and session.find_button(press.button) is not None, STEP_LIMIT_SECONDS)


async def _reach_train(session: StreamlitSession, query: str) -> None:
    await _reach(session, query)


async def _learner(url: str, index: int, query: str, arrived: asyncio.Queue, go: asyncio.Event,
                   deadline: float, press: Press = TRAIN_PRESS, headers: dict[str, str] | None = None,
                   tls: ssl.SSLContext | None = None) -> Learner:
    run = Learner(index)
    session = StreamlitSession(url, f"learner-{index}", on_element=run.watch, headers=headers, tls=tls)
    try:
        await _reach(session, query, press)
        run.server = session.upgrade_headers.get("x-lens-server", "")
        run.notices = [element.text for element in session.rendered.values() if element.kind == "alert"
                       and element.text and element.script_hash == session.main_script_hash]
        await arrived.put(index)
        await go.wait()
        run.pressed_at = time.monotonic()
        await session.press(session.find_button(press.button))
        try:
            # The button is drawn outside any fragment: the press reruns the whole page, which draws it anew.
            await session.wait_idle(deadline - time.monotonic())
            button = session.find_button(press.button)
            if button is not None and not session.shows(press.result_text):
                run.button_disabled_while_active = button.disabled
            await session.wait_until(lambda: session.shows(press.result_text), deadline - time.monotonic())
            run.seconds = time.monotonic() - run.pressed_at
            if press.sidebar_status:
                await session.wait_until(lambda: run.sidebar_now().startswith(FINAL_STATUSES), SETTLE_SECONDS)
        except TimeoutError:
            if run.seconds is None:
                run.errors.append(f"no results by the deadline; the page showed: {_screen(session)!r}")
    except TimeoutError:
        run.errors.append(f"timed out before pressing Train; the page showed: {_screen(session)!r}")
    except (StreamlitProtocolError, OSError) as error:  # a learner's failure is a finding, not a crash
        run.errors.append(f"{type(error).__name__}: {str(error)[:200]}")
    finally:
        run.errors.extend(session.errors)
        run.messages = session.messages_received
        await session.close()
    return run


async def _home_probe(url: str, stop: asyncio.Event, seconds: list[float], tls: ssl.SSLContext | None) -> None:
    while not stop.is_set():
        began = time.monotonic()
        session = StreamlitSession(url, "home-probe", tls=tls)
        try:
            await session.open("", "", timeout=PROBE_LIMIT_SECONDS)
            await session.wait_idle(PROBE_LIMIT_SECONDS - (time.monotonic() - began))
            seconds.append(time.monotonic() - began if session.shows(HOME_TITLE) else math.inf)
        except (TimeoutError, StreamlitProtocolError, OSError):
            seconds.append(math.inf)
        finally:
            await session.close()
        try:
            await asyncio.wait_for(stop.wait(), max(0.0, began + PROBE_EVERY_SECONDS - time.monotonic()))
        except TimeoutError:
            pass


async def _run_class(url: str, learners: int, queries: dict[int, str], limit_seconds: float, probe: bool,
                     first_index: int, press: Press = TRAIN_PRESS, headers: dict[int, dict[str, str]] | None = None,
                     before_press: Callable[[], Awaitable[None]] | None = None,
                     tls: ssl.SSLContext | None = None) -> WsClassRun:
    """Return what the class saw (run_ws_class), learner i sending headers[i]; before_press is awaited just before
    everyone presses (once all are on their page), for what a bench does beside the class; an https url is
    trusted through tls."""
    cpu_began, began = time.process_time(), time.monotonic()
    deadline = began + limit_seconds
    arrived: asyncio.Queue = asyncio.Queue()
    go, stop = asyncio.Event(), asyncio.Event()
    indices = range(first_index, first_index + learners)
    tasks = [asyncio.create_task(_learner(url, i, queries[i], arrived, go, deadline, press, (headers or {}).get(i),
                                          tls))
             for i in indices]
    # Everyone presses Train together once all are on the Train page (or have failed to get there).
    while arrived.qsize() < learners and not all(task.done() for task in tasks) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    home_seconds: list[float] = []
    visitor = asyncio.create_task(_home_probe(url, stop, home_seconds, tls)) if probe else None
    if before_press is not None:
        await before_press()
    go.set()
    runs = await asyncio.gather(*tasks)
    stop.set()
    if visitor is not None:
        await visitor
    return WsClassRun(list(runs), home_seconds, time.monotonic() - began, time.process_time() - cpu_began)


def run_ws_class(url: str, learners: int, queries: dict[int, str], limit_seconds: float = 480,
                 probe: bool = True, first_index: int = 0, press: Press = TRAIN_PRESS,
                 tls: ssl.SSLContext | None = None) -> WsClassRun:
    """Return what a class of learners saw at url, all pressing Train at once, with a Home probe meanwhile.

    Learners are numbered from first_index; learner i opens /train?queries[i] (see quick_start_queries), or the
    page of press with that query, and presses its button. An https url is trusted through tls.
    """
    return asyncio.run(_run_class(url, learners, queries, limit_seconds, probe, first_index, press, tls=tls))
