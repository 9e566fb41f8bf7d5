"""The quick-start sweep: which small preset reaches a test MSE near the noise floor in under 3 s?

Run: .venv/bin/python -m bench.sweep_quick_start [--quick]
Each candidate is trained as a warm worker trains it (one TensorFlow thread, the architecture traced
beforehand), timed from job start to result, and scored as test MSE / noise floor, over three model
seeds. Writes every row to bench/quick_start_sweep.csv and prints the best candidates; never fails.
"""

import csv
import itertools
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


from lstm_core.config import ModelConfig, SeriesConfig
from lstm_core.data.dataset import build_dataset
from lstm_core.evaluation.metrics import mse
from lstm_core.training.model_cache import warm_up
from lstm_core.training.protocol import TrainingData
from lstm_core.training.worker import load_keras, train_job

OUT = Path(__file__).with_name("quick_start_sweep.csv")
SEEDS = (0, 1)  # model seeds; the series is the preset's own (its seed 42)
TIME_LIMIT = 3.0
TARGET_RATIO = 1.2


def score(series: SeriesConfig, cfg: ModelConfig) -> dict:
    """Return mean and worst test-MSE/noise-floor ratio and job seconds of cfg over SEEDS."""
    ds = build_dataset(series, cfg.seq_length, cfg.horizon)
    data = TrainingData.from_dataset(ds)
    warm_up(cfg)
    ratios, seconds = [], []
    for seed in SEEDS:
        began = time.perf_counter()
        result = train_job(data, replace(cfg, seed=seed))
        seconds.append(time.perf_counter() - began)
        test_mse = mse(ds.y["test"], result.predictions["test"])
        ratios.append(test_mse / ds.noise_floor)
    return {"ratio_mean": statistics.mean(ratios), "ratio_worst": max(ratios),
            "seconds_mean": statistics.mean(seconds), "seconds_worst": max(seconds)}


def candidates(quick: bool):
    """Yield (series, model) pairs of the grid."""
    lengths = (600, 1000) if not quick else (600,)
    steps = ((0.01, 32), (0.02, 64))  # a larger batch takes a larger step
    grid = itertools.product(lengths, (20, 30), (1, 2), (16, 32), steps, (12, 24))
    for n_points, seq, layers, units, (lr, batch), epochs in grid:
        yield (SeriesConfig(n_points=n_points, noise_std=0.1),
               ModelConfig(seq_length=seq, units=units, layers=layers, dropout=0.0, dense_units=8,
                           learning_rate=lr, batch_size=batch, epochs=epochs))


def main() -> None:
    """Run the grid, write the CSV and print the candidates that meet both targets."""
    load_keras(1, 1)  # as a worker: one intra-op and one inter-op thread
    rows = []
    for series, cfg in candidates("--quick" in sys.argv):
        row = {"n_points": series.n_points, "seq_length": cfg.seq_length, "units": cfg.units,
               "layers": cfg.layers, "learning_rate": cfg.learning_rate, "batch_size": cfg.batch_size,
               "epochs": cfg.epochs, **score(series, cfg)}
        rows.append(row)
        print({k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()}, flush=True)
    with OUT.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    good = [r for r in rows if r["ratio_worst"] <= TARGET_RATIO and r["seconds_worst"] <= TIME_LIMIT]
    print(f"\n{len(good)} of {len(rows)} candidates reach ≤ {TARGET_RATIO}× the noise floor on every seed "
          f"in ≤ {TIME_LIMIT} s:")
    for row in sorted(good, key=lambda r: (r["seconds_mean"], r["ratio_mean"]))[:10]:
        print(row)


if __name__ == "__main__":
    main()
