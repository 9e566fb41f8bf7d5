"""What can be read back from the memory: linear readouts of a layer's states, scored on test windows.

A readout is a ridge regression (closed form, with an intercept, its penalty chosen on held-out training
windows) from the states of one layer at one step (c or h, one row per window) to a quantity: each past
input x_{t-k}, k = 0 ... window - 1 counted back from the step read; the noise of each past input; the
clean signal at the step and its slope. It is
fitted on the training windows and scored by R² on the test windows: 1 is read back exactly, 0 is no
better than the test windows' mean, below 0 worse. Curves hold raw R²; a plot may clip at
``R2_PLOT_FLOOR``. A past input before the window's first step was never seen: its R² is NaN.

On a smooth wave every past value follows from the present phase, so x_{t-k} reads back well for every
k whatever the memory holds; the noise of x_{t-k} does not follow from the phase, which makes it the
honest test of whether past values are kept. lstm_core.glassbox.memory_verdict puts the curves in words.

The clean signal, its slope and the noise are known at every step of a generated series (a clean wave plus
noise drawn here). A measured series (the learner's own file, the bundled real series) has no known clean
signal: those readouts cannot be computed, and the result says so in a sentence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from lstm_core.glassbox.replay import LSTMTrace, _as_weights, trace_model
from lstm_core.model.keras_model import KerasModel
from lstm_core.model.weights import ModelWeights

if TYPE_CHECKING:
    from lstm_core.data.dataset import Dataset

# Penalties tried on standardised states. The state of a trained forecaster lies mostly along its phase; what
# else it holds (the noise of recent inputs) sits in directions of small spread that a large penalty erases
# (measured on the quick start: noise R² at k = 0 is 0.88 with 1e-6, 0.73 with 1e-3, 0.25 with 0.1), while a
# small training set with many units needs one. Each target takes the penalty that reads the last
# HELD_OUT_SHARE of the training windows best when fitted on the rest; the test windows play no part.
RIDGE_ALPHAS = (1e-6, 1e-4, 1e-2, 1.0)
HELD_OUT_SHARE = 0.2
R2_PLOT_FLOOR = 0.0  # curves keep raw R²; a plot clips below this (worse than the mean reads as nothing kept)
UNKNOWN_SIGNALS = ("The clean signal of these windows is unknown, so the noise of each input, the clean signal "
                   "and its slope cannot be computed.")


@dataclass(frozen=True)
class WindowSignals:
    """The clean signal, its slope and the input's noise at every step of each window, in scaled units."""

    clean: np.ndarray  # (windows, timesteps) the clean signal, scaled as the inputs are
    slope: np.ndarray  # (windows, timesteps) clean[t] - clean[t - 1] along the series
    noise: np.ndarray  # (windows, timesteps) the scaled noisy input minus the scaled clean signal

    def __post_init__(self) -> None:
        shapes = {self.clean.shape, self.slope.shape, self.noise.shape}
        if len(shapes) != 1 or self.clean.ndim != 2:
            raise ValueError(f"clean {self.clean.shape}, slope {self.slope.shape} and noise {self.noise.shape} "
                             f"must share one (windows, timesteps) shape")


def window_signals(dataset: Dataset, split: str) -> WindowSignals | None:
    """Return the WindowSignals of a split's windows, or None when the series' clean signal is unknown."""
    if dataset.clean is None:
        return None
    clean = np.asarray(dataset.scaler.transform(np.asarray(dataset.clean, dtype=np.float64)[:, None]))[:, 0]
    slope = np.empty_like(clean)  # (n_points,)
    slope[1:] = np.diff(clean)
    slope[0] = slope[1]  # the first point has no point before it: its slope is the next one's
    noise = dataset.scaled - clean  # (n_points,)
    start = dataset.target_start[split] - dataset.seq_length  # (windows,) each window's first point
    steps = start[:, None] + np.arange(dataset.seq_length)  # (windows, timesteps) point index of every step
    return WindowSignals(clean[steps], slope[steps], noise[steps])


def unknown_signals_reason(dataset: Dataset) -> str | None:
    """Return a sentence saying what cannot be computed without a clean signal, or None when it is known."""
    if dataset.clean is not None:
        return None
    return (f"The clean signal of this series ({dataset.name}) is unknown (it is measured, not a wave plus noise "
            f"drawn here), so the noise of each input, the clean signal and its slope cannot be computed; on a "
            f"smooth series every past input follows from the present, so reading back past inputs cannot tell "
            f"a kept phase from a kept list of values.")


@dataclass
class StateCurves:
    """What one state (c or h) of a layer holds at the step read: R² of each readout on the test windows."""

    inputs: np.ndarray  # (window,) R² of x_{t-k}, k = 0 ... window - 1; NaN where t - k < 0
    noise: np.ndarray | None  # (window,) R² of the noise of x_{t-k}; None when the clean signal is unknown
    clean: float | None  # R² of the clean signal at the step read; None when unknown
    slope: float | None  # R² of the clean signal's slope at the step read; None when unknown
    targets: dict[str, float] = field(default_factory=dict)  # R² of each known target the caller gave


@dataclass
class MemoryCurves:
    """The memory curves of one layer at one step, per state ("c" for an LSTM layer, and "h")."""

    layer: int  # 0-based
    step: int  # 0-based step read
    window: int  # timesteps of a window
    states: dict[str, StateCurves]
    unknown: str | None  # why the noise, clean and slope readouts are absent; None when they are present


def fit_ridge(states: np.ndarray, targets: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Return (coef (features, targets), intercept (targets,)) of a ridge readout on standardised states.

    Each state column is centred and divided by its spread before the penalty alpha·|coef|² is added to the
    mean squared error, so alpha means the same for a unit that moves by 0.01 and one that moves by 5; the
    coefficients returned apply to the states as given.
    """
    states = np.asarray(states, dtype=np.float64)  # (windows, features)
    targets = np.asarray(targets, dtype=np.float64)  # (windows, targets)
    state_mean, target_mean = states.mean(axis=0), targets.mean(axis=0)  # (features,), (targets,)
    spread = states.std(axis=0)  # (features,)
    spread = np.where(spread > 1e-12, spread, 1.0)  # a unit that never moves carries nothing: keep it finite
    standard = (states - state_mean) / spread  # (windows, features)
    gram = standard.T @ standard / len(states) + alpha * np.eye(states.shape[1])  # (features, features)
    coef = np.linalg.solve(gram, standard.T @ (targets - target_mean) / len(states)) / spread[:, None]
    return coef, target_mean - state_mean @ coef


def r2_scores(actual: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Return R² per column of two (windows, targets) arrays; NaN for a column that does not vary."""
    actual = np.asarray(actual, dtype=np.float64)  # (windows, targets)
    residual = np.sum((actual - predicted) ** 2, axis=0)  # (targets,)
    total = np.sum((actual - actual.mean(axis=0)) ** 2, axis=0)  # (targets,)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 1e-12 * len(actual), 1.0 - residual / total, np.nan)


def readout_r2(train_states: np.ndarray, train_targets: np.ndarray, test_states: np.ndarray,
               test_targets: np.ndarray, alphas: tuple[float, ...] = RIDGE_ALPHAS) -> np.ndarray:
    """Return the test R² (targets,) of ridge readouts fitted on the training states, one per target column.

    Each target's penalty is the one of alphas that scores best on the last HELD_OUT_SHARE of the training
    windows when fitted on the rest; the readout is then fitted on every training window with it.
    """
    train_states = np.asarray(train_states, dtype=np.float64)  # (windows, features)
    train_targets = np.asarray(train_targets, dtype=np.float64)  # (windows, targets)
    test_states = np.asarray(test_states, dtype=np.float64)  # (test windows, features)
    cut = len(train_states) - max(1, int(len(train_states) * HELD_OUT_SHARE))
    choice = np.zeros(train_targets.shape[1], dtype=int)  # (targets,) index into alphas
    if len(alphas) > 1 and cut >= 2 and len(train_states) - cut >= 2:
        held_out = np.stack([r2_scores(train_targets[cut:], train_states[cut:] @ coef + intercept)
                             for coef, intercept in (fit_ridge(train_states[:cut], train_targets[:cut], alpha)
                                                     for alpha in alphas)])  # (alphas, targets)
        choice = np.argmax(np.nan_to_num(held_out, nan=-np.inf), axis=0)
    predicted = np.empty((len(test_states), train_targets.shape[1]))  # (test windows, targets)
    for index in np.unique(choice):
        columns = choice == index
        coef, intercept = fit_ridge(train_states, train_targets[:, columns], alphas[index])
        predicted[:, columns] = test_states @ coef + intercept
    return r2_scores(test_targets, predicted)


def _targets(X: np.ndarray, signals: WindowSignals | None, step: int, feature: int) -> np.ndarray:
    """Return the readout targets (windows, 2·window + 2 or window): inputs, then noise, clean and slope."""
    window = X.shape[1]
    back = step - np.arange(window)  # (window,) the step of x_{t-k}; negative before the window
    seen = np.clip(back, 0, None)  # columns before the window are filled, then set to NaN in the scores
    columns = [X[:, seen, feature]]  # (windows, window)
    if signals is not None:
        columns += [signals.noise[:, seen], signals.clean[:, step, None], signals.slope[:, step, None]]
    return np.concatenate(columns, axis=1)


def memory_curves_from_windows(model_or_weights: KerasModel | ModelWeights, X_train: np.ndarray, X_test: np.ndarray,
                               signals_train: WindowSignals | None = None, signals_test: WindowSignals | None = None,
                               layer: int | None = None, step: int | None = None,
                               targets: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None,
                               unknown: str | None = None, feature: int = 0) -> MemoryCurves:
    """Return the MemoryCurves of a layer (default the last) at a step (default the last) on any windows.

    X_* are (windows, timesteps, features); past inputs are read from input channel ``feature``. With
    signals for both splits the noise, clean and slope curves are drawn; without, ``unknown`` (a sentence
    saying why) is kept in the result. ``targets`` maps a name to (train (windows,), test (windows,)) values
    known per window, such as the marked value of the memory lesson: each gets its R² in StateCurves.targets.

    Raises
    ------
    ValueError
        If the layer or step is out of range (the message names the bounds), or signals are given for one
        split only.
    """
    weights = _as_weights(model_or_weights)
    n_layers, window = len(weights.recurrent), np.shape(X_test)[1]
    layer = n_layers - 1 if layer is None else layer
    step = window - 1 if step is None else step
    if not 0 <= layer < n_layers:
        raise ValueError(f"layer {layer} is out of range: the model has {n_layers} recurrent layers "
                         f"(0 to {n_layers - 1})")
    if not 0 <= step < window:
        raise ValueError(f"step {step} is out of range: the window has {window} steps (0 to {window - 1})")
    if (signals_train is None) != (signals_test is None):
        raise ValueError("give the clean signals of both the training and the test windows, or of neither")
    known = signals_train is not None
    extra_targets = dict(targets or {})  # name -> (train values, test values)
    names = list(extra_targets)
    fits = {}
    for side, (split, X, signals) in enumerate((("train", X_train, signals_train), ("test", X_test, signals_test))):
        trace = trace_model(weights, X).layers[layer]
        extra = [np.asarray(values[side], dtype=np.float64)[:, None] for values in extra_targets.values()]
        y = np.concatenate([_targets(np.asarray(X), signals, step, feature), *extra], axis=1)  # (windows, m)
        states = {"c": trace.c[:, step], "h": trace.h[:, step]} if isinstance(trace, LSTMTrace) else \
            {"h": trace.h[:, step]}  # each (windows, units)
        fits[split] = (states, y)
    curves: dict[str, StateCurves] = {}
    before_window = np.arange(window) > step  # (window,) x_{t-k} for these k lies before the first step
    for state in fits["train"][0]:
        scores = readout_r2(fits["train"][0][state], fits["train"][1], fits["test"][0][state], fits["test"][1])
        inputs = np.where(before_window, np.nan, scores[:window])  # (window,)
        noise = np.where(before_window, np.nan, scores[window:2 * window]) if known else None
        clean, slope = (float(scores[2 * window]), float(scores[2 * window + 1])) if known else (None, None)
        extra_scores = scores[len(scores) - len(names):] if names else np.array([])
        curves[state] = StateCurves(inputs, noise, clean, slope, dict(zip(names, map(float, extra_scores))))
    reason = None if known else (unknown or UNKNOWN_SIGNALS)
    return MemoryCurves(layer, step, window, curves, reason)


def memory_curves(model_or_weights: KerasModel | ModelWeights, dataset: Dataset, layer: int | None = None,
                  step: int | None = None, feature: int = 0) -> MemoryCurves:
    """Return the MemoryCurves of a model on a Dataset: fitted on its training windows, scored on its test windows.

    The past inputs read back are those of input ``feature`` (0: the series' own past). Where the series'
    clean signal is unknown, or another input is read, the noise, clean and slope curves are None and
    MemoryCurves.unknown says why. Raises ValueError for a layer or step out of range.
    """
    if feature:
        return memory_curves_from_windows(
            model_or_weights, dataset.X["train"], dataset.X["test"], layer=layer, step=step, feature=feature,
            unknown=f"The noise and the clean wave are parts of the series itself: for the {dataset.features[feature]} "
                    "only its past values are read back.")
    return memory_curves_from_windows(model_or_weights, dataset.X["train"], dataset.X["test"],
                                      window_signals(dataset, "train"), window_signals(dataset, "test"),
                                      layer=layer, step=step, unknown=unknown_signals_reason(dataset))


def compare_memories(models: Mapping[str, KerasModel | ModelWeights], X_train: np.ndarray, X_test: np.ndarray,
                     targets: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None,
                     unknown: str | None = None, feature: int = 0) -> dict[str, MemoryCurves]:
    """Return each named model's MemoryCurves (last layer, last step) on the same windows, for side-by-side curves.

    Made for the memory lesson, whose inputs are independent values with a marker channel: pass its windows,
    ``targets={"the marked value": (y_train[:, 0], y_test[:, 0])}`` and an ``unknown`` sentence saying the
    inputs have no clean signal. On independent inputs the R² of x_{t-k} is how much of that very value is kept.
    """
    return {name: memory_curves_from_windows(model, X_train, X_test, targets=targets, unknown=unknown,
                                             feature=feature)
            for name, model in models.items()}
