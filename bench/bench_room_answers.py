"""A class answering in a room: how soon the board counts each answer, how soon a push reaches 30 learners, and
what the projected board costs the server with the class's question on it against today's board, in one run.

Usage: .venv/bin/python -m bench.bench_room_answers [learners]

One server as `make run` starts it, with an empty run store. The board's cost is the server's CPU over
MEASURE_SECONDS with only the teacher's board open (no learner connected), less the idle server's: first the
board as it was before questions (no question asked: the reference), then with the window question asked and
the class's answers tallied on it.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import tempfile
import time
from pathlib import Path

from bench.bench_classroom import CpuMeter, serve, wait_for_idle_workers
from bench.bench_inside_play import cpu_of
from bench.room_class import BoardWatch, Stores, answer, board_answers, follow_push, open_board, tally_delays
from lstm_core.evaluation.class_answers import WINDOW_QUESTION

ROOT = Path(__file__).resolve().parents[1]
MEASURE_SECONDS = 20.0
TIMEOUT = 120.0


async def server_rate(meter: CpuMeter, seconds: float) -> float:
    """Return the server's CPU seconds per second over the next seconds."""
    before, began = cpu_of(meter, "server"), time.monotonic()
    await asyncio.sleep(seconds)
    return (cpu_of(meter, "server") - before) / (time.monotonic() - began)


def spread(values: list[float]) -> str:
    """Return "median m s, slowest s s" of values."""
    return f"median {statistics.median(values):.2f} s, slowest {max(values):.2f} s"


async def measure(url: str, meter: CpuMeter, stores: Stores, learners: int) -> None:
    """Run the measurements and print them."""
    idle = await server_rate(meter, MEASURE_SECONDS)
    print(f"server idle: {idle * 1000:.1f} ms CPU per s")
    opened = stores.rooms.open_room()
    teacher = f"room={opened.code}&teacher={opened.teacher_secret}"
    board = await open_board(url, "board", teacher, TIMEOUT)
    await asyncio.sleep(3.0)
    reference = await server_rate(meter, MEASURE_SECONDS)
    print(f"today's board (no question): {(reference - idle) * 1000:.1f} ms CPU per s of projection over idle")

    stores.states.ask(opened.code, opened.teacher_secret, WINDOW_QUESTION.key)
    await board.wait_until(lambda: board_answers(board) == 0, TIMEOUT)
    class_ = await asyncio.gather(*(open_board(url, f"learner-{n}", f"room={opened.code}", TIMEOUT)
                                    for n in range(learners)))
    watch, stop = BoardWatch(), asyncio.Event()
    watcher = asyncio.create_task(watch.run(board, stop))
    choices = itertools.cycle(WINDOW_QUESTION.choices)

    async def answer_later(learner, delay: float) -> float:
        await asyncio.sleep(delay)  # answers spread over ten seconds, as a class answers
        return await answer(learner, next(choices), TIMEOUT)
    answered = await asyncio.gather(*(answer_later(learner, 10.0 * n / learners) for n, learner in enumerate(class_)))
    await board.wait_until(lambda: board_answers(board) == learners, TIMEOUT)
    stop.set()
    await watcher
    delays = tally_delays(list(answered), watch)
    print(f"{learners} answers -> counted on the projected board: {spread(delays)}")

    arrived, left = await follow_push(board, list(class_), TIMEOUT)
    print(f"a push -> {len(arrived)} learners on the Model page: {spread(arrived)}"
          + (f"; not arrived: {', '.join(left)}" if left else ""))
    for learner in class_:
        await learner.close()
    await asyncio.sleep(3.0)
    asked = await server_rate(meter, MEASURE_SECONDS)
    print(f"the board with the question and {learners} answers: {(asked - idle) * 1000:.1f} ms CPU per s of "
          f"projection over idle ({(asked - idle) / max(reference - idle, 1e-9):.2f} x today's board)")
    await board.close()


def main() -> None:
    """Serve the app and print how a class's answers and a teacher's push travel, and what the board costs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("learners", nargs="?", type=int, default=30)
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with tempfile.TemporaryDirectory(prefix="lstm-lens-answers-") as data_dir:
        with serve(ROOT, ROOT / "artifacts" / "bench-room-answers.log", data_dir=Path(data_dir)) as (url, pid):
            meter = CpuMeter(pid)
            waited, workers = wait_for_idle_workers(meter)
            print(f"{workers} workers warm after {waited:.1f} s")
            asyncio.run(measure(url, meter, Stores.of(Path(data_dir)), args.learners))
            meter.close()


if __name__ == "__main__":
    main()
