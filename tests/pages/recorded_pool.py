"""A training pool for page tests: real training, once per distinct run, recorded and played back at once.

The first job of some (data, settings) is trained in this process by the worker's own job function;
its progress events and its result are recorded. Every job of the same run afterwards gets that
recording played back, so a page test draws a real result without waiting for a worker. Held
(``hold = True``), a job stays running until ``release()``. As on the real pool, a submission identical to a
held job joins it: both pages watch one job. Stopping is the workers' own business: a page test that presses
Stop trains on the real pool (marker real_pool), so this pool refuses a stop rather than act one out.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from lstm_core.config import ModelConfig
from lstm_core.training.estimates import TrainingTimes
from lstm_core.training.job import JobWatch, TrainingJob
from lstm_core.training.protocol import TrainingData, TrainingResult, training_key
from lstm_core.training.worker import train_job


class _Events(list):
    """The events a job function sends, kept in order."""

    def put(self, event: tuple) -> None:
        self.append(event)


class RecordedPool:
    """The pool a page test's app trains on: what TrainingPool offers the pages, without worker processes."""

    def __init__(self) -> None:
        self.times = TrainingTimes()
        self.hold = False
        self._recordings: dict[str, tuple[list[tuple], TrainingResult]] = {}  # training key -> recording
        self._held: list[tuple[TrainingJob, TrainingData]] = []

    def submit(self, data: TrainingData, cfg: ModelConfig, owner_alive: Callable[[], bool] | None = None,
               session: object = None, data_spec: dict | None = None, address: str | None = None) -> JobWatch:
        """Return a watch of a job for (data, cfg): finished at once, or running until release() while held.

        A submission identical to a held job watches that job, as the real pool's joining does.
        """
        data.check(cfg)
        key = training_key(data, cfg)
        for held_job, _ in self._held:
            if held_job.key == key and (watch := held_job.watch(owner_alive)) is not None:
                return watch
        job = TrainingJob(data, cfg, self, key)
        watch = job.watch(owner_alive)
        job_data = job.hand_over_data()
        job.mark_running()
        if self.hold:
            job.apply_event(("started", time.time()))  # as a worker reports when its training begins
            self._held.append((job, job_data))
        else:
            self._play(job, *self._recording(job_data, cfg))
        return watch

    def release(self) -> None:
        """Finish every held job with its run's recording."""
        while self._held:
            job, data = self._held.pop(0)
            self._play(job, *self._recording(data, job.cfg))

    def held(self) -> int:
        """Return how many jobs are held running."""
        return len(self._held)

    def position(self, job: TrainingJob) -> int:
        """Return 0: no job ever waits in this pool's queue."""
        return 0

    def withdraw(self, job: TrainingJob) -> bool:
        """Return False: there is no queue to take a job out of."""
        return False

    def request_stop(self, job: TrainingJob) -> None:
        """Raise NotImplementedError: how a training stops is tested on the real pool, not acted out here."""
        raise NotImplementedError("a page test that stops a training runs on the real pool: mark it real_pool")

    def _recording(self, data: TrainingData, cfg: ModelConfig) -> tuple[list[tuple], TrainingResult]:
        key = training_key(data, cfg)
        if key not in self._recordings:
            events = _Events()
            self._recordings[key] = (events, train_job(data, cfg, events))
        return self._recordings[key]

    def _play(self, job: TrainingJob, events: list[tuple], result: TrainingResult) -> None:
        for event in events:
            job.apply_event(("started", time.time()) if event[0] == "started" else event)  # started now
        job.finish(result)
        if result.status == "done":
            final = job.progress()
            self.times.record(job.cfg, job.n_train, final.epoch_seconds, final.elapsed)
