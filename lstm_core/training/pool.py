"""The training pool: worker processes that run training jobs, so a page never blocks on model.fit.

A page calls ``start(data, cfg, pool)`` and gets a JobWatch at once, polls ``job.progress()`` (from
``st.fragment(run_every=...)``), may call ``job.stop()``, and reads ``job.result()`` when it is done.
Keras is imported only inside the workers, so the server draws the glass box from NumPy weights
without loading TensorFlow.

Training is deterministic: a submission whose training_key equals that of a job still queued or running
joins that job instead of queueing another, so a class pressing Train on one preset costs one training.

One thread owned by the pool does all inter-process communication: it hands jobs to idle workers,
reads their events and results, forwards stop requests, notices a worker that died and replaces it,
and detaches the learners who have gone, withdrawing or stopping a job nobody watches any more. The
threads that run page scripts (a new one for every rerun, twice a second per learner while a chart is
live) only read and write the in-memory state of a job under a short lock, so no page can wait on a
pipe, a process or another page.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Hashable
from multiprocessing import connection, spawn
from typing import Any

from lstm_core.config import ModelConfig
from lstm_core.training.estimates import TrainingTimes
from lstm_core.training.fair_queue import FairQueue, QueueFull
from lstm_core.training.job import JobWatch, TrainingJob
from lstm_core.training.protocol import TrainingData, TrainingResult, training_key
from lstm_core.training.worker import WorkerSettings, worker_main

ABANDONED_MESSAGE = "Stopped: the page that started this training was closed."
OWNER_GRACE_SECONDS = 20.0  # a reload or a short network drop reconnects well within this
OWNER_CHECK_SECONDS = 1.0
WORKER_NAME_PREFIX = "lstm-lens-worker"

log = logging.getLogger(__name__)


_original_preparation_data = spawn.get_preparation_data


def _preparation_data_without_main(name: str) -> dict:
    """Return spawn's preparation data, without the main module for this pool's workers."""
    # Under `streamlit run` the main module is the app script: a spawned child would execute it in
    # Streamlit's bare mode. A worker needs nothing from __main__; its entry point lives in lstm_core.
    data = _original_preparation_data(name)
    if name.startswith(WORKER_NAME_PREFIX):
        data.pop("init_main_from_path", None)
        data.pop("init_main_from_name", None)
    return data


class _Worker:
    """The pool thread's view of one worker process: its pipe, its job and how many it has run."""

    def __init__(self, process, conn) -> None:
        self.process, self.conn = process, conn
        self.ready = False
        self.job: TrainingJob | None = None
        self.job_began = 0.0  # monotonic time the job was handed over
        self.jobs_run = 0
        self.retiring = False


class TrainingPool:
    """A server-wide cap on concurrent trainings: worker processes plus a queue of waiting jobs, fair by session."""

    def __init__(self, max_workers: int | None = None, max_jobs_per_worker: int = 40,
                 settings: WorkerSettings | None = None) -> None:
        self.max_workers = int(max_workers or os.cpu_count() or 1)
        self.max_jobs_per_worker = max_jobs_per_worker  # a bound on what a framework may leak
        self.settings = settings or WorkerSettings()
        self.times = TrainingTimes(self.settings.warm_configs)  # what this pool's jobs took, for estimates
        _install_process_hooks()
        self._context = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()  # guards _waiting, _stops and _closed; never held across IPC
        self._ready = threading.Condition(self._lock)
        self._waiting: FairQueue[TrainingJob] = FairQueue()
        self._stops: deque[TrainingJob] = deque()
        # training key -> the job a new identical submission may join; finished jobs are refused by watch().
        self._joinable: weakref.WeakValueDictionary[str, TrainingJob] = weakref.WeakValueDictionary()
        self._closed = False
        self._workers: list[_Worker] = []  # touched by the pool thread only
        self._ready_count = 0
        self._workers_started = 0
        self._jobs_run = 0  # jobs a worker took and ended: the trainings this pool really paid for
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_write, False)
        self._thread = threading.Thread(target=self._run, name="lstm-lens-training-pool", daemon=True)
        self._thread.start()
        _LIVE_POOLS.add(self)

    def submit(self, data: TrainingData, cfg: ModelConfig, owner_alive: Callable[[], bool] | None = None,
               session: Hashable | None = None, data_spec: dict[str, Any] | None = None) -> JobWatch:
        """Return a JobWatch of the queued or running job with the same training key, or of a new queued job.

        ``owner_alive`` tells whether whoever submitted is still there; once it has said False for
        OWNER_GRACE_SECONDS in a row, that watcher is detached, and a job nobody watches any more is
        withdrawn or stopped. Jobs wait in one line per ``session``, served in turn; a session with
        MAX_QUEUED_PER_SESSION jobs waiting gets a job that failed at once, saying so. ``data_spec``
        describes the data for the run store, for a backend that stores a result nobody is left to collect.
        """
        data.check(cfg)
        key = training_key(data, cfg)
        with self._lock:
            if self._closed:
                raise RuntimeError("this TrainingPool is shut down")
            shared = self._joinable.get(key)
            watch = shared.watch(owner_alive) if shared is not None else None
            if watch is not None:
                return watch
            job = TrainingJob(data, cfg, self, key)
            job.session, job.data_spec = session, data_spec
            watch = job.watch(owner_alive)
            try:
                self._waiting.append(job, session)
            except QueueFull as full:
                refused = str(full)
            else:
                self._joinable[key] = job
                refused = None
        if refused is not None:
            job.finish(TrainingResult("failed", refused))
            return watch
        self._wake()
        return watch

    def wait_ready(self, timeout: float = 60.0) -> bool:
        """Return True once every worker has loaded TensorFlow, False after timeout seconds."""
        with self._ready:
            return self._ready.wait_for(lambda: self._ready_count >= self.max_workers, timeout)

    def worker_pids(self) -> list[int]:
        """Return the process ids of the workers now alive (the pool's thread may replace them any time)."""
        return [worker.process.pid for worker in list(self._workers) if worker.process.pid is not None]

    def workers_started(self) -> int:
        """Return how many worker processes this pool has started in all, replacements included."""
        return self._workers_started

    def jobs_run(self) -> int:
        """Return how many jobs this pool's workers have taken and ended (done, stopped or failed)."""
        return self._jobs_run

    def queue_length(self) -> int:
        """Return how many jobs wait for a worker."""
        with self._lock:
            return len(self._waiting)

    def shutdown(self, timeout: float = 10.0) -> None:
        """Cancel the queued jobs, stop the running ones, then end the workers and the pool's thread."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            waiting = list(self._waiting)
            self._waiting.clear()
        for job in waiting:
            job.finish(TrainingResult("stopped", "Stopped: the training server shut down."))
        self._shutdown_timeout = timeout
        self._wake()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout + 5)

    # Script threads call these three (the JobQueue a job talks to): in-memory only.

    def position(self, job: TrainingJob) -> int:
        """Return job's place in the queue, 1 = next; 0 once it runs or has left the queue."""
        with self._lock:
            try:
                return self._waiting.index(job) + 1
            except ValueError:
                return 0

    def withdraw(self, job: TrainingJob) -> bool:
        """Return True when job was still waiting and has now left the queue."""
        with self._lock:
            if job in self._waiting:
                self._waiting.remove(job)
                return True
            return False

    def request_stop(self, job: TrainingJob) -> None:
        """Ask the worker running job to stop after its current batch; return None."""
        with self._lock:
            self._stops.append(job)
        self._wake()

    def _wake(self) -> None:
        try:
            os.write(self._wake_write, b"\0")
        except (BlockingIOError, OSError):
            pass  # the pipe is full (the thread is awake anyway) or closed (the pool has ended)

    # Everything below runs on the pool's thread.

    def _run(self) -> None:
        # Workers are started from this thread and inherit its blocked signals from their first instruction.
        # Ctrl-C or SIGTERM to the server's process group then reaches the server alone, which ends the
        # workers itself once their jobs have stopped; a worker felled by the signal would be replaced.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        next_owner_check = 0.0
        while True:
            with self._lock:
                closed = self._closed
            if closed:
                break
            self._spawn_missing()
            conns = {worker.conn: worker for worker in self._workers}
            sentinels = {worker.process.sentinel: worker for worker in self._workers}
            ready = connection.wait([*conns, *sentinels, self._wake_read], timeout=OWNER_CHECK_SECONDS)
            if self._wake_read in ready:
                os.read(self._wake_read, 4096)
            for item in ready:
                if item in conns:
                    self._receive(conns[item])
            for item in ready:
                if item in sentinels and sentinels[item] in self._workers:
                    self._worker_exited(sentinels[item])
            self._forward_stops()
            if time.monotonic() >= next_owner_check:
                self._close_abandoned_jobs()
                next_owner_check = time.monotonic() + OWNER_CHECK_SECONDS
            self._dispatch()
        self._end_workers(getattr(self, "_shutdown_timeout", 10.0))

    def _spawn_missing(self) -> None:
        with self._lock:
            if self._closed:
                return  # a stopping pool replaces no worker: it is about to end them all
        while sum(not worker.retiring for worker in self._workers) < self.max_workers:
            ours, theirs = self._context.Pipe(duplex=True)
            self._workers_started += 1
            process = self._context.Process(target=worker_main, args=(theirs, self.settings), daemon=True,
                                            name=f"{WORKER_NAME_PREFIX}-{self._workers_started}")
            process.start()
            theirs.close()
            self._workers.append(_Worker(process, ours))

    def _receive(self, worker: _Worker) -> None:
        try:
            while worker.conn.poll():
                self._handle(worker, worker.conn.recv())
        except (EOFError, OSError):
            pass  # the worker is gone; its sentinel tells the rest

    def _handle(self, worker: _Worker, message: tuple) -> None:
        kind = message[0]
        if kind == "ready":
            worker.ready = True
            with self._ready:
                self._ready_count += 1
                self._ready.notify_all()
        elif kind == "event" and worker.job is not None and worker.job.id == message[1]:
            worker.job.apply_event(message[2])
        elif kind == "result" and worker.job is not None and worker.job.id == message[1]:
            job, worker.job = worker.job, None
            worker.jobs_run += 1
            self._jobs_run += 1  # counted before the job reads done, so a watcher that sees done sees the count
            job.finish(message[2])
            self._log_finished(worker, job, message[2].status)
            if message[2].status == "done":
                final = job.progress()
                self.times.record(job.cfg, job.n_train, final.epoch_seconds, final.elapsed)
            if worker.jobs_run >= self.max_jobs_per_worker:
                self._retire(worker)

    def _log_finished(self, worker: _Worker, job: TrainingJob, status: str) -> None:
        log_finished(job, status, time.monotonic() - worker.job_began)

    def _retire(self, worker: _Worker) -> None:
        # The replacement starts at once (next loop), so the slot is warm again by the next job.
        worker.retiring = True
        with self._ready:
            self._ready_count -= 1
        try:
            worker.conn.send(("exit",))
        except OSError:
            pass

    def _worker_exited(self, worker: _Worker) -> None:
        self._receive(worker)  # a result sent just before the exit still counts
        worker.process.join(1.0)
        self._workers.remove(worker)
        worker.conn.close()
        if worker.ready and not worker.retiring:
            with self._ready:
                self._ready_count -= 1
        if worker.job is not None:
            code = worker.process.exitcode
            how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
            self._jobs_run += 1
            worker.job.finish(TrainingResult(
                "failed", f"The training process ended unexpectedly ({how}), perhaps out of memory. "
                          f"Your settings are kept: press Train to try again."))
            self._log_finished(worker, worker.job, "failed")

    def _forward_stops(self) -> None:
        with self._lock:
            stops, self._stops = list(self._stops), deque()
        for job in stops:
            for worker in self._workers:
                if worker.job is job:
                    try:
                        worker.conn.send(("stop", job.id))
                    except OSError:
                        pass  # the worker died; its sentinel fails the job

    def _live_jobs(self) -> list[TrainingJob]:
        with self._lock:
            jobs = list(self._waiting)
        return jobs + [worker.job for worker in self._workers if worker.job is not None]

    def _close_abandoned_jobs(self) -> None:
        jobs = self._live_jobs()
        now = time.monotonic()
        for job in jobs:
            if job.done:
                continue
            for watch in job.attached():
                if watch.owner_alive is None:
                    continue
                try:
                    alive = watch.owner_alive()
                except Exception:
                    alive = True  # a check that cannot answer must not cost a learner their run
                if alive:
                    watch.owner_last_seen = now
                elif now - watch.owner_last_seen > OWNER_GRACE_SECONDS:
                    watch.abandon(ABANDONED_MESSAGE)  # the last watcher gone: withdrawn or stopped
        self._forward_stops()

    def _dispatch(self) -> None:
        idle = [w for w in self._workers if w.ready and w.job is None and not w.retiring]
        handed: list[tuple[_Worker, TrainingJob]] = []
        with self._lock:
            while idle and self._waiting:
                handed.append((idle.pop(), self._waiting.popleft()))
        for worker, job in handed:
            worker.job, worker.job_began = job, time.monotonic()
            job.mark_running()
            try:
                worker.conn.send(("job", job.id, job.hand_over_data(), job.cfg))
            except OSError:
                pass  # the worker died; its sentinel fails the job

    def _end_workers(self, timeout: float) -> None:
        for worker in self._workers:
            if worker.job is not None:
                worker.job.stop("Stopped: the training server shut down.")
        self._forward_stops()
        for worker in self._workers:
            try:
                worker.conn.send(("exit",))
            except OSError:
                pass
        deadline = time.monotonic() + timeout
        while any(worker.process.is_alive() for worker in self._workers) and time.monotonic() < deadline:
            for worker in self._workers:
                self._receive(worker)  # the stopped jobs' results, with the weights so far
            time.sleep(0.05)
        for worker in self._workers:
            if worker.process.is_alive():
                worker.process.terminate()  # a job that did not stop within the timeout
            worker.process.join(timeout)
            if worker.job is not None:
                worker.job.finish(TrainingResult("stopped", "Stopped: the training server shut down."))
            worker.conn.close()
        self._workers.clear()
        os.close(self._wake_read)
        os.close(self._wake_write)


def log_finished(job: TrainingJob, status: str, seconds: float) -> None:
    """Log one line per training a pool ran: how many trainings a class really cost, and for how many learners."""
    log.info("training job %s finished: %s in %.1f s, watched by %d", job.id, status, seconds, job.watchers())


_LIVE_POOLS: weakref.WeakSet[TrainingPool] = weakref.WeakSet()


_hooks_lock = threading.Lock()
_hooks_installed = False


def _shutdown_live_pools() -> None:
    for pool in list(_LIVE_POOLS):
        pool.shutdown(timeout=2.0)


def _install_process_hooks() -> None:
    """Install, once per process, what running a pool needs: workers spawned without __main__, a stop at exit."""
    global _hooks_installed
    with _hooks_lock:
        if _hooks_installed:
            return
        _hooks_installed = True
        spawn.get_preparation_data = _preparation_data_without_main
        # Runs before the interpreter's exit handlers end the daemonic workers, so running jobs stop cleanly.
        threading._register_atexit(_shutdown_live_pools)


def default_settings() -> WorkerSettings:
    """Return the settings of the server's pool: one TensorFlow thread per worker, quick start traced."""
    from lstm_core.presets import QUICK_START_MODEL

    return WorkerSettings(intra_op_threads=1, inter_op_threads=1, warm_configs=(QUICK_START_MODEL,))


def start(data: TrainingData, cfg: ModelConfig, pool: TrainingPool, owner_alive: Callable[[], bool] | None = None,
          session: Hashable | None = None, data_spec: dict[str, Any] | None = None) -> JobWatch:
    """Return a JobWatch of the training of (data, cfg) on pool at once (the server's: cluster.backends.get_pool)."""
    return pool.submit(data, cfg, owner_alive, session, data_spec)
