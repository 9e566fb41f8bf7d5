"""Series generation, windowing, scaling and the chronological split, checked against plain slicing."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lstm_core.config import SERIES_SHAPES, SeriesConfig
from lstm_core.data.dataset import SPLITS, build_dataset, generate_series, make_windows, max_seq_length, split_bounds

EPS = 1e-12


# --- generate_series -------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", SERIES_SHAPES)
def test_generate_series_is_reproducible_from_the_seed(shape):
    cfg = SeriesConfig(n_points=300, shape=shape, seed=7)
    first, again = generate_series(cfg), generate_series(cfg)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    time, clean, noisy = generate_series(SeriesConfig(n_points=300, shape=shape, seed=8))
    np.testing.assert_array_equal(time, first[0])
    np.testing.assert_array_equal(clean, first[1])  # the seed moves the noise only
    assert not np.allclose(noisy, first[2])


@pytest.mark.parametrize("shape", SERIES_SHAPES)
def test_generate_series_shapes_and_time_axis(shape):
    cfg = SeriesConfig(n_points=257, time_step=0.05, shape=shape)
    time, clean, noisy = generate_series(cfg)
    assert time.shape == clean.shape == noisy.shape == (257,)
    np.testing.assert_allclose(time, np.arange(257) * 0.05)
    assert np.all(np.isfinite(clean)) and np.all(np.isfinite(noisy))


@pytest.mark.parametrize("shape", SERIES_SHAPES)
def test_zero_noise_gives_the_clean_signal(shape):
    _, clean, noisy = generate_series(SeriesConfig(noise_std=0.0, shape=shape))
    np.testing.assert_array_equal(noisy, clean)


def test_sine_is_the_textbook_sine():
    cfg = SeriesConfig(n_points=200, time_step=0.1, period=4.0, amplitude=2.5, noise_std=0.0)
    time, clean, _ = generate_series(cfg)
    np.testing.assert_allclose(clean, 2.5 * np.sin(2 * np.pi * time / 4.0), atol=EPS)


def test_noise_has_the_configured_spread():
    _, clean, noisy = generate_series(SeriesConfig(n_points=2000, noise_std=0.7, seed=3))
    assert np.std(noisy - clean) == pytest.approx(0.7, rel=0.05)
    assert abs(np.mean(noisy - clean)) < 0.05


def test_trend_climbs_one_amplitude():
    time, clean, _ = generate_series(SeriesConfig(shape="trend", amplitude=3.0, noise_std=0.0))
    np.testing.assert_allclose(clean - 3.0 * np.sin(2 * np.pi * time / SeriesConfig().period),
                               3.0 * time / time[-1], atol=1e-9)


# --- make_windows ----------------------------------------------------------------------------------

def assert_windows_match_slicing(values, X, y, seq_length, horizon):
    series = values if values.ndim == 2 else values[:, None]
    n_samples = series.shape[0] - seq_length - horizon + 1
    assert X.shape == (n_samples, seq_length, series.shape[1])
    assert y.shape == (n_samples, horizon)
    for k in range(n_samples):
        np.testing.assert_array_equal(X[k], series[k:k + seq_length])
        np.testing.assert_array_equal(y[k], series[k + seq_length:k + seq_length + horizon, 0])


@given(n=st.integers(1, 60), seq_length=st.integers(1, 20), horizon=st.integers(1, 6),
       features=st.integers(1, 3), flat=st.booleans())
def test_make_windows_matches_plain_slicing(n, seq_length, horizon, features, flat):
    # Distinct values everywhere, so any off-by-one or feature mix-up shows.
    values = np.arange(n * features, dtype=np.float64).reshape(n, features) * 1.5 - 7
    if features == 1 and flat:
        values = values[:, 0]
    if n - seq_length - horizon + 1 < 1:
        with pytest.raises(ValueError, match="too short"):
            make_windows(values, seq_length, horizon)
        return
    X, y = make_windows(values, seq_length, horizon)
    assert_windows_match_slicing(values, X, y, seq_length, horizon)
    assert X.flags["C_CONTIGUOUS"] and y.flags["C_CONTIGUOUS"]


def test_make_windows_hand_example():
    X, y = make_windows(np.array([1.0, 2, 3, 4, 5, 6]), seq_length=3, horizon=2)
    np.testing.assert_array_equal(X[:, :, 0], [[1, 2, 3], [2, 3, 4]])
    np.testing.assert_array_equal(y, [[4, 5], [5, 6]])


@pytest.mark.parametrize("n, seq_length, horizon", [(10, 1, 1), (10, 3, 1), (10, 3, 4), (10, 9, 1),
                                                    (10, 1, 9), (1000, 50, 10)])
def test_sample_count_formula(n, seq_length, horizon):
    X, y = make_windows(np.zeros(n), seq_length, horizon)
    assert len(X) == len(y) == n - seq_length - horizon + 1


@pytest.mark.parametrize("n, seq_length, horizon", [(10, 10, 1), (10, 9, 2), (10, 1, 10), (0, 1, 1)])
def test_too_short_series_raises(n, seq_length, horizon):
    with pytest.raises(ValueError, match=f"{n} points is too short"):
        make_windows(np.zeros(n), seq_length, horizon)


@pytest.mark.parametrize("seq_length, horizon", [(0, 1), (1, 0), (-2, 1), (3, -1), (0, 0)])
def test_seq_length_and_horizon_below_one_raise(seq_length, horizon):
    with pytest.raises(ValueError, match="at least 1"):
        make_windows(np.zeros(50), seq_length, horizon)


@pytest.mark.parametrize("seq_length, horizon", [
    (3, 2),
    (3, 1),
    (1, 2),
    (1, 1),
])
def test_make_windows_returns_fresh_writable_arrays(seq_length, horizon):
    values = np.arange(10.0)
    X, y = make_windows(values, seq_length, horizon)
    X[0, 0, 0] = 99.0
    y[0, 0] = 99.0
    np.testing.assert_array_equal(values, np.arange(10.0))
    values[:] = -1.0  # a later change to the input must not reach windows already cut
    assert X[1, 0, 0] == 1.0 and y[1, 0] == seq_length + 1


# --- build_dataset ---------------------------------------------------------------------------------

def target_indices(ds, split):
    """Return (samples, horizon) indices into the series of every target of a split."""
    return ds.target_start[split][:, None] + np.arange(ds.horizon)[None, :]


def test_split_bounds_are_the_documented_fractions():
    assert split_bounds(1000) == (700, 850)
    assert split_bounds(100) == (70, 85)


@pytest.mark.parametrize("shape", SERIES_SHAPES)
def test_every_shape_builds_a_dataset(shape):
    ds = build_dataset(SeriesConfig(n_points=400, shape=shape), seq_length=20, horizon=3)
    for split in SPLITS:
        assert ds.X[split].ndim == 3 and ds.X[split].shape[1:] == (20, 1)
        assert ds.y[split].shape == (len(ds.X[split]), 3)
        assert ds.target_start[split].shape == (len(ds.X[split]),)
        assert len(ds.X[split]) > 0 and np.all(np.isfinite(ds.X[split]))
    assert ds.shapes()["X_train"] == ds.X["train"].shape
    assert set(ds.shapes()) == {f"{a}_{s}" for a in "Xy" for s in SPLITS}


def test_scaler_is_fitted_on_the_training_part_only():
    # The trend puts the test part above every training value: a leaked scaler would squeeze it in.
    ds = build_dataset(SeriesConfig(shape="trend", n_points=600), seq_length=30)
    train = ds.scaled[:ds.train_end]
    assert train.min() == pytest.approx(-1.0, abs=EPS)
    assert train.max() == pytest.approx(1.0, abs=EPS)
    assert np.all((train >= -1 - EPS) & (train <= 1 + EPS))
    assert ds.scaled[ds.val_end:].max() > 1.2
    assert ds.scaler.data_min_[0] == ds.values[:ds.train_end].min()
    assert ds.scaler.data_max_[0] == ds.values[:ds.train_end].max()


def test_to_original_inverts_the_scaling():
    ds = build_dataset(SeriesConfig(amplitude=4.0, n_points=500), seq_length=10, horizon=2)
    np.testing.assert_allclose(ds.to_original(ds.scaled), ds.values, atol=1e-9)
    restored = ds.to_original(ds.y["test"])  # (samples, horizon): shape is kept
    assert restored.shape == ds.y["test"].shape
    np.testing.assert_allclose(restored, ds.values[target_indices(ds, "test")], atol=1e-9)


def test_noise_floor_is_the_noise_variance_in_scaled_units():
    cfg = SeriesConfig(noise_std=0.3, amplitude=2.0)
    ds = build_dataset(cfg, seq_length=10)
    train = ds.values[:ds.train_end]
    expected = (0.3 * 2 / (train.max() - train.min())) ** 2
    assert ds.noise_floor == pytest.approx(expected, rel=1e-12)
    assert build_dataset(SeriesConfig(noise_std=0.0), seq_length=10).noise_floor == 0.0


@given(n_points=st.integers(100, 400), seq_length=st.integers(1, 60), horizon=st.integers(1, 10),
       shape=st.sampled_from(SERIES_SHAPES), seed=st.integers(0, 2**31 - 1))
def test_splits_are_chronological_disjoint_and_match_slicing(n_points, seq_length, horizon, shape, seed):
    cfg = SeriesConfig(n_points=n_points, shape=shape, seed=seed)
    ds = build_dataset(cfg, seq_length=seq_length, horizon=horizon)
    train_end, val_end = split_bounds(n_points)
    assert (ds.train_end, ds.val_end) == (train_end, val_end)
    targets = {split: target_indices(ds, split) for split in SPLITS}

    # Chronological: every train target comes before every val target, and val before test.
    assert targets["train"].max() < targets["val"].min()
    assert targets["val"].max() < targets["test"].min()
    assert targets["train"].max() < train_end <= targets["val"].min()
    assert targets["val"].max() < val_end <= targets["test"].min()
    assert targets["test"].max() < n_points
    # No target index is used by two splits.
    seen = [set(targets[s].ravel().tolist()) for s in SPLITS]
    assert not (seen[0] & seen[1] or seen[1] & seen[2] or seen[0] & seen[2])

    # Window counts: every window inside a part, none straddling a boundary.
    assert len(ds.X["train"]) == train_end - seq_length - horizon + 1
    assert len(ds.X["val"]) == val_end - train_end - horizon + 1
    assert len(ds.X["test"]) == n_points - val_end - horizon + 1

    for split in SPLITS:
        assert np.all(np.diff(ds.target_start[split]) == 1)
        for k, start in enumerate(ds.target_start[split]):
            np.testing.assert_array_equal(ds.X[split][k, :, 0], ds.scaled[start - seq_length:start])
            np.testing.assert_array_equal(ds.y[split][k], ds.scaled[start:start + horizon])


@pytest.mark.parametrize("n_points, seq_length, horizon", [(100, 70, 1), (100, 65, 6), (200, 99, 42)])
def test_series_too_short_for_a_split_raises_naming_it(n_points, seq_length, horizon):
    with pytest.raises(ValueError, match="the train part gets no window"):
        build_dataset(SeriesConfig(n_points=n_points), seq_length=seq_length, horizon=horizon)


def test_just_long_enough_for_every_split():
    ds = build_dataset(SeriesConfig(n_points=100), seq_length=69, horizon=1)
    assert len(ds.X["train"]) == 1


def test_series_too_short_for_any_window_raises_naming_the_train_part():
    with pytest.raises(ValueError, match="the train part gets no window"):
        build_dataset(SeriesConfig(n_points=100), seq_length=100, horizon=1)


@given(n_points=st.integers(100, 2000), horizon=st.integers(1, 10))
def test_max_seq_length_is_the_longest_window_that_still_trains(n_points, horizon):
    cfg = SeriesConfig(n_points=n_points, noise_std=0.0)
    longest = max_seq_length(n_points, horizon)
    assert len(build_dataset(cfg, longest, horizon).X["train"]) == 1
    with pytest.raises(ValueError, match="train"):
        build_dataset(cfg, longest + 1, horizon)
