"""The parts of an LSTM cell (four gates, two states): one table of their names, activations and colours."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CellPart:
    """One gate or state of the cell: its letter, what it is called and how every chart draws it."""

    key: str  # the letter in the equations: i, f, g, o, c, h
    name: str  # "forget gate"
    activation: str  # "σ" or "tanh"; empty for the states
    color: str  # marks on a chart: 3:1 on white
    text_color: str  # text at body size in the part's colour: 4.5:1 on white
    symbol_color: str  # the part's symbol written on its own colour: 4.5:1 on it

    @property
    def title(self) -> str:
        """Return the name with the letter, as chart titles use it: "forget gate f"."""
        return f"{self.name} {self.key}"

    @property
    def short_title(self) -> str:
        """Return the short label the cell diagram writes under a gate: "forget f"."""
        return f"{self.name.removesuffix(' gate')} {self.key}"


# Okabe-Ito hues for the gates; the states in a dark brown and a periwinkle, because Okabe-Ito's yellow beside
# vermillion and its sky blue beside green merge under deuteranopia and tritanopia (tests/model/test_gate_colors.py
# simulates every deficiency). Every colour reaches 3:1 on white, the contrast WCAG asks of a chart's marks and of
# large text. Text colours are the same hues darkened to 4.5:1; a symbol on its own colour is white where that
# reaches 4.5:1, near-black elsewhere.
CELL_PARTS = {part.key: part for part in (
    CellPart("i", "input gate", "σ", "#0072B2", "#0072B2", "white"),
    CellPart("f", "forget gate", "σ", "#D55E00", "#B65000", "#111111"),
    CellPart("g", "candidate", "tanh", "#009E73", "#007D5B", "#111111"),
    CellPart("o", "output gate", "σ", "#CC79A7", "#B44582", "#111111"),
    CellPart("c", "cell state", "", "#774433", "#774433", "white"),
    CellPart("h", "hidden state", "", "#7788FF", "#5F6CCC", "#111111"),
)}
GATES = ("i", "f", "g", "o")  # Keras's slice order inside kernel, recurrent_kernel and bias
CELL_PART_KEYS = tuple(CELL_PARTS)  # i, f, g, o, c, h: every array of an LSTM layer's trace
GATE_NAMES = {key: CELL_PARTS[key].name for key in GATES}
