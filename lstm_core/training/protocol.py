"""What the page side and the worker side of training share: plain data, no Keras, no threads.

TrainingData goes to a worker, Progress comes back as events, TrainingResult ends a job. training_key
names a training: two submissions with the same key would train bit for bit the same model.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from lstm_core.config import APP_VERSION, ModelConfig
from lstm_core.data.dataset import SPLITS, Dataset
from lstm_core.model.weights import ModelWeights

WINDOW_ARRAYS = ("X_train", "y_train", "X_val", "y_val", "X_test", "y_test")  # the windows of TrainingData, in order


class JobStatus(StrEnum):
    """Where a job is: waiting for a worker, training, or finished in one of three ways.

    A str, so a status compares equal to its stored or serialised text ("done") and prints as it.
    """

    QUEUED = "queued"  # waiting for a worker
    RUNNING = "running"  # a worker has it
    DONE = "done"
    STOPPED = "stopped"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        """Return True for the three ends of a job: done, stopped or failed."""
        return self in (JobStatus.DONE, JobStatus.STOPPED, JobStatus.FAILED)


@dataclass
class TrainingData:
    """The windows of the three splits as float32: X (samples, seq_length, features), y (samples, horizon).

    ``keep_epoch_weights`` asks the worker for a copy of the weights after every whole epoch, and a few
    inside the first: the film of the training that the film lesson scrubs through.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    keep_epoch_weights: bool = False

    def __post_init__(self) -> None:
        for name in WINDOW_ARRAYS:
            setattr(self, name, np.ascontiguousarray(getattr(self, name), dtype=np.float32))

    @classmethod
    def from_dataset(cls, ds: Dataset) -> TrainingData:
        """Return the TrainingData of a Dataset's train/val/test windows."""
        return cls(ds.X["train"], ds.y["train"], ds.X["val"], ds.y["val"], ds.X["test"], ds.y["test"])

    @property
    def n_features(self) -> int:
        """Return the number of input features per timestep."""
        return int(self.X_train.shape[2])

    def batches_per_epoch(self, batch_size: int) -> int:
        """Return how many batches one epoch of X_train takes."""
        return math.ceil(int(self.X_train.shape[0]) / batch_size)

    def check(self, cfg: ModelConfig) -> None:
        """Raise ValueError, naming the array and both shapes, if the arrays do not fit cfg."""
        for split in SPLITS:
            X, y = getattr(self, f"X_{split}"), getattr(self, f"y_{split}")
            want_x, want_y = (len(X), cfg.seq_length, self.n_features), (len(X), cfg.horizon)
            if X.ndim != 3 or X.shape != want_x or y.shape != want_y or len(X) == 0:
                raise ValueError(f"{split} windows X {X.shape}, y {y.shape} do not fit the model: "
                                 f"expected X {want_x} and y {want_y} with at least one sample")


def training_key(data: TrainingData, cfg: ModelConfig) -> str:
    """Return the hex sha256 that names a training: equal keys mean identical trainings.

    Training is deterministic (the config carries the seed), so the key covers everything a job's outcome
    depends on: every window array (dtype, shape, bytes), whether the epoch weights are kept, the
    settings and the app version whose code trains them.
    """
    digest = hashlib.sha256()
    for name in WINDOW_ARRAYS:
        array = np.ascontiguousarray(getattr(data, name))
        # The name, dtype and shape frame the bytes, so no two different sets of arrays hash alike.
        digest.update(f"{name}|{array.dtype.str}|{array.shape}|".encode())
        digest.update(array.tobytes())
    digest.update(f"keep_epoch_weights={bool(data.keep_epoch_weights)}|".encode())
    digest.update(json.dumps(cfg.to_dict(), sort_keys=True).encode())
    digest.update(f"|app={APP_VERSION}".encode())
    return digest.hexdigest()


@dataclass
class TrainingResult:
    """A finished job: history, NumPy weights, predictions per split and the model as .keras bytes.

    When the job failed, or was stopped before it trained, weights is None, predictions is empty
    and keras_bytes is b"": a model that went NaN holds nothing worth keeping.
    """

    status: JobStatus  # DONE, STOPPED or FAILED
    message: str = ""
    history: dict[str, list[float]] = field(default_factory=lambda: {"loss": [], "val_loss": []})
    weights: ModelWeights | None = None
    predictions: dict[str, np.ndarray] = field(default_factory=dict)  # split -> (samples, horizon)
    keras_bytes: bytes = b""
    epochs_run: int = 0
    initial_weights: ModelWeights | None = None  # the weights training started from
    epoch_weights: list[ModelWeights] = field(default_factory=list)  # after each whole epoch, when asked for
    # (batches done, weights) at a few points inside the first epoch, when the epoch weights are asked for
    first_epoch_weights: list[tuple[int, ModelWeights]] = field(default_factory=list)
    epoch_seconds: list[float] = field(default_factory=list)  # wall time of each whole epoch, one per history entry

    def __post_init__(self) -> None:
        self.status = JobStatus(self.status)  # a result read back from the store carries plain text


@dataclass
class Progress:
    """A snapshot of a job: status, position in the epochs and batches, losses so far, time."""

    status: JobStatus
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
    version: int = 0  # grows with every event, so a page can tell whether anything is new
    watchers: int = 1  # learners who watch this training now: identical trainings run once, for all of them

    def __post_init__(self) -> None:
        self.status = JobStatus(self.status)
