"""The server's training backend: its own worker processes, or a Ray cluster's when LSTM_LENS_RAY_ADDRESS is set."""

from __future__ import annotations

import os
import threading

from lstm_core.training.backend import BackendBase, TrainingBackend
from lstm_core.training.pool import TrainingPool, default_settings

RAY_ADDRESS_VARIABLE = "LSTM_LENS_RAY_ADDRESS"


_default_pool: BackendBase | None = None
_default_lock = threading.Lock()


def get_pool() -> TrainingBackend:
    """Return the process-wide training backend, made on first use: on Ray when LSTM_LENS_RAY_ADDRESS is set."""
    global _default_pool
    with _default_lock:
        if _default_pool is None or _default_pool.closed:
            address = os.environ.get(RAY_ADDRESS_VARIABLE, "").strip()
            if address:
                from lstm_core.cluster.ray_pool import RayPool  # Ray is installed only where a cluster runs

                _default_pool = RayPool(address, settings=default_settings())
            else:
                _default_pool = TrainingPool(settings=default_settings())
        return _default_pool
