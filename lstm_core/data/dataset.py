"""Series generation, scaling, windowing and the chronological split."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.preprocessing import MinMaxScaler

from lstm_core.config import SeriesConfig
from lstm_core.data.inputs import OWN_PAST, driver_term, extra_input_values, known_shares

TRAIN_PERCENT = 70
VAL_PERCENT = 15
SPLITS = ("train", "val", "test")


def generate_series(cfg: SeriesConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (time, clean signal, noisy values), each (n_points,), reproducible from cfg.seed.

    With a driver among cfg.inputs the clean signal holds the driver's part too: it is all but the noise.
    """
    time = np.arange(cfg.n_points) * cfg.time_step  # (n_points,)
    phase = 2 * np.pi * time / cfg.period  # (n_points,)
    if cfg.shape == "sine":
        clean = cfg.amplitude * np.sin(phase)
    elif cfg.shape == "sum_of_sines":
        # A slower wave under a faster one: the forecaster has to hold two rhythms at once.
        clean = cfg.amplitude * (0.6 * np.sin(phase) + 0.4 * np.sin(3.1 * phase + 0.5))
    else:
        # The trend climbs one amplitude over the whole series, so the test part lies above training.
        clean = cfg.amplitude * (np.sin(phase) + time / max(time[-1], 1e-12))
    clean = clean + driver_term(cfg)  # (n_points,)
    rng = np.random.default_rng(cfg.seed)
    noisy = clean + rng.normal(0.0, cfg.noise_std, size=cfg.n_points)  # (n_points,)
    return time, clean, noisy


def make_windows(values: np.ndarray, seq_length: int, horizon: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Return X (samples, seq_length, features) and y (samples, horizon) cut from values.

    ``values`` is ``(n,)`` or ``(n, features)``; y holds the next ``horizon`` values of feature 0.
    Window k is ``X[k] = values[k : k + seq_length]`` and ``y[k] = values[k + seq_length :
    k + seq_length + horizon, 0]``, so there are ``n - seq_length - horizon + 1`` windows.

    Raises
    ------
    ValueError
        If seq_length or horizon is below 1, or the series is too short for one window.
    """
    series = np.asarray(values, dtype=np.float64)
    if series.ndim == 1:
        series = series[:, None]  # (n, 1)
    if seq_length < 1 or horizon < 1:
        raise ValueError(f"seq_length ({seq_length}) and horizon ({horizon}) must be at least 1")
    n_samples = series.shape[0] - seq_length - horizon + 1
    if n_samples < 1:
        raise ValueError(f"a series of {series.shape[0]} points is too short for one window of "
                         f"seq_length {seq_length} + horizon {horizon}")
    # sliding_window_view puts the window axis last: (n - seq_length + 1, features, seq_length)
    X = sliding_window_view(series[: n_samples + seq_length - 1], seq_length, axis=0)
    X = X.transpose(0, 2, 1).copy()  # (samples, seq_length, features), no longer a view of values
    y = sliding_window_view(series[seq_length:, 0], horizon)[:n_samples].copy()  # (samples, horizon)
    return X, y


def split_bounds(n_points: int) -> tuple[int, int]:
    """Return the point indices (train_end, val_end) where validation and test begin."""
    # Whole-number percentages keep the bounds exact: int(170 * 0.7) would give 118, not 119.
    return n_points * TRAIN_PERCENT // 100, n_points * (TRAIN_PERCENT + VAL_PERCENT) // 100


@dataclass
class Dataset:
    """A series (generated, or the learner's own), its scaling and its chronologically split windows."""

    cfg: SeriesConfig | None  # None for a series that was not generated
    seq_length: int
    horizon: int
    time: np.ndarray  # (n_points,)
    clean: np.ndarray | None  # (n_points,) the signal without noise, when it is known
    values: np.ndarray  # (n_points,) noisy, in the series' own units
    scaled: np.ndarray  # (n_points,) in (-1, 1) by the scaler fitted on the training part
    scaler: MinMaxScaler
    train_end: int
    val_end: int
    X: dict[str, np.ndarray]  # split -> (samples, seq_length, features): the series' own past, then each input
    y: dict[str, np.ndarray]  # split -> (samples, horizon)
    target_start: dict[str, np.ndarray]  # split -> (samples,) index of each window's first target
    name: str = "sine"
    shape: str = "sine"  # a SeriesConfig shape, or "data" for the learner's own series
    noise_std: float | None = None  # in the series' units; None when unknown
    season_length: int | None = None  # points per period, when the series has a known period
    time_labels: tuple[str, ...] | None = None  # the learner's own time column, one label per point
    features: tuple[str, ...] = (OWN_PAST,)  # what enters at each step, in X's last axis
    inputs: np.ndarray | None = None  # (n_points, features - 1) the extra inputs in their own units
    input_scalers: tuple[MinMaxScaler, ...] = ()  # one per extra input, fitted on the training part
    input_shares: dict[str, float] = field(default_factory=dict)  # extra input -> its share of the target, known

    @property
    def n_features(self) -> int:
        """Return how many values enter the network at each step."""
        return len(self.features)

    @property
    def noise_floor(self) -> float | None:
        """Return the noise variance in scaled units (the MSE no forecaster beats on average), or None if unknown."""
        if self.noise_std is None:
            return None
        return float((self.noise_std * self.scaler.scale_[0]) ** 2)

    def scaled_columns(self) -> np.ndarray:
        """Return every input at every point in scaled units (n_points, features): the series, then each input."""
        extra = [scaler.transform(column[:, None])[:, 0] for scaler, column in
                 zip(self.input_scalers, self.inputs.T if self.inputs is not None else [])]
        return np.column_stack([self.scaled, *extra])  # (n_points, features)

    def to_original(self, scaled_values: np.ndarray) -> np.ndarray:
        """Return scaled values mapped back to the series' own units, same shape."""
        return (np.asarray(scaled_values) - self.scaler.min_[0]) / self.scaler.scale_[0]

    def shapes(self) -> dict[str, tuple[int, ...]]:
        """Return the shape of X and y of every split, keyed like 'X_train'."""
        out = {}
        for split in SPLITS:
            out[f"X_{split}"] = self.X[split].shape
            out[f"y_{split}"] = self.y[split].shape
        return out


def build_dataset(cfg: SeriesConfig, seq_length: int, horizon: int = 1) -> Dataset:
    """Return the series of cfg scaled on its training part and windowed into train/val/test.

    A window goes to the split that holds all of its targets; the few windows whose targets
    straddle a boundary are dropped, so no target value is used by two splits.

    Raises
    ------
    ValueError
        If any split gets no window (series too short for this seq_length and horizon).
    """
    time, clean, values = generate_series(cfg)
    season = max(1, int(round(cfg.period / cfg.time_step)))
    return _windowed(values, seq_length, horizon, cfg=cfg, time=time, clean=clean, name=cfg.shape.replace("_", " "),
                     shape=cfg.shape, noise_std=cfg.noise_std, season_length=season,
                     extra=extra_input_values(cfg, time), extra_names=cfg.inputs,
                     input_shares=known_shares(cfg, clean, values, time))


def build_dataset_from_values(values: np.ndarray, seq_length: int, horizon: int = 1, name: str = "your data",
                              time_labels: tuple[str, ...] | None = None, inputs: np.ndarray | None = None,
                              input_names: tuple[str, ...] = ()) -> Dataset:
    """Return a Dataset of the learner's own values (n,): scaled on the training part, windowed and split.

    Its noise level and period are unknown: noise_floor is None and the seasonal baseline is left out. inputs
    (n, len(input_names)) are read beside the values, each scaled on the training part alone.

    Raises
    ------
    ValueError
        If any split gets no window.
    """
    values = np.asarray(values, dtype=np.float64)  # (n_points,)
    return _windowed(values, seq_length, horizon, cfg=None, time=np.arange(len(values), dtype=np.float64),
                     clean=None, name=name, shape="data", noise_std=None, season_length=None, time_labels=time_labels,
                     extra=inputs, extra_names=input_names)


def _scaled_on_train(values: np.ndarray, train_end: int) -> tuple[np.ndarray, MinMaxScaler]:
    """Return values (n_points,) in (-1, 1) by a scaler fitted on the training part only, and that scaler."""
    scaler = MinMaxScaler(feature_range=(-1, 1))
    scaler.fit(values[:train_end, None])
    return scaler.transform(values[:, None])[:, 0], scaler  # (n_points,)


def _windowed(values: np.ndarray, seq_length: int, horizon: int, extra: np.ndarray | None = None,
              extra_names: tuple[str, ...] = (), **meta) -> Dataset:
    n_points = len(values)
    train_end, val_end = split_bounds(n_points)
    if seq_length + horizon > train_end:
        raise ValueError(f"the train part gets no window: its {train_end} points are too few for "
                         f"seq_length {seq_length} and horizon {horizon}")
    scaled, scaler = _scaled_on_train(values, train_end)  # (n_points,)
    # Each input on its own scale, learned from the training part as the series' own is.
    scaled_extra = [_scaled_on_train(column, train_end) for column in (extra.T if extra is not None else [])]
    columns = np.column_stack([scaled, *(column for column, _ in scaled_extra)])  # (n_points, features)
    X_all, y_all = make_windows(columns, seq_length, horizon)
    first_target = np.arange(X_all.shape[0]) + seq_length  # (samples,)
    last_target = first_target + horizon - 1  # (samples,)
    masks = {
        "train": last_target < train_end,
        "val": (first_target >= train_end) & (last_target < val_end),
        "test": first_target >= val_end,
    }
    for split, mask in masks.items():
        if not mask.any():
            raise ValueError(f"the {split} part gets no window: {n_points} points are too few for "
                             f"seq_length {seq_length} and horizon {horizon}")
    return Dataset(
        seq_length=seq_length, horizon=horizon, values=values,
        scaled=scaled, scaler=scaler, train_end=train_end, val_end=val_end, **meta,
        features=(OWN_PAST, *extra_names), inputs=extra if extra_names else None,
        input_scalers=tuple(input_scaler for _, input_scaler in scaled_extra),
        X={s: X_all[m] for s, m in masks.items()},
        y={s: y_all[m] for s, m in masks.items()},
        target_start={s: first_target[m] for s, m in masks.items()},
    )


def max_seq_length(n_points: int, horizon: int = 1) -> int:
    """Return the longest window that still leaves at least one training window for n_points."""
    train_end, _ = split_bounds(n_points)
    return max(1, train_end - horizon)
