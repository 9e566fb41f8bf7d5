"""Training as a film: one copy of the weights per whole epoch, replayed frame by frame."""

from dataclasses import replace

import numpy as np
import pytest

from lstm_core.config import ModelConfig, SeriesConfig
from lstm_core.data import build_dataset
from lstm_core.lessons.film import bytes_per_epoch, film_frame, mse_per_epoch
from lstm_core.worker import TrainingData, train_job

CFG = ModelConfig(seq_length=10, units=6, layers=2, dense_units=4, epochs=4, dropout=0.1, batch_size=32)


@pytest.fixture(scope="module")
def filmed():
    ds = build_dataset(SeriesConfig(n_points=300), CFG.seq_length)
    data = replace(TrainingData.from_dataset(ds), keep_epoch_weights=True)
    return ds, train_job(data, CFG)


def test_one_frame_per_epoch_and_the_last_is_the_final_model(filmed):
    ds, result = filmed
    assert result.status == "done" and len(result.epoch_weights) == CFG.epochs
    for ours, final in zip(result.epoch_weights[-1].to_list(), result.weights.to_list()):
        np.testing.assert_array_equal(ours, final)
    first, last = result.epoch_weights[0].to_list(), result.epoch_weights[-1].to_list()
    assert any(not np.array_equal(a, b) for a, b in zip(first, last)), "the weights move between epochs"


def test_the_last_frame_replays_the_final_predictions(filmed):
    ds, result = filmed
    frame = film_frame(result.epoch_weights, CFG.epochs, ds.X["test"], ds.y["test"], window=3)
    np.testing.assert_allclose(frame.test_predictions, result.predictions["test"], atol=1e-5)
    assert frame.window_trace.layers[0].f.shape == (1, CFG.seq_length, CFG.units)
    errors = mse_per_epoch(result.epoch_weights, ds.X["test"], ds.y["test"])
    assert errors.shape == (CFG.epochs,) and errors[-1] == pytest.approx(frame.test_mse)
    with pytest.raises(ValueError, match="outside the film"):
        film_frame(result.epoch_weights, 0, ds.X["test"], ds.y["test"], 0)


def test_bytes_per_epoch_counts_every_weight(filmed):
    _, result = filmed
    assert bytes_per_epoch(result.weights) == 4 * sum(a.size for a in result.weights.to_list())


def test_no_film_unless_asked():
    ds = build_dataset(SeriesConfig(n_points=200), 5)
    result = train_job(TrainingData.from_dataset(ds), replace(CFG, seq_length=5, epochs=2))
    assert result.epoch_weights == []
