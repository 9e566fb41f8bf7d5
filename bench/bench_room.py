"""A class of 30 in one room pressing Train while the board is projected: post-to-board time, the board's cost.

Run: .venv/bin/python -m bench.bench_room [--app-root DIR] [--screenshot PNG] [--answers-screenshot PNG]
     [--chromium-board] [learners]
(default: this checkout's app, 30 learners).

On one server started as `make run` starts it (with an empty run store of its own), over the websocket
client of bench/ws_client.py:
1. the server idle for 20 s: its CPU seconds per second with nobody on it, the reference;
2. the class without a room: every learner opens /train with the quick start's series and a model of its own
   (window 10, 20 or 40 x 16 or 32 units, five seeds each: six experiments of five runs) and all press Train
   at once: each learner's wait from Train to results;
3. a room is opened and its board is projected (one session on /board with the teacher's link, refreshing
   itself; with --chromium-board a page of Debian's Chromium, whose drawing shares the server's two cores),
   and the class does the same again in the room (other seeds, so nothing comes from the store):
   the waits again, and for every run the time from its post to the board showing it;
4. the board alone for 20 s with the class's runs on it: the server's CPU per second of projection, over
   the idle reference.
With --screenshot, Debian's Chromium opens the teacher's board at the end and saves a picture of it. With
--answers-screenshot, a simulated class (one answer per learner, drawn at random) answers "Will a longer window
help?", the teacher reveals it, and the question's box is saved beside the outcome the class's runs computed.
Prints the figures; never fails.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import secrets
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from bench.bench_classroom import CpuMeter, serve, wait_for_idle_workers
from bench.bench_inside_play import cpu_of
from bench.room_class import Stores
from bench.ws_client import StreamlitSession
from bench.ws_probe import _run_class
from lstm_core.evaluation.class_answers import WINDOW_QUESTION
from lstm_core.presets import QUICK_START_MODEL, QUICK_START_SERIES
from lstm_core.store.rooms import RoomStore
from lstm_core.store.runs import RunStore
from lstm_core.ui.links import share_query

ROOT = Path(__file__).resolve().parents[1]

WINDOWS, UNITS, SEEDS_PER_EXPERIMENT = (10, 20, 40), (16, 32), 5
CLASS_LIMIT_SECONDS = 300
IDLE_SECONDS = 20.0
RUN_COUNT = re.compile(r"^(\d+) runs? by ")


def class_queries(learners: int, first_seed: int, room: str | None) -> dict[int, str]:
    """Return, per learner, the /train query of its own experiment and seed, in the room when one is given."""
    queries = {}
    for index in range(learners):
        experiment, repeat = divmod(index, SEEDS_PER_EXPERIMENT)
        model = replace(QUICK_START_MODEL, seq_length=WINDOWS[experiment % len(WINDOWS)],
                        units=UNITS[(experiment // len(WINDOWS)) % len(UNITS)], seed=first_seed + index)
        query = share_query(QUICK_START_SERIES.to_dict(), model.to_dict(), {})
        queries[index] = f"{query}&room={room}" if room else query
    return queries


def waits_line(run) -> str:
    """Return the median and slowest wait of a class run, and how many learners got results."""
    waits = [learner.seconds for learner in run.learners if learner.seconds is not None]
    errors = sum(bool(learner.errors) for learner in run.learners)
    if not waits:
        return f"no learner got results; {errors} with errors"
    return (f"{len(waits)}/{len(run.learners)} got results: median {statistics.median(waits):.1f} s, slowest "
            f"{max(waits):.1f} s after pressing Train; {errors} with errors")


async def watch_board(session: StreamlitSession, seen: list[tuple[float, int]], stop: asyncio.Event) -> None:
    """Record (time.time(), runs shown) whenever the board's count of runs changes, until stop is set."""
    shown = -1
    while not stop.is_set():
        counts = [int(match.group(1)) for text in session.texts() if (match := RUN_COUNT.match(text))]
        count = max(counts) if counts else 0
        if count != shown:
            shown = count
            seen.append((time.time(), count))
        await asyncio.sleep(0.05)


def post_to_board_seconds(posted_at: list[float], seen: list[tuple[float, int]]) -> list[float]:
    """Return, for the k-th post, the seconds from its posting to the board first showing k runs or more."""
    delays = []
    for k, posted in enumerate(sorted(posted_at), start=1):
        shown = next((at for at, count in seen if count >= k), None)
        if shown is not None:
            delays.append(max(0.0, shown - posted))
    return delays


async def watch_board_in_chromium(address: str, seen: list[tuple[float, int]], stop: asyncio.Event) -> None:
    """Open the board in Debian's Chromium and record (time.time(), runs shown) as its caption changes."""
    from playwright.async_api import async_playwright

    from deploy.launch import CHROMIUM, CHROMIUM_ARGS
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 1400, "height": 1000})
        await page.goto(address)
        shown = -1
        while not stop.is_set():
            texts = await page.locator('[data-testid="stCaptionContainer"]').all_inner_texts()
            counts = [int(match.group(1)) for text in texts if (match := RUN_COUNT.match(text.strip()))]
            count = max(counts) if counts else 0
            if count != shown:
                shown = count
                seen.append((time.time(), count))
            await asyncio.sleep(0.05)
        await browser.close()


async def server_rate(meter: CpuMeter, seconds: float) -> float:
    """Return the server's CPU seconds per second over the next seconds."""
    before, began = cpu_of(meter, "server"), time.monotonic()
    await asyncio.sleep(seconds)
    return (cpu_of(meter, "server") - before) / (time.monotonic() - began)


async def measure(url: str, meter: CpuMeter, store: RoomStore, learners: int, chromium: bool) -> tuple[str, str]:
    """Run the four measurements and print them; return the room's code and teacher secret."""
    idle = await server_rate(meter, IDLE_SECONDS)
    print(f"server idle: {idle * 1000:.1f} ms CPU per s")

    alone = await _run_class(url, learners, class_queries(learners, 2000, None), CLASS_LIMIT_SECONDS, False, 0)
    print(f"{learners} learners, no room: {waits_line(alone)}")

    opened = store.open_room()
    seen: list[tuple[float, int]] = []
    stop = asyncio.Event()
    board = None
    if chromium:
        watcher = asyncio.create_task(watch_board_in_chromium(
            f"{url}/board?room={opened.code}&teacher={opened.teacher_secret}", seen, stop))
        await asyncio.sleep(10.0)  # the page loaded and its board drawn before the class starts
    else:
        board = StreamlitSession(url, "board")
        await board.open("board", f"room={opened.code}&teacher={opened.teacher_secret}")
        await board.wait_until(lambda: board.idle and board.shows("Class board"), timeout=120)
        watcher = asyncio.create_task(watch_board(board, seen, stop))
    in_room = await _run_class(url, learners, class_queries(learners, 1000, opened.code), CLASS_LIMIT_SECONDS,
                               False, 0)
    print(f"{learners} learners in a room, the board projected: {waits_line(in_room)}")
    await asyncio.sleep(5.0)  # the board's last refreshes
    posts = store.posts(opened.code)
    for start, what in (("posted_at", "posted"), ("finished_at", "training finished")):
        times = [post.posted_at if start == "posted_at" else post.scores.get("finished_at") for post in posts]
        delays = post_to_board_seconds([t for t in times if t is not None], seen)
        if delays:
            print(f"  {len(posts)} runs posted; {what} -> on the board: median {statistics.median(delays):.2f} s, "
                  f"slowest {max(delays):.2f} s ({len(delays)} seen)")
        else:
            print(f"  {len(posts)} runs posted; the board showed none of them ({what})")
    projected = await server_rate(meter, IDLE_SECONDS)
    print(f"the board alone with {len(posts)} runs, refreshing itself: server {projected * 1000:.1f} ms CPU per s, "
          f"{(projected - idle) * 1000:.1f} ms per s of projection over idle")
    stop.set()
    await watcher
    if board is not None:
        await board.close()
    return opened.code, opened.teacher_secret


def screenshot(url: str, code: str, secret: str, path: Path) -> None:
    """Open the teacher's board in Chromium and save a picture of it at path."""
    from playwright.sync_api import sync_playwright

    from deploy.launch import CHROMIUM, CHROMIUM_ARGS
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 2400})
        page.goto(f"{url}/board?room={code}&teacher={secret}")
        page.wait_for_selector('[data-testid="stTable"]', timeout=120_000)
        page.wait_for_timeout(3000)
        page.screenshot(path=str(path), full_page=True)
        browser.close()
    print(f"board screenshot: {path}")


SIMULATED_SEED = 7
SIMULATED_LEANING = (0.6, 0.25, 0.15)  # how likely a simulated learner expects help, no difference, harm


def answers_screenshot(url: str, data_dir: Path, code: str, secret: str, learners: int, path: Path) -> None:
    """Have a simulated class answer the window question, reveal it, and save the question's box at path."""
    from playwright.sync_api import sync_playwright

    from deploy.launch import CHROMIUM, CHROMIUM_ARGS
    stores, draw = Stores.of(data_dir), random.Random(SIMULATED_SEED)
    stores.states.ask(code, secret, WINDOW_QUESTION.key)
    for _ in range(learners):
        choice = draw.choices(WINDOW_QUESTION.choices, weights=SIMULATED_LEANING)[0]
        stores.answers.record(code, secrets.token_urlsafe(16), WINDOW_QUESTION.key, choice)
    stores.states.reveal(code, secret, WINDOW_QUESTION.key)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 1600})
        page.goto(f"{url}/board?room={code}&teacher={secret}")
        page.get_by_text(f"({learners} answers).", exact=False).wait_for(timeout=120_000)
        # The question's bordered box: the innermost block holding both the question and the class's tally.
        box = page.locator('[data-testid="stVerticalBlock"]').filter(has_text=WINDOW_QUESTION.text).filter(
            has_text=f"({learners} answers).").last
        page.wait_for_timeout(2000)
        box.screenshot(path=str(path))
        browser.close()
    print(f"answers screenshot: {path}")


def main() -> None:
    """Serve the app and print what a class in a room costs and how soon its runs reach the board."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("learners", nargs="?", type=int, default=30)
    parser.add_argument("--app-root", type=Path, default=ROOT)
    parser.add_argument("--screenshot", type=Path, default=None)
    parser.add_argument("--answers-screenshot", type=Path, default=None)
    parser.add_argument("--chromium-board", action="store_true",
                        help="project the board in Debian's Chromium instead of a websocket session")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with tempfile.TemporaryDirectory(prefix="lstm-lens-room-") as data_dir:
        with serve(args.app_root, ROOT / "artifacts" / "bench-room.log", data_dir=Path(data_dir)) as (url, pid):
            meter = CpuMeter(pid)
            waited, workers = wait_for_idle_workers(meter)
            print(f"server: {args.app_root}; {workers} workers warm after {waited:.1f} s")
            store = RoomStore(RunStore(f"sqlite:///{Path(data_dir) / 'lstm_lens.sqlite3'}"))
            code, secret = asyncio.run(measure(url, meter, store, args.learners, args.chromium_board))
            if args.screenshot:
                screenshot(url, code, secret, args.screenshot)
            if args.answers_screenshot:
                answers_screenshot(url, Path(data_dir), code, secret, args.learners, args.answers_screenshot)
            meter.close()


if __name__ == "__main__":
    main()
