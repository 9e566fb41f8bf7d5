"""Training-time estimates from the epoch times a server's own jobs measured.

The oracles are times, never the estimator's own formula: what recorded jobs took, the measurements in
BENCHMARKS.md for the rough guess, and orderings (more epochs or windows take longer) that no constant meets.
"""

from dataclasses import replace

import pytest

from lstm_core.config import ModelConfig
from lstm_core.presets import QUICK_START_MODEL
from lstm_core.training.backend import start
from lstm_core.training.estimates import TRACING_SECONDS, TrainingTimes
from lstm_core.training.pool import TrainingPool
from tests.training.helpers import DATA, finished, small_cfg, wait_for

N_TRAIN = 680  # the quick start's training windows
LARGEST = ModelConfig(seq_length=100, units=64, layers=3, dense_units=64, batch_size=16, epochs=50)
LARGEST_N_TRAIN = 1300  # 2000 points, the largest series the controls allow


def test_before_any_job_the_rough_guess_is_near_what_benchmarks_measured():
    # BENCHMARKS.md: the quick start took about 1.0 s on an idle server (the guess says 0.8 s); the largest
    # training the controls allow took about 129 s. "About N s" on the Model page promises about ±40 %.
    times = TrainingTimes(warm=(QUICK_START_MODEL,))
    quick, largest = times.estimate(QUICK_START_MODEL, N_TRAIN), times.estimate(LARGEST, LARGEST_N_TRAIN)
    assert quick.measured_jobs == largest.measured_jobs == 0
    assert 0.6 <= quick.seconds <= 1.4, quick
    assert 129 * 0.6 <= largest.seconds <= 129 * 1.4, largest


def test_more_epochs_windows_units_or_steps_take_longer():
    times = TrainingTimes(warm=(QUICK_START_MODEL,))
    base = times.estimate(QUICK_START_MODEL, N_TRAIN).seconds
    assert times.estimate(replace(QUICK_START_MODEL, epochs=24), N_TRAIN).seconds == pytest.approx(2 * base)
    assert times.estimate(QUICK_START_MODEL, 2 * N_TRAIN).seconds > 1.9 * base
    # Other architectures pay the first epoch's tracing on top, so compare them with each other.
    wider, longer = replace(QUICK_START_MODEL, units=64), replace(QUICK_START_MODEL, seq_length=40)
    unknown = times.estimate(replace(QUICK_START_MODEL, units=33), N_TRAIN).seconds
    assert times.estimate(wider, N_TRAIN).seconds > unknown and times.estimate(longer, N_TRAIN).seconds > unknown


def test_a_new_architecture_pays_the_stated_tracing_until_one_is_measured():
    times = TrainingTimes(warm=(QUICK_START_MODEL,))
    new = replace(QUICK_START_MODEL, units=8)
    untraced = times.estimate(new, N_TRAIN).seconds
    times_knowing_it = TrainingTimes(warm=(QUICK_START_MODEL, new))
    assert untraced - times_knowing_it.estimate(new, N_TRAIN).seconds == pytest.approx(TRACING_SECONDS)


def test_the_same_settings_are_estimated_at_what_they_took():
    times = TrainingTimes(warm=(QUICK_START_MODEL,))
    epochs = [0.09] * QUICK_START_MODEL.epochs  # a warm worker: no tracing epoch
    times.record(QUICK_START_MODEL, N_TRAIN, epochs, elapsed=sum(epochs) + 0.15)
    estimate = times.estimate(QUICK_START_MODEL, N_TRAIN)
    assert estimate.measured_jobs == 1
    assert estimate.seconds == pytest.approx(12 * 0.09 + 0.15)
    # Twice the epochs at the measured pace, the same time around them.
    assert times.estimate(replace(QUICK_START_MODEL, epochs=24), N_TRAIN).seconds == pytest.approx(24 * 0.09 + 0.15)


def test_a_slower_server_is_estimated_slower_for_the_same_settings():
    fast, slow = TrainingTimes(warm=(QUICK_START_MODEL,)), TrainingTimes(warm=(QUICK_START_MODEL,))
    fast.record(QUICK_START_MODEL, N_TRAIN, [0.1] * 12, elapsed=12 * 0.1 + 0.2)
    slow.record(QUICK_START_MODEL, N_TRAIN, [0.4] * 12, elapsed=12 * 0.4 + 0.2)
    assert fast.estimate(QUICK_START_MODEL, N_TRAIN).seconds == pytest.approx(1.4)
    assert slow.estimate(QUICK_START_MODEL, N_TRAIN).seconds == pytest.approx(5.0)
    other = replace(QUICK_START_MODEL, seq_length=40, epochs=10)  # settings neither server has run
    assert slow.estimate(other, N_TRAIN).seconds > fast.estimate(other, N_TRAIN).seconds


def test_a_new_architecture_pays_the_tracing_measured_on_earlier_new_ones():
    deeper = ModelConfig(seq_length=20, units=32, layers=2, epochs=10)
    slow_tracing, quick_tracing = TrainingTimes(warm=(QUICK_START_MODEL,)), TrainingTimes(warm=(QUICK_START_MODEL,))
    # The same job on two servers, but tracing its graph took 1.5 s more on its first epoch on one, 0.5 s on the other.
    slow_tracing.record(deeper, N_TRAIN, [0.3 + 1.5] + [0.3] * 9, elapsed=10 * 0.3 + 1.5 + 0.2)
    quick_tracing.record(deeper, N_TRAIN, [0.3 + 0.5] + [0.3] * 9, elapsed=10 * 0.3 + 0.5 + 0.2)
    for times in (slow_tracing, quick_tracing):
        assert times.estimate(deeper, N_TRAIN).seconds == pytest.approx(10 * 0.3 + 0.2), "known now: no tracing"
    new = replace(deeper, seq_length=30)
    gap = slow_tracing.estimate(new, N_TRAIN).seconds - quick_tracing.estimate(new, N_TRAIN).seconds
    assert gap == pytest.approx(1.5 - 0.5)


def test_the_pool_estimates_a_finished_jobs_settings_at_what_it_took():
    own_pool = TrainingPool(max_workers=1)
    try:
        assert own_pool.wait_ready(120)
        assert own_pool.times.estimate(small_cfg(epochs=4), len(DATA.X_train)).measured_jobs == 0
        cfg = small_cfg(epochs=4)
        job = start(DATA, cfg, own_pool)
        final = wait_for(job, finished)
        assert final.status == "done" and len(final.epoch_seconds) == 4
        estimate = own_pool.times.estimate(cfg, len(DATA.X_train))
        assert estimate.measured_jobs == 1
        # Its architecture was new: the traced first epoch is not paid again by the same settings.
        steady, around = sorted(final.epoch_seconds[1:])[1], final.elapsed - sum(final.epoch_seconds)
        assert estimate.seconds == pytest.approx(4 * steady + around, rel=1e-6)
        twice = own_pool.times.estimate(small_cfg(epochs=8), len(DATA.X_train))
        assert twice.seconds == pytest.approx(8 * steady + around, rel=1e-6)
    finally:
        own_pool.shutdown()
