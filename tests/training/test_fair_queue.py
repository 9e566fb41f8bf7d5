"""The queue is fair between sessions: one session's many jobs take turns with the class's, up to a cap."""

import time

import pytest

from lstm_core.training.backend import start
from lstm_core.training.fair_queue import MAX_QUEUED_PER_SESSION, FairQueue, QueueFull
from lstm_core.training.messages import queue_full_message
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
