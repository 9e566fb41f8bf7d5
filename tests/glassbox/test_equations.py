"""The six equations of one unit with the replay's real numbers."""

import math
import re

import numpy as np
import pytest

from lstm_core.config import ModelConfig, SeriesConfig
from lstm_core.data.dataset import build_dataset
from lstm_core.glassbox.equations import unit_equations
from lstm_core.glassbox.replay import sigmoid, trace_model
from lstm_core.model.gates import GATES
from tests.helpers import random_weights

SEQ_LENGTH, UNITS = 6, 3
NAMES = ["input gate", "forget gate", "candidate", "output gate", "cell state", "hidden state"]
NUMBER = re.compile(r"-?\d+\.\d+")  # printed values have decimals; indices such as _{3} or [2] do not


@pytest.fixture(scope="module")
def model():
    """Return (weights, x, trace) of a random 2-layer model on two real test windows."""
    ds = build_dataset(SeriesConfig(n_points=300), seq_length=SEQ_LENGTH)
    weights = random_weights(ModelConfig(seq_length=SEQ_LENGTH, units=UNITS, layers=2, dense_units=4))
    x = ds.X["test"][:2]  # (2, seq_length, 1)
    return weights, x, trace_model(weights, x)


def numbers(latex: str) -> list[float]:
    return [float(n) for n in NUMBER.findall(latex)]


def r3(value) -> float:
    return round(float(value), 3)


def expected_terms(weights, x, trace, layer, sample, step, unit):
    """Return, per gate, (input part, recurrent part, bias, pre-activation) computed by hand."""
    w = weights.recurrent[layer]
    x_t = x[sample, step] if layer == 0 else trace.layers[layer - 1].h[sample, step]  # (input_dim,)
    h_tm1 = trace.layers[layer].h[sample, step - 1] if step > 0 else np.zeros(UNITS)  # (units,)
    terms = {}
    for slot, gate in enumerate(GATES):
        column = slot * UNITS + unit
        a, b, c = float(x_t @ w.kernel[:, column]), float(h_tm1 @ w.recurrent_kernel[:, column]), float(w.bias[column])
        terms[gate] = (a, b, c, a + b + c)
    return terms


CASES = [(layer, step, unit, sample) for layer in (0, 1) for step, unit, sample in
         [(0, 0, 0), (1, 2, 0), (3, 1, 1), (SEQ_LENGTH - 1, 2, 1)]]


@pytest.mark.parametrize("layer,step,unit,sample", CASES)
def test_six_named_lines_in_keras_order(model, layer, step, unit, sample):
    weights, _, trace = model
    lines = unit_equations(weights, trace, layer, step, unit, sample=sample)
    assert [name for name, _ in lines] == NAMES
    t = step + 1
    for (name, latex), symbol in zip(lines, ["i", "f", "g", "o", "c", "h"]):
        assert latex.startswith(f"{symbol}_{{{t}}}[{unit}]"), f"{name}: names step t = {t} and unit {unit}"


@pytest.mark.parametrize("layer,step,unit,sample", CASES)
def test_gate_lines_print_the_replays_numbers(model, layer, step, unit, sample):
    weights, x, trace = model
    lines = dict(unit_equations(weights, trace, layer, step, unit, sample=sample))
    terms = expected_terms(weights, x, trace, layer, sample, step, unit)
    layer_trace = trace.layers[layer]
    for gate, name in zip(GATES, NAMES):
        latex = lines[name]
        value = getattr(layer_trace, gate)[sample, step, unit]
        assert numbers(latex) == [*map(r3, terms[gate]), r3(value)], f"{name}: {latex}"
        # the printed gate value is the activation of the printed pre-activation, as the replay computed it
        activation = np.tanh if gate == "g" else sigmoid
        assert value == pytest.approx(activation(terms[gate][3]), abs=1e-12)
        assert (r"\tanh" if gate == "g" else r"\sigma") in latex
        assert f"h_{{{step}}} U_{gate}" in latex, "the recurrent term reads the previous step's state"
        source = f"x_{{{step + 1}}}" if layer == 0 else f"h^{{({layer})}}_{{{step + 1}}}"
        assert latex.count(f"{source} W_{gate}") == 1, "layer 2 reads layer 1's hidden state at the same step"


@pytest.mark.parametrize("layer,step,unit,sample", CASES)
def test_state_lines_print_the_replays_numbers(model, layer, step, unit, sample):
    weights, _, trace = model
    lines = dict(unit_equations(weights, trace, layer, step, unit, sample=sample))
    lt = trace.layers[layer]
    i, f, g, o, c, h = (getattr(lt, k)[sample, step, unit] for k in ("i", "f", "g", "o", "c", "h"))
    c_prev = lt.c[sample, step - 1, unit] if step > 0 else 0.0
    assert numbers(lines["cell state"]) == [r3(f), r3(c_prev), r3(i), r3(g), r3(c)]
    assert numbers(lines["hidden state"]) == [r3(o), r3(c), r3(h)]
    assert f"c_{{{step}}}" in lines["cell state"], "the cell line names the previous cell state"
    # the numbers on the page add up: c_t = f·c_{t-1} + i·g and h_t = o·tanh(c_t)
    assert c == pytest.approx(f * c_prev + i * g, abs=1e-12)
    assert h == pytest.approx(o * math.tanh(c), abs=1e-12)


@pytest.mark.parametrize("layer", [0, 1])
def test_first_step_starts_from_zero_state(model, layer):
    weights, _, trace = model
    lines = dict(unit_equations(weights, trace, layer, 0, 1))
    assert numbers(lines["cell state"])[1] == 0.0 and r"c_{0} + " in lines["cell state"]
    assert r"\times 0.000 +" in lines["cell state"], "the previous cell adds nothing at step 1"
    for name in NAMES[:4]:
        assert numbers(lines[name])[1] == 0.0, f"{name}: h_0 = 0, so the recurrent part is 0.000"


def test_negative_numbers_are_bracketed_so_signs_read_clearly(model):
    weights, _, trace = model
    everything = " ".join(latex for layer in (0, 1) for step in range(SEQ_LENGTH)
                          for _, latex in unit_equations(weights, trace, layer, step, 0))
    assert re.search(r"\+ \(-\d", everything), "some negative terms appear in the random model"
    assert not re.search(r"\+ -\d", everything), "a negative term directly after '+' reads as '+ -'"


def test_equations_follow_the_step(model):
    weights, _, trace = model
    early = dict(unit_equations(weights, trace, 0, 1, 0))
    later = dict(unit_equations(weights, trace, 0, 4, 0))
    assert early["hidden state"].startswith("h_{2}[0]") and later["hidden state"].startswith("h_{5}[0]")
    assert numbers(later["hidden state"])[-1] == r3(trace.layers[0].h[0, 4, 0])
