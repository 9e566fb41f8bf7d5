"""The CPU a quick-start job costs a worker, against the quick start as it was, measured in the same run.

Run: .venv/bin/python -m bench.bench_job_cost [rounds, default 5]
A warm worker's conditions, in this process: one TensorFlow thread, each architecture traced beforehand,
its compiled model kept between jobs. The reference is the earlier quick start (window 30, LSTM(16),
24 epochs) trained the earlier way: Keras's own validation pass after every epoch, which builds a tf.data
iterator each time. Both sides alternate, so a drift of the machine hits them alike. Prints the CPU seconds
per job (the process's, all threads), the parts of the job around the fit, and the ratio; never fails.
"""

import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

from lstm_core.config import ModelConfig
from lstm_core.data.dataset import build_dataset
from lstm_core.model.keras_model import extract_weights
from lstm_core.presets import QUICK_START_MODEL, QUICK_START_SERIES
from lstm_core.training.model_cache import MODEL_CACHE, warm_up
from lstm_core.training.protocol import TrainingData
from lstm_core.training.worker import load_keras, train_job

EARLIER_QUICK_START = ModelConfig(seq_length=30, units=16, layers=1, dropout=0.0, dense_units=8,
                                  learning_rate=0.02, batch_size=64, epochs=24)


def cpu_of(action) -> float:
    """Return the CPU seconds of this process (every thread) that action() took."""
    began = time.process_time()
    action()
    return time.process_time() - began


def earlier_job(data: TrainingData, cfg: ModelConfig) -> None:
    """Train cfg as the earlier job did: Keras's validation pass every epoch, then predictions and the saved model."""
    model = MODEL_CACHE.model_for(cfg, data.n_features)
    model.fit(data.X_train, data.y_train, validation_data=(data.X_val, data.y_val), epochs=cfg.epochs,
              batch_size=cfg.batch_size, shuffle=True, verbose=0)
    extract_weights(model)
    model.predict_on_batch(np.concatenate([data.X_train, data.X_val, data.X_test]))
    with tempfile.TemporaryDirectory() as folder:
        model.save(Path(folder) / "model.keras")


def parts_of_a_job(data: TrainingData, cfg: ModelConfig) -> dict[str, float]:
    """Return the CPU seconds of each part of a job around its fit, one run each."""
    model = MODEL_CACHE.model_for(cfg, data.n_features)
    windows = np.concatenate([data.X_train, data.X_val, data.X_test])  # (samples, seq_length, features)

    def save() -> None:
        with tempfile.TemporaryDirectory() as folder:
            model.save(Path(folder) / "model.keras")

    return {"model fetch and reset": cpu_of(lambda: MODEL_CACHE.model_for(cfg, data.n_features)),
            "weights to NumPy": cpu_of(lambda: extract_weights(model)),
            "final predictions": cpu_of(lambda: model.predict_on_batch(windows)),
            ".keras bytes": cpu_of(save)}


def main() -> None:
    """Alternate the earlier and the current quick-start job, then print CPU per job and the ratio."""
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    load_keras(1, 1)  # as a worker: one intra-op and one inter-op thread
    earlier = TrainingData.from_dataset(build_dataset(QUICK_START_SERIES, EARLIER_QUICK_START.seq_length))
    current = TrainingData.from_dataset(build_dataset(QUICK_START_SERIES, QUICK_START_MODEL.seq_length))
    for cfg in (EARLIER_QUICK_START, QUICK_START_MODEL):
        warm_up(cfg)
    spent: dict[str, list[float]] = {"earlier": [], "current": []}
    for seed in range(rounds):  # a new seed each round, as learners' jobs differ
        earlier_cfg, current_cfg = replace(EARLIER_QUICK_START, seed=seed), replace(QUICK_START_MODEL, seed=seed)
        spent["earlier"].append(cpu_of(lambda cfg=earlier_cfg: earlier_job(earlier, cfg)))
        spent["current"].append(cpu_of(lambda cfg=current_cfg: train_job(current, cfg)))
    for name, values in spent.items():
        print(f"{name} quick-start job: CPU median {statistics.median(values):.2f} s, min {min(values):.2f} s "
              f"over {rounds} jobs")
    print(f"ratio current / earlier: {statistics.median(spent['current']) / statistics.median(spent['earlier']):.2f}")
    for part, seconds in parts_of_a_job(current, QUICK_START_MODEL).items():
        print(f"  around the fit: {part} {seconds * 1000:.0f} ms")


if __name__ == "__main__":
    main()
