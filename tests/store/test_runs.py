"""The run store on SQLite and PostgreSQL: every field back bit-equal, unguessable ids, whole runs or none."""

import threading
from dataclasses import replace

import numpy as np
import pytest
import sqlalchemy as sa

from deploy.launch import free_port
from lstm_core.config import APP_VERSION, ModelConfig, SeriesConfig
from lstm_core.data.dataset import build_dataset
from lstm_core.data.spec import data_spec, source_of
from lstm_core.store import runs as store_runs
from lstm_core.store import schema
from lstm_core.store.runs import RUN_ID, RunStore, StoreError, StoreLimits, database_url
from lstm_core.training.protocol import TrainingData
from lstm_core.training.worker import train_job

CFG = ModelConfig(seq_length=8, units=4, layers=2, dense_units=3, dropout=0.0, epochs=2, batch_size=32)
# A series with an input beside its own past: two numbers per step, the first layer's W two rows high.
SERIES = SeriesConfig(n_points=300, inputs=("driver",), driver_lead=3)
DATA = TrainingData.from_dataset(build_dataset(SERIES, CFG.seq_length, 1))
SPEC = data_spec(SERIES)


@pytest.fixture(scope="module")
def result():
    """Return a real finished training with every part filled in, the film's shots too."""
    return train_job(replace(DATA, keep_epoch_weights=True), CFG)


@pytest.fixture
def store(store_url):
    opened = RunStore(store_url)
    yield opened
    opened.close()


def assert_same_weights(a, b):
    assert a.cell == b.cell
    for x, y in zip(a.to_list(), b.to_list(), strict=True):
        assert x.dtype == y.dtype and np.array_equal(x, y)


def test_every_field_of_a_run_comes_back_bit_equal(store, result):
    assert result.epoch_weights and result.first_epoch_weights and result.keras_bytes
    run_id = store.save(result, CFG, SPEC, lesson="film")
    back = store.load(run_id)
    assert (back.id, back.lesson, back.cfg, back.data_spec) == (run_id, "film", CFG, SPEC)
    assert source_of(back.data_spec) == SERIES and back.result.weights.recurrent[0].kernel.shape == (2, 16)
    assert back.app_version == APP_VERSION
    got = back.result
    assert (got.status, got.message, got.history, got.epochs_run) == (result.status, result.message,
                                                                       result.history, result.epochs_run)
    assert got.keras_bytes == result.keras_bytes
    assert_same_weights(got.weights, result.weights)
    assert_same_weights(got.initial_weights, result.initial_weights)
    assert set(got.predictions) == set(result.predictions)
    for split, values in result.predictions.items():
        assert np.array_equal(got.predictions[split], values)
    assert len(got.epoch_weights) == len(result.epoch_weights)
    for a, b in zip(got.epoch_weights, result.epoch_weights):
        assert_same_weights(a, b)
    assert [batch for batch, _ in got.first_epoch_weights] == [batch for batch, _ in result.first_epoch_weights]
    for (_, a), (_, b) in zip(got.first_epoch_weights, result.first_epoch_weights):
        assert_same_weights(a, b)


def test_a_failed_run_without_weights_round_trips(store):
    from lstm_core.training.protocol import TrainingResult

    failed = TrainingResult("failed", "The loss became NaN at epoch 1, batch 3: try a smaller learning rate.")
    back = store.load(store.save(failed, CFG, SPEC))
    assert back.result.weights is None and back.result.predictions == {} and back.result.keras_bytes == b""
    assert back.result.message == failed.message


def test_ids_are_unguessable_and_only_an_exact_id_opens_a_run(store, result):
    ids = {store.save(result, CFG, SPEC) for _ in range(5)}
    assert len(ids) == 5 and all(RUN_ID.fullmatch(i) for i in ids)
    some = sorted(ids)[0]
    for forged in ["", "x", some[:-1], some + "A", some.upper() if some.upper() != some else some.lower(),
                   "../../etc/passwd", "' OR 1=1 --", None, 42]:
        if forged not in ids:
            assert store.load(forged) is None, forged


def test_runs_survive_closing_and_reopening_the_store(store_url, result):
    url = store_url
    first = RunStore(url)
    run_id = first.save(result, CFG, SPEC)
    first.close()
    again = RunStore(url)
    assert again.schema_version() == store_runs.SCHEMA_VERSION
    assert_same_weights(again.load(run_id).result.weights, result.weights)
    again.close()


def test_thirty_writers_at_once_all_land(store, result):
    ids, errors = [], []

    def write():
        try:
            ids.append(store.save(result, CFG, SPEC))
        except Exception as exc:  # collected: the assertion below names it
            errors.append(exc)
    threads = [threading.Thread(target=write) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(set(ids)) == 30
    assert all(store.load(run_id) is not None for run_id in ids)


def test_a_write_that_fails_half_way_leaves_no_run(store, result, monkeypatch):
    real_insert = schema.training_parts.insert

    class Broken(RuntimeError):
        pass

    def failing_insert():
        raise Broken("the disk is full")
    monkeypatch.setattr(schema.training_parts, "insert", failing_insert)
    with pytest.raises(Broken):
        store.save(result, CFG, SPEC)
    monkeypatch.setattr(schema.training_parts, "insert", real_insert)
    with store.engine.connect() as connection:
        for table in (schema.run_groups, schema.trainings, schema.training_parts):
            assert connection.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 0


def test_a_store_from_a_newer_app_is_refused_in_words(store_url):
    url = store_url
    RunStore(url).close()
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(schema.schema_info.update().values(version=store_runs.SCHEMA_VERSION + 1))
    engine.dispose()
    with pytest.raises(StoreError, match="newer LSTM Lens"):
        RunStore(url)


def test_a_corrupt_sqlite_file_or_an_unreachable_postgresql_is_refused_in_words(tmp_path):
    corrupt = tmp_path / "corrupt.sqlite3"
    corrupt.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="cannot be opened"):
        RunStore(f"sqlite:///{corrupt}")
    with pytest.raises(StoreError, match="cannot be opened"):
        RunStore(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/lens")


def test_the_database_is_named_by_the_environment_or_lives_in_the_data_directory(tmp_path):
    assert database_url({"LSTM_LENS_DATABASE_URL": "postgresql+psycopg://u@127.0.0.1/lens"}) == \
        "postgresql+psycopg://u@127.0.0.1/lens"
    assert database_url({"LSTM_LENS_DATABASE_URL": "postgresql://u@127.0.0.1/lens"}) == \
        "postgresql+psycopg://u@127.0.0.1/lens", "a plain postgresql:// URL means psycopg 3, the driver installed"
    assert database_url({"LSTM_LENS_DATA_DIR": str(tmp_path)}) == f"sqlite:///{tmp_path / 'lstm_lens.sqlite3'}"
    assert database_url({}).endswith("/var/lstm_lens.sqlite3")


def test_runs_nobody_opened_recently_go_first(store, result, monkeypatch):
    clock = [1_000_000.0]
    monkeypatch.setattr(store_runs.time, "time", lambda: clock[0])
    old = store.save(result, CFG, SPEC)
    clock[0] += 10 * 86400
    middle, recent = store.save(result, CFG, SPEC), store.save(result, CFG, SPEC)
    clock[0] += 1
    store.load(middle)  # opened: it is the most recent now
    size = store.sizes()[recent]
    assert store.evict(now=clock[0], retention_days=5, max_total_bytes=10 * size) == [old]
    assert store.load(old) is None
    assert store.evict(now=clock[0], retention_days=30, max_total_bytes=int(1.5 * size)) == [recent]
    assert store.load(middle) is not None and set(store.sizes()) == {middle}


def test_a_run_over_the_size_cap_is_refused_in_words_and_not_stored(store_url, result):
    small = RunStore(store_url, limits=StoreLimits(max_run_bytes=1000))
    with pytest.raises(store_runs.RunTooLarge, match="the store keeps runs up to"):
        small.save(result, CFG, SPEC)
    assert small.sizes() == {}
    small.close()


def test_the_recorded_size_is_what_the_parts_take(store, result):
    run_id = store.save(result, CFG, SPEC)
    with store.engine.connect() as connection:
        recorded = connection.execute(sa.select(schema.run_groups.c.size_bytes)).scalar_one()
    assert store.sizes()[run_id] == recorded > 0


WRITER = """
import os
from lstm_core.config import ModelConfig
from bench.weights import random_weights
from lstm_core.store.runs import RunStore, StoreLimits
from lstm_core.training.protocol import TrainingResult
cfg = ModelConfig(seq_length=8, units=64, layers=3, epochs=2)
store = RunStore({url!r}, limits=StoreLimits(max_run_bytes=2**30))
print("ready", flush=True)
while True:
    result = TrainingResult("done", "Trained.", weights=random_weights(cfg), keras_bytes=os.urandom(8 * 2**20))
    store.save(result, cfg, {{"kind": "generated"}})
"""


def wait_until_no_other_connection(store_url: str, limit_seconds: float = 60.0) -> None:
    """Return once no other connection to the store's PostgreSQL database is open (at once on SQLite)."""
    import time

    if not store_url.startswith("postgresql"):
        return  # SQLite's writer holds no server: its lock and journal end with its process
    engine = sa.create_engine(store_url, poolclass=sa.pool.NullPool)
    others = sa.text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                     "AND pid <> pg_backend_pid()")
    deadline = time.monotonic() + limit_seconds
    try:
        while True:
            with engine.connect() as connection:
                if connection.execute(others).scalar_one() == 0:
                    return
            assert time.monotonic() < deadline, f"a killed writer's connection was still open after {limit_seconds} s"
            time.sleep(0.05)
    finally:
        engine.dispose()


def test_a_writer_killed_in_the_middle_of_a_run_leaves_whole_runs_only(store_url):
    import random
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]  # the writer imports bench.weights, as the tests do
    rng = random.Random(0)
    for _ in range(3):
        writer = subprocess.Popen([sys.executable, "-c", WRITER.format(url=store_url)],
                                  stdout=subprocess.PIPE, text=True, cwd=root)
        assert writer.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.3, 1.2))  # somewhere inside a write: each run is 8 MB and more
        writer.send_signal(signal.SIGKILL)
        writer.wait(30)
    wait_until_no_other_connection(store_url)  # a commit the writer sent before it died may still be applied
    store = RunStore(store_url)
    with store.engine.connect() as connection:
        recorded = dict(connection.execute(sa.select(schema.run_groups.c.id, schema.run_groups.c.size_bytes)).all())
    sizes = store.sizes()
    assert recorded, "the writers stored some runs before they were killed"
    assert sizes == recorded, "a group without all of its parts, or parts without their group"
    for run_id in recorded:
        assert len(store.load(run_id).result.keras_bytes) == 8 * 2**20
    store.close()
