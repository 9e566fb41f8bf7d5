"""A store written by schema 1 opens as the current schema: every old run opens by its old id, or it stays untouched."""

import json
import threading
from dataclasses import asdict, replace

import pytest
import sqlalchemy as sa

from lstm_core.config import ModelConfig, SeriesConfig
from lstm_core.data.dataset import build_dataset
from lstm_core.store import migrations, schema, schema_v1
from lstm_core.store import runs as store_runs
from lstm_core.store.runs import RunNotFound, RunStore, StoreLimits, new_run_id
from lstm_core.training.protocol import TrainingData, TrainingResult
from lstm_core.training.worker import train_job
from tests.store.results import assert_same_result

CFG = ModelConfig(seq_length=8, units=4, layers=2, dense_units=3, dropout=0.0, epochs=2, batch_size=32)
SERIES = SeriesConfig(n_points=300)
SPEC = {"kind": "generated", "series": SERIES.to_dict()}
FAILED = TrainingResult("failed", "The loss became NaN at epoch 1, batch 3: try a smaller learning rate.")
V1_TABLES = {"schema_info", "runs", "run_parts"}
CURRENT_TABLES = {"schema_info", "run_groups", "trainings", "training_parts", "removed_runs", "rooms", "room_posts",
                  "answers", "room_states"}


@pytest.fixture(scope="module")
def result():
    """Return a real finished training with every part filled in, the film's shots too."""
    data = TrainingData.from_dataset(build_dataset(SERIES, CFG.seq_length, 1))
    return train_job(replace(data, keep_epoch_weights=True), CFG)


def save_as_schema_1(engine: sa.Engine, result: TrainingResult, lesson: str | None, opened_at: float) -> str:
    """Store a run exactly as schema 1's RunStore.save did (one row of runs, its parts) and return its id."""
    parts = store_runs._result_parts(result)  # the codec is unchanged since schema 1
    run_id = new_run_id()
    with engine.begin() as connection:
        connection.execute(schema_v1.runs.insert().values(
            id=run_id, created_at=opened_at - 5, opened_at=opened_at, app_version="0.0.9", lesson=lesson,
            status=result.status, message=result.message, settings=json.dumps(asdict(CFG)),
            data_spec=json.dumps(SPEC, sort_keys=True), history=json.dumps(result.history),
            epochs_run=result.epochs_run, size_bytes=sum(len(data) for data in parts.values())))
        if parts:
            connection.execute(schema_v1.run_parts.insert(), [{"run_id": run_id, "name": name, "data": data}
                                                              for name, data in parts.items()])
    return run_id


@pytest.fixture
def schema_1_store(store_url, result):
    """Return the URL of a genuine schema-1 store and the ids of its runs: a finished one and a failed one."""
    engine = sa.create_engine(store_url)
    with engine.begin() as connection:
        schema_v1.metadata.create_all(connection)
        connection.execute(schema_v1.schema_info.insert().values(version=schema_v1.VERSION))
    ids = {"done": save_as_schema_1(engine, result, "film", 2_000_000.0),
           "failed": save_as_schema_1(engine, FAILED, None, 1_000_000.0)}
    engine.dispose()
    return store_url, ids


def tables_and_version(url: str) -> tuple[set[str], int]:
    """Return the names of a database's tables and the schema version it records."""
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        names = set(sa.inspect(connection).get_table_names())
        version = connection.execute(sa.select(schema.schema_info.c.version)).scalar_one()
    engine.dispose()
    return names, version


def test_a_schema_1_store_migrates_and_every_old_run_opens_by_its_old_id(schema_1_store, result):
    url, ids = schema_1_store
    assert tables_and_version(url) == (V1_TABLES, 1)
    store = RunStore(url, limits=StoreLimits())
    assert store.schema_version() == 4 == store_runs.SCHEMA_VERSION
    assert tables_and_version(url) == (CURRENT_TABLES, 4)
    run = store.load(ids["done"])
    assert (run.id, run.lesson, run.cfg, run.data_spec, run.app_version, run.training_key) == (
        ids["done"], "film", CFG, SPEC, "0.0.9", None)
    assert run.created_at == 2_000_000.0 - 5
    assert_same_result(run.result, result)
    run = store.load_run(ids["failed"])
    assert (run.lesson, run.page_settings, list(run.trainings)) == (None, {}, [""])
    assert_same_result(run.trainings[""].result, FAILED)
    sizes = store.sizes()
    assert sizes[ids["failed"]] == 0 and sizes[ids["done"]] == len(b"".join(
        store_runs._result_parts(result).values()))
    new = store.save(result, CFG, SPEC, training_key="k")
    assert_same_result(store.load(new).result, result)
    assert store.find_finished("k") == new
    store.close()
    again = RunStore(url, limits=StoreLimits())
    assert again.schema_version() == 4 and set(again.sizes()) == {*ids.values(), new}
    again.close()


def test_a_migrated_run_keeps_its_age_for_eviction(schema_1_store):
    url, ids = schema_1_store
    store = RunStore(url, limits=StoreLimits())
    store.load_run(ids["done"])  # opened now; the failed run was last opened at 1,000,000 s
    assert store.evict(retention_days=1000) == [ids["failed"]]
    assert store.lookup(ids["failed"]) is RunNotFound.EXPIRED and store.lookup(ids["done"]).id == ids["done"]
    store.close()


class Broken(RuntimeError):
    pass


def assert_still_schema_1(url: str, ids: dict[str, str]) -> None:
    """Fail unless the store holds exactly schema 1's tables, version 1 and every old run with its parts."""
    assert tables_and_version(url) == (V1_TABLES, 1)
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        assert set(connection.execute(sa.select(schema_v1.runs.c.id)).scalars()) == set(ids.values())
        assert connection.execute(sa.select(sa.func.count()).select_from(schema_v1.run_parts)).scalar_one() > 0
    engine.dispose()


def test_a_migration_that_fails_half_way_leaves_the_schema_1_store_as_it_was(schema_1_store, result, monkeypatch):
    url, ids = schema_1_store

    def failing_drop(*_args, **_kwargs):
        raise Broken("the disk is full")
    # After the new tables are created and every row copied: only a rollback can undo that.
    monkeypatch.setattr(schema_v1.runs, "drop", failing_drop)
    with pytest.raises(Broken):
        RunStore(url, limits=StoreLimits())
    monkeypatch.undo()
    assert_still_schema_1(url, ids)

    real_step = migrations.STEPS[1]

    def step_then_fail(connection):
        real_step(connection)
        raise Broken("killed just before the commit")
    monkeypatch.setitem(migrations.STEPS, 1, step_then_fail)
    with pytest.raises(Broken):
        RunStore(url, limits=StoreLimits())
    monkeypatch.undo()
    assert_still_schema_1(url, ids)

    store = RunStore(url, limits=StoreLimits())
    assert_same_result(store.load(ids["done"]).result, result)
    store.close()


def test_stores_opened_at_once_migrate_once(schema_1_store, result):
    url, ids = schema_1_store
    opened, errors = [], []

    def open_store():
        try:
            opened.append(RunStore(url, limits=StoreLimits()))
        except Exception as exc:  # collected: the assertion below names it
            errors.append(exc)
    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(opened) == 4
    assert all(store.schema_version() == 4 for store in opened)
    assert_same_result(opened[0].load(ids["done"]).result, result)
    for store in opened:
        store.close()
