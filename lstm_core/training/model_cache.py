"""Compiled models kept inside a worker process, so a job of a known architecture skips graph tracing.

The first fit of a freshly built Keras model traces its train, test and predict functions: about two
seconds on this kind of machine, for a run whose later epochs take a fifth of a second. A worker keeps
the models it has trained, one per architecture, and hands the next job of the same architecture the
same model reset to the state a fresh ``build_model(cfg)`` would have: the same initial weights, the
same dropout seed states and an optimizer with no memory. Everything that shapes the traced graph is
in the key; the learning rate is an optimizer variable and the batch size a traced dimension, so
neither is.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from lstm_core.config import ModelConfig
from lstm_core.model.keras_model import KerasModel, build_model

MAX_CACHED_MODELS = 4  # per worker: a handful of architectures in use at once in a class
# cell, seq_length, n_features, units, layers, dropout, dense_units, horizon
ArchitectureKey = tuple[str, int, int, int, int, float, int, int]


def architecture_key(cfg: ModelConfig, n_features: int) -> ArchitectureKey:
    """Return what fixes a model's traced graph: shapes, layer counts and the dropout rate."""
    return (cfg.cell, cfg.seq_length, n_features, cfg.units, cfg.layers, cfg.dropout, cfg.dense_units, cfg.horizon)


def reset_to_fresh(model: KerasModel, fresh: KerasModel, learning_rate: float) -> None:
    """Give model the variables of fresh (same architecture) and an optimizer with no state; return None."""
    for target, source in zip(model.variables, fresh.variables, strict=True):  # weights and seed states
        target.assign(source.numpy())
    for variable in model.optimizer.variables:  # step count, Adam's moments and the learning rate
        variable.assign(np.zeros(variable.shape, dtype=variable.dtype))
    model.optimizer.learning_rate = learning_rate


class ModelCache:
    """Least recently used compiled models of one process, keyed by architecture."""

    def __init__(self, capacity: int = MAX_CACHED_MODELS) -> None:
        self.capacity = capacity
        self._models: OrderedDict[ArchitectureKey, KerasModel] = OrderedDict()
        self.hits = self.misses = 0

    def model_for(self, cfg: ModelConfig, n_features: int = 1) -> KerasModel:
        """Return a compiled keras.Model for cfg in the state of a fresh build_model(cfg, n_features)."""
        key = architecture_key(cfg, n_features)
        fresh = build_model(cfg, n_features)  # seeds the global RNGs exactly as a fresh run does
        model = self._models.pop(key, None)
        if model is None:
            self.misses += 1
            model = fresh
        else:
            self.hits += 1
            reset_to_fresh(model, fresh, cfg.learning_rate)
        self._models[key] = model
        while len(self._models) > self.capacity:
            self._models.popitem(last=False)
        return model

    def clear(self) -> None:
        """Forget every kept model; return None."""
        self._models.clear()


MODEL_CACHE = ModelCache()


def warm_up(cfg: ModelConfig, n_features: int = 1) -> None:
    """Trace cfg's train, test and predict functions in this process, on throwaway data; return None."""
    # Two sizes of batch, so the traced functions are already the ones for any batch size.
    samples = 2 * cfg.batch_size + 1
    rng = np.random.default_rng(0)
    x = rng.normal(size=(samples, cfg.seq_length, n_features)).astype(np.float32)  # (samples, seq, features)
    y = rng.normal(size=(samples, cfg.horizon)).astype(np.float32)  # (samples, horizon)
    model = MODEL_CACHE.model_for(cfg, n_features)
    model.fit(x, y, batch_size=cfg.batch_size, epochs=1, verbose=0)
    for rows in (samples, 3):  # a second shape relaxes the traced one to any number of windows
        model.test_on_batch(x[:rows], y[:rows])
        model.predict_on_batch(x[:rows])
