"""A model's weights drawn at random, so the glass box runs without Keras: for the benchmarks and the tests."""

from __future__ import annotations

import numpy as np

from lstm_core.config import ModelConfig
from lstm_core.model.shapes import weight_shapes
from lstm_core.model.weights import DenseWeights, LSTMWeights, ModelWeights, RNNWeights


def random_weights(cfg: ModelConfig, n_features: int = 1, seed: int = 0) -> ModelWeights:
    """Return ModelWeights of cfg's shapes drawn at random with a trained model's spread, float32."""
    rng = np.random.default_rng(seed)

    def draw(shape: tuple[int, ...]) -> np.ndarray:
        # Matrices: twice Glorot's spread, so gates are neither all open nor all shut; biases small.
        spread = 2.0 / np.sqrt(shape[0]) if len(shape) == 2 else 0.3
        return rng.normal(0.0, spread, shape).astype(np.float32)

    layers = weight_shapes(cfg, n_features)
    layer_class = LSTMWeights if cfg.cell == "lstm" else RNNWeights
    recurrent = [layer_class(*(draw(s.shapes[k]) for k in ("kernel", "recurrent_kernel", "bias")))
                 for s in layers if s.kind != "Dense"]
    dense = [DenseWeights(draw(s.shapes["kernel"]), draw(s.shapes["bias"])) for s in layers if s.kind == "Dense"]
    return ModelWeights(recurrent, dense)
