"""The server's own training backend: worker processes that run training jobs, so a page never blocks on model.fit.

A page calls ``backend.start(data, cfg, pool)`` and gets a JobWatch at once, polls ``job.progress()`` (from
``st.fragment(run_every=...)``), may call ``job.stop()``, and reads ``job.result()`` when it is done.
Keras is imported only inside the workers, so the server draws the glass box from NumPy weights
without loading TensorFlow.

What every backend does with a job (the fair line, joining identical trainings, stops, closed pages, the
loop of its thread) is ``backend.BackendBase``'s. Here is what worker processes add: starting them (forked
from a server that has Keras loaded and never runs the app script) and replacing one that died or has run its
share of jobs, a pipe to each that carries a job there and its events and result back, and the signals a
server's stop sends.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
import weakref
from multiprocessing import connection, spawn
from multiprocessing.process import BaseProcess
from typing import Any

from lstm_core.training.backend import BackendBase
from lstm_core.training.fair_queue import QueueLimits
from lstm_core.training.job import TrainingJob
from lstm_core.training.messages import SHUTDOWN_MESSAGE, worker_lost_message
from lstm_core.training.protocol import JobStatus, TrainingResult
from lstm_core.training.worker import WorkerSettings, worker_main

WORKER_NAME_PREFIX = "lstm-lens-worker"


# The fork server imports only this (see its docstring): not the main module, which under `streamlit run` is the
# app script.
FORK_SERVER_PRELOAD = ["lstm_core.training.fork_server"]

_original_preparation_data = spawn.get_preparation_data


def _preparation_data_without_main(name: str) -> dict[str, Any]:
    """Return the preparation data a new process gets, without the main module for this pool's workers."""
    # A worker forked from the fork server is still handed the parent's main module to import as
    # __mp_main__; under `streamlit run` that is the app script, which would run in Streamlit's bare mode.
    data = _original_preparation_data(name)
    if name.startswith(WORKER_NAME_PREFIX):
        data.pop("init_main_from_path", None)
        data.pop("init_main_from_name", None)
    return data


class _Worker:
    """The pool thread's view of one worker process: its pipe, its job and how many it has run."""

    def __init__(self, process: BaseProcess, conn: connection.Connection) -> None:
        self.process, self.conn = process, conn
        self.ready = False
        self.job: TrainingJob | None = None
        self.job_began = 0.0  # monotonic time the job was handed over
        self.jobs_run = 0
        self.retiring = False


class TrainingPool(BackendBase):
    """The server's own backend: worker processes, each training one job at a time, recycled after N jobs."""

    def __init__(self, max_workers: int | None = None, max_jobs_per_worker: int = 40,
                 settings: WorkerSettings | None = None, limits: QueueLimits | None = None) -> None:
        super().__init__(settings, limits)
        self.max_workers = int(max_workers or os.cpu_count() or 1)
        self.max_jobs_per_worker = max_jobs_per_worker  # a bound on what a framework may leak
        _install_process_hooks()
        self._context = multiprocessing.get_context("forkserver")
        self._workers: list[_Worker] = []  # touched by the pool thread only
        self._ready_count = 0
        self._workers_started = 0
        self._start()
        _LIVE_POOLS.add(self)

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

    # Everything below runs on the pool's thread.

    def _prepare_thread(self) -> None:
        # Workers are started from this thread and inherit its blocked signals from their first instruction.
        # Ctrl-C or SIGTERM to the server's process group then reaches the server alone, which ends the
        # workers itself once their jobs have stopped; a worker felled by the signal would be replaced.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})

    def _exchange(self, timeout: float) -> None:
        self._spawn_missing()
        conns = {worker.conn: worker for worker in self._workers}
        sentinels = {worker.process.sentinel: worker for worker in self._workers}
        ready = connection.wait([*conns, *sentinels, self._wake_read], timeout=timeout)
        if self._wake_read in ready:
            self._drain_wake()
        for item in ready:
            if item in conns:
                self._receive(conns[item])
        for item in ready:
            if item in sentinels and sentinels[item] in self._workers:
                self._worker_exited(sentinels[item])

    def _spawn_missing(self) -> None:
        if self.closed:
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

    def _handle(self, worker: _Worker, message: tuple[Any, ...]) -> None:
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
            self._job_ended(job, message[2], time.monotonic() - worker.job_began)
            if worker.jobs_run >= self.max_jobs_per_worker:
                self._retire(worker)

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
            self._job_ended(worker.job, TrainingResult(JobStatus.FAILED, worker_lost_message(how)),
                            time.monotonic() - worker.job_began)

    def _send_stop(self, job: TrainingJob) -> None:
        for worker in self._workers:
            if worker.job is job:
                try:
                    worker.conn.send(("stop", job.id))
                except OSError:
                    pass  # the worker died; its sentinel fails the job

    def _handed_jobs(self) -> list[TrainingJob]:
        return [worker.job for worker in self._workers if worker.job is not None]

    def _idle_workers(self) -> list[_Worker]:
        return [w for w in self._workers if w.ready and w.job is None and not w.retiring]

    def _capacity(self) -> int:
        return len(self._idle_workers())

    def _hand_over(self, job: TrainingJob) -> None:
        worker = self._idle_workers()[0]
        worker.job, worker.job_began = job, time.monotonic()
        job.mark_running()
        try:
            worker.conn.send(("job", job.id, job.hand_over_data(), job.cfg))
        except OSError:
            pass  # the worker died; its sentinel fails the job

    def _end_workers(self, timeout: float) -> None:
        for worker in self._workers:
            if worker.job is not None:
                worker.job.stop(SHUTDOWN_MESSAGE)
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
                worker.job.finish(TrainingResult(JobStatus.STOPPED, SHUTDOWN_MESSAGE))
            worker.conn.close()
        self._workers.clear()


_LIVE_POOLS: weakref.WeakSet[TrainingPool] = weakref.WeakSet()


_hooks_lock = threading.Lock()
_hooks_installed = False


def _shutdown_live_pools() -> None:
    for pool in list(_LIVE_POOLS):
        pool.shutdown(timeout=2.0)


def _install_process_hooks() -> None:
    """Install, once per process, what pools need: a fork server with Keras loaded, no __main__, a stop at exit."""
    global _hooks_installed
    with _hooks_lock:
        if _hooks_installed:
            return
        _hooks_installed = True
        multiprocessing.set_forkserver_preload(FORK_SERVER_PRELOAD)
        spawn.get_preparation_data = _preparation_data_without_main
        # Runs before the interpreter's exit handlers end the daemonic workers, so running jobs stop cleanly.
        threading._register_atexit(_shutdown_live_pools)  # type: ignore[attr-defined]  # private, so untyped


def default_settings() -> WorkerSettings:
    """Return the settings of the server's pool: one TensorFlow thread per worker, quick start traced."""
    from lstm_core.presets import QUICK_START_MODEL

    return WorkerSettings(intra_op_threads=1, inter_op_threads=1, warm_configs=(QUICK_START_MODEL,))

