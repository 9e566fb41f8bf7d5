"""Run store speed: saving a finished run and opening it again, against the time it took to train.

Run: .venv/bin/python -m bench.bench_store
Trains the quick start, the film's quick start (keep_epoch_weights=True) and the default ModelConfig()
(the quick ones the faster of two trainings), then on SQLite and, when Debian's PostgreSQL is installed,
on a throwaway PostgreSQL cluster (started by deploy/launch.py as the store tests start theirs, but with
fsync on): the time to save each run (median of 5), the time to open it with load_run (median of 20)
and the bytes it takes (sizes()); the ratio open/train compares opening a link with training the run
again. Target: open the quick start's run in at most 300 ms.
Never fails: a part that cannot run prints why.
"""

import math
import os
import statistics
import tempfile
import time
import traceback
from dataclasses import replace

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from deploy.launch import postgres_bin, throwaway_postgres
from lstm_core.config import ModelConfig, SeriesConfig
from lstm_core.data.dataset import build_dataset
from lstm_core.presets import QUICK_START_MODEL, QUICK_START_SERIES
from lstm_core.store.runs import RunStore, StoreLimits
from lstm_core.training.protocol import TrainingData
from lstm_core.training.worker import train_job

SAVES = 5
OPENS = 20
OPEN_TARGET_SECONDS = 0.300
CLUSTER_LIFETIME_SECONDS = 900
LIMITS = StoreLimits(max_run_bytes=2**30, max_total_bytes=2**40)


def trained_runs() -> dict[str, tuple]:
    """Return each benchmarked run by name: (result, cfg, data spec, seconds its training took)."""
    cases = {"quick start": (QUICK_START_SERIES, QUICK_START_MODEL, False, 2),
             "quick start, film": (QUICK_START_SERIES, QUICK_START_MODEL, True, 2),
             "default ModelConfig()": (SeriesConfig(), ModelConfig(), False, 1)}
    warm_data = TrainingData.from_dataset(build_dataset(QUICK_START_SERIES, QUICK_START_MODEL.seq_length, 1))
    train_job(warm_data, replace(QUICK_START_MODEL, epochs=1))  # TensorFlow's start-up is not the run's cost
    runs = {}
    for name, (series, cfg, film, repeats) in cases.items():
        data = TrainingData.from_dataset(build_dataset(series, cfg.seq_length, cfg.horizon))
        seconds = math.inf
        for _ in range(repeats):  # the fastest of a few: the shared machine only ever adds time
            began = time.perf_counter()
            result = train_job(replace(data, keep_epoch_weights=film), cfg)
            seconds = min(seconds, time.perf_counter() - began)
        print(f"trained {name}: {result.status}, {result.epochs_run} epochs in {seconds:.2f} s", flush=True)
        runs[name] = (result, cfg, {"kind": "generated", "series": series.to_dict()}, seconds)
    return runs


def measure(store: RunStore, runs: dict[str, tuple]) -> list[tuple]:
    """Return per run: (name, save seconds, open seconds, stored bytes, train seconds)."""
    rows = []
    for name, (result, cfg, spec, train_seconds) in runs.items():
        save_times, ids = [], []
        for _ in range(SAVES):
            began = time.perf_counter()
            ids.append(store.save(result, cfg, spec))
            save_times.append(time.perf_counter() - began)
        open_times = []
        for k in range(OPENS):
            began = time.perf_counter()
            run = store.load_run(ids[k % len(ids)])
            open_times.append(time.perf_counter() - began)
            assert run is not None and run.trainings[""].result.epochs_run == result.epochs_run
        rows.append((name, statistics.median(save_times), statistics.median(open_times), store.sizes()[ids[0]],
                     train_seconds))
    return rows


def report(database: str, rows: list[tuple]) -> None:
    """Print one database's table of save and open times, sizes and the ratio open/train."""
    print(f"\n{database}")
    print("| run | stored | save (median) | open, load_run (median) | train | open/train |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, save, opening, size, train in rows:
        print(f"| {name} | {size / 1e3:,.1f} kB | {save * 1e3:.1f} ms | {opening * 1e3:.1f} ms | {train:.2f} s "
              f"| {opening / train:.4f} |")
    quick = next(row for row in rows if row[0] == "quick start")
    verdict = "meets" if quick[2] <= OPEN_TARGET_SECONDS else "MISSES"
    print(f"opening the quick start's run: {quick[2] * 1e3:.1f} ms, {verdict} the target of "
          f"{OPEN_TARGET_SECONDS * 1e3:.0f} ms", flush=True)


def main() -> None:
    """Train the runs once, then time saving and opening them on each database; print, never fail."""
    try:
        runs = trained_runs()
    except Exception:
        traceback.print_exc()
        print("could not train the benchmark's runs; nothing measured")
        return
    with tempfile.TemporaryDirectory(prefix="lstm-lens-bench-") as directory:
        try:
            store = RunStore(f"sqlite:///{directory}/runs.sqlite3", limits=LIMITS)
            report("SQLite (WAL, a file in /tmp)", measure(store, runs))
            store.close()
        except Exception:
            traceback.print_exc()
            print("SQLite: not measured")
    try:
        postgres_bin()
    except RuntimeError:
        print("\nPostgreSQL: not installed (/usr/lib/postgresql), not measured")
        return
    try:
        # Unlike the tests' cluster, fsync stays on: a save is timed as a real server would commit it.
        with throwaway_postgres(lifetime=CLUSTER_LIFETIME_SECONDS) as url:
            store = RunStore(url, limits=LIMITS)
            report("PostgreSQL (a throwaway local cluster, fsync on, over TCP on 127.0.0.1)", measure(store, runs))
            store.close()
    except Exception:
        traceback.print_exc()
        print("PostgreSQL: not measured")


if __name__ == "__main__":
    main()
