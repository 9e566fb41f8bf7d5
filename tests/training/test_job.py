"""A job as the pages see it: refused data, the time left, a stop that reads at once and then ends the job."""

import time

import pytest

from lstm_core.training.backend import start
from tests.training.helpers import DATA, LONG_DATA, SEQ, assert_weights_fit, long_cfg, small_cfg, wait_for

LIVENESS_SECONDS = 60  # a bound no healthy machine misses; how fast a stop really is, bench_pool measures


def test_data_that_does_not_fit_the_config_is_refused(pool):
    with pytest.raises(ValueError, match=r"train windows X \(\d+, 8, 1\)"):
        start(DATA, small_cfg(seq_length=SEQ + 1), pool)


def test_stop_ends_a_running_job_and_reads_stopped_at_once(pool):
    cfg = long_cfg()
    job = start(LONG_DATA, cfg, pool)
    wait_for(job, lambda p: p.epoch >= 1 and p.batch >= 1)
    job.stop()
    progress = job.progress()  # no wait: the page's next poll already says so (bench_pool times the weights)
    assert progress.status == "stopped", progress
    wait_for(job, lambda p: job.done, timeout=LIVENESS_SECONDS)
    result = job.result()
    assert result.status == "stopped" and "Stopped after" in result.message
    assert 1 <= result.epochs_run < 50 and len(result.history["loss"]) == result.epochs_run
    assert_weights_fit(result.weights, cfg)
    assert result.predictions["test"].shape == (len(LONG_DATA.y_test), 1) and result.keras_bytes


def test_stop_during_the_first_batch_reads_stopped_at_once(pool):
    # The first batch includes TensorFlow's graph tracing, the longest stretch without a batch end.
    cfg = long_cfg()
    job = start(LONG_DATA, cfg, pool)
    wait_for(job, lambda p: p.elapsed > 0, interval=0.01)
    job.stop()
    progress = job.progress()
    assert progress.status == "stopped" and not progress.train_loss, progress
    wait_for(job, lambda p: job.done, timeout=LIVENESS_SECONDS)
    result = job.result()
    assert result.status == "stopped" and result.epochs_run == 0
    assert job.progress().status == "stopped"


def test_eta_uses_measured_epoch_times_and_skips_the_tracing_epoch():
    from lstm_core.training.job import estimate_remaining

    assert estimate_remaining(0, 0, 10, 20, [], 0.0) is None
    assert estimate_remaining(0, 5, 10, 20, [], 2.0) == pytest.approx((10 - 0.25) * 8.0)
    assert estimate_remaining(1, 0, 10, 20, [3.0], 3.0) == pytest.approx(9 * 3.0)
    # The first epoch (3 s, with graph tracing) is left out once later ones are known.
    assert estimate_remaining(3, 10, 10, 20, [3.0, 0.5, 0.7], 4.2) == pytest.approx((10 - 3.5) * 0.6)
    assert estimate_remaining(10, 0, 10, 20, [0.5] * 10, 5.0) == 0.0


def test_a_finished_job_calls_back_with_its_result_before_and_after_it_ends(pool):
    job = start(DATA, small_cfg(), pool)
    called_before, called_after = [], []
    job.when_finished(called_before.append)
    wait_for(job, lambda p: job.done, timeout=60.0)
    job.when_finished(called_after.append)
    deadline = time.monotonic() + 5
    while (not called_before or not called_after) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert called_before == [job.result()] and called_after == [job.result()]
    assert job.finished_at is not None and abs(job.finished_at - time.time()) < 60
