"""What a training backend offers the app, and what every backend does with a job, written once.

Two backends: ``training.pool.TrainingPool``, the server's own worker processes (the default), and
``cluster.ray_pool.RayPool``, the trainer actors of a Ray cluster shared by every app replica, chosen by
setting LSTM_LENS_RAY_ADDRESS (``cluster.backends.get_pool``). The pages see no difference: both hand back
a JobWatch at once, keep every job's progress in memory for the page scripts, and talk to their workers
from one thread of their own.

``BackendBase`` is what they share. For the threads that run page scripts (a new one for every rerun,
twice a second per learner while a chart is live): joining an identical job or queueing a new one in a
line that is fair by session, positions, withdrawing and stops, all in memory under a short lock, so no
page can wait on a pipe, a process or another page. On the backend's own thread: the loop that runs until
the backend is shut down, handing waiting jobs to free workers, forwarding stops, detaching the learners
who have gone (withdrawing or stopping a job nobody watches any more), and the bookkeeping of a job that
ended. A backend adds only how a job reaches a worker and how its events and result come back.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Hashable, Mapping
from typing import Any, Protocol

from lstm_core.config import ModelConfig, positive_setting
from lstm_core.training.estimates import TrainingTimes
from lstm_core.training.fair_queue import FairQueue, QueueFull, QueueLimits, queue_limits
from lstm_core.training.job import JobWatch, TrainingJob
from lstm_core.training.messages import ABANDONED_MESSAGE, SHUTDOWN_MESSAGE
from lstm_core.training.protocol import JobStatus, TrainingData, TrainingResult, training_key
from lstm_core.training.worker import WorkerSettings

OWNER_GRACE_SECONDS = 20.0  # a reload or a short network drop reconnects well within this
OWNER_GRACE_ENV = "LSTM_LENS_OWNER_GRACE_SECONDS"
OWNER_CHECK_SECONDS = 1.0
FAILED_TURN_PAUSE_SECONDS = 1.0

log = logging.getLogger(__name__)


def owner_grace_seconds(environ: Mapping[str, str] | None = None) -> float:
    """Return how long a closed page's jobs wait for it: LSTM_LENS_OWNER_GRACE_SECONDS, else OWNER_GRACE_SECONDS."""
    return positive_setting(os.environ if environ is None else environ, OWNER_GRACE_ENV, OWNER_GRACE_SECONDS, "seconds")


class TrainingBackend(Protocol):
    """A server-wide queue of trainings and the workers that run them."""

    times: TrainingTimes  # what this backend's jobs took, for the pages' estimates

    def submit(self, data: TrainingData, cfg: ModelConfig, owner_alive: Callable[[], bool] | None = None,
               session: Hashable | None = None, data_spec: dict[str, Any] | None = None,
               address: str | None = None) -> JobWatch:
        """Return a JobWatch of the identical job already queued or running, or of a new queued job."""

    def position(self, job: TrainingJob) -> int:
        """Return job's place in the queue, 1 = next; 0 once it runs or has left the queue."""

    def withdraw(self, job: TrainingJob) -> bool:
        """Return True when job was still waiting and has now left the queue."""

    def request_stop(self, job: TrainingJob) -> None:
        """Ask the worker running job to stop after its current batch; return None."""

    def wait_ready(self, timeout: float = 60.0) -> bool:
        """Return True once every worker has loaded TensorFlow, False after timeout seconds."""

    def queue_length(self) -> int:
        """Return how many jobs wait for a worker."""

    def jobs_run(self) -> int:
        """Return how many jobs this backend's workers have taken and ended for this server."""

    def worker_pids(self) -> list[int]:
        """Return the process ids of the workers (local processes or Ray actors) now warm."""

    def shutdown(self, timeout: float = 10.0) -> None:
        """Cancel the queued jobs, stop the running ones, then end what this server started."""


def start(data: TrainingData, cfg: ModelConfig, pool: TrainingBackend, owner_alive: Callable[[], bool] | None = None,
          session: Hashable | None = None, data_spec: dict[str, Any] | None = None,
          address: str | None = None) -> JobWatch:
    """Return a JobWatch of the training of (data, cfg) on pool at once (the server's: cluster.backends.get_pool).

    session and address are whose turn it waits for in the queue: the browser session and the learner's
    client address (None when unknown: the session is then its own address).
    """
    return pool.submit(data, cfg, owner_alive, session, data_spec, address)


def serve_until_closed(closed: Callable[[], bool], turn: Callable[[], None], name: str) -> None:
    """Run turn() until closed() says True; a turn that raises is logged and the next one runs; return None."""
    while not closed():
        try:
            turn()
        except Exception:  # the thread must outlive any one turn, or every training it holds hangs
            log.exception("a turn of %s failed; the next one tries again", name)
            time.sleep(FAILED_TURN_PAUSE_SECONDS)


class BackendBase(ABC):
    """A server-wide cap on concurrent trainings: waiting jobs fair by session, identical ones joined, one thread.

    A backend says how many waiting jobs it can take now (``_capacity``), hands one to a worker
    (``_hand_over``), forwards a stop (``_send_stop``), waits for and applies its workers' news
    (``_exchange``, calling ``_job_ended`` for each result) and ends its workers (``_end_workers``).
    """

    def __init__(self, settings: WorkerSettings | None = None, limits: QueueLimits | None = None) -> None:
        self.settings = settings or WorkerSettings()
        self.limits = limits or queue_limits()  # how many trainings may wait: per session, per address, in all
        self.owner_grace_seconds = owner_grace_seconds()  # how long a closed page's jobs wait for it to come back
        self.times = TrainingTimes(self.settings.warm_configs)  # what this backend's jobs took, for estimates
        self._lock = threading.Lock()  # guards _waiting, _stops, _joinable and _closed; never held across IPC
        self._ready = threading.Condition(self._lock)
        self._waiting: FairQueue[TrainingJob] = FairQueue(limits=self.limits)
        self._stops: deque[TrainingJob] = deque()
        # training key -> the job a new identical submission may join; finished jobs are refused by watch().
        self._joinable: weakref.WeakValueDictionary[str, TrainingJob] = weakref.WeakValueDictionary()
        self._closed = False
        self._shutdown_timeout = 10.0
        self._jobs_run = 0  # jobs a worker took and ended: the trainings this backend really paid for
        self._next_owner_check = 0.0
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_write, False)
        self._thread = threading.Thread(target=self._run, name="lstm-lens-training-pool", daemon=True)

    def _start(self) -> None:
        """Start the backend's thread: the last step of a backend's __init__, once its own state is set."""
        self._thread.start()

    # What script threads call: in-memory only, under the lock.

    def submit(self, data: TrainingData, cfg: ModelConfig, owner_alive: Callable[[], bool] | None = None,
               session: Hashable | None = None, data_spec: dict[str, Any] | None = None,
               address: str | None = None) -> JobWatch:
        """Return a JobWatch of the queued or running job with the same training key, or of a new queued job.

        ``owner_alive`` tells whether whoever submitted is still there; once it has said False for
        owner_grace_seconds in a row, that watcher is detached, and a job nobody watches any more is
        withdrawn or stopped. Jobs wait in one line per ``session``, served in turn by client ``address`` and then
        by session; past the backend's limits (per session, per address, in all) the job has failed at once,
        saying which. Joining an identical job counts against no limit: it adds no training. ``data_spec``
        describes the data for the run store, for a backend that stores a result nobody is left to collect.
        """
        data.check(cfg)
        key = training_key(data, cfg)
        with self._lock:
            if self._closed:
                raise RuntimeError(f"this {type(self).__name__} is shut down")
            shared = self._joinable.get(key)
            watch = shared.watch(owner_alive) if shared is not None else None
            if watch is not None:
                return watch
            job = TrainingJob(data, cfg, self, key)
            job.session, job.address, job.data_spec = session, address, data_spec
            watch = job.watch(owner_alive)
            assert watch is not None  # a new job has neither finished nor been stopped
            try:
                self._waiting.append(job, session, address)
            except QueueFull as full:
                refused: str | None = str(full)
            else:
                self._joinable[key] = job
                refused = None
        if refused is not None:
            job.finish(TrainingResult(JobStatus.FAILED, refused))
            return watch
        self._wake()
        return watch

    def position(self, job: TrainingJob) -> int:
        """Return job's place in the queue, 1 = next; 0 once it runs or has left the queue."""
        with self._lock:
            if job in self._waiting:
                return self._waiting.index(job) + 1
            return self._handed_position(job)

    def withdraw(self, job: TrainingJob) -> bool:
        """Return True when job was still waiting and has now left the queue."""
        with self._lock:
            if job in self._waiting:
                self._waiting.remove(job)
                return True
            if not self._withdraw_handed(job):
                return False
        self._wake()
        return True

    def request_stop(self, job: TrainingJob) -> None:
        """Ask the worker running job to stop after its current batch; return None."""
        with self._lock:
            self._stops.append(job)
        self._wake()

    def queue_length(self) -> int:
        """Return how many jobs wait for a worker."""
        with self._lock:
            return len(self._waiting)

    def jobs_run(self) -> int:
        """Return how many jobs this backend's workers have taken and ended (done, stopped or failed)."""
        return self._jobs_run

    @property
    def closed(self) -> bool:
        """Return True once shutdown() has been called."""
        with self._lock:
            return self._closed

    def shutdown(self, timeout: float = 10.0) -> None:
        """Cancel the queued jobs, stop the running ones, then end the workers and the backend's thread."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            waiting = self._waiting.take(len(self._waiting))
        for job in waiting:
            job.finish(TrainingResult(JobStatus.STOPPED, SHUTDOWN_MESSAGE))
        self._shutdown_timeout = timeout
        self._wake()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout + 5)

    @abstractmethod
    def wait_ready(self, timeout: float = 60.0) -> bool:
        """Return True once every worker has loaded TensorFlow, False after timeout seconds."""

    @abstractmethod
    def worker_pids(self) -> list[int]:
        """Return the process ids of the workers now warm."""

    def _wake(self) -> None:
        try:
            os.write(self._wake_write, b"\0")
        except (BlockingIOError, OSError):
            pass  # the pipe is full (the thread is awake anyway) or closed (the backend has ended)

    def _handed_position(self, job: TrainingJob) -> int:
        """Return the place of a job no longer waiting here (the lock is held): 0, it runs or has left."""
        return 0

    def _withdraw_handed(self, job: TrainingJob) -> bool:
        """Return True when a job no longer waiting here still waits elsewhere and is now withdrawn (lock held)."""
        return False

    # Everything below runs on the backend's thread.

    def _run(self) -> None:
        self._prepare_thread()
        serve_until_closed(lambda: self.closed, self._turn, type(self).__name__)
        self._end_workers(self._shutdown_timeout)
        os.close(self._wake_read)
        os.close(self._wake_write)

    def _turn(self) -> None:
        self._exchange(max(0.0, self._next_owner_check - time.monotonic()))
        self._forward_stops()
        if time.monotonic() >= self._next_owner_check:
            self._close_abandoned_jobs()
            self._next_owner_check = time.monotonic() + OWNER_CHECK_SECONDS
        self._dispatch()

    def _drain_wake(self) -> None:
        os.read(self._wake_read, 4096)

    def _forward_stops(self) -> None:
        with self._lock:
            stops, self._stops = list(self._stops), deque()
        for job in stops:
            self._send_stop(job)

    def _close_abandoned_jobs(self) -> None:
        with self._lock:
            jobs = list(self._waiting)
        now = time.monotonic()
        for job in jobs + self._handed_jobs():
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
                elif now - watch.owner_last_seen > self.owner_grace_seconds:
                    watch.abandon(ABANDONED_MESSAGE)  # the last watcher gone: withdrawn or stopped
        self._forward_stops()

    def _dispatch(self) -> None:
        capacity = self._capacity()
        if capacity <= 0:
            return
        with self._lock:
            jobs = self._waiting.take(capacity)
        for job in jobs:
            self._hand_over(job)

    def _job_ended(self, job: TrainingJob, result: TrainingResult, seconds: float | None = None) -> None:
        """Record a job a worker took and ended: counted, finished, logged, and its epoch times learned from."""
        # Counted and logged before the job reads done, so a watcher that sees done sees the count and the line.
        self._jobs_run += 1
        took = job.progress().elapsed if seconds is None else seconds
        # One line per training a backend ran: how many trainings a class really cost, and for how many learners.
        log.info("training job %s finished: %s in %.1f s, watched by %d", job.id, result.status, took,
                 job.watchers())
        job.finish(result)
        if result.status == JobStatus.DONE:
            final = job.progress()
            self.times.record(job.cfg, job.n_train, final.epoch_seconds, final.elapsed)

    def _prepare_thread(self) -> None:
        """Set up the backend's thread before its first turn (the process pool blocks signals there)."""
        return None

    @abstractmethod
    def _exchange(self, timeout: float) -> None:
        """Wait up to timeout seconds for the workers' news or a wake-up, then apply the news."""

    @abstractmethod
    def _send_stop(self, job: TrainingJob) -> None:
        """Tell the worker running job to stop after its current batch."""

    @abstractmethod
    def _handed_jobs(self) -> list[TrainingJob]:
        """Return the jobs handed to workers that have not ended yet."""

    @abstractmethod
    def _capacity(self) -> int:
        """Return how many waiting jobs the workers can take now."""

    @abstractmethod
    def _hand_over(self, job: TrainingJob) -> None:
        """Hand job, just taken from the line, to a worker (or fail it, saying why)."""

    @abstractmethod
    def _end_workers(self, timeout: float) -> None:
        """Stop the running jobs, collect their results within timeout seconds, and end the workers."""
