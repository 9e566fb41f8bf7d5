"""Live-training overhead: a TrainingJob on a warm pool against plain model.fit in this process.

Run: .venv/bin/python -m bench.bench_training
Both sides train the same model on the same data; the first epoch of each run (tracing) is not
counted. Prints epoch times, whole-run times and the throughput ratio job/plain; never fails.
"""

import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

from lstm_core.config import ModelConfig, SeriesConfig
from lstm_core.data.dataset import build_dataset
from lstm_core.training.backend import TrainingBackend, start
from lstm_core.training.pool import TrainingPool
from lstm_core.training.protocol import TrainingData
from lstm_core.training.worker import train_job

ROUNDS = 4  # plain and job alternate, so a drift of the machine's speed hits both sides alike


def plain_fit(data: TrainingData, cfg: ModelConfig) -> tuple[list[float], float]:
    """Return (seconds per epoch, whole-run seconds) of build + fit + predict + save in this process."""
    import keras

    from lstm_core.model.keras_model import build_model

    class EpochTimer(keras.callbacks.Callback):  # epoch hooks only: batch callbacks stay asynchronous
        def on_epoch_begin(self, epoch, logs=None):
            self.began = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            seconds.append(time.perf_counter() - self.began)

    seconds: list[float] = []
    began = time.perf_counter()
    keras.backend.clear_session()
    model = build_model(cfg, data.n_features)
    model.fit(data.X_train, data.y_train, validation_data=(data.X_val, data.y_val), epochs=cfg.epochs,
              batch_size=cfg.batch_size, shuffle=True, verbose=0, callbacks=[EpochTimer()])
    model.predict_on_batch(np.concatenate([data.X_train, data.X_val, data.X_test]))
    with tempfile.TemporaryDirectory() as folder:
        model.save(Path(folder) / "model.keras")
    return seconds, time.perf_counter() - began


class EventList(list):
    """Collects a job's events in this process, in place of the worker's pipe to the pool."""

    put = list.append


def inline_fit(data: TrainingData, cfg: ModelConfig) -> tuple[list[float], float]:
    """Return (seconds per epoch, whole-run seconds) of the job function run in this process."""
    events = EventList()
    began = time.perf_counter()
    train_job(data, cfg, events)
    return [event[4] for event in events if event[0] == "epoch"], time.perf_counter() - began


def job_fit(data: TrainingData, cfg: ModelConfig, pool: TrainingBackend) -> tuple[list[float], float]:
    """Return (seconds per epoch as the worker reports them, start()-to-done seconds)."""
    began = time.perf_counter()
    job = start(data, cfg, pool)
    while not job.done:
        job.progress()  # a page polls like this (every 0.5 s); draining the events is part of the cost
        time.sleep(0.1)
    wall = time.perf_counter() - began
    result = job.result()
    if result.status != "done":
        print(f"job ended {result.status}: {result.message}")
    return job.progress().epoch_seconds, wall


def report(epochs: dict[str, list[float]], walls: dict[str, list[float]], windows: int) -> None:
    """Print the steady-state epoch times, the throughput ratios and the whole-run times."""
    plain, plain_best = statistics.median(epochs["plain fit"]), min(epochs["plain fit"])
    print(f"steady-state epoch over {len(epochs['plain fit'])} epochs per arm (first epoch of each run, "
          f"which traces the graph, not counted):")
    for name, seconds in epochs.items():
        median, best = statistics.median(seconds), min(seconds)
        print(f"  {name:<12} median {median:.3f} s = {windows / median:5,.0f} windows/s, ratio to plain "
              f"{plain / median:.3f}; fastest {best:.3f} s, ratio {plain_best / best:.3f}")
    job, job_best = statistics.median(epochs["job in pool"]), min(epochs["job in pool"])
    print(f"THROUGHPUT RATIO job/plain = {plain / job:.3f} on medians, {plain_best / job_best:.3f} on "
          f"fastest epochs (target >= 0.95)")
    print("whole run, median (build, fit, predict, save; for the pool: start() until done is seen):")
    plain_wall = statistics.median(walls["plain fit"])
    for name, seconds in walls.items():
        print(f"  {name:<12} {statistics.median(seconds):.2f} s, ratio plain/this "
              f"{plain_wall / statistics.median(seconds):.3f}")


def main() -> None:
    """Train the same model plainly, through the job function inline, and through a warm pool."""
    cfg = ModelConfig(seq_length=50, units=50, layers=2, epochs=5)
    data = TrainingData.from_dataset(build_dataset(SeriesConfig(n_points=1000), cfg.seq_length, 1))
    print(f"model: seq_length {cfg.seq_length}, {cfg.layers} x LSTM({cfg.units}), dense {cfg.dense_units}, "
          f"batch {cfg.batch_size}, {cfg.epochs} epochs; {len(data.X_train)} training windows, "
          f"{data.batches_per_epoch(cfg.batch_size)} batches per epoch; {os.cpu_count()} CPU cores")
    began = time.perf_counter()
    pool = TrainingPool(max_workers=1)
    pool.wait_ready(120)
    print(f"pool ready (spawn + TensorFlow import in the worker): {time.perf_counter() - began:.1f} s")
    plain_fit(data, ModelConfig(**{**cfg.to_dict(), "epochs": 1}))  # warm this process's TensorFlow too

    arms = {"plain fit": lambda: plain_fit(data, cfg), "job inline": lambda: inline_fit(data, cfg),
            "job in pool": lambda: job_fit(data, cfg, pool)}
    epochs: dict[str, list[float]] = {name: [] for name in arms}
    walls: dict[str, list[float]] = {name: [] for name in arms}
    try:
        for round_number in range(1, ROUNDS + 1):
            for name, run in arms.items():
                seconds, wall = run()
                epochs[name] += seconds[1:]
                walls[name].append(wall)
                print(f"round {round_number} {name:<12} epochs " + " ".join(f"{s:.3f}" for s in seconds)
                      + f" s; whole run {wall:.2f} s")
    finally:
        pool.shutdown()
    report(epochs, walls, len(data.X_train))


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # a benchmark reports; it never fails the build
        print(f"benchmark could not finish: {type(error).__name__}: {error}")
