"""Training jobs that run in a pool of worker processes, so a page never blocks on model.fit.

A page calls ``start(data, cfg)`` and gets a TrainingJob at once, polls ``job.progress()`` (from
``st.fragment(run_every=0.5)``), may call ``job.stop()``, and reads ``job.result()`` when it is done.
Keras is imported only inside the workers, so the server draws the glass box from NumPy weights
without loading TensorFlow. A job is queued in the pool's FIFO (visible position), then runs in a
worker that streams events through a Manager queue, then ends "done", "stopped" or "failed".
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import queue
import threading
import time
import uuid
import weakref
from collections import deque
from concurrent.futures.process import BrokenProcessPool, ProcessPoolExecutor
from dataclasses import dataclass, field

from lstm_core.config import ModelConfig
from lstm_core.worker import TrainingData, TrainingResult, load_keras, train_job

__all__ = ["Progress", "TrainingData", "TrainingJob", "TrainingPool", "TrainingResult", "get_pool", "start",
           "train_job"]

STOPPING_MESSAGE = "Stopping: the current batch finishes, then the weights trained so far are kept."
MAX_BATCH_POINTS = 300  # longer runs keep every 2nd, 4th, ... point so the chart stays light


@dataclass
class Progress:
    """A snapshot of a job: status, position in the epochs and batches, losses so far, time."""

    status: str  # "queued" (waiting for a slot), "running" (a worker has it), "done", "stopped", "failed"
    epoch: int  # epochs completed
    epochs: int
    batch: int  # batches completed in the current epoch
    batches_per_epoch: int
    train_loss: list[float]  # one per completed epoch
    val_loss: list[float]
    batch_loss: list[tuple[float, float]]  # (fractional epoch, running mean loss of that epoch)
    elapsed: float  # seconds since the job started running
    eta: float | None
    queue_position: int  # 1 = next to start; 0 once running or finished
    message: str
    epoch_seconds: list[float] = field(default_factory=list)  # wall time of each completed epoch





class TrainingJob:
    """One training run: live progress, a stop switch and, once finished, its TrainingResult."""

    def __init__(self, data: TrainingData, cfg: ModelConfig, pool: "TrainingPool") -> None:
        self.id = uuid.uuid4().hex[:12]
        self.cfg = cfg
        self._data, self._pool = data, pool
        self._bpe = data.batches_per_epoch(cfg.batch_size)
        self._events, self._stop = pool._manager.Queue(), pool._manager.Event()
        self._lock = threading.Lock()
        self._future: concurrent.futures.Future | None = None
        self._result: TrainingResult | None = None
        self._status, self._message = "queued", "Waiting for a free training slot."
        self._epoch = self._batch = self._n_points = 0
        self._stride = 1  # keep every _stride-th batch point (see MAX_BATCH_POINTS)
        self._train_loss, self._val_loss, self._epoch_seconds = [], [], []  # one per completed epoch
        self._batch_loss: list[tuple[float, float]] = []
        self._started: float | None = None  # wall clock, sent by the worker
        self._finished: float | None = None

    def progress(self) -> Progress:
        """Return a snapshot of the job now, after taking in every event that has arrived."""
        position = self._pool._position(self)
        with self._lock:
            self._sync()
            end = self._finished if self._result is not None else time.time()
            elapsed = max(0.0, end - self._started) if self._started else 0.0
            return Progress(
                self._status, self._epoch, self.cfg.epochs, self._batch, self._bpe,
                list(self._train_loss), list(self._val_loss), list(self._batch_loss), elapsed,
                self._eta(elapsed), position if self._status == "queued" else 0, self._message,
                list(self._epoch_seconds))

    def stop(self) -> None:
        """End the job: progress reports "stopped" at once; a running job's weights arrive after its batch.

        A queued job is cancelled. A running one stops at its next batch end, which is ~0.1 s later
        in the middle of training but may be a second or two away during the first batch, while
        TensorFlow traces the graph; ``done`` turns True once its result, with the weights so far,
        has arrived.
        """
        if self._pool._withdraw(self):
            with self._lock:
                self._finish(TrainingResult("stopped", "Stopped while waiting in the queue."))
            return
        try:
            self._stop.set()
        except (OSError, EOFError):
            pass  # the pool is shut down, which stopped the job already
        with self._lock:
            self._sync()
            # A worker that has not begun (it may still be loading TensorFlow) sees the stop flag
            # first thing and returns at once, so report the stop now.
            not_begun = self._result is None and self._started is None
            if not_begun:
                self._finish(TrainingResult("stopped", "Stopped before training began."))
            elif self._result is None:
                self._status, self._message = "stopped", STOPPING_MESSAGE
        if not_begun and self._future is not None:
            self._future.cancel()  # outside the lock: a cancel runs our done callback right here

    @property
    def done(self) -> bool:
        """Return True once the job has finished (done, stopped or failed)."""
        with self._lock:
            self._sync()
            return self._result is not None

    def result(self) -> TrainingResult | None:
        """Return the TrainingResult, or None while the job is queued or running."""
        with self._lock:
            self._sync()
            return self._result

    def _launch(self, executor: ProcessPoolExecutor) -> None:
        future = executor.submit(train_job, self._data, self.cfg, self._events, self._stop)
        with self._lock:
            self._future, self._data = future, None
            self._status, self._message = "running", "Starting: waiting for a worker process."
        future.add_done_callback(self._on_future_done)

    def _on_future_done(self, future: concurrent.futures.Future) -> None:
        with self._lock:
            self._finished = self._finished or time.time()
        self._pool._job_done(self)

    def _sync(self) -> None:
        # Called with self._lock held: take in the events, then the result once the future has it.
        while self._result is None:
            try:
                self._apply(self._events.get_nowait())
            except queue.Empty:
                break
            except (OSError, EOFError):
                break  # the manager shut down with the pool
        if self._result is None and self._future is not None and self._future.done():
            try:
                self._finish(self._future.result())
            except concurrent.futures.CancelledError:
                self._finish(TrainingResult("stopped", "Stopped before training began."))
            except Exception as exc:  # the worker process died (killed, out of memory, ...)
                self._finish(TrainingResult("failed", f"The training process ended unexpectedly "
                                            f"({type(exc).__name__}: {exc})."))

    def _apply(self, event: tuple) -> None:
        kind = event[0]
        if kind == "started":
            self._started = event[1]
            if self._status == "running":
                self._message = "Training."
        elif kind == "batch":
            _, self._epoch, self._batch, loss = event
            self._add_point(self._epoch + self._batch / self._bpe, loss)
        elif kind == "epoch":
            _, self._epoch, loss, val_loss, seconds = event
            self._batch = 0
            self._train_loss.append(loss)
            self._val_loss.append(val_loss)
            self._epoch_seconds.append(seconds)
            self._add_point(float(self._epoch), loss)

    def _add_point(self, x: float, loss: float) -> None:
        self._n_points += 1
        if self._n_points % self._stride == 0:
            self._batch_loss.append((x, loss))
        if len(self._batch_loss) > MAX_BATCH_POINTS:
            self._batch_loss, self._stride = self._batch_loss[::2], self._stride * 2

    def _finish(self, result: TrainingResult) -> None:
        self._result, self._status, self._message = result, result.status, result.message
        self._train_loss, self._val_loss = list(result.history["loss"]), list(result.history["val_loss"])
        self._epoch, self._finished = result.epochs_run, self._finished or time.time()
        self._batch = 0 if result.status == "done" else self._batch

    def _eta(self, elapsed: float) -> float | None:
        if self._status != "running":
            return 0.0 if self._status == "done" else None
        fraction = (self._epoch + self._batch / self._bpe) / self.cfg.epochs
        return elapsed * (1 - fraction) / fraction if fraction > 0 else None


class _RefillingExecutor(ProcessPoolExecutor):
    """A ProcessPoolExecutor that refills every worker slot as soon as a worker exits."""

    # The stock executor replaces a worker that exits at max_tasks_per_child only when no idle
    # token is left, and its token count can be stale (CPython gh-115634: with a backlog, Python
    # 3.11 hangs for good). Refilling at once keeps every slot alive and warm: a new worker
    # imports TensorFlow in its initializer before a job reaches it.
    def _adjust_process_count(self):
        if self._shutdown_thread or self._broken:
            return
        while len(self._processes) < self._max_workers:
            self._spawn_process()


class TrainingPool:
    """A server-wide cap on concurrent trainings: spawned workers plus a FIFO of waiting jobs."""

    def __init__(self, max_workers: int | None = None, max_tasks_per_child: int = 4,
                 warm: bool = True) -> None:
        self.max_workers = int(max_workers or os.cpu_count() or 1)
        self.max_tasks_per_child = max_tasks_per_child
        self._context = multiprocessing.get_context("spawn")
        self._manager = self._context.Manager()
        self._lock = threading.RLock()  # RLock: a future's callback may re-enter from _dispatch
        self._waiting: deque[TrainingJob] = deque()
        self._running: set[TrainingJob] = set()
        self._closed = False
        self._executor = self._new_executor()
        # Warm-up tasks spawn every worker now; each counts as one of its max_tasks_per_child.
        self._warmup = [self._executor.submit(load_keras) for _ in range(self.max_workers)] if warm else []
        _LIVE_POOLS.add(self)

    def submit(self, data: TrainingData, cfg: ModelConfig) -> TrainingJob:
        """Return a new TrainingJob for (data, cfg), queued behind the jobs already waiting."""
        data.check(cfg)
        with self._lock:
            if self._closed:
                raise RuntimeError("this TrainingPool is shut down")
            job = TrainingJob(data, cfg, self)
            self._waiting.append(job)
            self._dispatch()
        return job

    def wait_ready(self, timeout: float = 60.0) -> bool:
        """Return True once the warm-up tasks have loaded TensorFlow, False after timeout seconds."""
        return not concurrent.futures.wait(self._warmup, timeout).not_done

    def shutdown(self, timeout: float = 10.0) -> None:
        """Cancel the queued jobs, stop the running ones, then end the workers and the manager."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            jobs = list(self._waiting) + list(self._running)
        for job in jobs:
            job.stop()
        workers = list((self._executor._processes or {}).values())  # kept to end a stuck worker
        self._executor.shutdown(wait=False, cancel_futures=True)
        if concurrent.futures.wait([job._future for job in jobs if job._future], timeout).not_done:
            for worker in workers:
                worker.terminate()  # a job that did not stop within the timeout
        for worker in workers:
            worker.join(timeout)
        self._manager.shutdown()

    def _new_executor(self) -> ProcessPoolExecutor:
        return _RefillingExecutor(self.max_workers, mp_context=self._context, initializer=load_keras,
                                  max_tasks_per_child=self.max_tasks_per_child)

    def _dispatch(self) -> None:
        # The executor would pre-dispatch one task more than it has workers: hand it a job only
        # when a worker is free, so the cap holds and waiting jobs keep their FIFO position.
        with self._lock:
            while self._waiting and len(self._running) < self.max_workers and not self._closed:
                job = self._waiting.popleft()
                self._running.add(job)
                try:
                    job._launch(self._executor)
                except BrokenProcessPool:  # a worker died and broke the executor: start a fresh one
                    self._running.discard(job)
                    self._waiting.appendleft(job)
                    self._executor.shutdown(wait=False)
                    self._executor = self._new_executor()

    def _job_done(self, job: TrainingJob) -> None:
        with self._lock:
            self._running.discard(job)
            self._dispatch()

    def _position(self, job: TrainingJob) -> int:
        with self._lock:
            return self._waiting.index(job) + 1 if job in self._waiting else 0

    def _withdraw(self, job: TrainingJob) -> bool:
        with self._lock:
            if job in self._waiting:
                self._waiting.remove(job)
                return True
            return False


_LIVE_POOLS: "weakref.WeakSet[TrainingPool]" = weakref.WeakSet()
_default_pool: TrainingPool | None = None
_default_lock = threading.Lock()


def _shutdown_live_pools() -> None:
    for pool in list(_LIVE_POOLS):
        pool.shutdown(timeout=2.0)


# Runs before concurrent.futures joins its workers at exit, which would otherwise wait for every
# running job to train to its last epoch.
threading._register_atexit(_shutdown_live_pools)


def get_pool() -> TrainingPool:
    """Return the process-wide default TrainingPool, creating it on first use."""
    global _default_pool
    with _default_lock:
        if _default_pool is None or _default_pool._closed:
            _default_pool = TrainingPool()
        return _default_pool


def start(data: TrainingData, cfg: ModelConfig, pool: TrainingPool | None = None) -> TrainingJob:
    """Return a TrainingJob for (data, cfg) at once; it runs on pool, or on get_pool() when None."""
    return (pool or get_pool()).submit(data, cfg)
