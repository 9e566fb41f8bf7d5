"""Identical trainings run once: equal submissions watch one job, a watcher leaves alone, the last one stops it."""

import logging
import threading
import time
from dataclasses import replace

import numpy as np
import pytest

import lstm_core.training.backend as backend
from lstm_core.config import APP_VERSION, MODEL_BOUNDS
from lstm_core.training.backend import start
from lstm_core.training.messages import ABANDONED_MESSAGE, page_closed_message, stopped_watching_message
from lstm_core.training.protocol import WINDOW_ARRAYS, TrainingData, training_key
from tests.training.helpers import DATA, LONG_DATA, finished, long_cfg, small_cfg, wait_for

CLASS_SIZE = 30


def medium_cfg(**changes):
    """Return a config that trains on LONG_DATA for about three seconds: time to join, leave and watch on."""
    return small_cfg(epochs=12, **changes)


def copy_of(data: TrainingData) -> TrainingData:
    """Return a TrainingData equal to data in every byte but sharing none of its arrays."""
    return replace(data, **{name: getattr(data, name).copy() for name in WINDOW_ARRAYS})


def same_weights(a, b) -> bool:
    """Return True when two ModelWeights hold bit-equal arrays."""
    return all(np.array_equal(x, y) for x, y in zip(a.to_list(), b.to_list(), strict=True))


def wait_for_jobs_run(pool, count, timeout=60.0):
    """Wait until pool.jobs_run() reaches count; return it."""
    deadline = time.monotonic() + timeout
    while pool.jobs_run() < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return pool.jobs_run()


# training_key


def test_the_key_is_equal_for_equal_inputs_and_names_the_app_version():
    key = training_key(DATA, small_cfg())
    assert len(key) == 64 and int(key, 16) >= 0
    assert training_key(copy_of(DATA), small_cfg()) == key, "the key is of the values, not of the objects"
    assert training_key(DATA, small_cfg()) == key


@pytest.mark.parametrize("name", WINDOW_ARRAYS)
def test_the_key_changes_with_any_value_of_any_window_array(name):
    changed = copy_of(DATA)
    getattr(changed, name).flat[-1] += 1e-3
    assert training_key(changed, small_cfg()) != training_key(DATA, small_cfg())


def test_the_key_changes_with_the_seed_any_setting_keep_epoch_weights_and_the_app_version(monkeypatch):
    key = training_key(DATA, small_cfg())
    others = [training_key(DATA, small_cfg(seed=43)), training_key(DATA, small_cfg(epochs=4)),
              training_key(DATA, small_cfg(learning_rate=0.002)),
              training_key(replace(DATA, keep_epoch_weights=True), small_cfg())]
    assert len({key, *others}) == 1 + len(others)
    import lstm_core.training.protocol as protocol

    monkeypatch.setattr(protocol, "APP_VERSION", APP_VERSION + ".next")
    assert training_key(DATA, small_cfg()) != key


def test_the_key_tells_shapes_apart_that_hold_the_same_bytes():
    flat = replace(DATA, X_val=DATA.X_val.reshape(DATA.X_val.shape[0], 1, -1))
    assert flat.X_val.tobytes() == DATA.X_val.tobytes()
    assert training_key(flat, small_cfg()) != training_key(DATA, small_cfg())


# Sharing a job


def test_equal_submissions_share_one_job_and_every_watcher_gets_the_same_result(pool, caplog):
    caplog.set_level(logging.INFO, logger=backend.__name__)
    cfg, runs_before = small_cfg(seed=101), pool.jobs_run()
    first = start(DATA, cfg, pool)
    second = start(copy_of(DATA), cfg, pool)
    assert (first.id, first.key, first.cfg, first.n_train) == (second.id, second.key, cfg, len(DATA.X_train))
    assert first.key == training_key(DATA, cfg) and first is not second
    assert first.progress().watchers == second.progress().watchers == 2
    assert wait_for(first, finished).status == "done" and wait_for(second, finished).status == "done"
    assert wait_for_jobs_run(pool, runs_before + 1) == runs_before + 1
    a, b = first.result(), second.result()
    assert a.status == b.status == "done" and same_weights(a.weights, b.weights)
    assert a.history == b.history and np.array_equal(a.predictions["test"], b.predictions["test"])
    assert first.progress().watchers == 2
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith(f"training job {first.id}")]
    assert len(lines) == 1 and lines[0].startswith(f"training job {first.id} finished: done in ")
    assert lines[0].endswith(" s, watched by 2")


def test_a_different_seed_is_a_job_of_its_own(pool):
    runs_before = pool.jobs_run()
    one, other = start(DATA, small_cfg(seed=102), pool), start(DATA, small_cfg(seed=103), pool)
    assert one.id != other.id and one.key != other.key
    assert one.progress().watchers == other.progress().watchers == 1
    assert wait_for(one, finished).status == wait_for(other, finished).status == "done"
    assert wait_for_jobs_run(pool, runs_before + 2) == runs_before + 2
    assert not same_weights(one.result().weights, other.result().weights)


def test_a_finished_job_is_not_joined(pool):
    runs_before = pool.jobs_run()
    first = start(DATA, small_cfg(seed=104), pool)
    wait_for(first, finished)
    again = start(DATA, small_cfg(seed=104), pool)
    assert again.id != first.id and again.key == first.key
    assert wait_for(again, finished).status == "done"
    assert wait_for_jobs_run(pool, runs_before + 2) == runs_before + 2
    assert same_weights(first.result().weights, again.result().weights), "training is deterministic"


def test_a_class_of_thirty_pressing_train_at_once_runs_one_job(pool):
    cfg, runs_before = small_cfg(epochs=5, seed=105), pool.jobs_run()
    together = threading.Barrier(CLASS_SIZE)
    watches, errors = [None] * CLASS_SIZE, []

    def learner(index: int) -> None:
        data = copy_of(DATA)  # every session builds its own windows from the preset
        together.wait()
        try:
            watches[index] = start(data, cfg, pool, owner_alive=lambda: True)
        except Exception as exc:  # reported below: a thread's exception would otherwise vanish
            errors.append(exc)

    threads = [threading.Thread(target=learner, args=(index,)) for index in range(CLASS_SIZE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors and all(watches)
    assert len({watch.id for watch in watches}) == 1
    assert watches[0].progress().watchers == CLASS_SIZE
    assert {wait_for(watch, finished).status for watch in watches} == {"done"}
    assert wait_for_jobs_run(pool, runs_before + 1) == runs_before + 1
    results = [watch.result() for watch in watches]
    assert all(same_weights(result.weights, results[0].weights) for result in results)
    assert pool.jobs_run() == runs_before + 1, "no second job was started afterwards"


# Leaving a shared job


def test_a_stop_by_one_of_three_detaches_only_that_watcher(pool):
    cfg, runs_before = medium_cfg(seed=106), pool.jobs_run()
    leaving, staying, also_staying = (start(LONG_DATA, cfg, pool) for _ in range(3))
    wait_for(leaving, lambda p: p.status == "running" and p.epoch >= 1)
    leaving.stop()
    progress = leaving.progress()
    assert leaving.done and progress.status == "stopped" and progress.queue_position == 0
    assert progress.message == stopped_watching_message(2) == (
        "You stopped watching; this training goes on for the 2 other learners who watch it.")
    result = leaving.result()
    assert (result.status, result.message, result.weights) == ("stopped", progress.message, None)
    assert staying.progress().status == "running" and staying.progress().watchers == 2
    leaving.stop()  # a second press changes nothing
    assert leaving.progress() == progress and staying.progress().status == "running"

    assert wait_for(staying, finished).status == wait_for(also_staying, finished).status == "done"
    full = staying.result()
    assert full.epochs_run == cfg.epochs and same_weights(full.weights, also_staying.result().weights)
    assert leaving.result().weights is None and leaving.progress().status == "stopped"
    assert wait_for_jobs_run(pool, runs_before + 1) == runs_before + 1


def test_a_stop_by_the_last_watcher_stops_the_job_with_the_weights_so_far(pool):
    cfg = replace(long_cfg(), seed=107)
    first, second, last = (start(LONG_DATA, cfg, pool) for _ in range(3))
    wait_for(first, lambda p: p.status == "running" and p.epoch >= 1)
    first.stop()
    second.stop()
    assert second.progress().message == "You stopped watching; this training goes on for the other learner " \
                                        "who watches it."
    assert last.progress().status == "running" and last.progress().watchers == 1
    last.stop()
    assert last.progress().status == "stopped", "the stop reads at once, before the worker's batch ends"
    newcomer = start(LONG_DATA, cfg, pool)
    assert newcomer.id != last.id, "a stopping job is not joined"
    newcomer.stop()
    wait_for(last, lambda p: last.done, timeout=60)
    result = last.result()
    assert result.status == "stopped" and "Stopped after" in result.message and result.weights is not None, \
        f"{result.status}: {result.message}"
    assert 1 <= result.epochs_run < cfg.epochs
    assert first.result().weights is None and second.result().weights is None
    wait_for(newcomer, lambda p: newcomer.done, timeout=30)


def test_a_watcher_whose_page_closed_is_detached_and_the_others_go_on(pool, monkeypatch):
    monkeypatch.setattr(pool, "owner_grace_seconds", 0.3)
    monkeypatch.setattr(backend, "OWNER_CHECK_SECONDS", 0.1)
    cfg = medium_cfg(seed=108)
    gone = start(LONG_DATA, cfg, pool, owner_alive=lambda: False)
    here = start(LONG_DATA, cfg, pool, owner_alive=lambda: True)
    unknown = start(LONG_DATA, cfg, pool)  # no check at all: nobody can close this one
    assert gone.id == here.id == unknown.id
    wait_for(gone, lambda p: gone.done, timeout=60)
    progress = gone.progress()  # read after: the one the wait returns may predate the detaching
    assert progress.status == "stopped" and progress.message == page_closed_message(2)
    assert gone.result().weights is None
    assert here.progress().watchers == 2 and not here.done
    assert wait_for(here, finished).status == wait_for(unknown, finished).status == "done"
    assert here.result().epochs_run == cfg.epochs and here.progress().watchers == 2


def test_when_every_owner_is_gone_a_queued_job_is_withdrawn_and_a_running_one_stopped(single_pool, monkeypatch):
    monkeypatch.setattr(single_pool, "owner_grace_seconds", 0.3)
    monkeypatch.setattr(backend, "OWNER_CHECK_SECONDS", 0.1)
    runs_before = single_pool.jobs_run()
    owners = {"running": True, "queued": False}
    # The long config at its largest widths, several times its work: the job must still be training when its owners
    # go, however long the queued jobs took to be withdrawn (a stopped job costs no more for that).
    longest = replace(long_cfg(), seed=109, units=MODEL_BOUNDS["units"].high, layers=MODEL_BOUNDS["layers"].high)
    running = [start(LONG_DATA, longest, single_pool, owner_alive=lambda: owners["running"]) for _ in range(2)]
    wait_for(running[0], lambda p: p.status == "running" and p.epoch >= 1)
    queued = [start(DATA, small_cfg(seed=110), single_pool, owner_alive=lambda: owners["queued"]) for _ in range(2)]
    assert queued[0].progress().status == "queued" and queued[0].progress().watchers == 2
    for watch in queued:
        wait_for(watch, lambda p, watch=watch: watch.done, timeout=60)
    messages = sorted(watch.progress().message for watch in queued)
    assert messages == sorted([ABANDONED_MESSAGE, page_closed_message(1)])
    assert single_pool.queue_length() == 0 and all(watch.result().weights is None for watch in queued)
    assert running[0].progress().status == "running", "connected pages keep their job"

    owners["running"] = False
    for watch in running:
        wait_for(watch, lambda p, watch=watch: watch.done, timeout=60)
    last = next(watch for watch in running if not watch.detached)
    assert last.result().status == "stopped" and last.result().weights is not None
    other = next(watch for watch in running if watch.detached)
    assert other.progress().message == page_closed_message(1) and other.result().weights is None
    assert wait_for_jobs_run(single_pool, runs_before + 1) == runs_before + 1, "the withdrawn job never ran"
