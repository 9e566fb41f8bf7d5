"""Training as a film: the untrained weights, a few moments inside epoch 1, one copy per epoch, replayed."""

from dataclasses import replace

import numpy as np
import pytest

from lstm_core.config import ModelConfig, SeriesConfig
from lstm_core.data.dataset import build_dataset
from lstm_core.lessons.film import bytes_per_epoch, film_frames, film_shots, mse_of_moments, replayed_predictions
from lstm_core.model.keras_model import build_model
from lstm_core.training.protocol import TrainingData
from lstm_core.training.worker import FIRST_EPOCH_FILM_SHOTS, train_job

CFG = ModelConfig(seq_length=10, units=6, layers=2, dense_units=4, epochs=4, dropout=0.1, batch_size=32)


@pytest.fixture(scope="module")
def filmed():
    ds = build_dataset(SeriesConfig(n_points=300), CFG.seq_length)
    data = replace(TrainingData.from_dataset(ds), keep_epoch_weights=True)
    return ds, train_job(data, CFG)


def shots_of(result, ds):
    return film_shots(result.initial_weights, result.first_epoch_weights, result.epoch_weights,
                      TrainingData.from_dataset(ds).batches_per_epoch(CFG.batch_size))


def frames_of(shots, ds):
    """Return every moment's FilmFrame for test window 3, as the film lesson replays them."""
    X_test, y_test = ds.X["test"], ds.y["test"]
    return film_frames(shots, replayed_predictions(shots, X_test), X_test, y_test, window=3)


def test_frame_zero_is_the_untrained_model(filmed):
    ds, result = filmed
    shots = shots_of(result, ds)
    frame = frames_of(shots, ds)[0]
    untrained = build_model(CFG).predict_on_batch(ds.X["test"])  # (samples, horizon)
    assert shots[0].epochs_trained == 0 and "before training" in shots[0].label
    np.testing.assert_allclose(frame.test_predictions, untrained, atol=1e-5)


def test_moments_inside_the_first_epoch_lie_between_frame_zero_and_epoch_one(filmed):
    ds, result = filmed
    batches = TrainingData.from_dataset(ds).batches_per_epoch(CFG.batch_size)
    done = [d for d, _ in result.first_epoch_weights]
    assert 1 <= len(done) <= FIRST_EPOCH_FILM_SHOTS and done == sorted(done) and 0 < done[0] and done[-1] < batches
    shots = shots_of(result, ds)
    positions = [shot.epochs_trained for shot in shots]
    assert positions == sorted(positions) and positions[len(done) + 1] == 1.0
    assert len(shots) == 1 + len(done) + CFG.epochs
    moved = [not np.array_equal(a.weights.to_list()[0], b.weights.to_list()[0]) for a, b in zip(shots, shots[1:])]
    assert all(moved), "every moment of the film holds different weights"


def test_one_frame_per_epoch_and_the_last_is_the_final_model(filmed):
    ds, result = filmed
    assert result.status == "done" and len(result.epoch_weights) == CFG.epochs
    for ours, final in zip(result.epoch_weights[-1].to_list(), result.weights.to_list()):
        np.testing.assert_array_equal(ours, final)
    first, last = result.epoch_weights[0].to_list(), result.epoch_weights[-1].to_list()
    assert any(not np.array_equal(a, b) for a, b in zip(first, last)), "the weights move between epochs"


def test_the_last_frame_replays_the_final_predictions(filmed):
    ds, result = filmed
    shots = shots_of(result, ds)
    frame = frames_of(shots, ds)[-1]
    np.testing.assert_allclose(frame.test_predictions, result.predictions["test"], atol=1e-5)
    assert frame.window_trace.layers[0].f.shape == (1, CFG.seq_length, CFG.units)
    errors = mse_of_moments(replayed_predictions(shots, ds.X["test"]), ds.y["test"])
    assert errors.shape == (len(shots),) and errors[-1] == pytest.approx(frame.test_mse)
    assert errors[-1] == pytest.approx(float(np.mean((result.predictions["test"] - ds.y["test"]) ** 2)), rel=1e-4)


def test_bytes_per_epoch_counts_every_weight(filmed):
    _, result = filmed
    assert bytes_per_epoch(result.weights) == 4 * sum(a.size for a in result.weights.to_list())


def test_no_film_unless_asked(filmed):
    ds, _ = filmed  # the film's architecture: the worker's kept model trains it without tracing anew
    result = train_job(TrainingData.from_dataset(ds), replace(CFG, epochs=2))
    assert result.status == "done" and result.epochs_run == 2
    assert result.epoch_weights == [] and result.first_epoch_weights == []
