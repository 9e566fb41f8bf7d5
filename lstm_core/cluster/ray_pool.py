"""The training backend of an app replica whose trainings run on a Ray cluster (LSTM_LENS_RAY_ADDRESS).

What every backend does with a job (the fair line, joining identical trainings, stops, closed pages, the
loop of its thread) is ``training.backend.BackendBase``'s; this module adds only how a job reaches the
cluster and how its news comes back. The backend's thread hands each waiting job to the cluster's queue
(``ray_actors.ClusterQueue``) at once, forwards stops as releases, and five times a second asks in one call
for the progress events, queue positions and results of all of this replica's jobs.
"""

from __future__ import annotations

import logging
import os
import select
import socket
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import ray
from ray.exceptions import GetTimeoutError, RayActorError, RayError

from lstm_core.cluster.ray_actors import CALL_TIMEOUT_SECONDS, NAMESPACE, POLL_SECONDS, QUEUE_NAME, ClusterQueue
from lstm_core.store.runs import database_url
from lstm_core.training.backend import BackendBase
from lstm_core.training.fair_queue import QueueLimits
from lstm_core.training.job import TrainingJob
from lstm_core.training.messages import GOES_ON_ELSEWHERE_MESSAGE, SHUTDOWN_MESSAGE, cluster_unreachable_message
from lstm_core.training.protocol import JobStatus, TrainingData, TrainingResult
from lstm_core.training.worker import WorkerSettings

UNREACHABLE_AFTER_SECONDS = 30.0
RECONNECT_SECONDS = 10.0
SUBMIT_ATTEMPTS = 5
GCS_PATIENCE_SECONDS = 365 * 24 * 3600
PROBE_SECONDS = 2.0
STATS_SECONDS = 1.0

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # lstm_core, shipped to the cluster's workers

log = logging.getLogger(__name__)
_connect_lock = threading.Lock()


def absolute_database_url(url: str) -> str:
    """Return url with a relative SQLite path made absolute: the cluster's queue runs in another directory."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/"):
        return prefix + str(Path(url.removeprefix(prefix)).resolve())
    return url


def unreachable(address: str) -> str | None:
    """Return why host:port in address takes no connection, or None when it does (or names no port: "auto")."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return None
    try:
        with socket.create_connection((host, int(port)), timeout=PROBE_SECONDS):
            return None
    except OSError as error:
        return f"nothing answers at {host}:{port}: {error.strerror or error}"


class RayPool(BackendBase):
    """An app replica's view of the cluster's training queue: jobs in memory, trained by Ray actors."""

    def __init__(self, address: str, max_workers: int | None = None, settings: WorkerSettings | None = None,
                 queue_name: str = QUEUE_NAME, keep_queue: bool = True, limits: QueueLimits | None = None) -> None:
        super().__init__(settings, limits)
        self.address, self.queue_name, self.keep_queue = address, queue_name, keep_queue
        self.replica = uuid.uuid4().hex[:12]
        self._wanted_trainers = max_workers
        self._queue: Any = None  # the ClusterQueue actor's handle, while the cluster can be reached
        self._remote: dict[TrainingJob, str] = {}  # a job handed to the cluster -> its id there
        self._seen: dict[TrainingJob, int] = {}  # how many of its events the job has applied
        self._marked_running: set[TrainingJob] = set()
        self._positions: dict[str, int] = {}  # cluster job id -> place in the cluster's queue
        self._stats: dict[str, Any] = {}
        self._stats_at = 0.0  # when the stats were last fetched (monotonic)
        self._unanswered_since: float | None = None
        self._problem: str | None = None  # why the cluster cannot be reached, while it cannot
        self._next_connect = 0.0  # when to try reaching the cluster again (monotonic), while it cannot be
        self._next_stats = 0.0
        self._start()

    def wait_ready(self, timeout: float = 60.0) -> bool:
        """Return True once the cluster's queue has all the trainers it wants warm, False after timeout seconds."""
        asked = time.monotonic()
        with self._ready:
            return self._ready.wait_for(lambda: self._stats_at > asked and self._stats.get("target", 0) > 0
                                        and self._stats.get("ready", 0) >= self._stats["target"], timeout)

    def worker_pids(self) -> list[int]:
        """Return the process ids of the cluster's warm trainer actors, as last reported."""
        return list(self._stats.get("pids", []))

    def workers_started(self) -> int:
        """Return how many trainer actors the cluster's queue has started in all, replacements included."""
        return int(self._stats.get("started", 0))

    def cluster_jobs_run(self) -> int:
        """Return how many trainings the cluster's queue has run for all replicas, as last reported."""
        return int(self._stats.get("jobs_run", 0))

    def _handed_position(self, job: TrainingJob) -> int:
        job_id = self._remote.get(job)
        return self._positions.get(job_id, 0) if job_id else 0

    def _withdraw_handed(self, job: TrainingJob) -> bool:
        # Still waiting in the cluster's queue: the release, sent from the backend's thread, withdraws it there.
        if self._handed_position(job) == 0:
            return False
        self._stops.append(job)
        return True

    # The backend's thread.

    def _exchange(self, timeout: float) -> None:
        ready, _, _ = select.select([self._wake_read], [], [], min(timeout, POLL_SECONDS))
        if ready:
            self._drain_wake()
        now = time.monotonic()
        if self._queue is None and now >= self._next_connect:
            self._connect()
            self._next_connect = now + RECONNECT_SECONDS
        if self._queue is None:
            return
        self._poll()
        if now >= self._next_stats:
            self._refresh_stats()
            self._next_stats = now + STATS_SECONDS

    def _connect(self) -> None:
        problem = unreachable(self.address)
        try:
            if problem is None:
                with _connect_lock:  # one connection per process, whichever pool's thread comes first
                    if not ray.is_initialized():
                        # Ray ends a driver whose GCS has been gone a minute: a replica must outlive its cluster.
                        os.environ.setdefault("RAY_gcs_rpc_server_reconnect_timeout_s", str(GCS_PATIENCE_SECONDS))
                        ray.init(address=self.address, namespace=NAMESPACE, log_to_driver=False,
                                 logging_level=logging.WARNING,
                                 runtime_env={"py_modules": [str(PACKAGE_DIR)]})
                self._queue = ClusterQueue.options(  # type: ignore[attr-defined]  # see ray_actors.Trainer
                    name=self.queue_name, namespace=NAMESPACE, lifetime="detached", get_if_exists=True).remote(
                    self.settings, self._wanted_trainers, absolute_database_url(database_url()), self.limits)
                self._refresh_stats()
                self._problem = None
                return
        except Exception as error:  # noqa: BLE001 - any failure to reach the cluster is said to the learner
            problem = str(error).splitlines()[0][:160] if str(error) else type(error).__name__
        log.error("cannot reach the Ray cluster at %s: %s", self.address, problem)
        self._problem = problem

    def _handed_jobs(self) -> list[TrainingJob]:
        with self._lock:
            return list(self._remote)

    def _capacity(self) -> int:
        return sys.maxsize  # the cluster's queue takes every job at once: its own fair line serves all replicas

    def _hand_over(self, job: TrainingJob) -> None:
        if self._queue is None:
            job.finish(TrainingResult(JobStatus.FAILED, cluster_unreachable_message(self._problem)))
            return
        data = job.hand_over_data()
        if data is None or job.done:
            return
        try:
            job_id, refused = self._submit(job, data)
        except (RayError, GetTimeoutError) as problem:
            job.finish(TrainingResult(JobStatus.FAILED, cluster_unreachable_message(type(problem).__name__)))
            return
        if refused:
            job.finish(TrainingResult(JobStatus.FAILED, refused))
            return
        with self._lock:
            self._remote[job], self._seen[job] = job_id, 0
            self._positions.setdefault(job_id, 1)

    def _submit(self, job: TrainingJob, data: TrainingData) -> tuple[str, str | None]:
        """Return the cluster's (job id, refusal) for job, making a new queue actor when the old one has died."""
        session = job.session if job.session is not None else job.id
        attempts = 1
        while True:
            try:
                return ray.get(self._queue.submit.remote(self.replica, session, job.key, data, job.cfg, job.data_spec,
                                                         job.address), timeout=CALL_TIMEOUT_SECONDS)
            except RayActorError:
                if attempts == SUBMIT_ATTEMPTS:
                    raise
                attempts += 1
                time.sleep(1.0)  # the dead actor's name is released a moment after its death
                self._connect()
                if self._queue is None:
                    raise

    def _send_stop(self, job: TrainingJob) -> None:
        # A stop and a withdrawal both let this replica's hold go; the job stops when no replica holds it.
        job_id = self._remote.get(job)
        if job_id is None:
            return
        if self._queue is None:
            with self._lock:
                self._stops.append(job)  # sent once the cluster can be reached again
            return
        try:
            others = ray.get(self._queue.release.remote(self.replica, job_id), timeout=CALL_TIMEOUT_SECONDS)
        except (RayError, GetTimeoutError):
            others = 0
        if others:
            job.finish(TrainingResult(JobStatus.STOPPED, GOES_ON_ELSEWHERE_MESSAGE))
        if job.done:
            self._forget(job)  # withdrawn, stopped before it began, or left to the other replicas

    def _forget(self, job: TrainingJob) -> None:
        with self._lock:
            self._remote.pop(job, None)
        self._seen.pop(job, None)
        self._marked_running.discard(job)

    def _poll(self) -> None:
        with self._lock:
            jobs = dict(self._remote)
        if not jobs:
            self._unanswered_since = None
            return
        seen: dict[str, int] = {}
        for job, job_id in jobs.items():
            seen[job_id] = min(seen.get(job_id, self._seen[job]), self._seen[job])
        try:
            reports = ray.get(self._queue.poll.remote(self.replica, seen), timeout=CALL_TIMEOUT_SECONDS)
        except (RayError, GetTimeoutError) as problem:
            self._unanswered_since = self._unanswered_since or time.monotonic()
            if isinstance(problem, RayActorError):
                self._queue = None  # the queue actor died and took its jobs: the next turn makes a new one
                self._problem, self._next_connect = "the cluster's training queue restarted", 0.0
            if self._queue is None or time.monotonic() - self._unanswered_since > UNREACHABLE_AFTER_SECONDS:
                why = self._problem if self._queue is None else type(problem).__name__
                for job in jobs:
                    job.finish(TrainingResult(JobStatus.FAILED, cluster_unreachable_message(why)))
                    self._forget(job)
            return
        self._unanswered_since = None
        positions = {}
        for job, job_id in jobs.items():
            status, position, events, result = reports[job_id]
            positions[job_id] = position
            if (status != JobStatus.QUEUED or events) and job not in self._marked_running:
                self._marked_running.add(job)
                job.mark_running()
            for event in events[self._seen[job] - seen[job_id]:]:
                job.apply_event(event)
            self._seen[job] = seen[job_id] + len(events)
            if result is not None:
                self._job_ended(job, result)
                self._forget(job)
        with self._lock:
            self._positions = positions

    def _refresh_stats(self) -> None:
        if self._queue is None:
            return
        try:
            stats = ray.get(self._queue.stats.remote(), timeout=CALL_TIMEOUT_SECONDS)
        except (RayError, GetTimeoutError):
            return
        with self._ready:
            self._stats, self._stats_at = stats, time.monotonic()
            self._ready.notify_all()

    def _end_workers(self, timeout: float) -> None:
        if self._queue is not None:
            with self._lock:
                jobs = dict(self._remote)
            for job_id in jobs.values():
                try:
                    ray.get(self._queue.release.remote(self.replica, job_id), timeout=CALL_TIMEOUT_SECONDS)
                except (RayError, GetTimeoutError):
                    pass
            deadline = time.monotonic() + timeout
            while self._remote and time.monotonic() < deadline:
                self._poll()  # the stopped jobs' results, with the weights so far
                time.sleep(POLL_SECONDS)
            if not self.keep_queue:
                try:
                    ray.get(self._queue.close.remote(), timeout=60)
                    ray.kill(self._queue)
                except (RayError, GetTimeoutError):
                    pass
        for job in list(self._remote):
            job.finish(TrainingResult(JobStatus.STOPPED, SHUTDOWN_MESSAGE))
