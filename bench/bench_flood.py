"""One learner cannot starve a class: 30 learners' waits for results, alone and beside a flood from one address.

Run: .venv/bin/python -m bench.bench_flood [flood_sessions]   (default 200; a few minutes)

Serves the app as `make run` does (one server, its own pool of two workers) and, over the websocket client,
runs a class of 30 twice. Each learner sends X-Forwarded-For 10.0.0.<n> (the server trusts it from the
loopback peer, as from HAProxy on the same host) and opens a /train link of the quick start with a seed of
their own, so no two trainings are alike and none is stored yet. Without the flood: all 30 press Train
together. With it: first `flood_sessions` sessions from 10.9.9.9 open Train with seeds of their own, then they
all press Train just before the class does, each once, and then idle as a script would (no page refreshes),
keeping their connections so their trainings stay queued. Prints the median and slowest wait from Train to
results in both runs, their ratio (the aim: slowest with the flood at most 1.20 x without), and how many of
the flood's presses were turned away, and by which limit.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
from pathlib import Path

from bench.bench_classroom import CpuMeter, serve, wait_for_idle_workers
from bench.ws_client import StreamlitSession
from bench.ws_probe import TRAIN_LABEL, WsClassRun, _reach_train, _run_class, quick_start_queries

ROOT = Path(__file__).resolve().parents[1]
LEARNERS = 30
FLOOD_ADDRESS = "10.9.9.9"
CLASS_LIMIT_SECONDS = 480
OPEN_AT_ONCE = 10  # flood sessions opening their page together: a script's pace, not a denial of service
ADDRESS_REFUSAL = "from your network address are waiting already"
BOUND_REFUSAL = "The training queue is full"


class IdleTab(StreamlitSession):
    """A scripted tab: it presses Train and then reads nothing more, so it runs none of the page's timers."""

    def _start_timer(self, fragment_id: str, interval: float) -> None:
        return None


def learner_headers(first_index: int) -> dict[int, dict[str, str]]:
    """Return each learner's X-Forwarded-For header: 10.0.0.1 to 10.0.0.30, whatever the run's first index."""
    return {first_index + n: {"X-Forwarded-For": f"10.0.0.{n + 1}"} for n in range(LEARNERS)}


async def open_flood(url: str, queries: dict[int, str]) -> list[IdleTab]:
    """Return the flood's tabs, each on Train with a query of its own, opened OPEN_AT_ONCE at a time."""
    tabs = [IdleTab(url, f"flood-{i}", headers={"X-Forwarded-For": FLOOD_ADDRESS}) for i in queries]
    for start in range(0, len(tabs), OPEN_AT_ONCE):
        batch = list(zip(tabs[start:start + OPEN_AT_ONCE], list(queries.values())[start:start + OPEN_AT_ONCE]))
        await asyncio.gather(*(_reach_train(tab, query) for tab, query in batch))
    return tabs


async def press_all(tabs: list[IdleTab]) -> None:
    """Press Train in every tab at once and return once each has drawn the page the press gave."""
    await asyncio.gather(*(tab.press(tab.find_button(TRAIN_LABEL)) for tab in tabs))
    await asyncio.gather(*(tab.wait_idle(120) for tab in tabs))


async def class_with_flood(url: str, queries: dict[int, str], first_index: int,
                           flood_queries: dict[int, str]) -> tuple[WsClassRun, list[IdleTab]]:
    """Return the class's run beside the flood, and the flood's tabs (closed) to count their refusals."""
    tabs = await open_flood(url, flood_queries)
    try:
        run = await _run_class(url, LEARNERS, queries, CLASS_LIMIT_SECONDS, False, first_index,
                               headers=learner_headers(first_index), before_press=lambda: press_all(tabs))
    finally:
        await asyncio.gather(*(tab.close() for tab in tabs))
    return run, tabs


def waits(run: WsClassRun) -> tuple[int, float, float]:
    """Return (learners with results, median wait, slowest wait) of a class run."""
    seconds = [learner.seconds for learner in run.learners if learner.seconds is not None]
    return len(seconds), statistics.median(seconds), max(seconds)


def main() -> None:
    """Run the class without and then beside the flood on one server, and print the comparison."""
    flood = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    queries = quick_start_queries(ROOT, [*range(LEARNERS), *range(100, 100 + LEARNERS),
                                         *range(1000, 1000 + flood)])
    with tempfile.TemporaryDirectory(prefix="lstm-lens-flood-") as folder:
        with serve(ROOT, Path(folder) / "server.log") as (url, pid):
            waited, workers = wait_for_idle_workers(CpuMeter(pid))
            print(f"server up, {workers} workers warm after {waited:.0f} s")
            alone = asyncio.run(_run_class(url, LEARNERS, queries, CLASS_LIMIT_SECONDS, False, 0,
                                           headers=learner_headers(0)))
            beside, tabs = asyncio.run(class_with_flood(url, queries, 100,
                                                        {i: queries[i] for i in range(1000, 1000 + flood)}))
    by_address = sum(tab.shows(ADDRESS_REFUSAL) for tab in tabs)
    by_bound = sum(tab.shows(BOUND_REFUSAL) for tab in tabs)
    for name, run in (("without the flood", alone), (f"beside {flood} flood sessions", beside)):
        got, median, slowest = waits(run)
        errors = [error for learner in run.learners for error in learner.errors]
        print(f"{name}: {got} of {LEARNERS} got results; Train -> results median {median:.1f} s, slowest "
              f"{slowest:.1f} s; {len(errors)} errors{': ' + errors[0] if errors else ''}")
    ratio = waits(beside)[2] / waits(alone)[2]
    print(f"slowest beside the flood / without: {ratio:.2f} (aim: at most 1.20)")
    print(f"flood presses turned away: {by_address} by the address cap, {by_bound} by the queue's bound, "
          f"{flood - by_address - by_bound} queued")


if __name__ == "__main__":
    main()
