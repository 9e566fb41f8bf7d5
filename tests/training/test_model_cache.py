"""The worker's model cache: a reused model trains exactly like a freshly built one."""

from dataclasses import replace

import numpy as np

from lstm_core.training.worker import train_job
from tests.training.helpers import DATA, small_cfg


def test_a_reused_model_trains_exactly_like_a_fresh_build():
    from lstm_core.training.model_cache import MODEL_CACHE

    MODEL_CACHE.clear()
    cfg = small_cfg(layers=2, dense_units=4, dropout=0.2, epochs=3, seed=3)
    fresh = train_job(DATA, cfg)
    # Same architecture, other seed, learning rate and batch size: it leaves trained weights, Adam
    # moments and advanced dropout seeds behind in the kept model.
    train_job(DATA, replace(cfg, seed=11, learning_rate=0.05, batch_size=32))
    hits = MODEL_CACHE.hits
    reused = train_job(DATA, cfg)
    assert MODEL_CACHE.hits == hits + 1, "the third job reuses the kept model"
    np.testing.assert_allclose(reused.history["loss"], fresh.history["loss"], rtol=1e-6)
    np.testing.assert_allclose(reused.history["val_loss"], fresh.history["val_loss"], rtol=1e-6)
    for a, b in zip(reused.weights.to_list(), fresh.weights.to_list()):
        np.testing.assert_allclose(a, b, atol=1e-6)
    np.testing.assert_allclose(reused.predictions["test"], fresh.predictions["test"], atol=1e-6)
