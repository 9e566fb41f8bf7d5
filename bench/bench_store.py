"""Run store speed: saving a finished run and opening it again, against the time it took to train.

Run: .venv/bin/python bench/bench_store.py
Trains the quick start, the film's quick start (keep_epoch_weights=True) and the default ModelConfig()
(the quick ones the faster of two trainings), then on SQLite and, when Debian's PostgreSQL is installed,
on a throwaway PostgreSQL cluster (started as tests/store/conftest.py does): the time to save each run
(median of 5), the time to open it with load_group (median of 20) and the bytes it takes (sizes()); the
ratio open/train compares opening a link with training the run again. Target: open the quick start's run
in at most 300 ms.
Never fails: a part that cannot run prints why.
"""

import glob
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "deploy"))

from cluster import as_postgres, free_port  # noqa: E402

from lstm_core.config import ModelConfig, SeriesConfig  # noqa: E402
from lstm_core.data.dataset import build_dataset  # noqa: E402
from lstm_core.presets import QUICK_START_MODEL, QUICK_START_SERIES  # noqa: E402
from lstm_core.store.runs import RunStore, StoreLimits  # noqa: E402
from lstm_core.training.protocol import TrainingData  # noqa: E402
from lstm_core.training.worker import train_job  # noqa: E402

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
            group = store.load_group(ids[k % len(ids)])
            open_times.append(time.perf_counter() - began)
            assert group is not None and group.trainings[""].result.epochs_run == result.epochs_run
        rows.append((name, statistics.median(save_times), statistics.median(open_times), store.sizes()[ids[0]],
                     train_seconds))
    return rows


@contextmanager
def throwaway_postgresql():
    """Yield the URL of a database on a fresh PostgreSQL cluster, or None when there is no PostgreSQL."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if not found:
        yield None
        return
    bin_dir, port = Path(found[-1]).parent, free_port()
    root = Path(tempfile.mkdtemp(prefix="lstm-lens-bench-pg-"))
    data, sockets = root / "data", root / "sockets"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sockets, "postgres")
    server = None
    try:
        subprocess.run(as_postgres([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                                     "--no-sync", "-E", "UTF8"]), check=True, capture_output=True)
        # Unlike the tests' cluster, fsync stays on: a save is timed as a real server would commit it.
        server = subprocess.Popen(as_postgres(["timeout", str(CLUSTER_LIFETIME_SECONDS), str(bin_dir / "postgres"),
                                                "-D", str(data), "-p", str(port), "-k", str(sockets),
                                                "-c", "listen_addresses=127.0.0.1"]),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while subprocess.run([str(bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port)],
                             capture_output=True).returncode != 0:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the throwaway PostgreSQL cluster did not start")
            time.sleep(0.2)
        subprocess.run([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "lens"],
                       check=True, capture_output=True)
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/lens"
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)  # runuser, timeout and the postmaster: the whole group
            server.wait(30)
        shutil.rmtree(root, ignore_errors=True)


def report(database: str, rows: list[tuple]) -> None:
    """Print one database's table of save and open times, sizes and the ratio open/train."""
    print(f"\n{database}")
    print("| run | stored | save (median) | open, load_group (median) | train | open/train |")
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
        with throwaway_postgresql() as url:
            if url is None:
                print("\nPostgreSQL: not installed (/usr/lib/postgresql), not measured")
                return
            store = RunStore(url, limits=LIMITS)
            report("PostgreSQL (a throwaway local cluster, fsync on, over TCP on 127.0.0.1)", measure(store, runs))
            store.close()
    except Exception:
        traceback.print_exc()
        print("PostgreSQL: not measured")


if __name__ == "__main__":
    main()
