"""The stepper's equations: the six of one unit at one step and the backward one of c, with the replay's numbers."""

import math
import re
from functools import cache

import numpy as np
import pytest

from bench.weights import random_weights
from lstm_core.config import ModelConfig, SeriesConfig
from lstm_core.data.dataset import build_dataset
from lstm_core.figures.stepper import backward_equation_text, forward_equation_texts, subscript
from lstm_core.glassbox.backprop import gradients
from lstm_core.glassbox.replay import sigmoid, trace_model
from lstm_core.model.gates import GATES

SEQ_LENGTH, UNITS = 6, 3
SYMBOLS = ("i", "f", "g", "o", "c", "h")
DECIMAL = re.compile(r"-?\d+\.\d+")  # printed values have decimals; indices such as [2] and subscripts do not
VALUE = re.compile(r"-?\d+(?:\.\d+)?(?:e[+-]\d+)?")  # a backward value: "0", "0.0123" or "1.2e-05"


@cache
def window(sample: int):
    """Return (weights, x (1, seq_length, 1), y (1, horizon), trace, grads) of one real test window."""
    ds = build_dataset(SeriesConfig(n_points=300), seq_length=SEQ_LENGTH)
    weights = random_weights(ModelConfig(seq_length=SEQ_LENGTH, units=UNITS, layers=2, dense_units=4))
    x, y = ds.X["test"][sample:sample + 1], ds.y["test"][sample:sample + 1]
    return weights, x, y, trace_model(weights, x), gradients(weights, x, y)


def lines(layer: int, step: int, unit: int, sample: int = 0) -> dict[str, str]:
    """Return the stepper's six forward lines of one unit at one step, by symbol."""
    weights, _, _, trace, _ = window(sample)
    return dict(zip(SYMBOLS, forward_equation_texts(weights, trace, layer, step, unit)))


def decimals(text: str) -> list[float]:
    return [float(n) for n in DECIMAL.findall(text)]


def r3(value) -> float:
    return round(float(value), 3)


def expected_terms(sample, layer, step, unit):
    """Return, per gate, (input part, recurrent part, bias, pre-activation) computed by hand."""
    weights, x, _, trace, _ = window(sample)
    w = weights.recurrent[layer]
    x_t = x[0, step] if layer == 0 else trace.layers[layer - 1].h[0, step]  # (input_dim,)
    h_tm1 = trace.layers[layer].h[0, step - 1] if step > 0 else np.zeros(UNITS)  # (units,)
    terms = {}
    for slot, gate in enumerate(GATES):
        column = slot * UNITS + unit
        a, b, c = float(x_t @ w.kernel[:, column]), float(h_tm1 @ w.recurrent_kernel[:, column]), float(w.bias[column])
        terms[gate] = (a, b, c, a + b + c)
    return terms


CASES = [(layer, step, unit, sample) for layer in (0, 1) for step, unit, sample in
         [(0, 0, 0), (1, 2, 0), (3, 1, 1), (SEQ_LENGTH - 1, 2, 1)]]


@pytest.mark.parametrize("layer,step,unit,sample", CASES)
def test_six_lines_in_keras_order_each_naming_its_step_and_unit(layer, step, unit, sample):
    found = lines(layer, step, unit, sample)
    assert list(found) == list(SYMBOLS)
    for symbol, text in found.items():
        assert text.startswith(f"{symbol}{subscript(step + 1)}[{unit}] = "), text


@pytest.mark.parametrize("layer,step,unit,sample", CASES)
def test_gate_lines_print_the_replays_numbers(layer, step, unit, sample):
    found = lines(layer, step, unit, sample)
    terms = expected_terms(sample, layer, step, unit)
    layer_trace = window(sample)[3].layers[layer]
    for gate in GATES:
        text = found[gate]
        value = getattr(layer_trace, gate)[0, step, unit]
        assert decimals(text) == [*map(r3, terms[gate]), r3(value)], text
        # the printed gate value is the activation of the printed pre-activation, as the replay computed it
        activation = np.tanh if gate == "g" else sigmoid
        assert value == pytest.approx(activation(terms[gate][3]), abs=1e-12)
        assert text.count("tanh(" if gate == "g" else "σ(") == 3, "the activation names each of its three forms"
        assert f"U·h{subscript(step)} " in text, "the recurrent term reads the previous step's state"
        source = ("x", "h⁽¹⁾")[layer] + subscript(step + 1)
        assert text.count(f"W·{source} ") == 1, "layer 2 reads layer 1's hidden state at the same step"


@pytest.mark.parametrize("layer,step,unit,sample", CASES)
def test_state_lines_print_the_replays_numbers(layer, step, unit, sample):
    found = lines(layer, step, unit, sample)
    lt = window(sample)[3].layers[layer]
    i, f, g, o, c, h = (getattr(lt, k)[0, step, unit] for k in SYMBOLS)
    c_prev = lt.c[0, step - 1, unit] if step > 0 else 0.0
    assert decimals(found["c"]) == [r3(f), r3(c_prev), r3(i), r3(g), r3(c)]
    assert decimals(found["h"]) == [r3(o), r3(c), r3(h)]
    assert f"c{subscript(step)} + " in found["c"], "the cell line names the previous cell state"
    # the numbers on the page add up: c_t = f·c_{t-1} + i·g and h_t = o·tanh(c_t)
    assert c == pytest.approx(f * c_prev + i * g, abs=1e-12)
    assert h == pytest.approx(o * math.tanh(c), abs=1e-12)


@pytest.mark.parametrize("layer", [0, 1])
def test_the_first_step_starts_from_a_zero_state(layer):
    found = lines(layer, 0, 1)
    assert decimals(found["c"])[1] == 0.0 and "c₀ + " in found["c"]
    assert "× 0.000 +" in found["c"], "the previous cell adds nothing at step 1"
    for gate in GATES:
        assert decimals(found[gate])[1] == 0.0, f"{gate}: h₀ = 0, so the recurrent part is 0.000"


def test_negative_numbers_are_bracketed_so_signs_read_clearly():
    everything = " ".join(text for layer in (0, 1) for step in range(SEQ_LENGTH)
                          for text in lines(layer, step, 0).values())
    assert re.search(r"\+ \(-\d", everything), "some negative terms appear in the random model"
    assert not re.search(r"\+ -\d", everything), "a negative term directly after '+' reads as '+ -'"


@pytest.mark.parametrize("layer", [0, 1])
@pytest.mark.parametrize("sample", [0, 1])
def test_the_backward_equation_prints_the_gradients_and_its_two_parts_add_up(layer, sample):
    _, _, _, trace, grads = window(sample)
    lt, dc, dh = trace.layers[layer], grads.layers[layer].dc[0], grads.layers[layer].dh[0]  # (timesteps, units)
    for step in range(SEQ_LENGTH):
        for unit in range(UNITS):
            text = backward_equation_text(grads, trace, layer, step, unit)
            t, last = step + 1, step == SEQ_LENGTH - 1
            assert text.startswith(f"∂L/∂c{subscript(t)}[{unit}] = ∂L/∂c{subscript(t + 1)} ⊙ f{subscript(t + 1)} + ")
            assert ("0 (no later step)" in text) == last
            f_next = 0.0 if last else float(lt.f[0, step + 1, unit])
            dc_next = 0.0 if last else float(dc[step + 1, unit])
            o, squash = float(lt.o[0, step, unit]), 1 - math.tanh(float(lt.c[0, step, unit])) ** 2
            shown = [dc_next, f_next] if not last else [0.0]
            shown += [float(dh[step, unit]), o, squash, float(dc[step, unit])]
            printed = VALUE.findall(" = ".join(text.split(" = ")[2:]))  # the values, past the symbolic part
            assert len(printed) == len(shown), text
            for token, value in zip(printed, shown):
                assert float(token) == pytest.approx(value, rel=5.1e-3, abs=0), (text, token, value)
                if value != 0 and abs(value) < 1e-3:
                    assert "e-" in token, "a tiny gradient is written in e-notation, not as 0.000"
            # dL/dc_t is what it carries back from c_{t+1} plus what reaches it through h_t
            assert dc_next * f_next + float(dh[step, unit]) * o * squash == pytest.approx(float(dc[step, unit]),
                                                                                            rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("step", [0, 4])
def test_with_several_inputs_the_first_layer_writes_w_x_term_by_term_one_weight_and_value_per_input(step):
    ds = build_dataset(SeriesConfig(n_points=300, inputs=("driver", "calendar")), seq_length=SEQ_LENGTH)
    weights = random_weights(ModelConfig(seq_length=SEQ_LENGTH, units=UNITS, layers=2, dense_units=0), 3, seed=2)
    x = ds.X["test"][:1]  # (1, seq_length, 3)
    trace = trace_model(weights, x)
    unit = 1
    first, second = forward_equation_texts(weights, trace, 0, step, unit), forward_equation_texts(weights, trace, 1,
                                                                                                 step, unit)
    kernel = weights.recurrent[0].kernel  # (3, 4 * units)
    for slot, line in enumerate(first[:4]):
        bracket = re.search(r"\[([^\]]*×[^\]]*)\]", line).group(1)
        products = [tuple(decimals(term)) for term in bracket.split(" + ")]
        assert products == [(r3(kernel[f, slot * UNITS + unit]), r3(x[0, step, f])) for f in range(3)]
        # Each input contributes its own weight × value, and the gate's value is still the replay's.
        gate = getattr(trace.layers[0], GATES[slot])[0, step, unit]
        assert line.endswith(f"= {gate:.3f}")
    assert all("×" not in line.split("=")[2].split("+")[0] for line in second[:4]), "layer 2 reads h, one number"
