"""Training-time estimates from the epoch times a server's own jobs measured."""

import pytest

from lstm_core.config import ModelConfig
from lstm_core.presets import QUICK_START_MODEL
from lstm_core.training.estimates import TRACING_SECONDS, TrainingTimes, rough_epoch_seconds
from lstm_core.training.pool import TrainingPool, start
from tests.training.helpers import DATA, finished, small_cfg, wait_for

N_TRAIN = 686


def test_before_any_job_the_rough_formula_and_tracing_for_a_new_architecture():
    times = TrainingTimes(warm=(QUICK_START_MODEL,))
    warm = times.estimate(QUICK_START_MODEL, N_TRAIN)
    assert warm.measured_jobs == 0
    assert warm.seconds == pytest.approx(QUICK_START_MODEL.epochs * rough_epoch_seconds(QUICK_START_MODEL, N_TRAIN))
    other = ModelConfig(units=8)
    assert times.estimate(other, N_TRAIN).seconds == pytest.approx(
        other.epochs * rough_epoch_seconds(other, N_TRAIN) + TRACING_SECONDS)


def test_the_same_settings_are_estimated_at_what_they_took():
    times = TrainingTimes(warm=(QUICK_START_MODEL,))
    epochs = [0.09] * QUICK_START_MODEL.epochs  # a warm worker: no tracing epoch
    times.record(QUICK_START_MODEL, N_TRAIN, epochs, elapsed=sum(epochs) + 0.15)
    estimate = times.estimate(QUICK_START_MODEL, N_TRAIN)
    assert estimate.measured_jobs == 1
    assert estimate.seconds == pytest.approx(sum(epochs) + 0.15)


def test_other_settings_scale_by_the_measured_speed_and_a_new_architecture_pays_the_measured_tracing():
    times = TrainingTimes(warm=(QUICK_START_MODEL,))
    speed = 0.5  # this server runs epochs at half the formula's time
    steady = speed * rough_epoch_seconds(QUICK_START_MODEL, N_TRAIN)
    times.record(QUICK_START_MODEL, N_TRAIN, [steady] * 12, elapsed=12 * steady + 0.2)
    deeper = ModelConfig(seq_length=20, units=32, layers=2, epochs=10)
    new_steady = speed * rough_epoch_seconds(deeper, N_TRAIN)
    guess = times.estimate(deeper, N_TRAIN)
    assert guess.seconds == pytest.approx(10 * new_steady + 0.2 + TRACING_SECONDS)
    times.record(deeper, N_TRAIN, [new_steady + 1.5] + [new_steady] * 9, elapsed=10 * new_steady + 1.5 + 0.2)
    assert times.estimate(ModelConfig(seq_length=30, units=32, layers=2, epochs=10), N_TRAIN).seconds > \
        times.estimate(deeper, N_TRAIN).seconds  # a new architecture still pays tracing: 1.5 s as measured
    again = times.estimate(deeper, N_TRAIN)
    assert again.measured_jobs == 2 and again.seconds == pytest.approx(10 * new_steady + 0.2)





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
