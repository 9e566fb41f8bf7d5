"""What a training backend offers the app: the interface both pools implement.

Two implementations: ``training.pool.TrainingPool``, the server's own worker processes (the default), and
``cluster.ray_pool.RayPool``, the trainer actors of a Ray cluster shared by every app replica, chosen by
setting LSTM_LENS_RAY_ADDRESS (``cluster.backends.get_pool``). The pages see no difference: both hand back
a JobWatch at once, keep every job's progress in memory for the page scripts, and talk to their workers
from one thread of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, Protocol

from lstm_core.config import ModelConfig
from lstm_core.training.estimates import TrainingTimes
from lstm_core.training.job import JobWatch, TrainingJob
from lstm_core.training.protocol import TrainingData


class TrainingBackend(Protocol):
    """A server-wide queue of trainings and the workers that run them."""

    times: TrainingTimes  # what this backend's jobs took, for the pages' estimates

    def submit(self, data: TrainingData, cfg: ModelConfig, owner_alive: Callable[[], bool] | None = None,
               session: Hashable | None = None, data_spec: dict[str, Any] | None = None) -> JobWatch:
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

