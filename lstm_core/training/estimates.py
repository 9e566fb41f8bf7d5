"""How long a training will take on this server, from the epoch times its own finished jobs measured.

A fixed formula cannot know the machine, how busy it is, or that warm workers skip TensorFlow's start-up.
Each finished job tells how its steady epochs compared with the rough per-epoch cost of its model
(``rough_epoch_seconds``, at the end), how long it spent around the epochs (resetting the model, the final
predictions, the saved model) and, when its architecture was new to the server, how much longer its first
epoch took while TensorFlow traced the graph. An estimate scales the rough cost by those measurements.
"""

from __future__ import annotations

import statistics
import threading
from collections import deque
from dataclasses import dataclass

from lstm_core.config import ModelConfig
from lstm_core.training.model_cache import architecture_key

KEPT_JOBS = 50  # the most recent jobs speak for the server as it is now
TRACING_SECONDS = 2.0  # a new architecture's first fit traces its graphs: about two seconds (BENCHMARKS.md)


@dataclass(frozen=True)
class Estimate:
    """Seconds a training should take once it runs, and how many of this server's jobs that is based on."""

    seconds: float
    measured_jobs: int  # 0: nothing finished yet, the rough formula alone


class TrainingTimes:
    """Epoch times of this server's finished jobs, turned into estimates for new settings; thread-safe."""

    def __init__(self, warm: tuple[ModelConfig, ...] = ()) -> None:
        self._lock = threading.Lock()
        self._speed: deque[float] = deque(maxlen=KEPT_JOBS)  # steady epoch seconds / rough epoch seconds
        self._around: deque[float] = deque(maxlen=KEPT_JOBS)  # seconds of a job outside its epochs
        self._tracing: deque[float] = deque(maxlen=KEPT_JOBS)  # extra first-epoch seconds of a new architecture
        self._known = {architecture_key(cfg, 1) for cfg in warm}  # traced by every worker at start

    def record(self, cfg: ModelConfig, n_train_samples: int, epoch_seconds: list[float], elapsed: float) -> None:
        """Remember one finished job: its config, training windows, each epoch's seconds and its whole time."""
        if not epoch_seconds or elapsed <= 0:
            return
        steady = statistics.median(epoch_seconds[1:] or epoch_seconds)
        with self._lock:
            self._speed.append(steady / rough_epoch_seconds(cfg, n_train_samples))
            self._around.append(max(0.0, elapsed - sum(epoch_seconds)))
            key = architecture_key(cfg, 1)
            if key not in self._known and len(epoch_seconds) > 1:
                self._tracing.append(max(0.0, epoch_seconds[0] - steady))
            self._known.add(key)

    def estimate(self, cfg: ModelConfig, n_train_samples: int) -> Estimate:
        """Return the Estimate of training cfg on n_train_samples windows, once a worker has it."""
        rough = cfg.epochs * rough_epoch_seconds(cfg, n_train_samples)
        with self._lock:
            measured = len(self._speed)
            tracing = 0.0 if architecture_key(cfg, 1) in self._known else (
                statistics.median(self._tracing) if self._tracing else TRACING_SECONDS)
            if not measured:
                return Estimate(rough + tracing, 0)
            seconds = rough * statistics.median(self._speed) + statistics.median(self._around) + tracing
        return Estimate(seconds, measured)


# Measured on 2 CPU cores with TensorFlow 2.21 (see BENCHMARKS.md): a fixed cost per batch plus a
# cost per time step and layer that grows with the number of units. Only the shape of the cost matters:
# the server scales it by what its own jobs took (TrainingTimes above).
_SECONDS_PER_BATCH = 0.0025
_SECONDS_PER_STEP_AND_LAYER = 0.00006
_VALIDATION_OVERHEAD = 1.15


def rough_epoch_seconds(cfg: ModelConfig, n_train_samples: int) -> float:
    """Return a rough wall time in seconds of one epoch of cfg on n_train_samples windows, validation included."""
    batches = -(-n_train_samples // cfg.batch_size)
    batch_scale = 0.6 + 0.4 * min(cfg.batch_size, 64) / 32
    per_batch = _SECONDS_PER_BATCH + (_SECONDS_PER_STEP_AND_LAYER * cfg.seq_length * cfg.layers
                                      * (1 + cfg.units / 64) * batch_scale)
    return batches * per_batch * _VALIDATION_OVERHEAD
