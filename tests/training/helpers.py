"""Shared by the training tests: small and long configs, their data, polling a job, a warm pool."""

import time
import uuid

import numpy as np

from lstm_core.config import ModelConfig, SeriesConfig
from lstm_core.data.dataset import build_dataset
from lstm_core.model.shapes import weight_shapes
from lstm_core.training.backend import BackendBase
from lstm_core.training.pool import TrainingPool
from lstm_core.training.protocol import TrainingData

SEQ = 8


DATA = TrainingData.from_dataset(build_dataset(SeriesConfig(n_points=300), SEQ, 1))


LONG_DATA = TrainingData.from_dataset(build_dataset(SeriesConfig(n_points=2000), SEQ, 1))  # for long_cfg()


def long_cfg() -> ModelConfig:
    """Return a config that trains on LONG_DATA for over ten seconds: time enough to watch, queue behind and stop."""
    return small_cfg(units=32, layers=2, epochs=50, batch_size=16)


def small_cfg(**changes) -> ModelConfig:
    """Return a tiny model config: one epoch takes a few tens of milliseconds."""
    base = dict(seq_length=SEQ, units=6, layers=1, dense_units=0, dropout=0.0, batch_size=16, epochs=3)
    return ModelConfig(**{**base, **changes})


def wait_for(job, predicate, timeout=60.0, interval=0.02):
    """Poll job.progress() until predicate(progress) holds; return that progress."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        progress = job.progress()
        if predicate(progress):
            return progress
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s; last progress: {job.progress()}")


def finished(progress) -> bool:
    return progress.status in ("done", "stopped", "failed")


def assert_weights_fit(weights, cfg):
    arrays = weights.to_list()
    expected = []
    for layer in weight_shapes(cfg):
        names = ("kernel", "recurrent_kernel", "bias") if layer.kind == "LSTM" else ("kernel", "bias")
        expected += [layer.shapes[name] for name in names]
    assert [a.shape for a in arrays] == expected
    assert all(np.isfinite(a).all() for a in arrays)


BACKENDS = ("local", "ray")


def make_pool(backend: str, max_workers: int, ray_address: str | None = None, **settings) -> BackendBase:
    """Return a new pool of max_workers on backend: worker processes ("local") or actors of a Ray cluster ("ray")."""
    if backend == "local":
        return TrainingPool(max_workers=max_workers, **settings)
    from lstm_core.cluster.ray_pool import RayPool

    return RayPool(ray_address, max_workers=max_workers, queue_name=f"test-queue-{uuid.uuid4().hex[:8]}",
                   keep_queue=False, **settings)


def warm_pool(max_workers: int, backend: str = "local", ray_address: str | None = None):
    """Yield a pool on backend whose workers have loaded TensorFlow; shut it down afterwards."""
    pool = make_pool(backend, max_workers, ray_address)
    assert pool.wait_ready(180)
    yield pool
    pool.shutdown()
