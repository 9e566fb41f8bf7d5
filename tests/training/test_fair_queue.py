"""The queue is fair between sessions: one session's many jobs take turns with the class's, up to a cap."""

import time

import pytest

from lstm_core.training.backend import start
from lstm_core.training.fair_queue import (
    MAX_QUEUED,
    MAX_QUEUED_PER_ADDRESS,
    MAX_QUEUED_PER_SESSION,
    FairQueue,
    QueueFull,
    QueueLimits,
    queue_limits,
)
from lstm_core.training.messages import address_full_message, queue_bound_message, queue_full_message
from lstm_core.training.pool import TrainingPool
from tests.training.helpers import DATA, LONG_DATA, finished, long_cfg, small_cfg, wait_for


def test_sessions_take_turns_the_one_served_longest_ago_first():
    queue = FairQueue()
    for n in range(3):
        queue.append(f"a{n}", "a")
    queue.append("b0", "b")
    queue.append("c0", "c")
    assert queue.ordered() == ["a0", "b0", "c0", "a1", "a2"]
    assert [queue.index(job) for job in ("a0", "b0", "c0", "a1", "a2")] == [0, 1, 2, 3, 4]
    assert queue.popleft() == "a0"
    queue.append("b1", "b")
    assert queue.ordered() == ["b0", "c0", "a1", "b1", "a2"]  # a was just served: b and c first
    assert [queue.popleft() for _ in range(5)] == ["b0", "c0", "a1", "b1", "a2"]
    assert not queue and len(queue) == 0
    with pytest.raises(IndexError):
        queue.popleft()


def test_a_session_served_recently_waits_behind_a_newcomer():
    queue = FairQueue()
    queue.append("a0", "a")
    assert queue.popleft() == "a0"
    queue.append("a1", "a")
    queue.append("b0", "b")
    assert queue.ordered() == ["b0", "a1"]


def test_removal_membership_and_jobs_without_a_session():
    queue = FairQueue()
    queue.append("x", None)
    queue.append("y", None)  # each job without a session is a line of its own
    queue.append("a0", "a")
    assert "x" in queue and "a0" in queue and "z" not in queue and len(queue) == 3
    queue.remove("x")
    assert "x" not in queue and queue.ordered() == ["y", "a0"]
    with pytest.raises(ValueError):
        queue.remove("x")
    with pytest.raises(ValueError):
        queue.index("x")
    assert queue.waiting_of("a") == 1
    queue.clear()
    assert not queue and queue.ordered() == []


def test_a_session_holds_at_most_the_cap_waiting():
    queue = FairQueue(cap=3)
    for n in range(3):
        queue.append(n, "a")
    with pytest.raises(QueueFull, match="You already have 3 trainings waiting"):
        queue.append(3, "a")
    queue.append("b0", "b")  # another session is not affected
    queue.popleft()
    queue.append(3, "a")  # one of a's started: room for one more
    assert queue.waiting_of("a") == 3


def test_addresses_take_turns_before_sessions_so_many_sessions_from_one_address_do_not_go_first():
    queue = FairQueue()
    for n in range(4):  # a script opens four sessions from one machine and presses Train in each, first
        queue.append(f"flood{n}", f"script-{n}", "10.9.9.9")
    queue.append("ann", "ann", "10.0.0.1")
    queue.append("bob", "bob", "10.0.0.2")
    queue.append("cat", "cat", None)  # no address known: the session is its own
    assert queue.ordered() == ["flood0", "ann", "bob", "cat", "flood1", "flood2", "flood3"]
    assert queue.popleft() == "flood0"
    queue.append("dan", "dan", "10.0.0.3")
    assert queue.ordered() == ["ann", "bob", "cat", "dan", "flood1", "flood2", "flood3"]
    assert [queue.popleft() for _ in range(4)] == ["ann", "bob", "cat", "dan"]
    queue.append("ann2", "ann", "10.0.0.1")  # ann was served after the flood's address: the flood goes first
    assert queue.ordered() == ["flood1", "ann2", "flood2", "flood3"]
    assert queue.waiting_from("10.9.9.9") == 3 and len(queue) == 4


def test_within_one_address_its_sessions_take_turns():
    queue = FairQueue()
    for n in range(3):
        queue.append(f"a{n}", "a", "school")
    queue.append("b0", "b", "school")
    queue.append("elsewhere", "c", "home")
    assert queue.ordered() == ["a0", "elsewhere", "b0", "a1", "a2"]


def test_an_address_holds_at_most_its_cap_waiting_whatever_its_sessions_and_others_still_queue():
    queue = FairQueue(limits=QueueLimits(per_session=5, per_address=3, total=100))
    for n in range(3):
        queue.append(n, f"tab-{n}", "10.9.9.9")
    with pytest.raises(QueueFull) as refused:
        queue.append(3, "tab-3", "10.9.9.9")
    assert str(refused.value) == address_full_message(3)
    assert "press Train again" in str(refused.value) and "3 trainings from your network address" in str(refused.value)
    queue.append("ann", "ann", "10.0.0.1")  # another address is not affected
    queue.append("x", "x", None)
    queue.remove(1)  # one of the flood's withdrawn: room for one more from its address
    queue.append(3, "tab-3", "10.9.9.9")
    assert queue.waiting_from("10.9.9.9") == 3
    while queue:
        queue.popleft()
    assert queue.waiting_from("10.9.9.9") == 0
    queue.append(4, "tab-4", "10.9.9.9")  # once they have started, the address may queue again


def test_the_whole_queue_holds_at_most_its_bound_and_says_so():
    queue = FairQueue(limits=QueueLimits(per_session=5, per_address=5, total=4))
    for n in range(4):
        queue.append(n, f"s{n}", f"10.0.0.{n}")
    with pytest.raises(QueueFull) as refused:
        queue.append("late", "late", "10.0.0.99")
    assert str(refused.value) == queue_bound_message(4)
    assert "queue is full: 4 trainings are waiting" in str(refused.value) and "press Train again" in str(refused.value)
    queue.popleft()
    queue.append("late", "late", "10.0.0.99")
    assert len(queue) == 4
    queue.clear()
    assert len(queue) == 0 and queue.waiting_from("10.0.0.1") == 0


def test_the_caps_are_settings_with_defaults_and_refuse_nonsense():
    assert queue_limits({}) == QueueLimits(MAX_QUEUED_PER_SESSION, MAX_QUEUED_PER_ADDRESS, MAX_QUEUED)
    assert MAX_QUEUED_PER_SESSION < MAX_QUEUED_PER_ADDRESS < MAX_QUEUED
    limits = queue_limits({"LSTM_LENS_MAX_QUEUED_PER_ADDRESS": "7", "LSTM_LENS_MAX_QUEUED": " 50 "})
    assert (limits.per_address, limits.total) == (7, 50)
    for bad in ("0", "-3", "many", "2.5"):
        with pytest.raises(ValueError, match="LSTM_LENS_MAX_QUEUED must be a whole number"):
            queue_limits({"LSTM_LENS_MAX_QUEUED": bad})


def test_one_session_with_ten_jobs_does_not_starve_nine_others(single_pool):
    # A blocker holds the one worker while everyone queues; then the queue is served in turn.
    blocker = start(LONG_DATA, long_cfg(), single_pool, session="blocker")
    wait_for(blocker, lambda p: p.status == "running" and p.epoch + p.batch > 0)
    # One epoch each: the order they start in does not depend on how long they train.
    greedy = [start(DATA, small_cfg(epochs=1, seed=1000 + n), single_pool, session="greedy") for n in range(10)]
    others = [start(DATA, small_cfg(epochs=1, seed=2000 + n), single_pool, session=f"learner-{n}") for n in range(9)]
    jobs = greedy + others
    positions = wait_for(others[-1], lambda p: p.queue_position > 0) and [j.progress().queue_position for j in jobs]
    deadline = time.monotonic() + 10
    while sorted(positions) != list(range(1, 20)) and time.monotonic() < deadline:
        time.sleep(0.05)  # a pool on Ray learns its places from the cluster a moment later
        positions = [job.progress().queue_position for job in jobs]
    assert positions[0] == 1 and positions[10:19] == list(range(2, 11)), positions
    assert positions[1:10] == list(range(11, 20)), positions

    blocker.stop()
    started: dict[int, int] = {}
    tick, deadline = 0, time.monotonic() + 240
    while len(started) < len(jobs) and time.monotonic() < deadline:
        tick += 1
        for n, job in enumerate(jobs):
            if n not in started and job.progress().status != "queued":
                started[n] = tick
        time.sleep(0.005)
    assert len(started) == len(jobs), started
    third_of_greedy = started[2]
    assert all(started[10 + n] < third_of_greedy for n in range(9)), started
    assert all(wait_for(job, finished, timeout=120).status == "done" for job in jobs)


def test_a_session_past_the_cap_is_told_and_others_still_queue(single_pool):
    blocker = start(LONG_DATA, long_cfg(), single_pool, session="blocker")
    wait_for(blocker, lambda p: p.status == "running")
    queued = [start(DATA, small_cfg(epochs=1, seed=3000 + n), single_pool, session="eager")
              for n in range(MAX_QUEUED_PER_SESSION)]
    refused = start(DATA, small_cfg(epochs=1, seed=3999), single_pool, session="eager")
    other = start(DATA, small_cfg(epochs=1, seed=4000), single_pool, session="someone-else")
    progress = wait_for(refused, finished, timeout=60)
    assert progress.status == "failed" and progress.message == queue_full_message(MAX_QUEUED_PER_SESSION)
    assert refused.result().weights is None
    assert other.progress().status == "queued" and all(job.progress().status == "queued" for job in queued)
    for job in [*queued, other, blocker]:
        job.stop()
    ended = wait_for(blocker, lambda p: blocker.done, timeout=30)
    assert ended.status == "stopped", ended.message


def test_a_flood_from_one_address_is_refused_past_its_cap_while_another_address_gets_in():
    # A pool of its own: the limits are small, so the test shows each refusal without queueing hundreds of jobs.
    pool = TrainingPool(max_workers=1, limits=QueueLimits(per_session=12, per_address=4, total=6))
    try:
        assert pool.wait_ready(180)
        blocker = start(LONG_DATA, long_cfg(), pool, session="blocker", address="10.0.0.50")
        wait_for(blocker, lambda p: p.status == "running")
        flood = [start(DATA, small_cfg(epochs=1, seed=5000 + n), pool, session=f"tab-{n}", address="10.9.9.9")
                 for n in range(6)]
        joined = start(DATA, small_cfg(epochs=1, seed=5000), pool, session="tab-99", address="10.9.9.9")
        learner = start(DATA, small_cfg(epochs=1, seed=6000), pool, session="ann", address="10.0.0.1")
        other = start(DATA, small_cfg(epochs=1, seed=6001), pool, session="bob", address="10.0.0.2")
        late = start(DATA, small_cfg(epochs=1, seed=6002), pool, session="cat", address="10.0.0.3")
        for job in flood[4:]:
            progress = wait_for(job, finished, timeout=30)
            assert progress.status == "failed" and progress.message == address_full_message(4)
            assert job.result().weights is None
        progress = wait_for(late, finished, timeout=30)
        assert progress.status == "failed" and progress.message == queue_bound_message(6)
        # An identical training joins the flood's first job instead of queueing: it counts against nothing.
        assert joined.progress().status == "queued" and getattr(joined, "key", None) == getattr(flood[0], "key", 0)
        assert pool.queue_length() == 6
        assert [job.progress().queue_position for job in (flood[0], learner, other, flood[1])] == [1, 2, 3, 4]
        blocker.stop()
        for job in (learner, other):
            assert wait_for(job, finished, timeout=120).status == "done"
    finally:
        pool.shutdown()
