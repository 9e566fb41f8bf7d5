"""The Ray actors behind the cluster's training pool: one shared queue, and the trainers it owns.

Every app replica connects to one queue for the whole cluster, a named, detached ``ClusterQueue`` actor. It
owns one ``Trainer`` actor per CPU the cluster gives it (TensorFlow imported and the quick start traced
once per actor), serves its queue in turn by client address and then by session (the replicas pass both
on), with the same limits as a local pool's, and joins identical submissions from any replica into one
training, as the local pool does within one server. A trainer that dies fails only its job,
with a message, and is replaced. A job whose replica has gone (no replica asks about it any more) keeps
training, and the queue stores its result in the run store, so the learner finds it from any replica.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import ray
from ray.exceptions import GetTimeoutError, RayError

from lstm_core.config import ModelConfig
from lstm_core.training.backend import serve_until_closed
from lstm_core.training.fair_queue import FairQueue, QueueFull, QueueLimits
from lstm_core.training.messages import CLUSTER_LOST_MESSAGE, WITHDRAWN_MESSAGE, worker_lost_message
from lstm_core.training.protocol import JobStatus, TrainingData, TrainingResult
from lstm_core.training.worker import WorkerSettings

NAMESPACE = "lstm-lens"
QUEUE_NAME = "lstm-lens-queue"
POLL_SECONDS = 0.2  # progress five times a second; a chart redraws once a second
CALL_TIMEOUT_SECONDS = 10.0
ORPHAN_SECONDS = 10.0  # no replica asked about a job for this long: its replica has gone
FINISHED_KEEP_SECONDS = 120.0
CLUSTER_CHECK_SECONDS = 2.0
JOB_SECONDS_KEPT = 1000

log = logging.getLogger(__name__)


def trainer_lost_message(problem: str) -> str:
    """Return what a learner reads when the Ray actor training their job died."""
    first_line = problem.strip().splitlines()[0] if problem.strip() else "no reason given"
    return worker_lost_message(f"its Ray actor died: {first_line[:160]}")


class _EventList:
    """A trainer's record of its current job's progress events, read by the queue while the job runs."""

    def __init__(self) -> None:
        self.items: list[tuple] = []

    def put(self, event: tuple) -> None:
        self.items.append(event)


# Ray's typed overloads of ray.remote lack the actor options (max_restarts, max_concurrency, concurrency_groups).
@ray.remote(num_cpus=1, max_restarts=0, concurrency_groups={"control": 1})  # type: ignore[call-overload]
class Trainer:
    """One Ray actor that trains one job at a time: TensorFlow loaded and the warm-up models traced once."""

    def __init__(self, settings: WorkerSettings) -> None:
        from lstm_core.training.model_cache import warm_up
        from lstm_core.training.worker import load_keras

        load_keras(settings.intra_op_threads, settings.inter_op_threads)
        for cfg in settings.warm_configs:
            warm_up(cfg)
        # One tuple, replaced whole: a late stop or events call for the job before never reaches the next one.
        self._current: tuple[str | None, _EventList, threading.Event] = (None, _EventList(), threading.Event())

    @ray.method(concurrency_group="control")
    def pid(self) -> int:
        """Return this actor's process id (answered once the actor has loaded TensorFlow)."""
        return os.getpid()

    def train(self, job_id: str, data: TrainingData, cfg: ModelConfig) -> TrainingResult:
        """Return the TrainingResult of training cfg on data, recording progress events as it goes."""
        from lstm_core.training.worker import train_job

        events, stop = _EventList(), threading.Event()
        self._current = (job_id, events, stop)
        return train_job(data, cfg, events, stop)

    @ray.method(concurrency_group="control")
    def events(self, job_id: str, since: int) -> list[tuple]:
        """Return the progress events of job_id from index since on (none for another job)."""
        current, events, _ = self._current
        return list(events.items[since:]) if job_id == current else []

    @ray.method(concurrency_group="control")
    def stop(self, job_id: str) -> None:
        """Ask the training of job_id to stop after its current batch; return None."""
        current, _, stop = self._current
        if job_id == current:
            stop.set()


@dataclass
class _ClusterJob:
    """The queue's record of one training: who holds it, its events and, once finished, its result."""

    id: str
    key: str
    session: Any
    cfg: ModelConfig
    data: TrainingData | None
    data_spec: dict | None
    holders: dict[str, float]  # replica -> when it last asked about this job (monotonic)
    status: JobStatus = JobStatus.QUEUED
    events: list[tuple] = field(default_factory=list)
    result: TrainingResult | None = None
    finished_at: float = 0.0
    stop_requested: bool = False
    stop_sent: bool = False
    released: bool = False  # its last holder stopped it: no one else wants its result
    delivered: set[str] = field(default_factory=set)  # the replicas that took its result


@dataclass
class _Slot:
    """The queue's view of one trainer actor: its handle, whether it is warm, and its job."""

    actor: Any
    ready_ref: Any
    pid: int | None = None
    job: _ClusterJob | None = None
    train_ref: Any = None
    began: float = 0.0  # when its job was handed over (monotonic)


@ray.remote(num_cpus=0, max_concurrency=32)  # type: ignore[call-overload]  # as for Trainer
class ClusterQueue:
    """The cluster's training queue: fair by address and session, one Trainer actor per CPU, identical jobs joined."""

    def __init__(self, settings: WorkerSettings, max_trainers: int | None, database_url: str | None,
                 limits: QueueLimits | None = None) -> None:
        self._settings, self._max_trainers, self._database_url = settings, max_trainers, database_url
        self._lock = threading.Lock()  # guards the jobs, the queue and the counters; never held across a Ray call
        # The first replica's limits hold for the whole cluster: the one queue outlives the replica that made it.
        self._queue: FairQueue[_ClusterJob] = FairQueue(limits=limits)
        self._jobs: dict[str, _ClusterJob] = {}
        self._by_key: dict[str, _ClusterJob] = {}  # joinable: queued or running, no stop asked
        self._slots: list[_Slot] = []  # touched by the loop's thread only
        self._target = 0
        self._trainers_started = self._jobs_run = 0
        self._ready_pids: list[int] = []
        self._job_seconds: deque[float] = deque(maxlen=JOB_SECONDS_KEPT)  # dispatch -> result of done jobs
        self._closed = False
        self._next_cluster_check = self._next_events = 0.0  # monotonic
        self._thread = threading.Thread(target=self._loop, name="lstm-lens-cluster-queue", daemon=True)
        self._thread.start()

    # Called by the replicas' pool threads.

    def submit(self, replica: str, session: Any, key: str, data: TrainingData, cfg: ModelConfig,
               data_spec: dict | None, address: str | None = None) -> tuple[str, str | None]:
        """Return (job id, None) of the job this submission joins or queues, or ("", why) when refused.

        A submission joining an identical job counts against no limit; a new one waits for its address's
        turn and counts against its session's, its address's and the queue's limits, whichever replica sent it.
        """
        with self._lock:
            shared = self._by_key.get(key)
            if shared is not None:
                shared.holders[replica] = time.monotonic()
                return shared.id, None
            job = _ClusterJob(uuid.uuid4().hex[:12], key, session, cfg, data, data_spec,
                              {replica: time.monotonic()})
            try:
                self._queue.append(job, session, address)
            except QueueFull as full:
                return "", str(full)
            self._jobs[job.id] = job
            self._by_key[key] = job
            return job.id, None

    def poll(self, replica: str, seen: dict[str, int]) -> dict[str, tuple]:
        """Return, per job id asked, (status, queue position, events after the seen ones, result or None)."""
        now = time.monotonic()
        reports: dict[str, tuple] = {}
        with self._lock:
            order = {job.id: place for place, job in enumerate(self._queue.ordered(), start=1)}
            for job_id, count in seen.items():
                job = self._jobs.get(job_id)
                if job is None:
                    reports[job_id] = (JobStatus.FAILED, 0, [], TrainingResult(JobStatus.FAILED, CLUSTER_LOST_MESSAGE))
                    continue
                job.holders[replica] = now
                if job.result is not None:
                    job.delivered.add(replica)
                reports[job_id] = (job.status, order.get(job_id, 0), job.events[count:], job.result)
        return reports

    def release(self, replica: str, job_id: str) -> int:
        """Let replica's hold of job_id go; return how many replicas still hold it (at 0 it is stopped)."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.result is not None:
                return 0
            others = [holder for holder in job.holders if holder != replica]
            if others:
                job.holders.pop(replica, None)
                return len(others)
            # The last holder stopped it and still asks for its result (the weights so far): it stays a holder, so
            # a job that ends before that replica's next poll is kept for it, not dropped as an orphan.
            job.released = True
            self._by_key.pop(job.key, None)
            if job in self._queue:
                self._queue.remove(job)
                self._finish_locked(job, TrainingResult(JobStatus.STOPPED, WITHDRAWN_MESSAGE))
            else:
                job.stop_requested = True
            return 0

    def stats(self) -> dict[str, Any]:
        """Return the queue's counters: trainers wanted, warm and started, their pids, jobs waiting and run."""
        with self._lock:
            return {"target": self._target, "ready": len(self._ready_pids), "pids": list(self._ready_pids),
                    "started": self._trainers_started, "jobs_run": self._jobs_run, "waiting": len(self._queue),
                    "job_seconds": list(self._job_seconds)}

    def close(self) -> None:
        """Stop every job, end the trainers and the loop; return None."""
        with self._lock:
            self._closed = True
        self._thread.join(30)

    # The loop's thread.

    def _loop(self) -> None:
        serve_until_closed(self._is_closed, self._turn, "the cluster's queue")
        self._end_trainers()

    def _is_closed(self) -> bool:
        with self._lock:
            return self._closed

    def _turn(self) -> None:
        now = time.monotonic()
        if now >= self._next_cluster_check:
            self._keep_trainers()
            self._next_cluster_check = now + CLUSTER_CHECK_SECONDS
        self._check_ready()
        self._collect_finished()
        self._forward_stops()
        self._dispatch()
        if now >= self._next_events:
            self._fetch_events()
            self._tend_orphans()
            self._next_events = now + POLL_SECONDS / 2
        time.sleep(0.02)

    def _keep_trainers(self) -> None:
        try:
            cpus = int(ray.cluster_resources().get("CPU", 0))
        except Exception:  # noqa: BLE001 - a GCS hiccup: count again at the next check
            return
        target = cpus if self._max_trainers is None else min(cpus, self._max_trainers)
        with self._lock:
            self._target = max(target, 1)
        while len(self._slots) < self._target:
            actor = Trainer.options(scheduling_strategy="SPREAD").remote(self._settings)  # type: ignore[attr-defined]
            self._slots.append(_Slot(actor, actor.pid.remote()))
            with self._lock:
                self._trainers_started += 1

    def _check_ready(self) -> None:
        waiting = [slot for slot in self._slots if slot.pid is None]
        if not waiting:
            return
        done, _ = ray.wait([slot.ready_ref for slot in waiting], num_returns=len(waiting), timeout=0)
        for slot in waiting:
            if slot.ready_ref in done:
                try:
                    slot.pid = ray.get(slot.ready_ref)
                except RayError as error:
                    log.warning("a trainer failed to start: %s", error)
                    self._replace(slot)
        self._publish_pids()

    def _publish_pids(self) -> None:
        with self._lock:
            self._ready_pids = [slot.pid for slot in self._slots if slot.pid is not None]

    def _replace(self, slot: _Slot) -> None:
        try:
            ray.kill(slot.actor, no_restart=True)
        except Exception:  # noqa: BLE001 - it is dead already
            pass
        self._slots.remove(slot)
        self._publish_pids()
        self._keep_trainers()

    def _dispatch(self) -> None:
        idle = [slot for slot in self._slots if slot.pid is not None and slot.job is None]
        with self._lock:
            jobs = self._queue.take(len(idle))
            for job in jobs:
                job.status = JobStatus.RUNNING
        for slot, job in zip(idle, jobs):
            data, job.data = job.data, None  # the trainer's copy is the only one kept
            slot.job, slot.began = job, time.monotonic()
            slot.train_ref = slot.actor.train.remote(job.id, data, job.cfg)

    def _collect_finished(self) -> None:
        busy = [slot for slot in self._slots if slot.job is not None]
        if not busy:
            return
        done, _ = ray.wait([slot.train_ref for slot in busy], num_returns=len(busy), timeout=0)
        for slot in busy:
            job = slot.job
            if job is None or slot.train_ref not in done:
                continue
            try:
                result = ray.get(slot.train_ref)
            except RayError as error:
                result = TrainingResult(JobStatus.FAILED, trainer_lost_message(str(error)))
                self._fetch_events_of([slot])
                slot.job = None
                self._replace(slot)
            else:
                self._fetch_events_of([slot])
                slot.job = None
            with self._lock:
                self._jobs_run += 1
                if result.status == JobStatus.DONE:
                    self._job_seconds.append(time.monotonic() - slot.began)
                self._finish_locked(job, result)

    def _finish_locked(self, job: _ClusterJob, result: TrainingResult) -> None:
        job.result, job.status, job.finished_at = result, result.status, time.monotonic()
        if self._by_key.get(job.key) is job:
            del self._by_key[job.key]

    def _forward_stops(self) -> None:
        for slot in self._slots:
            job = slot.job
            if job is not None and job.stop_requested and not job.stop_sent:
                job.stop_sent = True
                slot.actor.stop.remote(job.id)

    def _fetch_events(self) -> None:
        self._fetch_events_of([slot for slot in self._slots if slot.job is not None])

    def _fetch_events_of(self, slots: list[_Slot]) -> None:
        calls = [(slot.job, slot.actor.events.remote(slot.job.id, len(slot.job.events))) for slot in slots
                 if slot.job is not None]
        for job, ref in calls:
            try:
                events = ray.get(ref, timeout=CALL_TIMEOUT_SECONDS)
            except (RayError, GetTimeoutError):
                continue  # a dead trainer: its train call tells
            with self._lock:
                job.events.extend(events)

    def _tend_orphans(self) -> None:
        # A finished job waits for every replica still asking about it to take its result; a done job that
        # no live replica took (its replica has gone) goes to the run store before it is dropped.
        now = time.monotonic()
        with self._lock:
            finished = [job for job in self._jobs.values() if job.result is not None]
        for job in finished:
            live = {replica for replica, asked in job.holders.items() if now - asked <= ORPHAN_SECONDS}
            if live - job.delivered and now - job.finished_at <= FINISHED_KEEP_SECONDS:
                continue
            if not job.delivered and not job.released and job.result is not None \
                    and job.result.status == JobStatus.DONE and job.data_spec is not None and not self._store(job) \
                    and now - job.finished_at <= FINISHED_KEEP_SECONDS:
                continue  # the store failed: try again at the next turn
            with self._lock:
                self._jobs.pop(job.id, None)

    def _store(self, job: _ClusterJob) -> bool:
        """Return True once a job nobody is left to collect is in the run store, under its training key."""
        if self._database_url is None or job.result is None or job.data_spec is None:
            return False
        from lstm_core.store.runs import RunStore, StoreError

        try:
            store = RunStore(self._database_url)
            try:
                if store.find_finished(job.key) is None:
                    store.save(job.result, job.cfg, job.data_spec, training_key=job.key)
            finally:
                store.close()
        except (StoreError, ValueError, OSError) as problem:
            log.warning("the result of job %s could not be stored: %s", job.id, problem)
            return False
        log.info("stored the result of job %s, whose replica has gone", job.id)
        return True

    def _end_trainers(self) -> None:
        for slot in self._slots:
            if slot.job is not None:
                slot.actor.stop.remote(slot.job.id)
        deadline = time.monotonic() + 10
        refs = [slot.train_ref for slot in self._slots if slot.job is not None]
        if refs:
            ray.wait(refs, num_returns=len(refs), timeout=max(0.0, deadline - time.monotonic()))
        for slot in self._slots:
            ray.kill(slot.actor, no_restart=True)
        self._slots.clear()
