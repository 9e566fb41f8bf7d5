"""Tables the pages show: the first (X, Y) pairs and the per-layer weight shapes."""

from __future__ import annotations

import math

import pandas as pd

from lstm_core.data.dataset import Dataset
from lstm_core.evaluation.baselines import compare_baselines
from lstm_core.evaluation.metrics import forecast_metrics
from lstm_core.model.gates import GATE_NAMES, GATES
from lstm_core.model.shapes import LayerShapes

SHOWN_STEPS = 4  # a window longer than this shows its first and last steps around an ellipsis


def window_table(ds: Dataset, first: int = 0, rows: int = 6, split: str = "train") -> pd.DataFrame:
    """Return rows of the (X, Y) table of one split, scaled values, one row per window."""
    X, y = ds.X[split][first:first + rows, :, 0], ds.y[split][first:first + rows]  # (rows, T), (rows, horizon)
    steps: list[int | None] = list(range(ds.seq_length))  # None: the ellipsis between first and last steps
    if ds.seq_length > 2 * SHOWN_STEPS:
        steps = steps[:SHOWN_STEPS] + [None] + steps[-SHOWN_STEPS:]
    table = {}
    for step in steps:
        table["…" if step is None else f"x{step + 1}"] = ["…"] * len(X) if step is None else X[:, step].round(3)
    for h in range(ds.horizon):
        table[f"Y{'' if ds.horizon == 1 else h + 1}"] = y[:, h].round(3)
    return pd.DataFrame(table, index=[f"window {k}" for k in range(first, first + len(X))]).astype(str)


NOT_APPLICABLE = "—"  # a cell of a field the row's kind has not


def shape_table(layers: list[LayerShapes]) -> pd.DataFrame:
    """Return one row per weighted layer: kernel, recurrent kernel, bias, a gate slice, parameters."""
    rows = []
    for layer in layers:
        s = layer.shapes
        is_lstm = layer.kind == "LSTM"
        rows.append({
            "layer": layer.name,
            "kind": layer.kind,
            "kernel W": str(s["kernel"]),
            "recurrent kernel U": str(s["recurrent_kernel"]) if is_lstm else NOT_APPLICABLE,
            "bias b": str(s["bias"]),
            "each of i, f, g, o": (f"W {s['kernel_i']}, U {s['recurrent_kernel_i']}, b {s['bias_i']}"
                                   if is_lstm else NOT_APPLICABLE),
            "parameters": layer.params,
            "formula": (f"4·{layer.units}·({layer.input_dim}+{layer.units}+1)" if is_lstm
                        else f"{layer.units}·({layer.input_dim}+1)"),
        })
    return pd.DataFrame(rows)


def fields_sentences(table: pd.DataFrame) -> list[str]:
    """Return each row of table as one sentence of its fields, "field: value; …", leaving out those it has not."""
    return ["; ".join(f"{field}: {value}" for field, value in row.items() if value != NOT_APPLICABLE)
            for _, row in table.iterrows()]


def gate_legend() -> str:
    """Return the gate letters with their names, in Keras's slice order."""
    return ", ".join(f"{g} = {GATE_NAMES[g]}" for g in GATES)


def evaluation_table(ds: Dataset, lstm_prediction, split: str = "test") -> pd.DataFrame:
    """Return MSE / RMSE / MAE (scaled units) of the LSTM, the baselines and the noise floor on a split."""
    rows = {"LSTM (yours)": forecast_metrics(ds.y[split], lstm_prediction)}
    rows.update(compare_baselines(ds, split))
    floor = ds.noise_floor
    if floor is not None:  # unknown for the learner's own data: no row rather than a guess
        rows["noise floor"] = {"mse": floor, "rmse": floor ** 0.5, "mae": floor ** 0.5 * math.sqrt(2 / math.pi)}
    table = pd.DataFrame(rows).T[["mse", "rmse", "mae"]]
    table.columns = ["MSE", "RMSE", "MAE"]
    return table
