"""What a class, a school or a course needs, on paper: replicas and Ray CPUs from measured per-learner costs.

The inputs are measured (bench/bench_cluster.py prints them): the server CPU a learner costs a replica
from opening the app to reading their results, the server CPU per second of a learner watching a training,
and the wall time and CPU of one training job on one trainer. The model, for L learners pressing Train at
moments spread evenly over a window of A seconds, every training distinct (nothing shared, the worst case):

- Ray CPUs. One trainer per CPU trains one job in J seconds, so C CPUs serve C / J jobs a second. The load
  is rho = L * J / (A * C); C = ceil(L * J / (A * TARGET_LOAD)) keeps it at TARGET_LOAD or under. Presses at
  random moments queue now and then: the mean wait is J + rho * J / (2 * (1 - rho)) (a single queue with
  jobs of fixed length, M/D/1, which over-estimates the wait of C > 1 trainers). With rho >= 1 the queue
  grows for the whole window: a press at time t waits t * (rho - 1) + J, so A * (rho - 1) / 2 + J on average.
- The worst case: all L press in the same second. The n-th job starts after floor(n / C) others on its
  trainer, so the last learner waits ceil(L / C) * J.
- Replicas. A Streamlit replica runs its sessions' scripts in one process under one GIL: one core at most.
  Over the window a learner costs the replica P / A + S * W / A CPU-seconds per second (P: one press's page
  work, S: watching the live chart, for the W seconds they wait). Each replica's core is kept at
  TARGET_CORE_SHARE or under, so pages stay quick: R = ceil(L * (P + S * W) / (A * TARGET_CORE_SHARE)).

Run: .venv/bin/python -m bench.capacity --press-cpu P --watch-cpu S --job-seconds J --job-cpu W
[--window A]  (prints the table for 30, 300 and 3,000 learners)
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass

TARGET_LOAD = 0.8  # the trainers' share busy: a little slack so a burst does not build a queue
TARGET_CORE_SHARE = 0.5  # a replica's one core half busy: its pages still answer in a fraction of a second
GROUPS = (("a class", 30), ("a school", 300), ("a course", 3000))


@dataclass(frozen=True)
class Measured:
    """The measured per-learner and per-job costs the plan is computed from."""

    press_cpu: float  # server CPU-s of one learner: open, quick start, Train, results
    watch_cpu: float  # server CPU-s per second of one learner watching a training
    job_seconds: float  # wall time of one training on one trainer
    job_cpu: float  # CPU-s of one training on its trainer


@dataclass(frozen=True)
class Plan:
    """What a group of learners needs and what it should expect."""

    learners: int
    ray_cpus: int
    replicas: int
    load: float
    mean_wait: float  # presses spread over the window
    burst_last_wait: float  # everyone pressing in the same second: the last one's wait
    worker_cpu: float  # CPU-s of all the group's trainings


def mean_wait(learners: int, job_seconds: float, cpus: int, window: float) -> tuple[float, float]:
    """Return (load rho, mean seconds from pressing Train to the result) for presses spread over window."""
    rho = learners * job_seconds / (max(window, 1e-9) * cpus)
    if rho < 1:
        return rho, job_seconds + rho * job_seconds / (2 * (1 - rho))
    return rho, window * (rho - 1) / 2 + job_seconds


def all_at_once(learners: int, job_seconds: float, cpus: int) -> tuple[float, float]:
    """Return (mean wait, last wait) in seconds when every learner presses Train in the same second."""
    rounds = [math.ceil((n + 1) / cpus) for n in range(learners)]
    return sum(rounds) / learners * job_seconds, max(rounds) * job_seconds


def plan(learners: int, measured: Measured, window: float = 60.0) -> Plan:
    """Return the replicas and Ray CPUs learners pressing Train within window seconds need, with the waits."""
    cpus = max(1, math.ceil(learners * measured.job_seconds / (window * TARGET_LOAD)))
    rho, wait = mean_wait(learners, measured.job_seconds, cpus, window)
    replica_cpu = learners * (measured.press_cpu + measured.watch_cpu * wait) / window
    replicas = max(1, math.ceil(replica_cpu / TARGET_CORE_SHARE))
    _, burst_last = all_at_once(learners, measured.job_seconds, cpus)
    return Plan(learners, cpus, replicas, rho, wait, burst_last, learners * measured.job_cpu)


def table(measured: Measured, window: float = 60.0) -> str:
    """Return the plan for a class, a school and a course as a Markdown table."""
    rows = ["| learners pressing Train within a minute | Ray CPUs | app replicas | trainers' load | "
            "mean wait | all in one second: last wait | worker CPU |", "|---|---|---|---|---|---|---|"]
    for name, learners in GROUPS:
        p = plan(learners, measured, window)
        rows.append(f"| {name}: {learners:,} | {p.ray_cpus} | {p.replicas} | {p.load:.2f} | "
                    f"{p.mean_wait:.1f} s | {p.burst_last_wait:.0f} s | {p.worker_cpu / 60:.1f} CPU-min |")
    return "\n".join(rows)


def main() -> None:
    """Print the capacity table for the measured inputs given on the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--press-cpu", type=float, required=True)
    parser.add_argument("--watch-cpu", type=float, required=True)
    parser.add_argument("--job-seconds", type=float, required=True)
    parser.add_argument("--job-cpu", type=float, required=True)
    parser.add_argument("--window", type=float, default=60.0)
    args = parser.parse_args()
    print(table(Measured(args.press_cpu, args.watch_cpu, args.job_seconds, args.job_cpu), args.window))


if __name__ == "__main__":
    main()
