"""Training jobs in real worker processes: progress, stop, NaN, the cap and the queue, the result."""

import math
import os
import signal
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
from lstm_core.data.dataset import build_dataset
from lstm_core.evaluation.metrics import mse
from lstm_core.model.shapes import weight_shapes
from lstm_core.training.pool import TrainingPool, start
from lstm_core.training.protocol import TrainingData
from lstm_core.training.worker import _Reporter, train_job

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
    code = ("import sys, lstm_core.training.pool; "
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
    job = start(LONG_DATA, cfg, pool)
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
    assert result.predictions["test"].shape == (len(LONG_DATA.y_test), 1) and result.keras_bytes


def test_stop_during_the_first_batch_is_reported_within_a_second(pool):
    # The first batch includes TensorFlow's graph tracing, the longest stretch without a batch end.
    cfg = long_cfg()
    job = start(LONG_DATA, cfg, pool)
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
    long_job = start(LONG_DATA, long_cfg(), single_pool)
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


def test_a_reused_model_trains_exactly_like_a_fresh_build():
    from lstm_core.training.model_cache import MODEL_CACHE

    MODEL_CACHE.clear()
    cfg = small_cfg(layers=2, dense_units=4, dropout=0.2, epochs=3, seed=3)
    fresh = train_job(DATA, cfg)
    # Same architecture, other seed, learning rate and batch size: it leaves trained weights, Adam
    # moments and advanced dropout seeds behind in the kept model.
    train_job(DATA, replace(cfg, seed=11, learning_rate=0.05, batch_size=32))
    hits = MODEL_CACHE.hits
    reused = train_job(DATA, cfg)
    assert MODEL_CACHE.hits == hits + 1, "the third job reuses the kept model"
    np.testing.assert_allclose(reused.history["loss"], fresh.history["loss"], rtol=1e-6)
    np.testing.assert_allclose(reused.history["val_loss"], fresh.history["val_loss"], rtol=1e-6)
    for a, b in zip(reused.weights.to_list(), fresh.weights.to_list()):
        np.testing.assert_allclose(a, b, atol=1e-6)
    np.testing.assert_allclose(reused.predictions["test"], fresh.predictions["test"], atol=1e-6)


def test_eta_uses_measured_epoch_times_and_skips_the_tracing_epoch():
    from lstm_core.training.job import estimate_remaining

    assert estimate_remaining(0, 0, 10, 20, [], 0.0) is None
    assert estimate_remaining(0, 5, 10, 20, [], 2.0) == pytest.approx((10 - 0.25) * 8.0)
    assert estimate_remaining(1, 0, 10, 20, [3.0], 3.0) == pytest.approx(9 * 3.0)
    # The first epoch (3 s, with graph tracing) is left out once later ones are known.
    assert estimate_remaining(3, 10, 10, 20, [3.0, 0.5, 0.7], 4.2) == pytest.approx((10 - 3.5) * 0.6)
    assert estimate_remaining(10, 0, 10, 20, [0.5] * 10, 5.0) == 0.0


def test_a_killed_worker_fails_only_its_job_and_the_next_training_works(pool):
    import os
    import signal

    running = start(LONG_DATA, long_cfg(), pool)
    wait_for(running, lambda p: p.epoch >= 1)
    other = start(LONG_DATA, long_cfg(), pool)
    wait_for(other, lambda p: p.epoch >= 1)
    victim = next(pid for pid in pool.worker_pids() if pid != os.getpid())
    pids_before = set(pool.worker_pids())
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while not any(job.progress().status == "failed" for job in (running, other)) and time.monotonic() < deadline:
        time.sleep(0.05)
    dead, alive = (running, other) if running.progress().status == "failed" else (other, running)
    assert dead.progress().status == "failed", (dead.progress(), alive.progress())
    assert "ended unexpectedly (killed by signal 9)" in dead.progress().message
    assert dead.result().weights is None and dead.done
    assert wait_for(alive, finished).status == "done", "the other learner's job is untouched"
    assert pool.wait_ready(120), "a replacement worker is started and warmed"
    assert victim not in pool.worker_pids() and set(pool.worker_pids()) != pids_before
    assert wait_for(start(DATA, small_cfg(), pool), finished, timeout=120).status == "done"


def test_jobs_of_a_page_that_was_closed_are_withdrawn_and_stopped(single_pool, monkeypatch):
    import lstm_core.training.pool as training

    monkeypatch.setattr(training, "OWNER_GRACE_SECONDS", 1.0)
    owners = {"a": True, "b": False}
    running = start(LONG_DATA, long_cfg(), single_pool, owner_alive=lambda: owners["a"])
    wait_for(running, lambda p: p.epoch >= 1)
    queued = start(DATA, small_cfg(), single_pool, owner_alive=lambda: owners["b"])
    assert queued.progress().status == "queued"
    progress = wait_for(queued, finished, timeout=10)
    assert progress.status == "stopped" and progress.message == training.ABANDONED_MESSAGE
    assert running.progress().status == "running", "a connected page keeps its job"

    owners["a"] = False
    closed_at = time.monotonic()
    wait_for(running, lambda p: running.done, timeout=15)
    assert time.monotonic() - closed_at < 10
    assert running.result().status == "stopped" and running.result().weights is not None
    assert wait_for(start(DATA, small_cfg(), single_pool), finished, timeout=60).status == "done"


def test_an_owner_back_within_the_grace_keeps_the_job(single_pool, monkeypatch):
    import lstm_core.training.pool as training

    monkeypatch.setattr(training, "OWNER_GRACE_SECONDS", 3.0)
    answers = iter([False, False, True])  # a reload: gone for two checks, then connected again
    job = start(DATA, small_cfg(epochs=6), single_pool, owner_alive=lambda: next(answers, True))
    assert wait_for(job, finished, timeout=60).status == "done"


def test_workers_never_run_the_main_script(tmp_path):
    # Under `streamlit run` the main module is app.py: a worker that imported it would run the app.
    marker = tmp_path / "imports.txt"
    script = tmp_path / "main_script.py"
    script.write_text(f"""
import sys
sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})
with open({str(marker)!r}, "a") as log:
    log.write(__name__ + "\\n")
if __name__ == "__main__":
    from lstm_core.config import SeriesConfig, ModelConfig
    from lstm_core.data.dataset import build_dataset
    from lstm_core.training.pool import TrainingPool, start
    from lstm_core.training.protocol import TrainingData
    import time
    pool = TrainingPool(max_workers=1)
    data = TrainingData.from_dataset(build_dataset(SeriesConfig(n_points=200), 5, 1))
    job = start(data, ModelConfig(seq_length=5, units=2, layers=1, epochs=1), pool)
    while not job.done:
        time.sleep(0.1)
    print(job.result().status)
    pool.shutdown()
""")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert out.stdout.strip().endswith("done"), out.stderr[-2000:]
    assert marker.read_text().split() == ["__main__"], "only the parent ran the script"


def test_the_quick_start_preset_forecasts_near_the_noise_floor():
    from lstm_core.presets import QUICK_START_MODEL, QUICK_START_SERIES

    ds = build_dataset(QUICK_START_SERIES, QUICK_START_MODEL.seq_length, QUICK_START_MODEL.horizon)
    result = train_job(TrainingData.from_dataset(ds), QUICK_START_MODEL)
    test_mse = mse(ds.y["test"], result.predictions["test"])
    assert result.status == "done" and test_mse <= 1.2 * ds.noise_floor, test_mse / ds.noise_floor


def test_a_pool_job_trains_exactly_like_a_plain_keras_fit(pool):
    # The job computes its validation loss in one step per epoch instead of Keras's own pass: the
    # numbers must be those of the textbook call, on the quick start and on a model with dropout.
    from lstm_core.model.keras_model import build_model, extract_weights
    from lstm_core.presets import QUICK_START_MODEL, QUICK_START_SERIES

    cases = [(TrainingData.from_dataset(build_dataset(QUICK_START_SERIES, QUICK_START_MODEL.seq_length, 1)),
              replace(QUICK_START_MODEL, epochs=4)),
             (DATA, small_cfg(layers=2, dense_units=4, dropout=0.2, epochs=3, seed=5))]
    for data, cfg in cases:
        job = start(data, cfg, pool)
        model = build_model(cfg)
        plain = model.fit(data.X_train, data.y_train, validation_data=(data.X_val, data.y_val), epochs=cfg.epochs,
                          batch_size=cfg.batch_size, shuffle=True, verbose=0).history
        assert wait_for(job, finished).status == "done"
        result = job.result()
        np.testing.assert_allclose(result.history["loss"], plain["loss"], rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(result.history["val_loss"], plain["val_loss"], rtol=1e-6, atol=1e-7)
        for a, b in zip(result.weights.to_list(), extract_weights(model).to_list(), strict=True):
            np.testing.assert_allclose(a, b, atol=1e-6)


def test_the_pool_estimates_a_finished_jobs_settings_at_what_it_took():
    from lstm_core.training.estimates import TrainingTimes

    own_pool = TrainingPool(max_workers=1)
    try:
        assert own_pool.wait_ready(120)
        cfg = small_cfg(epochs=4)
        job = start(DATA, cfg, own_pool)
        final = wait_for(job, finished)
        assert final.status == "done" and len(final.epoch_seconds) == 4
        estimate = own_pool.times.estimate(cfg, len(DATA.X_train))
        assert estimate.measured_jobs == 1
        alone = TrainingTimes()
        alone.record(cfg, len(DATA.X_train), final.epoch_seconds, final.elapsed)
        assert estimate.seconds == pytest.approx(alone.estimate(cfg, len(DATA.X_train)).seconds, rel=1e-9)
        # Its architecture was new: the traced first epoch is not paid again by the same settings.
        steady, around = sorted(final.epoch_seconds[1:])[1], final.elapsed - sum(final.epoch_seconds)
        assert estimate.seconds == pytest.approx(4 * steady + around, rel=1e-6)
    finally:
        own_pool.shutdown()


def test_a_stop_signal_to_a_worker_is_left_to_the_pool_and_a_closing_pool_replaces_none():
    pool = TrainingPool(max_workers=1)
    try:
        assert pool.wait_ready(120)
        (pid,) = pool.worker_pids()
        for stop_signal in (signal.SIGTERM, signal.SIGINT):  # what a Ctrl-C or a service stop sends the group
            os.kill(pid, stop_signal)
        time.sleep(1.5)
        assert pool.worker_pids() == [pid], "the worker leaves its ending to the pool"
        closing = threading.Thread(target=pool.shutdown)
        closing.start()
        os.kill(pid, signal.SIGKILL)  # a worker that dies while the pool closes
        closing.join(30)
        assert pool.worker_pids() == [] and pool.workers_started() == 1
    finally:
        pool.shutdown()
