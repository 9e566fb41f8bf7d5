"""The worker side of a training job: build, fit and report, inside a worker process.

``train_job`` is a pure function of (data, cfg): it streams progress events into a channel, watches a
stop flag and returns plain NumPy weights, history and predictions. Keras is imported only here.
``worker_main`` is the loop of one worker process: it takes jobs from its pipe to the server, one at a
time, and sends back events and results over the same pipe.
"""

from __future__ import annotations

import logging
import math
import os
import signal
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from lstm_core.config import ModelConfig
from lstm_core.data.dataset import SPLITS
from lstm_core.model.keras_model import KerasModel, extract_weights
from lstm_core.model.weights import ModelWeights
from lstm_core.training.messages import NOT_BEGUN_MESSAGE
from lstm_core.training.model_cache import MODEL_CACHE, warm_up
from lstm_core.training.protocol import JobStatus, TrainingData, TrainingResult

EVENT_INTERVAL = 0.1  # seconds between batch events: ~10 a second is plenty for a live chart
FIRST_EPOCH_FILM_SHOTS = 5  # copies of the weights inside the first epoch, where a small model learns most


class EventSink(Protocol):
    """Where a training's progress tuples go: a queue, the worker's pipe, a Ray actor's list."""

    def put(self, event: tuple[Any, ...], /) -> None:
        """Take one progress tuple; return None."""


class StopFlag(Protocol):
    """What a training asks after each batch: has a stop been requested?"""

    def is_set(self) -> bool:
        """Return True once the training must stop."""


def load_keras(intra_op_threads: int = 0, inter_op_threads: int = 0) -> int:
    """Import Keras (and TensorFlow) quietly in this process; return the process id.

    Thread counts of 0 leave TensorFlow's default (one thread per core); they take effect only when
    given before TensorFlow's first operation in this process.
    """
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras  # noqa: F401
    import tensorflow as tf

    try:
        if intra_op_threads:
            tf.config.threading.set_intra_op_parallelism_threads(intra_op_threads)
        if inter_op_threads:
            tf.config.threading.set_inter_op_parallelism_threads(inter_op_threads)
    except RuntimeError:
        pass  # TensorFlow has run an operation already: its thread pools are fixed for this process
    # A model of a new shape traces new tf.functions; TensorFlow would warn about "retracing".
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    return os.getpid()


class _Reporter:
    """Worker-side bookkeeping of one fit: throttled events, the stop flag and the NaN check."""

    def __init__(self, events: EventSink | None, stop: StopFlag | None, data: TrainingData, cfg: ModelConfig) -> None:
        self.events, self.stop, self.data, self.cfg = events, stop, data, cfg
        self.steps = data.batches_per_epoch(cfg.batch_size)
        self.history: dict[str, list[float]] = {"loss": [], "val_loss": []}
        self.epoch_seconds: list[float] = []  # kept beside the history, so a stored run can say how long it took
        self.failure, self.stopped = "", False
        self.epoch = self.batch = 0
        self._last_event = self._epoch_start = 0.0

    def send(self, *event: Any) -> None:
        if self.events is None:
            return
        try:
            self.events.put(event)
        except (OSError, EOFError):  # the server is gone: nobody is listening any more
            self.stopped = True

    def stop_requested(self) -> bool:
        try:
            return self.stop is not None and self.stop.is_set()
        except (OSError, EOFError):
            return True

    def epoch_begin(self, epoch: int) -> None:
        self.epoch, self.batch, self._epoch_start = epoch, 0, time.perf_counter()

    def batch_end(self, batch: int, loss: float) -> bool:
        """Return True when training must end after this batch (NaN/inf loss or a stop request)."""
        self.batch = batch + 1
        if not math.isfinite(loss):
            self.failure = self._bad_loss_message("loss", loss)
            return True
        now = time.monotonic()
        # Events feed a chart redrawn once a second: ~10 a second is plenty, and keeps the pipe quiet.
        if now - self._last_event >= EVENT_INTERVAL:
            self._last_event = now
            self.send("batch", self.epoch, self.batch, loss)
            self.stopped = self.stopped or self.stop_requested()
        return self.stopped

    def epoch_is_whole(self) -> bool:
        """Return True when every batch of the current epoch has run and no loss went NaN."""
        return not self.failure and self.batch == self.steps

    def epoch_end(self, epoch: int, loss: float, val_loss: float) -> bool:
        """Record a completed epoch; return True when training must end now."""
        if self.failure or self.batch < self.steps:
            return True  # a NaN or a stop mid-epoch: Keras still calls us, but the epoch is not whole
        if not math.isfinite(val_loss):
            self.failure = self._bad_loss_message("validation loss", val_loss)
            return True
        self.history["loss"].append(loss)
        self.history["val_loss"].append(val_loss)
        self.epoch_seconds.append(time.perf_counter() - self._epoch_start)
        self.send("epoch", epoch + 1, loss, val_loss, self.epoch_seconds[-1])
        self.stopped = self.stopped or self.stop_requested()
        return self.stopped

    def _bad_loss_message(self, what: str, value: float) -> str:
        where = f"The {what} became {'NaN' if math.isnan(value) else 'infinite'} at epoch " \
                f"{self.epoch + 1}, batch {self.batch}"
        arrays = (self.data.X_train, self.data.y_train, self.data.X_val, self.data.y_val)
        if not all(np.isfinite(a).all() for a in arrays):
            return f"{where}: the training data holds NaN or infinite values. Check the series."
        return (f"{where}: the learning rate is probably too high for this model. "
                f"Try a smaller learning rate.")

    def summary(self) -> str:
        done = len(self.history["loss"])
        if self.failure:
            return self.failure
        if not self.stopped:
            return f"Trained {done} epoch{'s' * (done != 1)}."
        partial = f" and {self.batch} of {self.steps} batches of epoch {done + 1}" \
            if 0 < self.batch < self.steps else ""
        return (f"Stopped after {done} of {self.cfg.epochs} epochs{partial}; the result holds the "
                f"weights trained so far.")


def validation_loss(model: KerasModel, data: TrainingData) -> float:
    """Return the model's mean squared error over all validation windows, computed in one step."""
    return float(model.test_on_batch(data.X_val, data.y_val))


def train_job(data: TrainingData, cfg: ModelConfig, events: EventSink | None = None,
              stop: StopFlag | None = None) -> TrainingResult:
    """Return the TrainingResult of fitting build_model(cfg) on data (runs inside a worker process).

    ``events`` (anything with ``.put``) receives progress tuples; ``stop`` (anything with
    ``.is_set``) ends training after the current batch. Never raises: errors become FAILED.
    """
    reporter = _Reporter(events, stop, data, cfg)
    try:
        return _fit(data, cfg, reporter)
    except Exception as exc:  # a job must come back with a reason, never take the worker down
        return TrainingResult(JobStatus.FAILED, f"Training failed: {type(exc).__name__}: {exc}",
                              reporter.history, epochs_run=len(reporter.history["loss"]),
                              epoch_seconds=reporter.epoch_seconds)


def _fit(data: TrainingData, cfg: ModelConfig, reporter: _Reporter) -> TrainingResult:
    load_keras()
    import keras

    if reporter.stop_requested():
        return TrainingResult(JobStatus.STOPPED, NOT_BEGUN_MESSAGE)
    reporter.send("started", time.time())
    # A model of the same architecture trained earlier in this worker is reset to exactly the
    # weights, dropout seeds and optimizer state of a fresh build, and keeps its traced graphs.
    model = MODEL_CACHE.model_for(cfg, data.n_features)
    initial_weights = extract_weights(model)
    epoch_weights: list[ModelWeights] = []
    first_epoch_weights: list[tuple[int, ModelWeights]] = []
    film_stride = max(1, math.ceil(reporter.steps / (FIRST_EPOCH_FILM_SHOTS + 1)))  # spread over the epoch

    class Callback(keras.callbacks.Callback):  # type: ignore[misc]  # Keras ships no types
        def on_epoch_begin(self, epoch: int, logs: Mapping[str, float] | None = None) -> None:
            reporter.epoch_begin(epoch)

        def on_train_batch_end(self, batch: int, logs: Mapping[str, float]) -> None:
            if reporter.batch_end(batch, float(logs["loss"])):
                self.model.stop_training = True
            done = batch + 1
            if (data.keep_epoch_weights and reporter.epoch == 0 and done < reporter.steps and done % film_stride == 0
                    and len(first_epoch_weights) < FIRST_EPOCH_FILM_SHOTS and not reporter.failure):
                first_epoch_weights.append((done, extract_weights(model)))

        def on_epoch_end(self, epoch: int, logs: Mapping[str, float]) -> None:
            # The validation loss of the whole split in one step, and only for a whole epoch: Keras's own
            # validation pass builds a tf.data iterator every epoch, a third of a small job's CPU.
            val_loss = validation_loss(model, data) if reporter.epoch_is_whole() else math.nan
            if reporter.epoch_end(epoch, float(logs["loss"]), val_loss):
                self.model.stop_training = True
            if data.keep_epoch_weights and len(epoch_weights) < len(reporter.history["loss"]):
                epoch_weights.append(extract_weights(model))  # a whole epoch was recorded: film it

    model.fit(data.X_train, data.y_train, epochs=cfg.epochs, batch_size=cfg.batch_size, shuffle=True, verbose=0,
              callbacks=[Callback()])
    status = JobStatus.FAILED if reporter.failure else JobStatus.STOPPED if reporter.stopped else JobStatus.DONE
    result = TrainingResult(status, reporter.summary(), reporter.history,
                            epochs_run=len(reporter.history["loss"]), epoch_seconds=reporter.epoch_seconds,
                            initial_weights=initial_weights,
                            epoch_weights=epoch_weights, first_epoch_weights=first_epoch_weights)
    if status != JobStatus.FAILED:
        result.weights = extract_weights(model)
        # All splits in one batch: one trace and one step, so a stop is reported within a second
        # (model.predict in batches of 32 took ~1 s for the largest models). At most ~2000 windows.
        windows = [getattr(data, f"X_{split}") for split in SPLITS]
        predicted = np.asarray(model.predict_on_batch(np.concatenate(windows)))
        ends = np.cumsum([len(x) for x in windows])
        result.predictions = dict(zip(SPLITS, np.split(predicted, ends[:-1])))  # (samples, horizon)
        with tempfile.TemporaryDirectory() as folder:  # private folder: concurrent jobs never collide
            path = Path(folder) / "model.keras"
            model.save(path)
            result.keras_bytes = path.read_bytes()
    return result


@dataclass(frozen=True)
class WorkerSettings:
    """How a worker process runs: TensorFlow's thread counts and the architectures it traces at start."""

    intra_op_threads: int = 1
    inter_op_threads: int = 1
    warm_configs: tuple[ModelConfig, ...] = ()


class _JobChannel:
    """The worker's end of one job: events go to the server, stop requests come from it."""

    def __init__(self, conn: Connection, job_id: str) -> None:
        self.conn, self.job_id = conn, job_id
        self.stopped = self.exit_requested = False

    def put(self, event: tuple[Any, ...], /) -> None:
        self.conn.send(("event", self.job_id, event))

    def is_set(self) -> bool:
        # A non-blocking look at the pipe: the server sends ("stop", job_id) or ("exit",).
        while not self.stopped and self.conn.poll():
            message = self.conn.recv()
            if message[0] == "exit":
                self.stopped = self.exit_requested = True
            elif message == ("stop", self.job_id):
                self.stopped = True
        return self.stopped


def worker_main(conn: Connection, settings: WorkerSettings) -> None:
    """Serve training jobs from conn until the server says exit or goes away; return nothing.

    Messages in: ("job", job_id, TrainingData, ModelConfig), ("stop", job_id), ("exit",).
    Messages out: ("ready", pid), ("event", job_id, event), ("result", job_id, TrainingResult).
    """
    # The server ends its workers itself, after their jobs have stopped (see TrainingPool._prepare_thread): a Ctrl-C or
    # SIGTERM sent to the whole process group is not for them.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        load_keras(settings.intra_op_threads, settings.inter_op_threads)
        for cfg in settings.warm_configs:
            warm_up(cfg)
        conn.send(("ready", os.getpid()))
        while True:
            message = conn.recv()
            if message[0] == "exit":
                return
            if message[0] != "job":
                continue  # a stop for a job that has finished already
            _, job_id, data, cfg = message
            channel = _JobChannel(conn, job_id)
            conn.send(("result", job_id, train_job(data, cfg, channel, channel)))
            if channel.exit_requested:
                return
    except (EOFError, OSError):
        return  # the server has gone: nobody is left to train for
