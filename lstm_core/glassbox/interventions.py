"""What-ifs inside the cell: knock a unit out, clamp a gate, reset the memory.

An ``Intervention`` names one change; ``layer_edits`` turns a set of them into per-layer masks that
the replay (``lstm_core.glassbox.replay.trace_model``) applies step by step. Layers, units and steps are
0-based, as in the arrays of a trace.

- ``"knock_out"``: at every step >= ``from_step`` the units' h is 0; that 0 is what later steps
  (through the recurrent kernel), the next layer and the dense head see.
- ``"clamp"``: ``gate`` is one of "i", "f", "g", "o"; at every step >= ``from_step`` that gate's
  activation for the units is ``value``, and c and h are computed from it (LSTM layers only).
- ``"reset"``: before step ``from_step`` is computed, the units' c and h (the state fed to that step)
  are 0.

Within a step the order is: resets (at their step), clamps on the gates, then c and h, then
knock-outs on h. Several interventions on the same gate and unit at the same step: the later one wins.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from lstm_core.model.gates import GATES
from lstm_core.model.weights import LSTMWeights, ModelWeights

KINDS = ("knock_out", "clamp", "reset")
# A gate's activation lies in its function's range: sigmoid gates in [0, 1], the tanh candidate in [-1, 1].
GATE_RANGES = {"i": (0.0, 1.0), "f": (0.0, 1.0), "g": (-1.0, 1.0), "o": (0.0, 1.0)}


def _is_index(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


@dataclass(frozen=True)
class Intervention:
    """One change inside the cell: which kind, where (layer, units, gate), the clamped value and the first step.

    Raises
    ------
    ValueError
        If kind is not one of KINDS; layer or from_step is not a whole number >= 0; units is neither None
        nor a non-empty sequence of whole numbers >= 0; a clamp names no gate of i, f, g, o or a value outside
        that gate's range; a knock-out or reset names a gate or a value.
    """

    kind: str
    layer: int
    units: tuple[int, ...] | None = None  # None: every unit of the layer
    gate: str | None = None  # clamps only
    value: float = 0.0  # clamps only: the gate's activation
    from_step: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"intervention kind {self.kind!r} is not one of {KINDS}")
        if not _is_index(self.layer) or self.layer < 0:
            raise ValueError(f"layer = {self.layer!r} must be a whole number >= 0 (layers count from 0)")
        if not _is_index(self.from_step) or self.from_step < 0:
            raise ValueError(f"from_step = {self.from_step!r} must be a whole number >= 0 (steps count from 0)")
        object.__setattr__(self, "layer", int(self.layer))
        object.__setattr__(self, "from_step", int(self.from_step))
        if self.units is not None:
            if isinstance(self.units, (str, bytes)) or not isinstance(self.units, Sequence | np.ndarray):
                raise ValueError(f"units = {self.units!r} must be a sequence of unit indices such as (3,), "
                                 f"or None for every unit of the layer")
            if len(self.units) == 0 or not all(_is_index(u) and u >= 0 for u in self.units):
                raise ValueError(f"units = {tuple(self.units)!r} must hold at least one whole number >= 0 "
                                 f"(units count from 0); use None for every unit of the layer")
            object.__setattr__(self, "units", tuple(int(u) for u in self.units))
        if not isinstance(self.value, numbers.Real) or not math.isfinite(float(self.value)):
            raise ValueError(f"value = {self.value!r} must be a finite number")
        object.__setattr__(self, "value", float(self.value))
        if self.kind == "clamp":
            if self.gate not in GATES:
                raise ValueError(f"a clamp needs gate one of {GATES}, got {self.gate!r}")
            low, high = GATE_RANGES[self.gate]
            if not low <= self.value <= high:
                raise ValueError(f"gate {self.gate} is clamped at {self.value}, outside its range [{low}, {high}]")
        elif self.gate is not None or self.value != 0.0:
            raise ValueError(f"a {self.kind} takes no gate or value (got gate={self.gate!r}, value={self.value}); "
                             f"only a clamp does")

    def describe(self) -> str:
        """Return the intervention in a learner's words, counted as Inside counts: "knock out unit 4 of layer 1".

        Layers and steps are counted from 1, units from 0, as on Inside's selectors and heatmap axes.
        """
        where = (f"every unit of layer {self.layer + 1}" if self.units is None else
                 f"unit{'s' if len(self.units) > 1 else ''} {', '.join(str(u) for u in self.units)} "
                 f"of layer {self.layer + 1}")
        when = f"from step {self.from_step + 1}" if self.from_step else "from the first step"
        if self.kind == "knock_out":
            return f"knock out {where} {when}"
        if self.kind == "clamp":
            return f"clamp {self.gate} = {self.value:g} in {where} {when}"
        return f"reset c and h of {where} before step {self.from_step + 1}"


@dataclass
class LayerEdits:
    """One layer's interventions as masks over (timesteps, batch or 1, units), ready for the replay's loop.

    A mask's batch axis is 1 when every window gets the same change, or the batch size when windows differ
    (a batch of single-unit knock-outs replays every choice at once).
    """

    timesteps: int
    reset: np.ndarray | None = None  # (timesteps, batch|1, units) bool: zero c_tm1 and h_tm1 before the step
    knock_out: np.ndarray | None = None  # (timesteps, batch|1, units) bool: h is 0 after the step
    clamp_mask: dict[str, np.ndarray] = field(default_factory=dict)  # gate -> (timesteps, batch|1, units) bool
    clamp_value: dict[str, np.ndarray] = field(default_factory=dict)  # gate -> (timesteps, batch|1, units)

    def reset_states(self, t: int, *states: np.ndarray) -> list[np.ndarray]:
        """Return the states fed to step t (each (batch, units)), zero where a reset falls before that step."""
        if self.reset is None or not self.reset[t].any():
            return list(states)
        return [np.where(self.reset[t], 0.0, state) for state in states]  # each (batch, units)

    def clamp_gates(self, t: int, gates: dict[str, np.ndarray]) -> None:
        """Set, in place, each gate clamped at step t to its clamped value where its mask holds."""
        for gate, mask in self.clamp_mask.items():
            if mask[t].any():
                gates[gate] = np.where(mask[t], self.clamp_value[gate][t], gates[gate])  # (batch, units)

    def knock_out_h(self, t: int, h: np.ndarray) -> np.ndarray:
        """Return h of step t (batch, units) with the knocked-out units at 0: what the next step and layer see."""
        if self.knock_out is None or not self.knock_out[t].any():
            return h
        return np.where(self.knock_out[t], 0.0, h)  # (batch, units)


def check_interventions(interventions: Iterable[Intervention], weights: ModelWeights, timesteps: int) -> None:
    """Return None when every intervention fits the model and the window; raise ValueError naming the bounds."""
    n_layers = len(weights.recurrent)
    for change in interventions:
        if not isinstance(change, Intervention):
            raise ValueError(f"{change!r} is not an Intervention")
        if change.layer >= n_layers:
            raise ValueError(f"{change.kind}: layer {change.layer} is out of range: the model has {n_layers} "
                             f"recurrent layer{'s' if n_layers > 1 else ''} (0 to {n_layers - 1})")
        layer = weights.recurrent[change.layer]
        if change.units is not None and max(change.units) >= layer.units:
            raise ValueError(f"{change.kind}: unit {max(change.units)} is out of range: layer {change.layer} "
                             f"has {layer.units} units (0 to {layer.units - 1})")
        if change.from_step >= timesteps:
            raise ValueError(f"{change.kind}: from_step {change.from_step} is out of range: the window has "
                             f"{timesteps} steps (0 to {timesteps - 1})")
        if change.kind == "clamp" and not isinstance(layer, LSTMWeights):
            raise ValueError(f"clamp: layer {change.layer} is a plain RNN layer; it has no gates to clamp "
                             f"(knock-outs and resets work on its h)")


def layer_edits(interventions: Iterable[Intervention], weights: ModelWeights,
                timesteps: int) -> dict[int, LayerEdits]:
    """Return, per layer index with at least one intervention, its LayerEdits; raise ValueError on bad bounds."""
    interventions = tuple(interventions)
    check_interventions(interventions, weights, timesteps)
    edits: dict[int, LayerEdits] = {}
    for change in interventions:
        units = weights.recurrent[change.layer].units
        layer = edits.setdefault(change.layer, LayerEdits(timesteps))
        mask = np.zeros((timesteps, 1, units), dtype=bool)  # (timesteps, 1, units)
        chosen = slice(None) if change.units is None else list(change.units)
        if change.kind == "reset":
            mask[change.from_step, 0, chosen] = True
            layer.reset = mask if layer.reset is None else layer.reset | mask
        elif change.kind == "knock_out":
            mask[change.from_step:, 0, chosen] = True
            layer.knock_out = mask if layer.knock_out is None else layer.knock_out | mask
        else:
            assert change.gate is not None  # a clamp's gate was checked when it was made
            mask[change.from_step:, 0, chosen] = True
            old_mask = layer.clamp_mask.get(change.gate, np.zeros_like(mask))
            old_value = layer.clamp_value.get(change.gate, np.zeros(mask.shape))
            layer.clamp_mask[change.gate] = old_mask | mask
            layer.clamp_value[change.gate] = np.where(mask, change.value, old_value)  # the later clamp wins
    return edits
