"""The seed question's three confusions, each answered in one line computed from a model's own shapes.

A learner arrives asking whether the window enters as one vector, whether a gate is a small network and
whether stacked layers are fully connected. The answers name the numbers of the model on screen: its
window length, and each LSTM layer's input width and units, read from a ModelConfig before training or
from the trained weights' kernels after.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from lstm_core.config import ModelConfig
from lstm_core.model.shapes import weight_shapes
from lstm_core.model.weights import ModelWeights

GATE_COUNT = 4  # i, f, g, o side by side in every kernel


@dataclass(frozen=True)
class StackSizes:
    """What the answers need of a model: its window length and each LSTM layer's (input width, units)."""

    seq_length: int
    layers: tuple[tuple[int, int], ...]  # (input_dim, units) per LSTM layer, input to output

    @classmethod
    def from_config(cls, cfg: ModelConfig, n_features: int = 1) -> StackSizes:
        """Return the sizes of the LSTM stack cfg builds for n_features input features."""
        recurrent = [s for s in weight_shapes(cfg, n_features) if s.kind == "LSTM"]
        if len(recurrent) != cfg.layers:
            raise ValueError(f"the answers describe LSTM layers; ModelConfig.cell is {cfg.cell!r}")
        return cls(cfg.seq_length, tuple((s.input_dim, s.units) for s in recurrent))

    @classmethod
    def from_weights(cls, weights: ModelWeights, seq_length: int) -> StackSizes:
        """Return the sizes read from trained LSTM weights: kernel (input_dim, 4·units), recurrent (units, 4·units)."""
        sizes = []
        for number, layer in enumerate(weights.recurrent, start=1):
            input_dim, width = layer.kernel.shape
            units = layer.recurrent_kernel.shape[0]
            if width != GATE_COUNT * units or layer.recurrent_kernel.shape != (units, GATE_COUNT * units):
                raise ValueError(f"LSTM layer {number}: kernel {layer.kernel.shape} and recurrent kernel "
                                 f"{layer.recurrent_kernel.shape} are not (input_dim, 4·units) and (units, 4·units)")
            sizes.append((input_dim, units))
        return cls(seq_length, tuple(sizes))

    @property
    def n_features(self) -> int:
        """Return how many values each step x_t holds: the first layer's input width."""
        return self.layers[0][0]


@dataclass(frozen=True)
class SeedAnswers:
    """The three answers, each a (question, answer) pair of plain text."""

    steps: tuple[str, str]
    gate: tuple[str, str]
    stack: tuple[str, str]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        """Return an iterator over the (question, answer) pairs in the seed's order."""
        return iter((self.steps, self.gate, self.stack))


def _inputs_named(length: int) -> str:
    """Return a window's inputs by name: "x1, x2" or "x1…x20"."""
    return "x1, x2" if length == 2 else f"x1…x{length}"


def steps_answer(sizes: StackSizes) -> str:
    """Return the answer to "one vector or one step at a time?" for this window length."""
    length, features = sizes.seq_length, sizes.n_features
    if length == 1:
        return ("One step at a time, and here a window is a single step: x1 enters, the gates act once, and "
                "the forecast is compared with Y after that step.")
    each = "" if features == 1 else f", each x_t a vector of {features} features"
    values = "values" if features == 1 else "steps"
    return (f"No, one step at a time: each window's {length} {values} enter as {_inputs_named(length)}, one per "
            f"step{each}; the forecast is compared with Y only after step {length}.")


def gate_answer(sizes: StackSizes, layer: int = 0, unit: int | None = None) -> str:
    """Return the answer to "is a gate a small network?" for one unit of one layer (any unit j when None)."""
    input_dim, units = sizes.layers[layer]
    j = "j" if unit is None else str(unit)
    which = "any unit j" if unit is None else f"unit {unit}"
    below = f" (x_t here is layer {layer}'s h_t)" if layer > 0 else ""
    text = (f"No: the forget gate of {which} in layer {layer + 1} is σ(x_t·W_f[:,{j}] + h_{{t−1}}·U_f[:,{j}] + "
            f"b_f[{j}]){below}: {input_dim} + {units} weights and a bias, one weighted sum, no hidden layer. "
            "The other three gates are alike, each with its own columns.")
    if unit is None and len(sizes.layers) > 1:
        others = [(k + 1, d, u) for k, (d, u) in enumerate(sizes.layers) if k != layer]
        first, *rest = others
        text += f" Layer {first[0]}'s gates have {first[1]} + {first[2]} weights and a bias"
        text += "".join(f", layer {k}'s {d} + {u}" for k, d, u in rest) + "."
    return text


def stack_answer(sizes: StackSizes) -> str:
    """Return the answer to "are stacked LSTM layers fully connected?" with this stack's weight shapes."""
    length, top = sizes.seq_length, len(sizes.layers)
    units = sizes.layers[-1][1]
    final = f"final state h{length} (a vector of {units} values)"
    earlier = "" if length == 1 else f"; its h1…h{length - 1} only feed the next step"
    if top == 1:
        return (f"There is one layer: it hands the Dense head only its {final}{earlier}. Along time its {units} "
                f"units are fully connected: U is {units} × {GATE_COUNT * units}, so every unit's h_{{t−1}} feeds "
                "every gate of every unit at step t.")
    kernels = [f"layer {k + 1}'s W is {d} × {GATE_COUNT * u}" for k, (d, u) in enumerate(sizes.layers) if k > 0]
    if top == 2:
        across = "every unit of layer 1 feeds every gate of every unit of layer 2"
        along = "layer 2 at step t reads layer 1's h_t only, and its own h_{t−1}"
    else:
        across = "every unit of a layer feeds every gate of every unit of the next"
        along = "a layer at step t reads the h_t of the layer below only, and its own h_{t−1}"
    return (f"Across units, yes, at every step: {' and '.join(kernels)}, so {across}. Along time, each step feeds "
            f"the next: {along}. Only layer {top}'s {final} reaches the Dense head{earlier}.")


QUESTIONS = ("Do I feed the window as one vector?", "Is each gate a small network?",
             "Are stacked layers fully connected?")


def seed_answers(sizes: StackSizes, layer: int = 0, unit: int | None = None) -> SeedAnswers:
    """Return the three (question, answer) pairs for this stack; the gate answer for one layer and unit."""
    steps, gate, stack = QUESTIONS
    return SeedAnswers((steps, steps_answer(sizes)), (gate, gate_answer(sizes, layer, unit)),
                       (stack, stack_answer(sizes)))
