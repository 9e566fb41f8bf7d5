"""A class on one stored run's memory: what opening it costs the server for one learner and for ten at once.

Run: .venv/bin/python -m bench.bench_memory_class [--seconds S] [--repeats R] [learners]
(default: 20 s of sitting, 3 lone openings of each kind, 10 learners).

The app is served as `make run` serves it, except that the server writes a line to its log for each memory
report it computes (bench/memory_class.py), so the computations are counted, not inferred. The quick start is
trained once through the server's pool, and its stored result is saved again under fresh run ids without a
training key: each copy is a model no session has opened, so each first opening computes its report (the
report is shared by training key, else by run id), with the very same weights and cost. On the memory page
(its projector link) and on Inside (its share link), measured as the server process's CPU seconds (/proc)
from the first message sent to the last page drawn:
- one learner opens a copy nobody opened (cold: the report is computed), median of R copies;
- one learner opens a copy opened before (warm: the report comes from the cache), median of R;
- the class opens one cold copy at the same moment.
Unshared, the class would cost about learners × cold; shared, about cold + (learners − 1) × warm; the ratio
class ÷ cold says which. Then the class, on Inside, guesses and reveals the what-if (its forecast chart, whose
menu switches what-ifs in the browser), turns on the altered cell in the stepper, and sits there: the server's
CPU seconds per second per learner while nothing is asked of it (the target is at most 0.01, as for Play;
switching the chart's menu and playing the stepper send the server nothing, as tests/e2e/test_memory_views.py
and tests/e2e/test_inside_frames.py show), against the idle server with nobody connected and against one
what-if switched on the server instead (a rerun), both measured in the same run. Prints the figures; never
fails.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from bench import memory_class as memory
from bench.bench_classroom import CpuMeter, process_stat, wait_for_idle_workers
from lstm_core.store.runs import DATA_DIR_ENV, RunStore, database_url

ROOT = Path(__file__).resolve().parents[1]
LOG = ROOT / "artifacts" / "bench-memory-class.log"
STEP_LIMIT_SECONDS = 90.0
SETTLE_SECONDS = 0.5  # after the last page is drawn, for the server to finish sending it
IDLE_SECONDS = 5.0
FAILURE = re.compile(r"^\S*?(\w+(?:Error|Exception)\b.*)$", re.MULTILINE)  # an exception's last line
ANSI = re.compile(r"\x1b\[[0-9;]*m")  # the colours of the server's rich tracebacks
TARGET_PER_LEARNER = 0.01  # CPU-s per second per learner sitting on a revealed what-if, as for Play


@dataclass(frozen=True)
class Phase:
    """What one step of the class cost the server: its CPU seconds, wall seconds and reports computed."""

    cpu: float
    wall: float
    reports: int
    report_cpu: float  # CPU seconds of the threads that computed those reports


class Server:
    """The served app's CPU (the server process only, not its training workers) and its log of reports."""

    def __init__(self, url: str, pid: int) -> None:
        self.url, self.pid = url, pid

    def cpu(self) -> float:
        """Return the server process's user + system CPU seconds so far."""
        stat = process_stat(self.pid)
        return stat[1] if stat else float("nan")

    def log_size(self) -> int:
        """Return the log's length now, where the next reading of computed reports starts."""
        return LOG.stat().st_size

    def reports_since(self, offset: int) -> list:
        """Return the memory reports computed since the log had offset bytes."""
        with open(LOG, "rb") as log:
            log.seek(offset)
            return memory.reports_computed(log.read().decode(errors="replace"))

    async def measure(self, step: Callable[[], Awaitable[object]]) -> Phase:
        """Return what step (a coroutine function) cost the server, counted once it and the settling are over."""
        offset, cpu, began = self.log_size(), self.cpu(), time.monotonic()
        await step()
        await asyncio.sleep(SETTLE_SECONDS)
        reports = self.reports_since(offset)
        return Phase(self.cpu() - cpu, time.monotonic() - began, len(reports), sum(r.cpu_seconds for r in reports))


def copies(data_dir: Path, run_id: str, count: int) -> list[str]:
    """Return the ids of count new runs holding the stored training of run_id, each without a training key."""
    store = RunStore(database_url({DATA_DIR_ENV: str(data_dir)}))
    try:
        stored = store.load(run_id)
        assert stored is not None, run_id
        return [store.save(stored.result, stored.cfg, stored.data_spec) for _ in range(count)]
    finally:
        store.close()


async def open_all(server: Server, path: str, query: str, title: str,
                   class_: list[memory.Learner]) -> list[memory.Learner]:
    """Open path?query in every session of class_ at once; return those whose page was drawn, saying what failed."""
    results = await asyncio.gather(*(memory.open_page(learner, path, query, title, STEP_LIMIT_SECONDS)
                                     for learner in class_), return_exceptions=True)
    opened = [learner for learner, result in zip(class_, results) if not isinstance(result, BaseException)]
    failed = [f"{learner.name}: {type(result).__name__}" for learner, result in zip(class_, results)
              if isinstance(result, BaseException)]
    errors = [error for learner in class_ for error in learner.errors]
    if failed or errors:
        print(f"  {len(failed)} of {len(class_)} pages not drawn within {STEP_LIMIT_SECONDS:.0f} s {failed[:3]}; "
              f"errors on screen: {errors[:3]}")
    return opened


async def open_and_close(server: Server, path: str, query: str, title: str, learners: int) -> None:
    """Open path?query in learners fresh sessions at once, wait for every page, close them all."""
    class_ = [memory.Learner(server.url, f"learner-{k}") for k in range(learners)]
    try:
        await open_all(server, path, query, title, class_)
    finally:
        await asyncio.gather(*(learner.close() for learner in class_))


def line(label: str, phase: Phase) -> str:
    """Return one printed line of a phase."""
    return (f"  {label}: server {phase.cpu:.2f} CPU-s in {phase.wall:.1f} s; reports computed: {phase.reports}"
            + (f" ({phase.report_cpu:.2f} CPU-s of their threads)" if phase.reports else ""))


async def opening(server: Server, page: str, path: str, title: str, query_of: Callable[[str], str], ids: list[str],
                  learners: int) -> None:
    """Measure one page: lone cold and warm openings (median of each), then the class on one cold copy."""
    cold_ids, class_id = ids[:-1], ids[-1]
    cold = [await server.measure(lambda i=i: open_and_close(server, path, query_of(i), title, 1)) for i in cold_ids]
    warm = [await server.measure(lambda i=i: open_and_close(server, path, query_of(i), title, 1)) for i in cold_ids]
    whole = await server.measure(lambda: open_and_close(server, path, query_of(class_id), title, learners))
    cold_cpu, warm_cpu = statistics.median(p.cpu for p in cold), statistics.median(p.cpu for p in warm)
    print(f"{page}:")
    for index, phase in enumerate(cold):
        print(line(f"1 learner, a run nobody opened ({index + 1})", phase))
    for index, phase in enumerate(warm):
        print(line(f"1 learner, a run opened before ({index + 1})", phase))
    print(line(f"{learners} learners at once, a run nobody opened", whole))
    unshared, shared = learners * cold_cpu, cold_cpu + (learners - 1) * warm_cpu
    print(f"  class ÷ 1 learner cold: {whole.cpu / cold_cpu:.1f}× (each computing its own: {learners}×, "
          f"{unshared:.2f} CPU-s; one shared report: {shared / cold_cpu:.1f}×, {shared:.2f} CPU-s)")
    print(f"  the report's share of a cold opening: {(cold_cpu - warm_cpu) / cold_cpu:.0%} "
          f"({cold_cpu - warm_cpu:.2f} of {cold_cpu:.2f} CPU-s)")


async def sitting(server: Server, run_id: str, learners: int, seconds: float, idle_rate: float) -> None:
    """The class on Inside: reveal the what-if, show the altered cell, sit; a server-side switch for reference."""
    everyone = [memory.Learner(server.url, f"sitter-{k}") for k in range(learners)]
    try:
        class_ = await open_all(server, memory.INSIDE_PATH, memory.inside_query(run_id), memory.INSIDE_TITLE, everyone)
        learners = len(class_)
        reveal = await server.measure(lambda: asyncio.gather(*(
            memory.guess_and_show(learner, memory.WHAT_IF_QUESTION, "worse", STEP_LIMIT_SECONDS)
            for learner in class_)))
        print(line(f"{learners} learners guess and reveal the what-if at once", reveal))

        async def altered(learner: memory.Learner) -> None:
            await learner.choose(learner.find("checkbox", memory.ALTERED_TOGGLE), True)
            await learner.wait_idle(STEP_LIMIT_SECONDS)

        shown = await server.measure(lambda: asyncio.gather(*(altered(learner) for learner in class_)))
        print(line(f"{learners} learners turn on the altered cell in the stepper", shown))
        errors = [error for learner in class_ for error in learner.errors]
        if errors:
            print(f"  errors on screen: {errors[:3]}")
        received = sum(learner.messages_received for learner in class_)
        sat = await server.measure(lambda: asyncio.sleep(seconds))
        rate = sat.cpu / sat.wall
        print(f"  {learners} learners sitting on the revealed what-if for {sat.wall:.0f} s: server {rate:.4f} CPU-s "
              f"per s, {rate / learners:.4f} per learner (target ≤ {TARGET_PER_LEARNER}); messages sent to them "
              f"meanwhile: {sum(learner.messages_received for learner in class_) - received}; idle server with "
              f"nobody connected: {idle_rate:.4f} CPU-s per s")

        one = class_[0]

        async def switch(kind: str) -> None:
            await one.choose(one.find("radio", memory.WHAT_IF_RADIO), kind)
            await one.wait_idle(STEP_LIMIT_SECONDS)

        away = await server.measure(lambda: switch(memory.CLAMP_KIND))
        back = await server.measure(lambda: switch(memory.KNOCK_OUT_KIND))
        print(line("1 learner switches the what-if on the server instead: to a clamp (a new question)", away))
        print(line("1 learner switches back to the revealed knock-out on the server (chart and altered stepper "
                   "drawn again)", back))
        print(f"  a learner switching what-ifs every 2 s on the server would cost {back.cpu / 2:.3f} CPU-s per s, "
              f"{back.cpu / 2 / max(rate / learners, 1e-4):.0f}× sitting (floor 1e-4); in the browser a switch costs "
              "the server nothing")
    finally:
        await asyncio.gather(*(learner.close() for learner in everyone))


async def measure(server: Server, data_dir: Path, learners: int, repeats: int, seconds: float) -> None:
    """Train and copy the quick start, warm the pages up, then print every figure."""
    began = time.monotonic()
    run_id = await memory.train_quick_start(server.url, STEP_LIMIT_SECONDS)
    print(f"quick start trained through the server's pool and stored in {time.monotonic() - began:.1f} s: {run_id}")
    ids = copies(data_dir, run_id, 2 * (repeats + 1) + 1)
    # Imports, the dataset's cache and the first page runs of a fresh server are paid here, on the original run.
    await open_and_close(server, memory.MEMORY_PATH, memory.memory_query(run_id), memory.MEMORY_TITLE, 1)
    await open_and_close(server, memory.INSIDE_PATH, memory.inside_query(run_id), memory.INSIDE_TITLE, 1)
    idle = await server.measure(lambda: asyncio.sleep(IDLE_SECONDS))
    idle_rate = idle.cpu / idle.wall
    print(f"idle server, nobody connected: {idle_rate:.4f} CPU-s per s over {idle.wall:.0f} s")
    await opening(server, "memory page (projector link ?lesson=holds&run=)", memory.MEMORY_PATH, memory.MEMORY_TITLE,
                  memory.memory_query, ids[:repeats + 1], learners)

    async def memory_guess(query: str) -> None:
        one = memory.Learner(server.url, "guesser")
        try:
            await memory.open_page(one, memory.MEMORY_PATH, query, memory.MEMORY_TITLE, STEP_LIMIT_SECONDS)
            await memory.guess_and_show(one, memory.MEMORY_QUESTION, "partly", STEP_LIMIT_SECONDS)
        finally:
            await one.close()

    guessed = await server.measure(lambda: memory_guess(memory.memory_query(ids[0])))
    print(line("1 learner opens a run opened before, guesses and sees the curves", guessed))
    await opening(server, "Inside (share link ?run=)", memory.INSIDE_PATH, memory.INSIDE_TITLE, memory.inside_query,
                  ids[repeats + 1:2 * (repeats + 1)], learners)
    print("Inside, the class on a run nobody opened:")
    await sitting(server, ids[-1], learners, seconds, idle_rate)
    log = ANSI.sub("", LOG.read_text(errors="replace"))
    failures = FAILURE.findall(log)
    print(f"server log: {log.count('Traceback')} tracebacks" + (f"; {failures[:3]}" if failures else ""))


def main() -> None:
    """Serve the app with its reports counted, warm its workers, and print what a class on one run costs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("learners", nargs="?", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    began = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="lstm-lens-memory-class-") as data_dir, \
                memory.counting_server(LOG, Path(data_dir)) as served:
            meter = CpuMeter(served.pid)
            try:
                waited, workers = wait_for_idle_workers(meter)
            finally:
                meter.close()
            print(f"{workers} workers warm and idle {waited:.1f} s after the server answered; load average "
                  f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
            asyncio.run(measure(Server(served.url, served.pid), Path(data_dir), args.learners, args.repeats,
                                args.seconds))
    except Exception:  # a benchmark reports what went wrong and exits 0
        traceback.print_exc(file=sys.stdout)
    print(f"wall time of the benchmark: {time.monotonic() - began:.0f} s")


if __name__ == "__main__":
    main()
