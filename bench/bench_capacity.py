"""The measured inputs of the capacity table, and the table: what 30, 300 and 3,000 learners need.

Run: .venv/bin/python -m bench.bench_capacity [rounds]   (about two minutes)

Serves the app as `make run` does (one server, its own pool of two workers), waits for the workers to be
warm and quiet, then, over the websocket client (bench/ws_client.py), one learner at a time:
- `rounds` learners each open a /train link of the quick start with a seed of their own and press Train.
  Per learner: the server's CPU from opening the page to reading the results, the workers' CPU, and the
  job's own time in the pool's log ("training job ... finished: done in J s"): the press's whole cost;
- one learner trains a longer run (50 epochs of batch 16) and the server's CPU is read while they watch
  it: the cost of a learner watching a live chart, per second.
Prints the inputs (medians), then bench/capacity.py's table for them, and the table's check against
the class of 30 that bench/bench_cluster.py sends through two replicas and two Ray trainers.
"""

from __future__ import annotations

import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.bench_classroom import CpuMeter, JobLog, serve, wait_for_idle_workers, worker_cpu
from bench.capacity import Measured, all_at_once, table
from bench.ws_probe import quick_start_queries, run_ws_class

ROOT = Path(__file__).resolve().parents[1]

LIMIT_SECONDS = 300
WATCH_SETTINGS = {"w_model_epochs": "50", "w_model_batch_size": "16"}


def server_cpu(meter: CpuMeter, before: dict[int, float], after: dict[int, float]) -> float:
    """Return the CPU seconds the server process itself (not its workers) used between two snapshots."""
    return after.get(meter.server_pid, 0.0) - before.get(meter.server_pid, 0.0)


def with_settings(query: str, settings: dict[str, str]) -> str:
    """Return query with each named parameter set to the given value (added when absent)."""
    for name, value in settings.items():
        pattern = re.compile(rf"(^|&){name}=[^&]*")
        query = pattern.sub(rf"\g<1>{name}={value}", query) if pattern.search(query) else f"{query}&{name}={value}"
    return query


def one_press(url: str, meter: CpuMeter, job_log: JobLog, query: str, index: int) -> tuple[float, float, float, float]:
    """Return (server CPU, worker CPU, job seconds, wait) of one learner opening query and training it."""
    before, logged = meter.snapshot(), job_log.offset()
    run = run_ws_class(url, 1, {index: query}, LIMIT_SECONDS, probe=False, first_index=index)
    time.sleep(1.0)  # the meter samples every 0.5 s
    after = meter.snapshot()
    jobs = job_log.jobs_since(logged)
    job_seconds = jobs[-1][2] if jobs else float("nan")
    wait = run.learners[0].seconds if run.learners[0].seconds is not None else float("nan")
    return server_cpu(meter, before, after), worker_cpu(meter, before, after), job_seconds, wait


def watching_cost(url: str, meter: CpuMeter, query: str, index: int) -> tuple[float, float]:
    """Return (server CPU-s per second while one learner watches a long training, seconds watched)."""
    box: dict = {}
    thread = threading.Thread(target=lambda: box.update(run=run_ws_class(url, 1, {index: query}, LIMIT_SECONDS,
                                                                         probe=False, first_index=index)))
    thread.start()
    time.sleep(4.0)  # past the page load and the press: only the live chart's refreshes remain
    before, began = meter.snapshot(), time.monotonic()
    thread.join(LIMIT_SECONDS)
    after, watched = meter.snapshot(), time.monotonic() - began
    return server_cpu(meter, before, after) / watched, watched


def main() -> None:
    """Measure the capacity inputs on this machine and print them with the table they give."""
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with tempfile.TemporaryDirectory(prefix="lstm-lens-capacity-") as folder:
        log_path = Path(folder) / "server.log"
        with serve(ROOT, log_path) as (url, pid):
            meter = CpuMeter(pid)
            waited, workers = wait_for_idle_workers(meter)
            print(f"server up, {workers} workers warm after {waited:.0f} s")
            job_log = JobLog(log_path)
            queries = quick_start_queries(ROOT, range(rounds + 1))
            presses = [one_press(url, meter, job_log, queries[i], i) for i in range(rounds)]
            for n, (server, worker, job, wait) in enumerate(presses):
                print(f"  learner {n}: server {server:.2f} CPU-s, worker {worker:.2f} CPU-s, job {job:.2f} s, "
                      f"press → results {wait:.2f} s")
            watch_cpu, watched = watching_cost(url, meter, with_settings(queries[rounds], WATCH_SETTINGS),
                                               rounds)
    server, worker, job, wait = (statistics.median(values) for values in zip(*presses))
    press_cpu = max(0.0, server - watch_cpu * wait)
    measured = Measured(press_cpu=press_cpu, watch_cpu=watch_cpu, job_seconds=job, job_cpu=worker)
    print(f"inputs (medians of {rounds}): a press's page work P = {press_cpu:.3f} CPU-s (server {server:.3f} "
          f"less watching {watch_cpu * wait:.3f}); watching S = {watch_cpu * 1000:.1f} ms CPU per second "
          f"(over {watched:.0f} s); a job J = {job:.2f} s on one trainer, W = {worker:.2f} CPU-s")
    print(table(measured))
    mean, last = all_at_once(30, job, 2)
    print(f"check: 30 learners pressing at once on 2 trainers, predicted mean {mean:.1f} s and last {last:.1f} s "
          f"from J alone (compare bench/bench_cluster.py's class)")


if __name__ == "__main__":
    main()
