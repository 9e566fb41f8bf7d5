"""What each unit does: which signal it follows, and how much the forecast loses without it.

For every unit of a layer: its Pearson correlation, over the test windows at the last step, with candidate
signals (the level, the slope, the last input's noise) and, across the steps of each window, with the step
index (its position in the window, averaged over windows); its importance, the test MSE with the unit
knocked out from the first step over the untouched test MSE. A unit follows the signal of largest |r| when
that reaches ``ROLE_R``, otherwise it is "mixed". Where the clean signal is unknown the level is the last
input, the slope the last input minus the one before, and the noise is left out; the result says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from lstm_core.evaluation.expectations import SAME_WITHIN
from lstm_core.evaluation.metrics import mse
from lstm_core.glassbox.readouts import WindowSignals, window_signals
from lstm_core.glassbox.replay import LSTMTrace, _as_weights, trace_model
from lstm_core.glassbox.what_if import knock_out_each_unit
from lstm_core.model.keras_model import KerasModel
from lstm_core.model.weights import ModelWeights

if TYPE_CHECKING:
    from lstm_core.data.dataset import Dataset

ROLE_R = 0.7  # a unit follows a signal when |r| reaches this; below it for every signal the unit is "mixed"
BARELY = SAME_WITHIN  # a knock-out that moves the test MSE by less than this share barely matters
SIGNALS = ("level", "slope", "noise", "position")  # the order of the groups when units are ordered by role
KNOWN_SOURCES = {"level": "the clean signal at the last step", "slope": "the clean signal's slope at the last step",
                 "noise": "the last input's noise", "position": "the step index, across the steps of each window"}
INPUT_SOURCES = {"level": "the last input", "slope": "the last input minus the one before",
                 "position": "the step index, across the steps of each window"}
PHRASES = {"level": "follows the level", "slope": "follows the slope", "noise": "follows the last input's noise",
           "position": "tracks the position in the window"}
UNKNOWN_ROLES = ("The clean signal is unknown, so the input noise cannot be computed: the level here is the last "
                 "input and the slope the last input minus the one before.")
INPUT_PHRASES = {"level": "follows the last input", "slope": "follows the last step's change of the input"}


@dataclass
class UnitRole:
    """One unit: its correlation with each signal, the signal it follows (None: mixed), its importance, a line."""

    unit: int  # 0-based
    correlations: dict[str, float]  # signal -> Pearson r; NaN where the unit or the signal does not vary
    dominant: str | None  # the signal of largest |r| when that reaches ROLE_R; None when mixed
    importance: float  # test MSE with the unit knocked out over the untouched test MSE
    role: str  # "follows the slope, r = 0.99; without it the error is 2.8× larger"


@dataclass
class UnitRoles:
    """The roles of every unit of one layer, what each signal was computed from, and two orderings of the units."""

    layer: int
    state: str  # "h" or "c"
    sources: dict[str, str]  # signal -> what it was computed from (noise absent when unknown)
    unknown: str | None  # what could not be computed and why; None when the clean signal is known
    units: list[UnitRole]
    by_importance: list[int]  # unit indices, the one whose knock-out costs most first
    by_role: list[int]  # grouped by the signal followed (SIGNALS order, mixed last), then by |r|, largest first


def pearson(states: np.ndarray, signal: np.ndarray) -> np.ndarray:
    """Return the correlation (units,) of each column of states (windows, units) with signal (windows,); NaN if flat."""
    states = states - states.mean(axis=0)  # (windows, units)
    signal = signal - signal.mean()  # (windows,)
    scale = np.sqrt(np.sum(states**2, axis=0) * np.sum(signal**2))  # (units,)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(scale > 1e-12, signal @ states / scale, np.nan)


def position_correlation(states: np.ndarray) -> np.ndarray:
    """Return, per unit, the correlation of its state with the step index across each window, averaged (units,)."""
    windows, timesteps, units = states.shape
    if timesteps < 3:
        return np.full(units, np.nan)  # two steps always correlate ±1 with their index: nothing to learn
    steps = np.arange(timesteps) - (timesteps - 1) / 2  # (timesteps,) centred step index
    centred = states - states.mean(axis=1, keepdims=True)  # (windows, timesteps, units)
    scale = np.sqrt(np.sum(centred**2, axis=1) * np.sum(steps**2))  # (windows, units)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(scale > 1e-12, np.einsum("t,wtu->wu", steps, centred) / scale, np.nan)  # (windows, units)
    flat = np.all(np.isnan(r), axis=0)  # (units,) a unit that never moves within a window has no position
    return np.where(flat, np.nan, np.mean(np.nan_to_num(r), axis=0))  # a window where it is flat counts as 0


def importance_phrase(ratio: float) -> str:
    """Return what the forecast loses without a unit, in words, from its test MSE ratio."""
    if not np.isfinite(ratio):
        return "what the forecast loses without it cannot be measured (the untouched error is 0)"
    if abs(ratio - 1.0) < BARELY:
        return f"without it the error changes by less than {BARELY * 100:.0f} %"
    if ratio > 1.0:
        return f"without it the error is {ratio:.1f}× larger" if ratio < 10 else \
            f"without it the error is {ratio:.0f}× larger"
    return f"without it the error is {(1.0 - ratio) * 100:.0f} % smaller"


def role_sentence(correlations: dict[str, float], importance: float,
                  phrases: dict[str, str]) -> tuple[str | None, str]:
    """Return (the signal followed or None, the one-line role) from a unit's correlations and importance."""
    finite = {name: r for name, r in correlations.items() if np.isfinite(r)}
    strongest = max(finite, key=lambda name: abs(finite[name]), default=None)
    if strongest is not None and abs(finite[strongest]) >= ROLE_R:
        return strongest, f"{phrases[strongest]}, r = {finite[strongest]:.2f}; {importance_phrase(importance)}"
    closest = f" (the closest: {strongest}, r = {finite[strongest]:.2f})" if strongest is not None else ""
    return None, f"mixed: no single signal explains it{closest}; {importance_phrase(importance)}"


def roles_from_states(states: np.ndarray, signals: dict[str, np.ndarray], importance: np.ndarray, layer: int = 0,
                      state: str = "h", sources: dict[str, str] | None = None,
                      unknown: str | None = None) -> UnitRoles:
    """Return the UnitRoles of states (windows, timesteps, units) given the signals at the last step and importance.

    signals maps "level", "slope" and (when known) "noise" to (windows,) values; position is computed from
    the states themselves. importance is (units,), the knock-out MSE ratios.
    """
    phrases = {**PHRASES, **(INPUT_PHRASES if unknown else {})}
    correlations = {name: pearson(states[:, -1], values) for name, values in signals.items()}  # each (units,)
    correlations["position"] = position_correlation(states)
    units = []
    for unit in range(states.shape[2]):
        mine = {name: float(r[unit]) for name, r in correlations.items()}
        dominant, role = role_sentence(mine, float(importance[unit]), phrases)
        units.append(UnitRole(unit, mine, dominant, float(importance[unit]), role))
    by_importance = sorted(range(len(units)), key=lambda u: -np.nan_to_num(units[u].importance, nan=-np.inf))
    group = {name: index for index, name in enumerate(SIGNALS)}
    by_role = sorted(range(len(units)), key=lambda u: (group.get(units[u].dominant or "", len(SIGNALS)),
                                                         -max((abs(r) for r in units[u].correlations.values()
                                                               if np.isfinite(r)), default=0.0)))
    return UnitRoles(layer, state, sources or dict(KNOWN_SOURCES), unknown, units, by_importance, by_role)


def unit_roles(model_or_weights: KerasModel | ModelWeights, X_test: np.ndarray, y_test: np.ndarray,
               signals_test: WindowSignals | None = None, layer: int = 0, state: str = "h",
               importance: np.ndarray | None = None, unknown: str | None = None) -> UnitRoles:
    """Return the UnitRoles of a layer's units on the test windows (importance: the atlas's ratios, else computed).

    Raises ValueError for a layer out of range or state "c" of a plain RNN layer.
    """
    weights = _as_weights(model_or_weights)
    if not 0 <= layer < len(weights.recurrent):
        raise ValueError(f"layer {layer} is out of range: the model has {len(weights.recurrent)} recurrent layers "
                         f"(0 to {len(weights.recurrent) - 1})")
    trace = trace_model(weights, X_test)
    cell = trace.layers[layer]
    if state not in ("h", "c") or (state == "c" and not isinstance(cell, LSTMTrace)):
        raise ValueError(f"state {state!r} is not one of layer {layer}'s states: " +
                         ("h and c" if isinstance(cell, LSTMTrace) else "a plain RNN layer has h only"))
    states = cell.c if state == "c" and isinstance(cell, LSTMTrace) else cell.h  # (windows, timesteps, units)
    if importance is None:
        untouched = mse(y_test, trace.prediction)
        knocked = knock_out_each_unit(weights, X_test, layer)  # (units, windows, horizon)
        importance = np.array([mse(y_test, p) / untouched if untouched > 0 else np.nan for p in knocked])
    if signals_test is not None:
        signals = {"level": signals_test.clean[:, -1], "slope": signals_test.slope[:, -1],
                   "noise": signals_test.noise[:, -1]}
        return roles_from_states(states, signals, importance, layer, state, dict(KNOWN_SOURCES))
    last = np.asarray(X_test, dtype=np.float64)[:, :, 0]  # (windows, timesteps) the forecast channel
    signals = {"level": last[:, -1]}
    if last.shape[1] > 1:
        signals["slope"] = last[:, -1] - last[:, -2]
    sources = {name: INPUT_SOURCES[name] for name in (*signals, "position")}
    reason = unknown or UNKNOWN_ROLES
    return roles_from_states(states, signals, importance, layer, state, sources, reason)


def dataset_unit_roles(model_or_weights: KerasModel | ModelWeights, dataset: Dataset, layer: int = 0,
                       state: str = "h", importance: np.ndarray | None = None) -> UnitRoles:
    """Return the UnitRoles of a layer's units on a Dataset's test windows, with its clean signal where known."""
    return unit_roles(model_or_weights, dataset.X["test"], dataset.y["test"], window_signals(dataset, "test"),
                      layer, state, importance)
