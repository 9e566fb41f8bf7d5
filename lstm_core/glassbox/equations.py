"""The six LSTM equations of one unit at one step, filled in with the replay's real numbers (LaTeX)."""

from __future__ import annotations

from lstm_core.glassbox.replay import ModelTrace, gate_terms
from lstm_core.model.gates import CELL_PARTS, GATES
from lstm_core.model.weights import ModelWeights

_LATEX_ACTIVATIONS = {"σ": r"\sigma", "tanh": r"\tanh"}


def _num(value: float) -> str:
    return f"{value:.3f}" if value >= 0 else f"({value:.3f})"


def unit_equations(weights: ModelWeights, trace: ModelTrace, layer: int, step: int, unit: int,
                   sample: int = 0) -> list[tuple[str, str]]:
    """Return (name, LaTeX) for i, f, g, o, c and h of one unit at one step, with the real numbers."""
    terms = gate_terms(weights.recurrent[layer], trace, layer, sample, step, unit)
    t, u = step + 1, unit
    source = rf"x_{{{t}}}" if layer == 0 else rf"h^{{({layer})}}_{{{t}}}"
    lines = []
    for gate in GATES:
        term, activation = terms[gate], _LATEX_ACTIVATIONS[CELL_PARTS[gate].activation]
        lines.append((CELL_PARTS[gate].name, (
            rf"{gate}_{{{t}}}[{u}] = {activation}\big({source} W_{gate} + h_{{{t - 1}}} U_{gate} + b_{gate}\big)"
            rf" = {activation}\big({_num(term.input_part)} + {_num(term.recurrent_part)} + {_num(term.bias)}\big)"
            rf" = {activation}({term.preactivation:.3f}) = {term.value:.3f}"
        )))
    layer_trace = trace.layers[layer]
    c_prev = float(layer_trace.c[sample, step - 1, unit]) if step > 0 else 0.0
    c_now = float(layer_trace.c[sample, step, unit])
    h_now = float(layer_trace.h[sample, step, unit])
    i, f, g, o = (terms[k].value for k in GATES)
    lines.append((CELL_PARTS["c"].name, (
        rf"c_{{{t}}}[{u}] = f_{{{t}}} \odot c_{{{t - 1}}} + i_{{{t}}} \odot g_{{{t}}}"
        rf" = {_num(f)} \times {_num(c_prev)} + {_num(i)} \times {_num(g)} = {c_now:.3f}"
    )))
    lines.append((CELL_PARTS["h"].name, (
        rf"h_{{{t}}}[{u}] = o_{{{t}}} \odot \tanh(c_{{{t}}}) = {_num(o)} \times \tanh({_num(c_now)})"
        rf" = {h_now:.3f}"
    )))
    return lines

