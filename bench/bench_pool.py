"""Training pool capacity: TensorFlow threads per worker, the fixed cost per job, the ETA, worker memory.

Run: .venv/bin/python -m bench.bench_pool
1. Threads: a batch of quick-start jobs through two workers, with 1, 2 and TensorFlow's default number
   of intra-op threads per worker; prints jobs per minute and the ratio to one thread.
2. Fixed cost: the first epoch of a job on a fresh model against one on a kept (reset) model.
3. ETA: for a longer job, the ETA shown after the second epoch against the time the job then took.
4. Memory: resident memory of each worker and of this (server-side) process.
5. Stops: how soon a stop reads "stopped" on the page and how soon the weights trained so far arrive, for a
   queued job, a job in its first batch (graph tracing) and one mid-training; each against the one second the
   architecture promises (the tests only require that the stop reads at once and that the job then ends).
Never fails.
"""

import os
import statistics
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from lstm_core.config import ModelConfig
from lstm_core.data.dataset import build_dataset
from lstm_core.presets import QUICK_START_MODEL, QUICK_START_SERIES
from lstm_core.training.backend import TrainingBackend, start
from lstm_core.training.pool import TrainingPool
from lstm_core.training.protocol import JobStatus, TrainingData
from lstm_core.training.worker import WorkerSettings

JOBS = 12


def quick_data(cfg: ModelConfig) -> TrainingData:
    """Return the quick-start series cut for cfg."""
    return TrainingData.from_dataset(build_dataset(QUICK_START_SERIES, cfg.seq_length, cfg.horizon))


def run_all(pool: TrainingBackend, data: TrainingData, cfgs: list[ModelConfig]) -> float:
    """Return the seconds the pool takes to finish every cfg, all submitted at once."""
    began = time.perf_counter()
    jobs = [start(data, cfg, pool) for cfg in cfgs]
    while not all(job.done for job in jobs):
        time.sleep(0.05)
    assert all(job.result().status == "done" for job in jobs)
    return time.perf_counter() - began


def rss_mb(pid: int) -> float:
    """Return the resident memory of a process in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def threads_benchmark() -> None:
    """Print jobs per minute with 1, 2 and the default number of intra-op threads per worker."""
    data = quick_data(QUICK_START_MODEL)
    cfgs = [replace(QUICK_START_MODEL, seed=seed) for seed in range(JOBS)]
    rates = {}
    for threads in (1, 2, 0):
        pool = TrainingPool(max_workers=2, settings=WorkerSettings(threads, threads, (QUICK_START_MODEL,)))
        pool.wait_ready(180)
        seconds = run_all(pool, data, cfgs)
        rates[threads] = 60 * JOBS / seconds
        if threads == 1:
            print(f"memory: workers {[round(rss_mb(pid)) for pid in pool.worker_pids()]} MB, "
                  f"this process {rss_mb(os.getpid()):.0f} MB")
        pool.shutdown()
        label = threads or "default"
        print(f"intra-op threads {label}: {JOBS} quick-start jobs on 2 workers in {seconds:.1f} s, "
              f"{rates[threads]:.1f} jobs/min, ratio to 1 thread {rates[threads] / rates[1]:.2f}")


def fixed_cost_and_eta() -> None:
    """Print the first-epoch time fresh vs reused, and the ETA after epoch 2 against the real remainder."""
    cfg = replace(QUICK_START_MODEL, units=24, epochs=20)  # not traced at start: the first job is fresh
    data = quick_data(cfg)
    pool = TrainingPool(max_workers=1, settings=WorkerSettings(1, 1, ()))
    pool.wait_ready(180)
    firsts, errors = [], []
    for round_ in range(3):
        job = start(data, replace(cfg, seed=round_), pool)
        eta_after_two = None
        while not job.done:
            progress = job.progress()
            if eta_after_two is None and progress.epoch >= 2 and progress.eta is not None:
                eta_after_two, seen_at = progress.eta, time.perf_counter()
            time.sleep(0.02)
        progress = job.progress()
        actual = time.perf_counter() - seen_at
        firsts.append(progress.epoch_seconds[0])
        errors.append(eta_after_two / actual - 1)
        print(f"job {round_ + 1} ({'fresh model' if round_ == 0 else 'kept model'}): first epoch "
              f"{progress.epoch_seconds[0]:.2f} s, later epochs median "
              f"{statistics.median(progress.epoch_seconds[1:]):.2f} s; "
              f"ETA after epoch 2 {eta_after_two:.1f} s, took {actual:.1f} s ({errors[-1]:+.0%})")
    print(f"first epoch, fresh / kept: {firsts[0] / statistics.mean(firsts[1:]):.1f}x")
    pool.shutdown()


STOP_PROMISE_SECONDS = 1.0  # ARCHITECTURE.md: Stop takes effect within a second


def timed_stop(job) -> tuple[float, float]:
    """Return (seconds until job's progress reads stopped, seconds until its result has arrived) after stop()."""
    began = time.perf_counter()
    job.stop()
    while job.progress().status != JobStatus.STOPPED:
        time.sleep(0.001)
    reads = time.perf_counter() - began
    while not job.done:
        time.sleep(0.005)
    return reads, time.perf_counter() - began


def stop_latency() -> None:
    """Print how soon a queued job, a job in its first batch and one mid-training read stopped and end."""
    cfg = replace(QUICK_START_MODEL, epochs=40)
    data = quick_data(cfg)
    pool = TrainingPool(max_workers=1, settings=WorkerSettings(1, 1, ()))  # nothing traced: a first batch traces
    pool.wait_ready(180)
    blocker = start(data, replace(cfg, seed=100), pool)
    while blocker.progress().epoch < 1:
        time.sleep(0.01)
    cases = {"queued": timed_stop(start(data, replace(cfg, seed=101), pool))}
    blocker.stop()
    while not blocker.done:
        time.sleep(0.01)
    for label, begun in (("in its first batch", lambda p: p.elapsed > 0), ("mid-training", lambda p: p.epoch >= 2)):
        job = start(data, replace(cfg, units=24 + len(cases), seed=102), pool)  # a new architecture each time
        while not begun(job.progress()):
            time.sleep(0.002)
        cases[label] = timed_stop(job)
    pool.shutdown()
    for label, (reads, ends) in cases.items():
        print(f"stop of a job {label}: reads stopped after {reads * 1e3:.2f} ms, result after {ends:.2f} s; "
              f"ratio to the {STOP_PROMISE_SECONDS:g} s promise {reads / STOP_PROMISE_SECONDS:.4f} (reads), "
              f"{ends / STOP_PROMISE_SECONDS:.2f} (result)")


if __name__ == "__main__":
    threads_benchmark()
    fixed_cost_and_eta()
    stop_latency()
