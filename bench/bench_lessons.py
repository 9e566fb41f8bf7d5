"""Lesson time at defaults: each lesson's jobs through a fresh two-worker pool, as one learner starts them.

Run: .venv/bin/python -m bench.bench_lessons
For every lesson, its default jobs are submitted at once to the server's kind of pool (two workers,
one TensorFlow thread each, the quick start traced at start) and timed from submission until all have
finished, plus the page-side compute the lesson does afterwards (gradients, replays, bands). The target
is under 60 s per lesson. Also prints the film's bytes per epoch for the largest model. Never fails.
"""

import os
import time
from dataclasses import replace

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from bench.weights import random_weights
from lstm_core.config import ModelConfig, SeriesConfig
from lstm_core.data.dataset import build_dataset
from lstm_core.lessons import dropout, film, horizon, memory, splits
from lstm_core.presets import QUICK_START_MODEL
from lstm_core.training.backend import TrainingBackend, start
from lstm_core.training.pool import TrainingPool, default_settings
from lstm_core.training.protocol import TrainingData

LIMIT_SECONDS = 60


def through_pool(pool: TrainingBackend, runs: dict) -> tuple[float, dict]:
    """Return (seconds until every (data, cfg) job finished, results by name)."""
    began = time.perf_counter()
    jobs = {name: start(data, cfg, pool) for name, (data, cfg) in runs.items()}
    while not all(job.done for job in jobs.values()):
        time.sleep(0.05)
    return time.perf_counter() - began, {name: job.result() for name, job in jobs.items()}


def main() -> None:
    pool = TrainingPool(max_workers=2, settings=default_settings())
    pool.wait_ready(120)
    series = SeriesConfig()
    rows = []

    task = memory.MemoryTask()
    data = memory.memory_data(task)
    seconds, results = through_pool(pool, {name: (data, memory.memory_model(task, cell))
                                           for name, cell in (("plain RNN", "rnn"), ("LSTM", "lstm"))})
    began = time.perf_counter()
    outcomes = {n: memory.model_outcome(n, r.weights, r.initial_weights, data) for n, r in results.items()}
    rows.append(("LSTM vs plain RNN", 2, seconds, time.perf_counter() - began,
                 f"explained: RNN {outcomes['plain RNN'].explained:.0%}, LSTM {outcomes['LSTM'].explained:.0%}"))

    lesson = splits.SplitLesson()
    datas = splits.lesson_runs(lesson)
    seeds = {splits.run_name(how, s): s for how in splits.SPLIT_KINDS for s in range(lesson.seeds)}
    jobs = {n: (d.data, splits.lesson_model(lesson, seeds[n])) for n, d in datas.items()}
    seconds, results = through_pool(pool, jobs)
    began = time.perf_counter()
    scores = splits.scores_from_predictions(lesson, datas, {n: r.predictions["test"] for n, r in results.items()})
    rows.append(("Trusting a test score", len(datas), seconds, time.perf_counter() - began,
                 f"ratio x{scores.ratio:.1f}, clear: {scores.clear}"))

    models = horizon.horizon_models(5)
    sets = {n: build_dataset(series, c.seq_length, c.horizon) for n, c in models.items()}
    seconds, results = through_pool(pool, {n: (TrainingData.from_dataset(sets[n]), c) for n, c in models.items()})
    began = time.perf_counter()
    outcome = horizon.horizon_outcome(sets["direct"], results["direct"].weights, results["recursive"].weights)
    rows.append(("Looking further ahead", 2, seconds, time.perf_counter() - began,
                 horizon.horizon_verdict(outcome)[:60]))

    ds = build_dataset(series, QUICK_START_MODEL.seq_length)
    filmed = replace(TrainingData.from_dataset(ds), keep_epoch_weights=True)
    seconds, results = through_pool(pool, {"film": (filmed, QUICK_START_MODEL)})
    began = time.perf_counter()
    filmed_result = results["film"]
    shots = film.film_shots(filmed_result.initial_weights, filmed_result.first_epoch_weights,
                            filmed_result.epoch_weights, filmed.batches_per_epoch(QUICK_START_MODEL.batch_size))
    film.mse_of_moments(film.replayed_predictions(shots, ds.X["test"]), ds.y["test"])
    rows.append(("Training as a film", 1, seconds, time.perf_counter() - began, f"{len(shots)} moments"))

    cfg = replace(QUICK_START_MODEL, dropout=0.2)
    seconds, results = through_pool(pool, {"dropout": (TrainingData.from_dataset(ds), cfg)})
    began = time.perf_counter()
    mc = dropout.band(results["dropout"].weights, ds.X["test"], ds.y["test"], 0.2, 100)
    rows.append(("Dropout at work", 1, seconds, time.perf_counter() - began, f"coverage {mc.coverage:.0%}"))
    pool.shutdown()

    print(f"{'lesson':24s} {'jobs':>4s} {'training s':>10s} {'page compute s':>14s}  under {LIMIT_SECONDS} s  result")
    for name, jobs, train_s, compute_s, note in rows:
        verdict = "yes" if train_s + compute_s < LIMIT_SECONDS else "NO"
        print(f"{name:24s} {jobs:4d} {train_s:10.1f} {compute_s:14.2f}  {verdict:>9s}  {note}")
    largest = ModelConfig(seq_length=100, units=64, layers=3, dense_units=64, horizon=10)
    per_epoch = film.bytes_per_epoch(random_weights(largest))
    print(f"film of the largest model: {per_epoch / 1e3:.0f} kB per epoch, {50 * per_epoch / 1e6:.1f} MB for 50 epochs")


if __name__ == "__main__":
    main()
