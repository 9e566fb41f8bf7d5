"""A training worker's start: forked from the pool's fork server against spawned afresh, in CPU and in seconds.

Run: .venv/bin/python -m bench.bench_worker_start
The reference is what a worker cost when each was a fresh interpreter: a spawned process that runs the same
worker_main (Keras imported, the quick start traced) until it says ready. The pool's side is a TrainingPool of
one worker, replaced ROUNDS times (its fork server starts once, with the first worker; its CPU is counted
apart). Prints the median seconds to ready and CPU-seconds per worker on both sides and their ratios; never fails.
"""

import multiprocessing
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from lstm_core.training.pool import TrainingPool, default_settings
from lstm_core.training.worker import worker_main

ROUNDS = 4
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """Return the user and system CPU-seconds process pid has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def spawned_worker() -> tuple[float, float]:
    """Return (seconds to ready, CPU-seconds to ready) of a worker spawned as a fresh interpreter."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe(duplex=True)
    began = time.perf_counter()
    process = context.Process(target=worker_main, args=(theirs, default_settings()), daemon=True)
    process.start()
    assert ours.recv()[0] == "ready"
    seconds, cpu = time.perf_counter() - began, cpu_seconds(process.pid)
    ours.send(("exit",))
    process.join(30)
    return seconds, cpu


def forked_workers(rounds: int) -> tuple[list[float], list[float], float]:
    """Return seconds and CPU-seconds to ready of the pool's workers after the first, and its fork server's CPU."""
    pool = TrainingPool(max_workers=1, settings=default_settings())
    seconds, cpu = [], []
    try:
        assert pool.wait_ready(180)
        for _ in range(rounds):
            (old,) = pool.worker_pids()
            began = time.perf_counter()
            os.kill(old, 9)  # the pool replaces a worker that died
            deadline = time.monotonic() + 180
            while True:
                pids = pool.worker_pids()  # read once: the pool's thread replaces workers as it goes
                if len(pids) == 1 and pids[0] != old and pool.wait_ready(0.05):
                    break
                assert time.monotonic() < deadline, "no replacement worker"
            seconds.append(time.perf_counter() - began)
            cpu.append(cpu_seconds(pids[0]))
        server = int(Path(f"/proc/{pool.worker_pids()[0]}/stat").read_text().rsplit(")", 1)[1].split()[1])
        return seconds, cpu, cpu_seconds(server)
    finally:
        pool.shutdown()


def main() -> None:
    """Measure both sides and print them with their ratios."""
    spawned = [spawned_worker() for _ in range(ROUNDS)]
    forked_seconds, forked_cpu, server_cpu = forked_workers(ROUNDS)
    spawn_seconds = statistics.median(s for s, _ in spawned)
    spawn_cpu = statistics.median(c for _, c in spawned)
    print(f"spawned afresh : {spawn_seconds:5.2f} s to ready, {spawn_cpu:5.2f} CPU-s per worker (median of {ROUNDS})")
    print(f"fork server    : {statistics.median(forked_seconds):5.2f} s to ready, "
          f"{statistics.median(forked_cpu):5.2f} CPU-s per worker (median of {ROUNDS}); "
          f"the fork server itself {server_cpu:.2f} CPU-s once")
    print(f"ratio fork/spawn: {statistics.median(forked_seconds) / spawn_seconds:.2f} in seconds, "
          f"{statistics.median(forked_cpu) / spawn_cpu:.2f} in CPU")


if __name__ == "__main__":
    main()
