"""What the store tests compare: two TrainingResults equal in every field, their arrays bit for bit."""

import numpy as np


def assert_same_weights(a, b):
    """Fail unless two ModelWeights have the same cell and bit-equal arrays of the same dtypes."""
    assert a.cell == b.cell
    for x, y in zip(a.to_list(), b.to_list(), strict=True):
        assert x.dtype == y.dtype and np.array_equal(x, y)


def assert_same_result(got, want):
    """Fail unless two TrainingResults agree in every field, weights and predictions bit-equal."""
    assert (got.status, got.message, got.history, got.epochs_run) == (want.status, want.message, want.history,
                                                                       want.epochs_run)
    assert got.keras_bytes == want.keras_bytes
    for name in ("weights", "initial_weights"):
        if getattr(want, name) is None:
            assert getattr(got, name) is None
        else:
            assert_same_weights(getattr(got, name), getattr(want, name))
    assert set(got.predictions) == set(want.predictions)
    for split, values in want.predictions.items():
        assert got.predictions[split].dtype == values.dtype and np.array_equal(got.predictions[split], values)
    assert len(got.epoch_weights) == len(want.epoch_weights)
    for a, b in zip(got.epoch_weights, want.epoch_weights):
        assert_same_weights(a, b)
    assert [batch for batch, _ in got.first_epoch_weights] == [batch for batch, _ in want.first_epoch_weights]
    for (_, a), (_, b) in zip(got.first_epoch_weights, want.first_epoch_weights):
        assert_same_weights(a, b)
