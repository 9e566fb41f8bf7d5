"""Runs' arrays as bytes and back: NumPy's .npz without pickles, so a stored run can never run code when read."""

from __future__ import annotations

import io
from typing import Any, cast

import numpy as np

from lstm_core.model.weights import DenseWeights, LSTMWeights, ModelWeights, RNNWeights

RECURRENT_PARTS = ("kernel", "recurrent_kernel", "bias")
DENSE_PARTS = ("kernel", "bias")


def arrays_to_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """Return the named arrays as the bytes of one uncompressed .npz archive."""
    buffer = io.BytesIO()
    np.savez(buffer, **cast(dict[str, Any], arrays))  # typed as savez's keywords, allow_pickle among them
    return buffer.getvalue()


def arrays_from_bytes(data: bytes) -> dict[str, np.ndarray]:
    """Return the named arrays of an .npz archive's bytes; raises ValueError on anything else."""
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def weights_to_arrays(weights: ModelWeights, prefix: str = "") -> dict[str, np.ndarray]:
    """Return a model's weights as named arrays: r<layer>_<part> and d<layer>_<part>, the cell kind in "cell"."""
    arrays = {f"{prefix}cell": np.array(weights.cell)}
    for index, layer in enumerate(weights.recurrent):
        arrays |= {f"{prefix}r{index}_{part}": getattr(layer, part) for part in RECURRENT_PARTS}
    for index, dense in enumerate(weights.dense):
        arrays |= {f"{prefix}d{index}_{part}": getattr(dense, part) for part in DENSE_PARTS}
    return arrays


def weights_from_arrays(arrays: dict[str, np.ndarray], prefix: str = "") -> ModelWeights:
    """Return the ModelWeights that weights_to_arrays wrote under prefix."""
    layer_class = RNNWeights if str(arrays[f"{prefix}cell"]) == "rnn" else LSTMWeights
    recurrent: list[LSTMWeights | RNNWeights] = []
    dense: list[DenseWeights] = []
    while f"{prefix}r{len(recurrent)}_kernel" in arrays:
        index = len(recurrent)
        recurrent.append(layer_class(*(arrays[f"{prefix}r{index}_{part}"] for part in RECURRENT_PARTS)))
    while f"{prefix}d{len(dense)}_kernel" in arrays:
        index = len(dense)
        dense.append(DenseWeights(*(arrays[f"{prefix}d{index}_{part}"] for part in DENSE_PARTS)))
    return ModelWeights(recurrent, dense)


def weights_to_bytes(weights: ModelWeights) -> bytes:
    """Return one model's weights as .npz bytes."""
    return arrays_to_bytes(weights_to_arrays(weights))


def weights_from_bytes(data: bytes) -> ModelWeights:
    """Return the ModelWeights of weights_to_bytes's bytes."""
    return weights_from_arrays(arrays_from_bytes(data))


def weight_series_to_bytes(series: list[ModelWeights], batches: list[int] | None = None) -> bytes:
    """Return a sequence of weights (the film's shots) as one .npz, each under s<k>_, with their batch counts."""
    arrays: dict[str, np.ndarray] = {"count": np.array(len(series))}
    if batches is not None:
        arrays["batches"] = np.asarray(batches, dtype=np.int64)
    for k, weights in enumerate(series):
        arrays |= weights_to_arrays(weights, prefix=f"s{k}_")
    return arrays_to_bytes(arrays)


def weight_series_from_bytes(data: bytes) -> tuple[list[ModelWeights], list[int] | None]:
    """Return the weights and batch counts that weight_series_to_bytes wrote."""
    arrays = arrays_from_bytes(data)
    series = [weights_from_arrays(arrays, prefix=f"s{k}_") for k in range(int(arrays["count"]))]
    batches = [int(b) for b in arrays["batches"]] if "batches" in arrays else None
    return series, batches
