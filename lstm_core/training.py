"""Training jobs that run in a pool of worker processes, so a page never blocks on model.fit.

A page calls ``start(data, cfg)`` and gets a TrainingJob at once, polls ``job.progress()`` (from
``st.fragment(run_every=0.5)``), may call ``job.stop()``, and reads ``job.result()`` when it is done.
Keras is imported only inside the workers, so the server draws the glass box from NumPy weights
without loading TensorFlow. A job is queued in the pool's FIFO (visible position), then runs in a
worker that streams events through a Manager queue, then ends "done", "stopped" or "failed".
"""

from __future__ import annotations

import concurrent.futures
import logging
import math
import multiprocessing
import os
import queue
import tempfile
import threading
import time
import uuid
import weakref
from collections import deque
from concurrent.futures.process import BrokenProcessPool, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lstm_core.config import ModelConfig
from lstm_core.data import SPLITS, Dataset
from lstm_core.model import ModelWeights, build_model, extract_weights

EVENT_INTERVAL = 0.1  # seconds between batch events: ~10 a second is plenty for a live chart
MAX_BATCH_POINTS = 300  # longer runs keep every 2nd, 4th, ... point so the chart stays light


@dataclass
class TrainingData:
    """The windows of the three splits as float32: X (samples, seq_length, features), y (samples, horizon)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray

    def __post_init__(self) -> None:
        for name in ("X_train", "y_train", "X_val", "y_val", "X_test", "y_test"):
            setattr(self, name, np.ascontiguousarray(getattr(self, name), dtype=np.float32))

    @classmethod
    def from_dataset(cls, ds: Dataset) -> "TrainingData":
        """Return the TrainingData of a Dataset's train/val/test windows."""
        return cls(ds.X["train"], ds.y["train"], ds.X["val"], ds.y["val"], ds.X["test"], ds.y["test"])

    @property
    def n_features(self) -> int:
        """Return the number of input features per timestep."""
        return self.X_train.shape[2]

    def batches_per_epoch(self, batch_size: int) -> int:
        """Return how many batches one epoch of X_train takes."""
        return math.ceil(self.X_train.shape[0] / batch_size)

    def check(self, cfg: ModelConfig) -> None:
        """Raise ValueError, naming the array and both shapes, if the arrays do not fit cfg."""
        for split in SPLITS:
            X, y = getattr(self, f"X_{split}"), getattr(self, f"y_{split}")
            want_x, want_y = (len(X), cfg.seq_length, self.n_features), (len(X), cfg.horizon)
            if X.ndim != 3 or X.shape != want_x or y.shape != want_y or len(X) == 0:
                raise ValueError(f"{split} windows X {X.shape}, y {y.shape} do not fit the model: "
                                 f"expected X {want_x} and y {want_y} with at least one sample")


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


@dataclass
class TrainingResult:
    """A finished job: history, NumPy weights, predictions per split and the model as .keras bytes.

    When the job failed, or was stopped before it trained, weights is None, predictions is empty
    and keras_bytes is b"": a model that went NaN holds nothing worth keeping.
    """

    status: str  # "done", "stopped" or "failed"
    message: str = ""
    history: dict[str, list[float]] = field(default_factory=lambda: {"loss": [], "val_loss": []})
    weights: ModelWeights | None = None
    predictions: dict[str, np.ndarray] = field(default_factory=dict)  # split -> (samples, horizon)
    keras_bytes: bytes = b""
    epochs_run: int = 0


# ----------------------------------------------------------------------------- worker side


def _load_keras() -> int:
    """Import Keras (and TensorFlow) quietly in this process; return the process id."""
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras  # noqa: F401

    # Every job builds fresh tf.functions; TensorFlow would warn about "retracing" each time.
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    return os.getpid()


class _Reporter:
    """Worker-side bookkeeping of one fit: throttled events, the stop flag and the NaN check."""

    def __init__(self, events, stop, data: TrainingData, cfg: ModelConfig) -> None:
        self.events, self.stop, self.data, self.cfg = events, stop, data, cfg
        self.steps = data.batches_per_epoch(cfg.batch_size)
        self.history: dict[str, list[float]] = {"loss": [], "val_loss": []}
        self.failure, self.stopped = "", False
        self.epoch = self.batch = 0
        self._last_event = self._epoch_start = 0.0

    def send(self, *event) -> None:
        if self.events is None:
            return
        try:
            self.events.put(event)
        except (OSError, EOFError):  # the pool's manager is gone: nobody is listening any more
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
        # Each event and each stop check is a round trip to the manager: do both ~10 times a second.
        if now - self._last_event >= EVENT_INTERVAL:
            self._last_event = now
            self.send("batch", self.epoch, self.batch, loss)
            self.stopped = self.stopped or self.stop_requested()
        return self.stopped

    def epoch_end(self, epoch: int, loss: float, val_loss: float) -> bool:
        """Record a completed epoch; return True when training must end now."""
        if self.failure or self.batch < self.steps:
            return True  # a NaN or a stop mid-epoch: Keras still calls us, but the epoch is not whole
        if not math.isfinite(val_loss):
            self.failure = self._bad_loss_message("validation loss", val_loss)
            return True
        self.history["loss"].append(loss)
        self.history["val_loss"].append(val_loss)
        self.send("epoch", epoch + 1, loss, val_loss, time.perf_counter() - self._epoch_start)
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


def train_job(data: TrainingData, cfg: ModelConfig, events=None, stop=None) -> TrainingResult:
    """Return the TrainingResult of fitting build_model(cfg) on data (runs inside a worker process).

    ``events`` (anything with ``.put``) receives progress tuples; ``stop`` (anything with
    ``.is_set``) ends training after the current batch. Never raises: errors become "failed".
    """
    reporter = _Reporter(events, stop, data, cfg)
    try:
        return _fit(data, cfg, reporter)
    except Exception as exc:  # a job must come back with a reason, never take the worker down
        return TrainingResult("failed", f"Training failed: {type(exc).__name__}: {exc}",
                              reporter.history, epochs_run=len(reporter.history["loss"]))


def _fit(data: TrainingData, cfg: ModelConfig, reporter: _Reporter) -> TrainingResult:
    _load_keras()
    import keras

    if reporter.stop_requested():
        return TrainingResult("stopped", "Stopped before training began.")
    keras.backend.clear_session()  # safe here: this worker process runs one job at a time
    reporter.send("started", time.time())
    model = build_model(cfg, data.n_features)

    class Callback(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            reporter.epoch_begin(epoch)

        def on_train_batch_end(self, batch, logs=None):
            if reporter.batch_end(batch, float(logs["loss"])):
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            if reporter.epoch_end(epoch, float(logs["loss"]), float(logs.get("val_loss", "nan"))):
                self.model.stop_training = True

    class WholeEpochs(list):
        # Keras asks `epoch in validation_freq` before each validation pass: say no after a NaN or
        # a stop mid-epoch, so the stop does not wait for a pass whose epoch is not recorded.
        def __contains__(self, epoch):
            return not reporter.failure and reporter.batch == reporter.steps

    model.fit(data.X_train, data.y_train, validation_data=(data.X_val, data.y_val),
              validation_freq=WholeEpochs(), epochs=cfg.epochs, batch_size=cfg.batch_size,
              shuffle=True, verbose=0, callbacks=[Callback()])
    status = "failed" if reporter.failure else "stopped" if reporter.stopped else "done"
    result = TrainingResult(status, reporter.summary(), reporter.history,
                            epochs_run=len(reporter.history["loss"]))
    if status != "failed":
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


# ----------------------------------------------------------------------------- parent side


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
        """End the job: a queued one at once, a running one at a batch end within ~0.1 s, with its weights."""
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
            self._started, self._message = event[1], "Training."
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
        self._warmup = [self._executor.submit(_load_keras) for _ in range(self.max_workers)] if warm else []
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
        return _RefillingExecutor(self.max_workers, mp_context=self._context, initializer=_load_keras,
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
