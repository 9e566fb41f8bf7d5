"""What if a unit were knocked out, a gate clamped, the memory reset: the what-ifs of one model, computed once.

The atlas holds, for a model and its test windows, the what-ifs whose choices are few: every single-unit
knock-out (every layer, every unit, from the first step), the four clamps of each LSTM layer (f = 1 never
forgets, f = 0 forgets everything, i = 0 writes nothing, o = 0 shows nothing; every unit, from the first
step) and a reset of every unit of the first layer at the middle step. Each holds the test forecast, its
MSE and the ratio to the untouched model's MSE. Everything is plain NumPy in dataclasses, so a stored run's
atlas can be cached once and shared by everyone who opens it. ``run_what_if`` computes any other set live.

Single-unit knock-outs are batched (``knock_out_each_unit``): the layers below the knocked-out one are
replayed once, and the units of a layer are knocked out together, the windows repeated once per unit, in
batches whose traces stay within ``BATCH_BYTES``. Larger batches were measured 3 to 6 times slower on the
quick start: the traces leave the processor's cache, and the arithmetic per knock-out stays the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from lstm_core.evaluation.metrics import mse
from lstm_core.glassbox.interventions import Intervention, LayerEdits
from lstm_core.glassbox.replay import ModelTrace, _as_weights, trace_layers_from, trace_model
from lstm_core.model.keras_model import KerasModel
from lstm_core.model.weights import LSTMWeights, ModelWeights

CLAMPS = {("f", 1.0): "never forgets", ("f", 0.0): "forgets everything", ("i", 0.0): "writes nothing",
          ("o", 0.0): "shows nothing"}
BATCH_BYTES = 4 * 2**20  # a batch of knock-outs replays at most this much trace at once (six float64 arrays)


@dataclass
class WhatIf:
    """One what-if on the test windows: what was changed, the forecast it leads to and its error."""

    key: str  # stable name: "knock_out/0/5", "clamp/0/f=1", "reset/0/10", or "custom"
    label: str  # in a learner's words, layers, units and steps counted from 1
    interventions: tuple[Intervention, ...]
    predictions: np.ndarray  # (samples, horizon)
    test_mse: float
    ratio: float  # test_mse over the untouched model's test MSE (NaN when that is 0)


@dataclass
class WhatIfAtlas:
    """Every precomputed what-if of a model on its test windows, beside the untouched forecast."""

    untouched: np.ndarray  # (samples, horizon) the model's own test forecast
    untouched_mse: float
    knock_out_ratios: list[np.ndarray]  # per layer: (units,) test MSE ratio with that unit knocked out; (0,) if skipped
    what_ifs: dict[str, WhatIf]  # key -> what-if, knock-outs layer by layer, then clamps, then the reset

    def knock_out(self, layer: int, unit: int) -> WhatIf:
        """Return the what-if of one unit knocked out from the first step (layer and unit 0-based)."""
        return self._get(f"knock_out/{layer}/{unit}")

    def clamp(self, layer: int, gate: str, value: float) -> WhatIf:
        """Return the what-if of one gate clamped at value in every unit of a layer, from the first step."""
        return self._get(f"clamp/{layer}/{gate}={value:g}")

    def reset(self) -> WhatIf:
        """Return the what-if of every unit of the first layer reset at the middle step."""
        return next(what_if for key, what_if in self.what_ifs.items() if key.startswith("reset/"))

    def _get(self, key: str) -> WhatIf:
        if key not in self.what_ifs:
            raise ValueError(f"the atlas holds no what-if {key!r}; it holds {len(self.what_ifs)}, "
                             f"from {next(iter(self.what_ifs))!r} to {list(self.what_ifs)[-1]!r}")
        return self.what_ifs[key]


def _ratio(test_mse: float, untouched_mse: float) -> float:
    return test_mse / untouched_mse if untouched_mse > 0 else float("nan")


def knock_out_each_unit(model_or_weights: KerasModel | ModelWeights, X: np.ndarray, layer: int,
                        from_step: int = 0) -> np.ndarray:
    """Return the forecast with each unit of a layer knocked out in turn, (units, samples, horizon).

    Row u is trace_model(..., interventions=[Intervention("knock_out", layer, (u,), from_step=from_step)])
    .prediction, computed in batches of units with the windows repeated, replaying the layers below once.
    """
    weights = _as_weights(model_or_weights)
    X = np.asarray(X, dtype=np.float64)  # (samples, timesteps, features)
    samples, timesteps, _ = X.shape
    if not 0 <= layer < len(weights.recurrent):
        raise ValueError(f"layer {layer} is out of range: the model has {len(weights.recurrent)} recurrent layers "
                         f"(0 to {len(weights.recurrent) - 1})")
    if not 0 <= from_step < timesteps:
        raise ValueError(f"from_step {from_step} is out of range: the window has {timesteps} steps "
                         f"(0 to {timesteps - 1})")
    below = trace_layers_from(weights, X, 0) if layer else None
    layer_input = below.layer_inputs[layer] if below is not None else X  # (samples, timesteps, input_dim)
    units = weights.recurrent[layer].units
    widest = max(w.units for w in weights.recurrent[layer:])
    per_batch = max(1, BATCH_BYTES // (samples * timesteps * widest * 6 * 8))  # units replayed at once
    predictions = []
    for first in range(0, units, per_batch):
        chosen = np.arange(first, min(units, first + per_batch))  # (chosen,)
        mask = np.zeros((timesteps, len(chosen), samples, units), dtype=bool)  # one block of windows per unit
        mask[from_step:, np.arange(len(chosen)), :, chosen] = True
        edits = LayerEdits(timesteps, knock_out=mask.reshape(timesteps, len(chosen) * samples, units))
        repeated = np.tile(layer_input, (len(chosen), 1, 1))  # (chosen * samples, timesteps, input_dim)
        out = trace_layers_from(weights, repeated, layer, {layer: edits}).prediction  # (chosen * samples, horizon)
        predictions.append(out.reshape(len(chosen), samples, -1))
    return np.concatenate(predictions)  # (units, samples, horizon)


def run_what_if(model_or_weights: KerasModel | ModelWeights, X_test: np.ndarray, y_test: np.ndarray,
                interventions: Iterable[Intervention], untouched_mse: float | None = None,
                key: str = "custom") -> WhatIf:
    """Return the WhatIf of any set of interventions on the test windows, computed now.

    Raises ValueError for an intervention out of the model's or the window's bounds.
    """
    weights = _as_weights(model_or_weights)
    interventions = tuple(interventions)
    if untouched_mse is None:
        untouched_mse = mse(y_test, trace_model(weights, X_test).prediction)
    predictions = trace_model(weights, X_test, interventions=interventions).prediction  # (samples, horizon)
    test_mse = mse(y_test, predictions)
    label = "; ".join(change.describe() for change in interventions) or "no change"
    return WhatIf(key, label, interventions, predictions, test_mse, _ratio(test_mse, untouched_mse))


def what_if_atlas(model_or_weights: KerasModel | ModelWeights, X_test: np.ndarray, y_test: np.ndarray,
                  layers: Iterable[int] | None = None) -> WhatIfAtlas:
    """Return the WhatIfAtlas of a model on its test windows: every knock-out, clamp and the reset, precomputed.

    ``layers`` (default every layer) limits the knock-outs and clamps to the layers named; a layer left out
    has an empty knock_out_ratios entry. The cost grows with units x layers x one replay of the test windows
    (see BENCHMARKS.md), so a large model may precompute only the layer shown.
    """
    weights = _as_weights(model_or_weights)
    n_layers = len(weights.recurrent)
    chosen = list(range(n_layers)) if layers is None else sorted(set(layers))
    if any(not 0 <= layer < n_layers for layer in chosen):
        raise ValueError(f"layers {chosen} reach out of range: the model has {n_layers} recurrent layers "
                         f"(0 to {n_layers - 1})")
    untouched = trace_model(weights, X_test).prediction  # (samples, horizon)
    untouched_mse = mse(y_test, untouched)
    what_ifs: dict[str, WhatIf] = {}
    ratios = []
    for layer in range(n_layers):
        if layer not in chosen:
            ratios.append(np.empty(0))
            continue
        knocked = knock_out_each_unit(weights, X_test, layer)  # (units, samples, horizon)
        layer_ratios = np.empty(len(knocked))  # (units,)
        for unit, predictions in enumerate(knocked):
            change = Intervention("knock_out", layer, units=(unit,))
            test_mse = mse(y_test, predictions)
            layer_ratios[unit] = _ratio(test_mse, untouched_mse)
            what_ifs[f"knock_out/{layer}/{unit}"] = WhatIf(f"knock_out/{layer}/{unit}", change.describe(), (change,),
                                                         predictions, test_mse, layer_ratios[unit])
        ratios.append(layer_ratios)
    for layer, cell in enumerate(weights.recurrent):
        if layer not in chosen or not isinstance(cell, LSTMWeights):
            continue  # a plain RNN layer has no gates to clamp
        for (gate, value), meaning in CLAMPS.items():
            key = f"clamp/{layer}/{gate}={value:g}"
            what_if = run_what_if(weights, X_test, y_test, [Intervention("clamp", layer, gate=gate, value=value)],
                                  untouched_mse, key)
            what_if.label = f"{what_if.label} ({meaning})"
            what_ifs[key] = what_if
    middle = np.shape(X_test)[1] // 2
    what_ifs[f"reset/0/{middle}"] = run_what_if(weights, X_test, y_test, [Intervention("reset", 0, from_step=middle)],
                                                untouched_mse, f"reset/0/{middle}")
    return WhatIfAtlas(untouched, untouched_mse, ratios, what_ifs)


def what_if_trace(model_or_weights: KerasModel | ModelWeights, X_test: np.ndarray, window: int,
                  what_if: WhatIf | Iterable[Intervention]) -> ModelTrace:
    """Return the altered ModelTrace of one test window (0-based) under a what-if, for the stepper's gates."""
    if not 0 <= window < len(X_test):
        raise ValueError(f"window {window} is out of range: there are {len(X_test)} test windows "
                         f"(0 to {len(X_test) - 1})")
    interventions = what_if.interventions if isinstance(what_if, WhatIf) else tuple(what_if)
    return trace_model(model_or_weights, X_test[window:window + 1], interventions=interventions)
