"""The pool of worker processes: progress, the cap and the queue, recycled and killed workers, closed pages, signals."""

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

import numpy as np
import pytest

import lstm_core.training.backend as backend
from lstm_core.training.backend import start
from lstm_core.training.messages import ABANDONED_MESSAGE
from lstm_core.training.pool import TrainingPool
from tests.training.helpers import DATA, LONG_DATA, assert_weights_fit, finished, long_cfg, small_cfg, wait_for


def test_module_loads_without_tensorflow_or_streamlit():
    code = ("import sys, lstm_core.training.pool; "
            "print(sorted(m for m in ('tensorflow', 'keras', 'streamlit') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "[]"


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


class CountedOwner:
    """An owner check that answers from a list (then True) and counts how often the backend's thread asked."""

    def __init__(self, answers=()) -> None:
        self.answers, self.calls = list(answers), 0

    def __call__(self) -> bool:
        self.calls += 1
        return self.answers.pop(0) if self.answers else True


def wait_for_calls(owner: CountedOwner, count: int, queued=None, timeout: float = 60.0) -> None:
    """Wait until the backend's thread has asked owner count times, or until the job queued has left the queue."""
    deadline = time.monotonic() + timeout
    while owner.calls < count and (queued is None or queued.progress().status == "queued"):
        assert time.monotonic() < deadline, f"the owner was asked {owner.calls} times, not {count}"
        time.sleep(0.01)


def test_cap_queue_positions_and_cancelling_a_queued_job(single_pool, monkeypatch):
    monkeypatch.setattr(backend, "OWNER_CHECK_SECONDS", 0.1)
    long_job = start(LONG_DATA, long_cfg(), single_pool)
    wait_for(long_job, lambda p: p.status == "running" and p.batch + p.epoch > 0)
    owner = CountedOwner()
    second = start(DATA, small_cfg(epochs=2), single_pool, owner_alive=owner)
    third = start(DATA, small_cfg(epochs=2, seed=7), single_pool)  # another seed: its own job, not a watch of second
    # Each turn of the backend's thread asks the owners, then hands waiting jobs to free workers: after the
    # third question, two turns have dispatched (a Ray pool's second one read the cluster's answer back).
    # A cap that leaked would have handed the second job on by now.
    wait_for_calls(owner, 3, queued=second)
    assert long_job.progress().queue_position == 0
    assert (second.progress().status, second.progress().queue_position) == ("queued", 1)
    assert (third.progress().status, third.progress().queue_position) == ("queued", 2)
    assert second.result() is None and not second.done

    third.stop()
    progress = third.progress()  # no wait: a queued job leaves the line in memory
    assert progress.status == "stopped" and third.done
    assert third.result().weights is None and progress.queue_position == 0

    long_job.stop()
    assert wait_for(second, finished).status == "done"
    assert long_job.progress().status == "stopped" and third.progress().status == "stopped"


def test_recycled_workers_are_replaced():
    # The worker retires after each job: two jobs (two seeds, so neither joins the other) need a replacement.
    pool = TrainingPool(max_workers=1, max_jobs_per_worker=1)
    try:
        assert pool.wait_ready(120)
        (first_worker,) = pool.worker_pids()
        jobs = [start(DATA, small_cfg(epochs=1, seed=seed), pool) for seed in (1, 2)]
        wait_for(jobs[0], lambda p: p.status != "queued")
        assert jobs[1].progress().queue_position in (1, 0)
        assert [wait_for(job, finished).status for job in jobs] == ["done"] * 2
        assert pool.workers_started() >= 2 and first_worker not in pool.worker_pids(), "the first worker was replaced"
    finally:
        pool.shutdown()


def test_a_killed_worker_fails_only_its_job_and_the_next_training_works(pool, backend):
    import os
    import signal

    running = start(LONG_DATA, long_cfg(), pool)
    wait_for(running, lambda p: p.epoch >= 1)
    other = start(LONG_DATA, replace(long_cfg(), seed=7), pool)  # another seed: a second job, not a watch
    wait_for(other, lambda p: p.epoch >= 1)
    victim = next(pid for pid in pool.worker_pids() if pid != os.getpid())
    pids_before = set(pool.worker_pids())
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while not any(job.progress().status == "failed" for job in (running, other)) and time.monotonic() < deadline:
        time.sleep(0.05)
    dead, alive = (running, other) if running.progress().status == "failed" else (other, running)
    assert dead.progress().status == "failed", (dead.progress(), alive.progress())
    how = "killed by signal 9" if backend == "local" else "its Ray actor died"
    assert f"ended unexpectedly ({how}" in dead.progress().message
    assert dead.result().weights is None and dead.done
    # The other learner's job is untouched: it trains on past the kill, and stopped it hands back what it learned.
    at_kill = alive.progress().epoch
    wait_for(alive, lambda p: p.epoch >= at_kill + 2 or alive.done)
    alive.stop()
    assert wait_for(alive, lambda p: alive.done).status in ("stopped", "done"), "the other learner's job is untouched"
    assert_weights_fit(alive.result().weights, alive.cfg)
    assert alive.result().epochs_run >= at_kill + 2
    assert pool.wait_ready(120), "a replacement worker is started and warmed"
    assert victim not in pool.worker_pids() and set(pool.worker_pids()) != pids_before
    assert wait_for(start(DATA, small_cfg(), pool), finished, timeout=120).status == "done"


def test_jobs_of_a_page_that_was_closed_are_withdrawn_and_stopped(single_pool, monkeypatch):
    monkeypatch.setattr(single_pool, "owner_grace_seconds", 1.0)
    owners = {"a": True, "b": False}
    running = start(LONG_DATA, long_cfg(), single_pool, owner_alive=lambda: owners["a"])
    wait_for(running, lambda p: p.epoch >= 1)
    queued = start(DATA, small_cfg(), single_pool, owner_alive=lambda: owners["b"])
    assert queued.progress().status == "queued"
    progress = wait_for(queued, finished, timeout=60)
    running_then = running.progress()
    seen = [(p.status, p.message, p.epoch) for p in (progress, running_then)] + [single_pool.worker_pids()]
    assert progress.status == "stopped" and progress.message == ABANDONED_MESSAGE, seen
    assert running_then.status == "running", ("a connected page keeps its job", seen)

    owners["a"] = False  # then a stop, not the end of its 50 epochs, ends the running job
    wait_for(running, lambda p: running.done, timeout=30)
    assert running.result().status == "stopped" and running.result().weights is not None
    assert running.result().epochs_run < long_cfg().epochs
    assert wait_for(start(DATA, small_cfg(), single_pool), finished, timeout=60).status == "done"


def test_an_owner_back_within_the_grace_keeps_the_job(single_pool, monkeypatch):
    monkeypatch.setattr(single_pool, "owner_grace_seconds", 3.0)
    monkeypatch.setattr(backend, "OWNER_CHECK_SECONDS", 0.1)
    owner = CountedOwner([False, False])  # a reload: gone for two checks, then connected again
    job = start(LONG_DATA, replace(long_cfg(), seed=11), single_pool, owner_alive=owner)
    wait_for_calls(owner, 10)  # asked while the job lived: twice gone, then eight times back
    progress = job.progress()
    assert progress.status in ("queued", "running") and not job.done, progress
    job.stop()
    assert wait_for(job, lambda p: job.done, timeout=60).status == "stopped"
    assert job.result().message != ABANDONED_MESSAGE


def test_the_owners_grace_is_a_setting_with_a_default_that_refuses_nonsense():
    assert backend.owner_grace_seconds({}) == backend.OWNER_GRACE_SECONDS == 20.0
    assert backend.owner_grace_seconds({backend.OWNER_GRACE_ENV: " 2.5 "}) == 2.5
    for bad in ("0", "-3", "soon", "nan", "inf"):
        with pytest.raises(ValueError, match="LSTM_LENS_OWNER_GRACE_SECONDS must be a positive number of seconds"):
            backend.owner_grace_seconds({backend.OWNER_GRACE_ENV: bad})


def test_workers_never_run_the_main_script(tmp_path):
    # Under `streamlit run` the main module is app.py: a worker that imported it would run the app.
    marker = tmp_path / "imports.txt"
    script = tmp_path / "main_script.py"
    script.write_text(f"""
with open({str(marker)!r}, "a") as log:
    log.write(__name__ + "\\n")
if __name__ == "__main__":
    from lstm_core.config import SeriesConfig, ModelConfig
    from lstm_core.data.dataset import build_dataset
    from lstm_core.training.backend import start
    from lstm_core.training.pool import TrainingPool
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


def test_a_stop_signal_to_a_worker_is_left_to_the_pool_and_a_closing_pool_replaces_none():
    pool = TrainingPool(max_workers=1)
    try:
        assert pool.wait_ready(120)
        (pid,) = pool.worker_pids()
        for stop_signal in (signal.SIGTERM, signal.SIGINT):  # what a Ctrl-C or a service stop sends the group
            os.kill(pid, stop_signal)
        # A worker the signals ended would fail this job (and be replaced): it trains on the same worker instead.
        assert wait_for(start(DATA, small_cfg(epochs=1, seed=12), pool), finished).status == "done"
        assert pool.worker_pids() == [pid], "the worker leaves its ending to the pool"
        closing = threading.Thread(target=pool.shutdown)
        closing.start()
        os.kill(pid, signal.SIGKILL)  # a worker that dies while the pool closes
        closing.join(30)
        assert pool.worker_pids() == [] and pool.workers_started() == 1
    finally:
        pool.shutdown()
