"""A class through HAProxy on the school topology: replicas, one Ray queue, PostgreSQL, all on this machine.

Run: .venv/bin/python -m bench.bench_cluster [--replicas 2] [--worker-nodes 1] [--cpus-per-node 1] [learners]
(default: 30 learners).

Starts deploy/cluster.py's topology, waits until the cluster's queue has all its Ray trainers warm, then
sends a class of websocket learners (bench/ws_probe.py) through HAProxy: each opens /train with the quick
start's settings and a model seed of its own (no two jobs the same), they all press Train together once
everyone is there, and a newcomer opens Home every ~2 s meanwhile. Prints how HAProxy's cookie spread the
learners over the replicas, each learner's wait from pressing Train to the results (median, p95, max), the
newcomers' Home p95, the Ray trainers and the jobs the queue ran, and a one-line summary. Never fails.
As the topology's test does, it runs in a network of its own that holds only loopback, so it needs root.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

from bench.bench_classroom import process_stat
from bench.capacity import all_at_once
from bench.ws_probe import quick_start_queries, run_ws_class
from deploy.cluster import Cluster
from deploy.launch import descendants, private_network

ROOT = Path(__file__).resolve().parents[1]

CLASS_LIMIT_SECONDS = 360.0
WARM_LIMIT_SECONDS = 180.0


def percentile(values: list[float], share: float) -> float:
    """Return the value below which share (0-1) of values lie, nearest rank; inf for no values."""
    if not values:
        return math.inf
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def queue_stats(address: str) -> dict:
    """Return the cluster queue's counters (trainers wanted, warm, started; jobs run), {} before it exists."""
    import ray

    from lstm_core.cluster.ray_actors import NAMESPACE, QUEUE_NAME

    if not ray.is_initialized():
        ray.init(address=address, namespace=NAMESPACE, log_to_driver=False, logging_level="ERROR")
    try:
        return ray.get(ray.get_actor(QUEUE_NAME, namespace=NAMESPACE).stats.remote(), timeout=10)
    except (ValueError, ray.exceptions.RayError):
        return {}


def cpu_seconds(pids: list[int]) -> float:
    """Return the user + system CPU seconds of the processes pids and all their descendants now alive."""
    stats = [process_stat(pid) for pid in {*pids, *(child for root in pids for child in descendants(root))}]
    return sum(stat[1] for stat in stats if stat is not None)


def wait_warm(address: str) -> tuple[float, dict]:
    """Return the seconds until every trainer the queue wants is warm, and its counters then."""
    began = time.monotonic()
    stats: dict = {}
    while time.monotonic() - began < WARM_LIMIT_SECONDS:
        stats = queue_stats(address)
        if stats.get("target", 0) > 0 and stats.get("ready", 0) >= stats["target"]:
            break
        time.sleep(1)
    return time.monotonic() - began, stats


def run(learners: int, replicas: int, worker_nodes: int, cpus_per_node: int) -> str:
    """Start the topology, run the class through HAProxy, print the figures; return the summary line."""
    began = time.monotonic()
    # Ray 2.60 binds every interface: the topology and this benchmark's learners live in a network of their own.
    with private_network(), Cluster(replicas=replicas, worker_nodes=worker_nodes, cpus_per_node=cpus_per_node,
                                    lifetime=CLASS_LIMIT_SECONDS + 600) as cluster:
        # This driver reads the counters with the deployment's token, which Ray takes from the environment on import.
        os.environ.update(cluster.ray_auth)
        import ray

        print(f"topology up in {time.monotonic() - began:.1f} s: HAProxy {cluster.url}, {replicas} replicas, "
              f"Ray head + {worker_nodes} worker node(s) of {cpus_per_node} CPU, PostgreSQL")
        try:
            waited, stats = wait_warm(cluster.ray_address)
            print(f"{stats.get('ready', 0)} of {stats.get('target', '?')} Ray trainers warm {waited:.1f} s later")
            queries = quick_start_queries(ROOT, range(learners))
            ran_before = stats.get("jobs_run", 0)
            replica_pids = [cluster.replica_pid(i) for i in range(replicas)]
            trainer_pids = list(stats.get("pids", []))
            replica_cpu, trainer_cpu = cpu_seconds(replica_pids), cpu_seconds(trainer_pids)
            result = run_ws_class(cluster.url, learners, queries, limit_seconds=CLASS_LIMIT_SECONDS,
                                  tls=cluster.tls_context())
            after = queue_stats(cluster.ray_address)
            replica_cpu, trainer_cpu = cpu_seconds(replica_pids) - replica_cpu, cpu_seconds(trainer_pids) - trainer_cpu
        finally:
            if ray.is_initialized():
                ray.shutdown()  # before the head goes
    finished = [learner for learner in result.learners if learner.seconds is not None]
    waits = [learner.seconds for learner in finished]
    per_replica = Counter(learner.server or "?" for learner in result.learners)
    home = [seconds for seconds in result.home_seconds if math.isfinite(seconds)]
    print(f"learners per replica: {dict(sorted(per_replica.items()))}")
    print(f"{len(finished)} of {learners} got their results")
    if waits:
        print(f"wait from Train to results: median {statistics.median(waits):.1f} s, "
              f"p95 {percentile(waits, 0.95):.1f} s, max {max(waits):.1f} s")
    print(f"newcomers' Home: {len(result.home_seconds)} opened, {len(result.home_seconds) - len(home)} failed, "
          f"p95 {percentile(result.home_seconds, 0.95):.2f} s")
    jobs = after.get("jobs_run", 0) - ran_before
    print(f"Ray trainers: {len(after.get('pids', []))} warm of {after.get('target', '?')} wanted, "
          f"{after.get('started', '?')} started in all; the queue ran {jobs} jobs for the class")
    job_seconds = after.get("job_seconds", [])[-jobs:] if jobs > 0 else []
    trainers = max(len(after.get("pids", [])), 1)
    if job_seconds:
        job = statistics.median(job_seconds)
        mean, last = all_at_once(learners, job, trainers)
        print(f"per job on a trainer (in this run, the machine shared): {job:.2f} s median; trainer CPU "
              f"{trainer_cpu / max(jobs, 1):.2f} s per job; replicas' CPU {replica_cpu:.1f} s in all, "
              f"{replica_cpu / learners:.2f} s per learner")
        print(f"capacity formula (bench/capacity.py, everyone pressing at once, {trainers} trainers, J = {job:.2f} s): "
              f"mean wait {mean:.1f} s, last {last:.1f} s; measured median {statistics.median(waits):.1f} s, "
              f"max {max(waits, default=math.inf):.1f} s")
    for learner in result.learners:
        for error in learner.errors[:2]:
            print(f"  learner {learner.index}: {error}")
    median = statistics.median(waits) if waits else math.inf
    return (f"cluster: {learners} learners over {len(per_replica)} replicas {dict(sorted(per_replica.items()))}, "
            f"{len(finished)} finished, wait median {median:.1f} s p95 {percentile(waits, 0.95):.1f} s "
            f"max {max(waits, default=math.inf):.1f} s, Home p95 {percentile(result.home_seconds, 0.95):.2f} s, "
            f"{len(after.get('pids', []))} Ray trainers, {jobs} jobs, class {result.wall_seconds:.0f} s")


def main() -> None:
    """Parse the options, run the benchmark and print its summary; a failure is printed, not raised."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("learners", nargs="?", type=int, default=30)
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--worker-nodes", type=int, default=1)
    parser.add_argument("--cpus-per-node", type=int, default=1)
    args = parser.parse_args()
    began = time.monotonic()
    summary = "cluster: no figures (the run failed)"
    try:
        summary = run(args.learners, args.replicas, args.worker_nodes, args.cpus_per_node)
    except Exception:  # a benchmark reports what went wrong and exits 0
        traceback.print_exc(file=sys.stdout)
    print(f"wall time of the benchmark: {time.monotonic() - began:.0f} s")
    print(summary)


if __name__ == "__main__":
    main()
