"""Replay speed and agreement: the NumPy glass box against the Keras model it mirrors, in one run.

Run: .venv/bin/python -m bench.bench_replay
Prints times and ratios; never fails.
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

from lstm_core.config import ModelConfig, SeriesConfig
from lstm_core.data.dataset import build_dataset
from lstm_core.glassbox.replay import max_abs_difference, trace_model
from lstm_core.model.keras_model import build_model, extract_weights


def best_of(fn, repeats: int) -> float:
    """Return the fastest wall time of fn over repeats calls, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    """Print replay timings for one window and a whole test set, against Keras on the same inputs."""
    cfg = ModelConfig(seq_length=50, units=50, layers=2, dense_units=25, epochs=2)
    ds = build_dataset(SeriesConfig(n_points=2000), cfg.seq_length)
    model = build_model(cfg)
    model.fit(ds.X["train"], ds.y["train"], epochs=cfg.epochs, batch_size=cfg.batch_size, verbose=0)
    weights = extract_weights(model)
    one = ds.X["test"][:1].astype(np.float32)  # (1, 50, 1)
    test = ds.X["test"].astype(np.float32)  # (samples, 50, 1)

    keras_one = best_of(lambda: model(one, training=False), 20)
    replay_one = best_of(lambda: trace_model(weights, one), 20)
    keras_all = best_of(lambda: model.predict(test, verbose=0), 3)
    replay_all = best_of(lambda: trace_model(weights, test), 3)
    difference = max_abs_difference(trace_model(weights, test).prediction, model.predict(test, verbose=0))

    print(f"model: seq_length {cfg.seq_length}, {cfg.layers} layers x {cfg.units} units; "
          f"test set {test.shape[0]} windows")
    print(f"one window   replay {replay_one * 1e3:7.2f} ms   keras call    {keras_one * 1e3:7.2f} ms   "
          f"ratio replay/keras {replay_one / keras_one:5.2f}")
    print(f"test set     replay {replay_all * 1e3:7.2f} ms   keras predict {keras_all * 1e3:7.2f} ms   "
          f"ratio replay/keras {replay_all / keras_all:5.2f}")
    print(f"agreement    max |replay - keras| over the test set = {difference:.2e} (target <= 1e-5)")


if __name__ == "__main__":
    main()
