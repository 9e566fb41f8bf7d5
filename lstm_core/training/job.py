"""A training job as the pages see it: in-memory progress, a stop switch and, once finished, its result.

The pool's thread writes into a job (events, the result) and the page scripts read it; every method
only touches the job's own memory under its lock, so a page never waits on a pipe or a process.

Training is deterministic, so identical submissions share one TrainingJob: each learner holds a JobWatch
of it. A watcher who stops, or whose page has gone, only leaves the shared training while others still
watch it; the last one to leave stops it as a lone learner's stop would.
"""

from __future__ import annotations

import logging
import statistics
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Protocol

from lstm_core.config import ModelConfig
from lstm_core.training.messages import (
    NOT_BEGUN_MESSAGE,
    QUEUED_MESSAGE,
    STOPPING_MESSAGE,
    WITHDRAWN_MESSAGE,
    page_closed_message,
    stopped_watching_message,
)
from lstm_core.training.protocol import JobStatus, Progress, TrainingData, TrainingResult, training_key

log = logging.getLogger(__name__)

MAX_BATCH_POINTS = 300  # longer runs keep every 2nd, 4th, ... point so the chart stays light


def estimate_remaining(epoch: int, batch: int, epochs: int, batches_per_epoch: int,
                       epoch_seconds: list[float], elapsed: float) -> float | None:
    """Return the seconds left from measured epoch times, or None before there is anything to go by."""
    done = epoch + batch / max(batches_per_epoch, 1)
    if epoch_seconds:
        # The first epoch of a freshly built model also traces its graphs: trust the later ones.
        per_epoch = statistics.median(epoch_seconds[1:] or epoch_seconds)
    elif batch > 0:
        per_epoch = elapsed / done
    else:
        return None
    return max(0.0, (epochs - done) * per_epoch)


class Job(Protocol):
    """What a page holds of a training: a JobWatch of a shared job, or a stored training shown as finished.

    The pages read only this; the pool's side of a job (events, hand-over, watchers) stays on TrainingJob.
    """

    @property
    def id(self) -> str:
        """Return the job's id."""

    @property
    def cfg(self) -> ModelConfig:
        """Return the settings the job trains."""

    @property
    def key(self) -> str | None:
        """Return the training key, or None when it is not known (a stored run of an older app)."""

    @property
    def n_train(self) -> int:
        """Return how many training windows the job fits."""

    @property
    def done(self) -> bool:
        """Return True once the job has finished for whoever holds it."""

    def progress(self) -> Progress:
        """Return a snapshot of the job now."""

    def result(self) -> TrainingResult | None:
        """Return the TrainingResult, or None while the job is queued or running."""

    def stop(self, message: str = STOPPING_MESSAGE) -> None:
        """Stop the job, or stop watching it while others watch; return None."""


class JobQueue(Protocol):
    """What a job asks of the pool that runs it: its place in the queue, leaving the queue, a stop."""

    def position(self, job: TrainingJob) -> int:
        """Return job's place in the queue, 1 = next; 0 once it runs or has left the queue."""

    def withdraw(self, job: TrainingJob) -> bool:
        """Return True when job was still waiting and has now left the queue."""

    def request_stop(self, job: TrainingJob) -> None:
        """Ask the worker running job to stop after its current batch; return None."""


class TrainingJob:
    """One training run, shared by every JobWatch of it: live progress, a stop switch, its TrainingResult.

    Every method only touches this object's memory under its lock; the pool's thread feeds it.
    """

    def __init__(self, data: TrainingData, cfg: ModelConfig, pool: JobQueue, key: str | None = None) -> None:
        self.id = uuid.uuid4().hex[:12]
        self.cfg = cfg
        self.key = key or training_key(data, cfg)
        self.n_train = len(data.X_train)
        self.session: object = None  # whose turn in the pool's queue this job waits for
        self.address: str | None = None  # the client address it was queued from: its turn and its cap
        self.data_spec: dict[str, Any] | None = None  # the data in the run store's words, when it may store the run
        self._data: TrainingData | None = data  # until a worker takes it
        self._pool = pool
        self._bpe = data.batches_per_epoch(cfg.batch_size)
        self._lock = threading.Lock()
        self._result: TrainingResult | None = None
        self._status, self._message = JobStatus.QUEUED, QUEUED_MESSAGE
        self._stop_requested = False
        self._closing = False  # the last watcher is stopping the job: nobody may join it any more
        self._watches: list[JobWatch] = []  # the watchers still attached
        self._epoch = self._batch = self._n_points = self._version = 0
        self._stride = 1  # keep every _stride-th batch point (see MAX_BATCH_POINTS)
        self._train_loss: list[float] = []  # one per completed epoch, as are the next two
        self._val_loss: list[float] = []
        self._epoch_seconds: list[float] = []
        self._batch_loss: list[tuple[float, float]] = []
        self._started: float | None = None  # wall clock, sent by the worker
        self._finished: float | None = None
        self._when_finished: list[Callable[[TrainingResult], None]] = []

    def watch(self, owner_alive: Callable[[], bool] | None = None) -> JobWatch | None:
        """Return a new JobWatch of this job, or None once it has finished or is stopping (nobody may join)."""
        with self._lock:
            if self._result is not None or self._stop_requested or self._closing:
                return None
            watch = JobWatch(self, owner_alive)
            self._watches.append(watch)
            self._version += 1
            return watch

    def watchers(self) -> int:
        """Return how many watchers are attached to this job now."""
        with self._lock:
            return len(self._watches)

    def attached(self) -> list[JobWatch]:
        """Return the watchers attached to this job now."""
        with self._lock:
            return list(self._watches)

    def leave(self, watch: JobWatch, message: str, detached_message: Callable[[int], str]) -> None:
        """Detach watch while others still watch, else stop the job with message; return None.

        A detached watcher reads "stopped" with ``detached_message(others)`` and gets no weights; the
        job goes on for the others. The last watcher's leaving is a stop as a lone learner's.
        """
        with self._lock:
            if watch not in self._watches or self._result is not None:
                return
            others = len(self._watches) - 1
            if others == 0:
                self._closing = True
            else:
                self._watches.remove(watch)
                text = detached_message(others)
                now = self._snapshot_locked(0)
                watch._detach(replace(now, status=JobStatus.STOPPED, message=text, eta=None, queue_position=0,
                                      version=now.version + 1, watchers=others),
                              TrainingResult(JobStatus.STOPPED, text))
                self._version += 1
                return
        self.stop(message)

    def progress(self) -> Progress:
        """Return a snapshot of the job now."""
        position = self._pool.position(self)
        with self._lock:
            return self._snapshot_locked(position)

    def _snapshot_locked(self, position: int) -> Progress:
        end = self._finished if self._result is not None and self._finished is not None else time.time()
        elapsed = max(0.0, end - self._started) if self._started else 0.0
        return Progress(
            self._status, self._epoch, self.cfg.epochs, self._batch, self._bpe,
            list(self._train_loss), list(self._val_loss), list(self._batch_loss), elapsed,
            self._eta(elapsed), position if self._status == JobStatus.QUEUED else 0, self._message,
            list(self._epoch_seconds), self._version, max(1, len(self._watches)))

    def stop(self, message: str = STOPPING_MESSAGE) -> None:
        """End the job: progress reports "stopped" at once; a running job's weights arrive after its batch.

        A queued job is cancelled. A running one stops at its next batch end, which is ~0.1 s later
        in the middle of training but may be a second or two away during the first batch, while
        TensorFlow traces the graph; ``done`` turns True once its result, with the weights so far,
        has arrived.
        """
        if self._pool.withdraw(self):
            queued = WITHDRAWN_MESSAGE if message == STOPPING_MESSAGE else message
            self.finish(TrainingResult(JobStatus.STOPPED, queued))
            return
        with self._lock:
            if self._result is not None or self._stop_requested:
                return
            self._stop_requested = True
            if self._started is None:
                # Not begun: the worker sees the stop first thing and sends back no weights.
                self._finish_locked(TrainingResult(JobStatus.STOPPED, NOT_BEGUN_MESSAGE))
            else:
                self._status, self._message = JobStatus.STOPPED, message
                self._version += 1
        self._pool.request_stop(self)

    @property
    def done(self) -> bool:
        """Return True once the job has finished (done, stopped or failed)."""
        with self._lock:
            return self._result is not None

    @property
    def finished_at(self) -> float | None:
        """Return when the job finished, in seconds since the epoch, or None while it has not."""
        with self._lock:
            return self._finished

    def result(self) -> TrainingResult | None:
        """Return the TrainingResult, or None while the job is queued or running."""
        with self._lock:
            return self._result

    # The methods below are the pool's: they run on its thread.

    def hand_over_data(self) -> TrainingData | None:
        """Return the job's windows for its worker, once: the job keeps no copy of them afterwards."""
        with self._lock:
            data, self._data = self._data, None
        return data

    def mark_running(self) -> None:
        """Record that a worker has taken the job; return None."""
        with self._lock:
            if self._result is None:
                self._status, self._message = JobStatus.RUNNING, "Starting."
                self._version += 1

    def apply_event(self, event: tuple[Any, ...]) -> None:
        """Record one progress event from the worker ("started", "batch" or "epoch"); return None."""
        with self._lock:
            if self._result is not None:
                return
            self._version += 1
            kind = event[0]
            if kind == "started":
                self._started = event[1]
                if self._status == JobStatus.RUNNING:
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

    def finish(self, result: TrainingResult) -> None:
        """Record the job's result (a later one changes nothing); return None."""
        with self._lock:
            self._finish_locked(result)

    def _finish_locked(self, result: TrainingResult) -> None:
        if self._result is not None:
            return  # a job reported stopped before it began: the worker's later answer changes nothing
        self._result, self._status, self._message = result, result.status, result.message
        if result.history["loss"] or result.status == JobStatus.DONE:
            self._train_loss, self._val_loss = list(result.history["loss"]), list(result.history["val_loss"])
            self._epoch = result.epochs_run
        self._finished, self._data = time.time(), None
        self._batch = 0 if result.status == JobStatus.DONE else self._batch
        self._version += 1
        callbacks, self._when_finished = self._when_finished, []
        if callbacks:  # on a thread of their own: the job's lock is held here, and a callback may be slow
            threading.Thread(target=_call_each, args=(callbacks, result), name=f"job-{self.id}-finished",
                             daemon=True).start()

    def when_finished(self, callback: Callable[[TrainingResult], None]) -> None:
        """Call callback(result) once the job has finished (at once, on a thread, if it has); return None."""
        with self._lock:
            if self._result is None:
                self._when_finished.append(callback)
                return
            result = self._result
        threading.Thread(target=_call_each, args=([callback], result), daemon=True).start()

    def _eta(self, elapsed: float) -> float | None:
        if self._status != JobStatus.RUNNING:
            return 0.0 if self._status == JobStatus.DONE else None
        return estimate_remaining(self._epoch, self._batch, self.cfg.epochs, self._bpe, self._epoch_seconds,
                                  elapsed)


def _call_each(callbacks: list[Callable[[TrainingResult], None]], result: TrainingResult) -> None:
    for callback in callbacks:
        try:
            callback(result)
        except Exception:  # a listener's failure must not reach the pool's thread or the other listeners
            log.exception("a callback of a finished training failed")


class JobWatch:
    """One learner's view of a shared TrainingJob: what today's pages call their job.

    It reads the shared job's progress and result until its learner stops watching (or their page is
    closed) while others still watch: then it is detached, reads "stopped" and holds no weights.
    """

    def __init__(self, job: TrainingJob, owner_alive: Callable[[], bool] | None = None) -> None:
        self.job = job
        self.id, self.cfg, self.key, self.n_train = job.id, job.cfg, job.key, job.n_train
        self.owner_alive = owner_alive  # asked by the pool's thread; None: nobody can close this watch
        self.owner_last_seen = time.monotonic()
        # Set once, under the job's lock, when this watcher leaves a training that goes on for others.
        self._detached: tuple[Progress, TrainingResult] | None = None

    def progress(self) -> Progress:
        """Return a snapshot of the shared job now, or the moment this watcher left it."""
        detached = self._detached
        return replace(detached[0]) if detached else self.job.progress()

    def stop(self, message: str = STOPPING_MESSAGE) -> None:
        """Stop watching: while others watch, this watcher alone leaves; the last one stops the job; return None."""
        self.job.leave(self, message, stopped_watching_message)

    def abandon(self, message: str) -> None:
        """Leave as a closed page does: detach while others watch, else stop the job with message; return None."""
        self.job.leave(self, message, page_closed_message)

    @property
    def detached(self) -> bool:
        """Return True once this watcher has left a training that goes on for others."""
        return self._detached is not None

    @property
    def done(self) -> bool:
        """Return True once the job has finished for this watcher (detached, or done, stopped or failed)."""
        return self._detached is not None or self.job.done

    @property
    def finished_at(self) -> float | None:
        """Return when the shared job finished, in seconds since the epoch (None while it runs)."""
        return self.job.finished_at

    def when_finished(self, callback: Callable[[TrainingResult], None]) -> None:
        """Call callback(result) when the shared job finishes, unless this watcher has left it; return None."""
        self.job.when_finished(lambda result: None if self.detached else callback(result))

    def result(self) -> TrainingResult | None:
        """Return the shared job's TrainingResult (None while it runs), or the detached watcher's own."""
        detached = self._detached
        return detached[1] if detached else self.job.result()

    def _detach(self, progress: Progress, result: TrainingResult) -> None:
        self._detached = (progress, result)
