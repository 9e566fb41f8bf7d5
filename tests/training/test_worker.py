"""The job function a worker runs: it trains like a plain Keras fit, stops after a batch, reports NaN clearly."""

import math
from dataclasses import replace
from types import SimpleNamespace

import numpy as np

from lstm_core.data.dataset import build_dataset
from lstm_core.evaluation.metrics import mse
from lstm_core.training.backend import start
from lstm_core.training.protocol import TrainingData
from lstm_core.training.worker import _Reporter, train_job
from tests.training.helpers import DATA, assert_weights_fit, finished, small_cfg, wait_for


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


def test_the_same_job_twice_gives_the_same_finite_history(pool):
    # One after the other: a finished job is not joined, so the second really trains again. The equal
    # histories are what lets identical submissions share one job (tests/training/test_shared_jobs.py).
    jobs = []
    for _ in range(2):
        jobs.append(start(DATA, small_cfg(), pool))
        wait_for(jobs[-1], finished)
    histories = [job.result().history for job in jobs]
    assert len({job.id for job in jobs}) == 2
    for history in histories:
        assert len(history["loss"]) == 3 and all(math.isfinite(v) for v in history["loss"])
    np.testing.assert_allclose(histories[0]["loss"], histories[1]["loss"], rtol=1e-4)
    np.testing.assert_allclose(histories[0]["val_loss"], histories[1]["val_loss"], rtol=1e-4)


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
