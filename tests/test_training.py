"""Training jobs in real worker processes: progress, stop, NaN, the cap and the queue, the result."""

import math
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from lstm_core.config import ModelConfig, SeriesConfig
from lstm_core.data import build_dataset
from lstm_core.model import weight_shapes
from lstm_core.training import TrainingData, TrainingPool, start, train_job
from lstm_core.worker import _Reporter

SEQ = 8
DATA = TrainingData.from_dataset(build_dataset(SeriesConfig(n_points=300), SEQ, 1))


def long_cfg() -> ModelConfig:
    """Return a config that trains for several seconds: time enough to watch, queue behind and stop."""
    return small_cfg(units=16, layers=2, epochs=50)


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


def warm_pool(max_workers: int):
    """Yield a TrainingPool whose workers have loaded TensorFlow; shut it down afterwards."""
    pool = TrainingPool(max_workers=max_workers)
    assert pool.wait_ready(120)
    yield pool
    pool.shutdown()


@pytest.fixture(scope="module")
def pool():
    yield from warm_pool(2)


@pytest.fixture(scope="module")
def single_pool():
    yield from warm_pool(1)


def test_module_loads_without_tensorflow_or_streamlit():
    code = ("import sys, lstm_core.training; "
            "print(sorted(m for m in ('tensorflow', 'keras', 'streamlit') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "[]"


def test_data_that_does_not_fit_the_config_is_refused(pool):
    with pytest.raises(ValueError, match=r"train windows X \(\d+, 8, 1\)"):
        start(DATA, small_cfg(seq_length=SEQ + 1), pool)


def test_progress_advances_and_result_is_complete(pool):
    cfg = small_cfg(layers=2, dense_units=4, epochs=8)
    job = start(DATA, cfg, pool)
    assert isinstance(job.id, str) and job.cfg == cfg
    seen = []
    while not job.done:
        progress = job.progress()
        if progress.status == "running":
            seen.append((progress.epoch, progress.batch))
            assert all(math.isfinite(v) for v in progress.train_loss + progress.val_loss)
            assert all(math.isfinite(loss) for _, loss in progress.batch_loss)
        time.sleep(0.02)
    assert seen == sorted(seen) and len(set(seen)) >= 2, seen

    progress = job.progress()
    assert (progress.status, progress.epoch, progress.epochs, progress.eta) == ("done", 8, 8, 0.0)
    assert progress.batches_per_epoch == math.ceil(len(DATA.X_train) / 16)
    assert progress.elapsed > 0 and progress.queue_position == 0
    assert len(progress.train_loss) == len(progress.val_loss) == len(progress.epoch_seconds) == 8
    assert progress.batch_loss and progress.batch_loss[-1][0] == 8.0

    result = job.result()
    assert result.status == "done" and result.epochs_run == 8
    assert result.history["loss"] == progress.train_loss and len(result.history["val_loss"]) == 8
    assert_weights_fit(result.weights, cfg)
    for split in ("train", "val", "test"):
        assert result.predictions[split].shape == (len(getattr(DATA, f"y_{split}")), 1)
        assert result.predictions[split].dtype == np.float32

    import keras

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.keras"
        path.write_bytes(result.keras_bytes)
        model = keras.saving.load_model(path)
    np.testing.assert_allclose(model.predict(DATA.X_test, verbose=0), result.predictions["test"],
                               atol=1e-5)


def test_stop_ends_a_running_job_within_a_second(pool):
    cfg = long_cfg()
    job = start(DATA, cfg, pool)
    wait_for(job, lambda p: p.epoch >= 1 and p.batch >= 1)
    stopped_at = time.monotonic()
    job.stop()
    progress = wait_for(job, finished, timeout=5.0, interval=0.01)
    latency = time.monotonic() - stopped_at
    assert progress.status == "stopped" and latency < 1.0, (progress, latency)
    wait_for(job, lambda p: job.done, timeout=5.0, interval=0.01)
    result = job.result()
    assert result.status == "stopped" and "Stopped after" in result.message
    assert 1 <= result.epochs_run < 50 and len(result.history["loss"]) == result.epochs_run
    assert_weights_fit(result.weights, cfg)
    assert result.predictions["test"].shape == (len(DATA.y_test), 1) and result.keras_bytes


def test_stop_during_the_first_batch_is_reported_within_a_second(pool):
    # The first batch includes TensorFlow's graph tracing, the longest stretch without a batch end.
    cfg = long_cfg()
    job = start(DATA, cfg, pool)
    wait_for(job, lambda p: p.elapsed > 0, interval=0.01)
    stopped_at = time.monotonic()
    job.stop()
    progress = wait_for(job, finished, timeout=5.0, interval=0.01)
    assert time.monotonic() - stopped_at < 1.0
    assert progress.status == "stopped" and not progress.train_loss
    wait_for(job, lambda p: job.done, timeout=30.0)
    result = job.result()
    assert result.status == "stopped" and result.epochs_run == 0
    assert job.progress().status == "stopped"


def test_nan_loss_fails_the_job_with_a_clear_message(pool):
    bad = replace(DATA, y_train=np.full_like(DATA.y_train, np.nan))
    job = start(bad, small_cfg(), pool)
    progress = wait_for(job, finished)
    assert progress.status == "failed"
    assert "NaN at epoch 1, batch 1" in progress.message and "data" in progress.message
    result = job.result()
    assert result.status == "failed" and result.weights is None and result.epochs_run == 0


def test_nan_message_without_bad_data_points_at_the_learning_rate():
    reporter = _Reporter(None, None, DATA, small_cfg())
    reporter.epoch_begin(2)
    assert reporter.batch_end(11, float("inf"))
    assert reporter.failure.startswith("The loss became infinite at epoch 3, batch 12: the learning rate")


class StopAfter:
    """A stop flag that turns on at its n-th check, standing in for the worker's pipe to the server."""

    def __init__(self, checks: int) -> None:
        self.checks = checks

    def is_set(self) -> bool:
        self.checks -= 1
        return self.checks < 0


def test_the_job_function_runs_in_process_and_stops_after_a_batch():
    # The first check is at the start, the second after batch 1: the job stops there.
    events = []
    result = train_job(DATA, small_cfg(), SimpleNamespace(put=events.append), StopAfter(1))
    assert result.status == "stopped" and result.epochs_run == 0
    assert result.message.startswith("Stopped after 0 of 3 epochs and 1 of 13 batches of epoch 1")
    assert_weights_fit(result.weights, small_cfg())
    assert [event[0] for event in events] == ["started", "batch"]


def test_cap_queue_positions_and_cancelling_a_queued_job(single_pool):
    long_job = start(DATA, long_cfg(), single_pool)
    wait_for(long_job, lambda p: p.status == "running" and p.batch + p.epoch > 0)
    second = start(DATA, small_cfg(epochs=2), single_pool)
    third = start(DATA, small_cfg(epochs=2), single_pool)
    time.sleep(0.3)  # time enough for a cap that leaks to hand the second job to a worker
    assert long_job.progress().queue_position == 0
    assert (second.progress().status, second.progress().queue_position) == ("queued", 1)
    assert (third.progress().status, third.progress().queue_position) == ("queued", 2)
    assert second.result() is None and not second.done

    stopped_at = time.monotonic()
    third.stop()
    progress = third.progress()
    assert progress.status == "stopped" and time.monotonic() - stopped_at < 0.2
    assert third.done and third.result().weights is None and progress.queue_position == 0

    long_job.stop()
    assert wait_for(second, finished).status == "done"
    assert long_job.progress().status == "stopped" and third.progress().status == "stopped"


def test_the_same_job_twice_gives_the_same_finite_history(pool):
    # Started from two threads at once, as two Streamlit sessions sharing the pool would.
    jobs = []
    threads = [threading.Thread(target=lambda: jobs.append(start(DATA, small_cfg(), pool)))
               for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    histories = [wait_for(job, finished) and job.result().history for job in jobs]
    assert len({job.id for job in jobs}) == 2
    for history in histories:
        assert len(history["loss"]) == 3 and all(math.isfinite(v) for v in history["loss"])
    np.testing.assert_allclose(histories[0]["loss"], histories[1]["loss"], rtol=1e-4)
    np.testing.assert_allclose(histories[0]["val_loss"], histories[1]["val_loss"], rtol=1e-4)


def test_recycled_workers_are_replaced():
    # The worker retires after each job: three jobs need two replacements.
    pool = TrainingPool(max_workers=1, max_jobs_per_worker=1)
    try:
        assert pool.wait_ready(120)
        jobs = [start(DATA, small_cfg(epochs=1), pool) for _ in range(3)]
        wait_for(jobs[0], lambda p: p.status != "queued")
        assert [job.progress().queue_position for job in jobs[1:]] in ([1, 2], [0, 1])
        assert [wait_for(job, finished).status for job in jobs] == ["done"] * 3
    finally:
        pool.shutdown()
