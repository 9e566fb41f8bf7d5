"""Runs of named trainings, training keys, expired links, eviction by run and the limits from the environment."""

from dataclasses import replace

import pytest
import sqlalchemy as sa

from bench.weights import random_weights
from lstm_core.config import APP_VERSION, ModelConfig, SeriesConfig
from lstm_core.data.dataset import build_dataset
from lstm_core.store import runs as store_runs
from lstm_core.store import schema
from lstm_core.store.runs import (
    NewTraining,
    RunNotFound,
    RunStore,
    RunTooLarge,
    StoredRun,
    StoreError,
    StoreLimits,
    new_run_id,
    store_limits,
)
from lstm_core.training.protocol import TrainingData, TrainingResult
from lstm_core.training.worker import train_job
from tests.store.results import assert_same_result

LSTM_CFG = ModelConfig(seq_length=8, units=4, layers=2, dense_units=3, dropout=0.0, epochs=2, batch_size=32)
RNN_CFG = replace(LSTM_CFG, cell="rnn", layers=1, units=3)
SERIES = SeriesConfig(n_points=300)
SPEC = {"kind": "generated", "series": SERIES.to_dict()}
DAY = 86400.0


@pytest.fixture(scope="module")
def results():
    """Return two real finished trainings, an LSTM with the film's shots and a plain RNN."""
    data = TrainingData.from_dataset(build_dataset(SERIES, LSTM_CFG.seq_length, 1))
    return train_job(replace(data, keep_epoch_weights=True), LSTM_CFG), train_job(data, RNN_CFG)


@pytest.fixture
def clock(monkeypatch):
    """Return a settable clock that the store reads as time.time()."""
    now = [1_000_000.0]
    monkeypatch.setattr(store_runs.time, "time", lambda: now[0])
    return now


def finished(status: str = "done") -> TrainingResult:
    """Return a small TrainingResult with weights, as a finished (or stopped) training leaves it."""
    return TrainingResult(status, "Trained.", {"loss": [0.5], "val_loss": [0.6]}, weights=random_weights(LSTM_CFG),
                          epochs_run=1)


def count(store: RunStore, table: sa.Table) -> int:
    """Return the number of rows of a table of the store."""
    with store.engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def test_a_run_of_several_trainings_comes_back_whole_and_bit_equal(store, results, clock):
    lstm, rnn = results
    rnn_spec = SPEC | {"note": "same series"}
    page = {"lesson": {"steps": 30, "cells": ["lstm", "rnn"]}, "series": SERIES.to_dict(),
            "model": LSTM_CFG.to_dict(), "ratio": 0.25, "flag": None}
    # Names not in alphabetical order: the run keeps the page's order.
    run_id = store.save_run({"zeta_lstm": NewTraining(lstm, LSTM_CFG, SPEC, training_key="k-lstm"),
                             "alpha_rnn": NewTraining(rnn, RNN_CFG, rnn_spec)},
                            lesson="lstm_vs_rnn", page_settings=page)
    assert store_runs.RUN_ID.fullmatch(run_id)
    clock[0] += 60
    back = store.load_run(run_id)
    assert isinstance(back, StoredRun)
    assert (back.id, back.lesson, back.page_settings, back.created_at, back.app_version) == (
        run_id, "lstm_vs_rnn", page, 1_000_000.0, APP_VERSION)
    assert list(back.trainings) == ["zeta_lstm", "alpha_rnn"]
    for name, cfg, spec, key, want in [("zeta_lstm", LSTM_CFG, SPEC, "k-lstm", lstm),
                                       ("alpha_rnn", RNN_CFG, rnn_spec, None, rnn)]:
        training = back.trainings[name]
        assert (training.id, training.lesson, training.cfg, training.data_spec, training.training_key) == (
            run_id, "lstm_vs_rnn", cfg, spec, key)
        assert (training.created_at, training.app_version) == (1_000_000.0, APP_VERSION)
        assert_same_result(training.result, want)
    assert lstm.epoch_weights and lstm.first_epoch_weights and lstm.keras_bytes and rnn.weights.cell == "rnn"
    with store.engine.connect() as connection:
        opened = connection.execute(sa.select(schema.run_groups.c.opened_at)).scalar_one()
    assert opened == 1_000_060.0, "opening a run marks it opened"
    first = store.load(run_id)
    assert first.cfg == LSTM_CFG and first.training_key == "k-lstm"


def test_save_stores_a_run_of_one_training_named_empty(store, results):
    lstm, _ = results
    run_id = store.save(lstm, LSTM_CFG, SPEC, lesson="film", training_key="key", page_settings={"frame": 3})
    run = store.load_run(run_id)
    assert list(run.trainings) == [""] and run.page_settings == {"frame": 3} and run.lesson == "film"
    assert run.trainings[""].training_key == "key"
    assert_same_result(store.load(run_id).result, lstm)
    plain = store.load_run(store.save(lstm, LSTM_CFG, SPEC))
    assert plain.page_settings == {} and plain.lesson is None and plain.trainings[""].training_key is None


def test_a_run_write_that_fails_half_way_leaves_nothing(store, results, monkeypatch):
    lstm, rnn = results

    class Broken(RuntimeError):
        pass

    def failing_insert():
        raise Broken("the disk is full")
    monkeypatch.setattr(schema.training_parts, "insert", failing_insert)
    with pytest.raises(Broken):
        store.save_run({"a": NewTraining(lstm, LSTM_CFG, SPEC), "b": NewTraining(rnn, RNN_CFG, SPEC)})
    monkeypatch.undo()
    assert [count(store, table) for table in (schema.run_groups, schema.trainings, schema.training_parts)] == [0, 0, 0]
    assert store.sizes() == {}


def test_an_empty_run_a_long_name_or_a_run_over_the_cap_is_refused(store, store_url, results):
    lstm, rnn = results
    with pytest.raises(ValueError, match="at least one training"):
        store.save_run({})
    with pytest.raises(ValueError, match="at most 40 characters"):
        store.save_run({"x" * 41: NewTraining(lstm, LSTM_CFG, SPEC)})
    with pytest.raises(ValueError, match="at most 128 characters"):
        store.save(lstm, LSTM_CFG, SPEC, training_key="k" * 129)
    single = store.save(lstm, LSTM_CFG, SPEC)
    one = store.sizes()[single]
    small = RunStore(store_url, limits=StoreLimits(max_run_bytes=one + 1))
    small.save(lstm, LSTM_CFG, SPEC)
    with pytest.raises(RunTooLarge, match="the store keeps runs up to"):
        small.save_run({"a": NewTraining(lstm, LSTM_CFG, SPEC), "b": NewTraining(rnn, RNN_CFG, SPEC)})
    assert len(small.sizes()) == 2, "the refused run of two left nothing"
    small.close()


def test_find_finished_names_the_newest_single_done_training_of_this_app_version(store, clock, monkeypatch):
    assert store.find_finished("quick") is None
    older = store.save(finished(), LSTM_CFG, SPEC, training_key="quick")
    clock[0] += 1
    newer = store.save(finished(), LSTM_CFG, SPEC, training_key="quick")
    clock[0] += 1
    store.save(finished(), LSTM_CFG, SPEC, training_key="other")
    assert store.find_finished("quick") == newer != older
    clock[0] += 1
    store.save(finished("stopped"), LSTM_CFG, SPEC, training_key="quick")
    store.save(finished("failed"), LSTM_CFG, SPEC, training_key="quick")
    store.save_run({"a": NewTraining(finished(), LSTM_CFG, SPEC, "quick"),
                    "b": NewTraining(finished(), LSTM_CFG, SPEC, "quick")})
    assert store.find_finished("quick") == newer, "stopped, failed and runs of two are not reused"
    monkeypatch.setattr(store_runs, "APP_VERSION", "0.0.1-old")
    clock[0] += 1
    store.save(finished(), LSTM_CFG, SPEC, training_key="by-an-older-app")
    assert store.find_finished("quick") is None, "another app version's runs are not reused"
    monkeypatch.setattr(store_runs, "APP_VERSION", APP_VERSION)
    assert store.find_finished("by-an-older-app") is None
    assert store.find_finished("quick") == newer
    assert store.find_finished("missing") is None and store.find_finished(None) is None


def test_lookup_tells_malformed_unknown_expired_and_stored_apart(store, clock):
    for malformed in ["", "x", "../../etc/passwd", "' OR 1=1 --", "A" * 23, None, 42]:
        assert store.lookup(malformed) is RunNotFound.MALFORMED, malformed
    assert store.lookup(new_run_id()) is RunNotFound.UNKNOWN
    kept, dropped = store.save(finished(), LSTM_CFG, SPEC), store.save(finished(), LSTM_CFG, SPEC)
    clock[0] += 10 * DAY
    store.load(kept)
    assert store.evict(now=clock[0], retention_days=5) == [dropped]
    run = store.lookup(kept)
    assert isinstance(run, StoredRun) and run.id == kept
    assert store.lookup(dropped) is RunNotFound.EXPIRED
    assert store.load(dropped) is None and store.load_run(dropped) is None
    store.evict(now=clock[0] + 366 * DAY, retention_days=1000)
    assert store.lookup(dropped) is RunNotFound.UNKNOWN, "a tombstone older than a year goes"
    assert isinstance(store.lookup(kept), StoredRun)


def test_eviction_removes_whole_runs_by_their_opening_and_total_size(store, results, clock):
    lstm, rnn = results
    both = {"lstm": NewTraining(lstm, LSTM_CFG, SPEC), "rnn": NewTraining(rnn, RNN_CFG, SPEC)}
    old = store.save_run(both)
    clock[0] += 10 * DAY
    middle, recent = store.save_run(both), store.save_run(both)
    clock[0] += 1
    store.load_run(middle)
    sizes = store.sizes()
    with store.engine.connect() as connection:
        recorded = dict(connection.execute(sa.select(schema.run_groups.c.id, schema.run_groups.c.size_bytes)).all())
        by_training = connection.execute(sa.select(sa.func.sum(schema.trainings.c.size_bytes))
                                         .where(schema.trainings.c.group_id == recent)).scalar_one()
    assert sizes == recorded and sizes[recent] == by_training
    assert store.evict(now=clock[0], retention_days=5, max_total_bytes=10 * sizes[recent]) == [old]
    assert store.evict(now=clock[0], retention_days=30, max_total_bytes=int(1.9 * sizes[recent])) == [recent]
    assert set(store.sizes()) == {middle}
    with store.engine.connect() as connection:
        left = set(connection.execute(sa.select(schema.trainings.c.group_id)).scalars())
        parts_left = set(connection.execute(sa.select(schema.training_parts.c.group_id)).scalars())
        tombstones = dict(connection.execute(sa.select(schema.removed_runs)).all())
    assert old not in left | parts_left and recent not in left | parts_left and middle in left & parts_left
    assert tombstones == {old: clock[0], recent: clock[0]}


def test_an_eviction_that_fails_keeps_every_run_and_writes_no_tombstone(store, clock, monkeypatch):
    run_id = store.save(finished(), LSTM_CFG, SPEC)

    class Broken(RuntimeError):
        pass

    def failing_insert():
        raise Broken("the disk is full")
    monkeypatch.setattr(schema.removed_runs, "insert", failing_insert)
    with pytest.raises(Broken):
        store.evict(now=clock[0] + 100 * DAY)
    monkeypatch.undo()
    assert store.lookup(run_id).id == run_id and count(store, schema.removed_runs) == 0


def test_limits_come_from_the_environment_in_days_and_megabytes():
    assert store_limits({}) == StoreLimits(30.0, 50 * 2**20, 2 * 2**30)
    assert store_limits({"LSTM_LENS_RETENTION_DAYS": "7", "LSTM_LENS_MAX_RUN_MB": "0.5",
                         "LSTM_LENS_MAX_STORE_MB": " 100 "}) == StoreLimits(7.0, 2**19, 100 * 2**20)
    assert store_limits({"LSTM_LENS_RETENTION_DAYS": ""}).retention_days == 30.0
    for name in ("LSTM_LENS_RETENTION_DAYS", "LSTM_LENS_MAX_RUN_MB", "LSTM_LENS_MAX_STORE_MB"):
        for bad in ("abc", "0", "-3", "nan", "inf", "1e999"):
            with pytest.raises(StoreError, match=name):
                store_limits({name: bad})


def test_a_store_uses_the_environments_limits_unless_given_its_own(store_url, clock, monkeypatch):
    monkeypatch.setenv("LSTM_LENS_RETENTION_DAYS", "2")
    monkeypatch.setenv("LSTM_LENS_MAX_RUN_MB", "1")
    store = RunStore(store_url)
    assert store.limits == StoreLimits(2.0, 2**20, 2 * 2**30)
    old = store.save(finished(), LSTM_CFG, SPEC)
    clock[0] += 3 * DAY
    fresh = store.save(finished(), LSTM_CFG, SPEC)
    assert store.evict() == [old] and isinstance(store.lookup(fresh), StoredRun)
    with pytest.raises(RunTooLarge):
        store.save(TrainingResult("done", keras_bytes=b"k" * (2**20 + 1)), LSTM_CFG, SPEC)
    store.close()
    monkeypatch.setenv("LSTM_LENS_MAX_STORE_MB", "lots")
    with pytest.raises(StoreError, match="LSTM_LENS_MAX_STORE_MB must be a positive number"):
        RunStore(store_url)
    RunStore(store_url, limits=StoreLimits()).close()
