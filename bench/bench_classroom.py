"""A class of learners on one server, against one learner alone on the same server.

Run: .venv/bin/python -m bench.bench_classroom [--client ws|browser] [--distinct] [--app-root DIR] [learners]
(default: --client ws, 30 learners, the app of this checkout).

Two clients, for two questions:
- ws (the reference for capacity figures): bench/ws_client.py speaks Streamlit's own websocket protocol
  with no renderer, all learners on one event loop, at a cost of a few per cent of one core. The server
  and its workers get the machine, as in a classroom where every learner brings a laptop.
- browser: every learner is a context of one headless Chromium (bench/browser_class.py) on the server's
  own two cores: the test of what a browser sees, harsher than a real class, since rendering competes
  with training.

Serves the app as `make run` does (from --app-root, to measure another commit's server with this client),
waits until the training workers are idle, then one learner trains the quick start's settings with a model
seed of their own (the reference; ws: opened as a /train link, so the class's training is not in the run
store yet), then the whole class opens Train on the quick start's settings and presses Train at once. The
server gets an empty data directory of its own (LSTM_LENS_DATA_DIR), so no earlier benchmark's stored run
answers for it. With --distinct (ws only) every learner has a model seed of its own, so no two jobs are the
same. Prints how many got results,
the median and slowest wait from Train to results (and their ratio to the lone learner's), the queue
positions and statuses seen, errors, how long a newcomer's Home took meanwhile, the CPU seconds of
the server, of each worker and of this client, and how many training jobs the server really ran: the
pool logs one line per job a worker ended ("training job <id> finished: ..."), which the server here
writes to its log (the only change from `make run`: the pool's logger is turned on); a server that
predates that line is judged by its workers' CPU against the lone learner's one job. Never fails.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from pathlib import Path

from deploy.launch import ROOT, AppServer, app_server

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
JOB_LINE = re.compile(r"training job (\w+) finished: (\w+) in ([\d.]+) s, watched by (\d+)")
# `python -m lstm_core.ui.serve` with the training backend's INFO lines on, so the log says which jobs ran
# (lstm_core.training.backend logs them; an older checkout served with --app-root, lstm_core.training.pool).
SERVE_WITH_JOB_LOG = ("import logging, runpy\n"
                      "handler = logging.StreamHandler()\n"
                      "handler.setFormatter(logging.Formatter('%(asctime)s %(name)s: %(message)s'))\n"
                      "pool_log = logging.getLogger('lstm_core.training')\n"
                      "pool_log.addHandler(handler)\n"
                      "pool_log.setLevel(logging.INFO)\n"
                      "runpy.run_module('lstm_core.ui.serve', run_name='__main__', alter_sys=True)\n")
SAMPLE_SECONDS = 0.5
LONE_LIMIT_SECONDS, CLASS_LIMIT_SECONDS = 300, 480


@contextlib.contextmanager
def serve(app_root: Path, log_path: Path, data_dir: Path | None = None) -> Iterator[AppServer]:
    """Yield (url, server pid) of the app at app_root served as `make run` serves it, with the pool's job log on.

    Its run store lives in data_dir, by default a fresh, empty one of its own; the server and its workers stop
    afterwards, and end with this benchmark if it is killed outright.
    """
    with app_server(log_path, data_dir=data_dir, app_root=app_root, python_args=("-c", SERVE_WITH_JOB_LOG),
                    die_with_parent=True) as server:
        yield server


def process_stat(pid: int) -> tuple[int, float, int] | None:
    """Return (parent pid, user+system CPU seconds, start time in ticks) of a process, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS, int(fields[19])


def _role(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            command = f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "gone"
    if "resource_tracker" in command:
        return "resource tracker"
    if "spawn_main" in command or "multiprocessing" in command:
        return "worker"
    return command.split(" ", 1)[0].rsplit("/", 1)[-1] or "process"


class CpuMeter:
    """CPU seconds of a server and all its descendants, sampled in a thread so exited workers still count."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.readings: dict[int, float] = {}  # pid -> last CPU seconds seen
        self.roles: dict[int, str] = {}
        self.started: dict[int, int] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cpu-meter", daemon=True)
        self.sample()
        self._thread.start()

    def sample(self) -> None:
        """Read the CPU time of the server and of every process below it now."""
        parents: dict[int, list[int]] = {}
        stats = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit() and (stat := process_stat(int(entry))) is not None:
                stats[int(entry)] = stat
                parents.setdefault(stat[0], []).append(int(entry))
        family, frontier = [], [self.server_pid]
        while frontier:
            pid = frontier.pop()
            if pid in stats:
                family.append(pid)
                frontier.extend(parents.get(pid, []))
        with self._lock:
            for pid in family:
                if pid not in self.roles:
                    self.roles[pid] = "server" if pid == self.server_pid else _role(pid)
                    self.started[pid] = stats[pid][2]
                self.readings[pid] = stats[pid][1]

    def snapshot(self) -> dict[int, float]:
        """Return the last reading of every process seen so far (pid -> CPU seconds)."""
        self.sample()
        with self._lock:
            return dict(self.readings)

    def labels(self) -> dict[int, str]:
        """Return a name per process seen: server, worker 1, worker 2 ... in order of start, others by role."""
        with self._lock:
            order = sorted(self.roles, key=lambda pid: self.started[pid])
            names, workers = {}, 0
            for pid in order:
                if self.roles[pid] == "worker":
                    workers += 1
                    names[pid] = f"worker {workers}"
                else:
                    names[pid] = self.roles[pid]
            return names

    def workers(self) -> list[int]:
        """Return the pids of the worker processes seen so far."""
        with self._lock:
            return [pid for pid, role in self.roles.items() if role == "worker"]

    def close(self) -> None:
        """Stop sampling."""
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            self.sample()


def wait_for_idle_workers(meter: CpuMeter, limit: float = 120) -> tuple[float, int]:
    """Return (seconds waited, workers) once the workers have started, warmed up and gone quiet."""
    began = time.monotonic()
    previous: dict[int, float] = {}
    quiet_since = None
    while time.monotonic() - began < limit:
        readings = meter.snapshot()
        workers = meter.workers()
        now = {pid: readings[pid] for pid in workers}
        # Warm means TensorFlow imported and the quick-start model traced: seconds of CPU, then silence.
        warm = bool(workers) and all(seconds > 1.0 for seconds in now.values())
        quiet = warm and previous.keys() == now.keys() and sum(now.values()) - sum(previous.values()) < 0.05
        quiet_since = (quiet_since or time.monotonic()) if quiet else None
        if quiet_since is not None and time.monotonic() - quiet_since >= 1.0:
            return time.monotonic() - began, len(workers)
        previous = now
        time.sleep(0.5)
    return time.monotonic() - began, len(meter.workers())


def cpu_line(meter: CpuMeter, before: dict[int, float], after: dict[int, float], wall: float) -> str:
    """Return the CPU seconds each process of the server used between two snapshots, and their total."""
    names = meter.labels()
    used = {pid: after[pid] - before.get(pid, 0.0) for pid in after}
    parts = [f"{names[pid]} {seconds:.1f}" + (f" (pid {pid})" if names[pid].startswith("worker") else "")
             for pid, seconds in sorted(used.items(), key=lambda item: meter.started[item[0]])
             if seconds >= 0.05 or names[pid] in ("server",) or names[pid].startswith("worker")]
    total = sum(used.values())
    cores = os.cpu_count() or 1
    return (f"server CPU: {', '.join(parts)}; total {total:.1f} s "
            f"({total / (cores * wall) * 100:.0f} % of {cores} cores over {wall:.0f} s)")


class JobLog:
    """The server log's lines of finished training jobs, read from a point on."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def offset(self) -> int:
        """Return the log's length now: where the next reading starts."""
        try:
            return self.path.stat().st_size
        except OSError:
            return 0

    def jobs_since(self, offset: int) -> list[tuple[str, str, float, int]]:
        """Return (job id, status, seconds, watchers) of every job line written after offset."""
        try:
            with open(self.path, "rb") as log:
                log.seek(offset)
                text = log.read().decode(errors="replace")
        except OSError:
            return []
        return [(m[1], m[2], float(m[3]), int(m[4])) for m in JOB_LINE.finditer(text)]


def worker_cpu(meter: CpuMeter, before: dict[int, float], after: dict[int, float]) -> float:
    """Return the CPU seconds all worker processes used between two snapshots."""
    return sum(after.get(pid, 0.0) - before.get(pid, 0.0) for pid in meter.workers())


def jobs_line(jobs: list[tuple[str, str, float, int]], class_worker_cpu: float, lone_worker_cpu: float) -> str:
    """Return how many training jobs ran: counted from the log, or estimated from worker CPU without its lines."""
    estimate = class_worker_cpu / lone_worker_cpu if lone_worker_cpu > 0 else math.nan
    by_cpu = (f"worker CPU {class_worker_cpu:.1f} s = {estimate:.1f}x the lone learner's one job "
              f"({lone_worker_cpu:.1f} s)")
    if not jobs:
        return f"training jobs run: no job lines in the server log (a server from before them); {by_cpu}"
    statuses = sorted({status for _, status, _, _ in jobs})
    watched = [watchers for _, _, _, watchers in jobs]
    return (f"training jobs run: {len(jobs)} (from the server log: {', '.join(statuses)}; watched by "
            f"{min(watched)}–{max(watched)}, {sum(watched)} in all; longest {max(s for _, _, s, _ in jobs):.1f} s); "
            f"{by_cpu}")


def percentile(values: list[float], fraction: float) -> float:
    """Return the nearest-rank percentile of values (nan if empty)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def _trail(learner, where: str) -> str:
    seen = learner.seen(where)
    if not seen:
        return "nothing seen"
    # One stretch per state (queued, running, a queue number): its first and last text, so a long queue
    # stays one line.
    def state(text: str) -> str:
        return re.sub(r"\d+", "N", text.split(",")[0])

    stretches: list[list[tuple[float, str]]] = []
    for t, text in seen:
        if stretches and state(stretches[-1][0][1]) == state(text):
            stretches[-1].append((t, text))
        else:
            stretches.append([(t, text)])
    parts = []
    for stretch in stretches:
        (t0, first), (t1, last) = stretch[0], stretch[-1]
        parts.append(f"{first} at {t0:.1f} s" + (f" … {last} at {t1:.1f} s" if len(stretch) > 1 else ""))
    return " → ".join(parts) + f" ({len(seen)} changes)"


def report_ws(lone, run, learners: int, distinct: bool, meter: CpuMeter, class_cpu: tuple, jobs: str) -> None:
    """Print the class's figures against the lone learner's, and the training jobs the class cost."""
    reference = lone.learners[0].seconds if lone and lone.learners[0].seconds else math.nan
    waits = sorted(learner.seconds for learner in run.learners if learner.seconds is not None)
    median = statistics.median(waits) if waits else math.nan
    slowest = waits[-1] if waits else math.nan
    print(f"{learners} learners ({'distinct seeds' if distinct else 'one seed'}): {run.finished()} of {learners} "
          f"got results within {CLASS_LIMIT_SECONDS} s")
    print(f"  Train → results: median {median:.1f} s ({median / reference:.1f}x alone), "
          f"slowest {slowest:.1f} s ({slowest / reference:.1f}x alone)")
    print(f"  {jobs}")
    positions = sorted({p for learner in run.learners for p in learner.queue_positions()})
    firsts = [learner.queue_positions()[0] for learner in run.learners if learner.queue_positions()]
    print(f"  queue positions seen: {len(positions)} distinct, {positions[0] if positions else '-'}–"
          f"{positions[-1] if positions else '-'}; first position seen by {len(firsts)} learners "
          f"(highest {max(firsts) if firsts else '-'})")
    skipped = sum(learner.skipped_running() for learner in run.learners)
    print(f"  sidebar status went from queued straight to finished, no running seen: {skipped} of {learners}")
    notices = sorted({notice for learner in run.learners for notice in learner.notices})
    if notices:
        print(f"  notices on Train before the press: {' | '.join(n[:240] for n in notices[:2])}")
    errors = [f"learner {learner.index}: {error}" for learner in run.learners for error in learner.errors]
    print(f"  errors: {len(errors)}" + ("; first: " + " | ".join(e[:200] for e in errors[:3]) if errors else ""))
    loads = run.home_seconds
    failed = sum(math.isinf(s) for s in loads)
    finite = [s for s in loads if not math.isinf(s)]
    print(f"  Home for a newcomer meanwhile: {len(loads)} loads, p50 {percentile(loads, 0.5):.1f} s, "
          f"p95 {percentile(loads, 0.95):.1f} s, slowest finished {max(finite) if finite else math.nan:.1f} s, "
          f"{failed} not within 90 s")
    before, after, wall = class_cpu
    print(f"  {cpu_line(meter, before, after, wall)}")
    print(f"  client CPU (this process, all learners, the probe and the CPU sampler): {run.client_cpu_seconds:.1f} s "
          f"({run.client_cpu_seconds / wall * 100:.1f} % of one core)")
    print(f"  wall time of the class: {run.wall_seconds:.0f} s")
    for learner in run.learners:
        result = f"results {learner.seconds:.1f} s" if learner.seconds is not None else "no results"
        print(f"  learner {learner.index}: {result}; sidebar: {_trail(learner, 'sidebar')}; "
              f"page: {_trail(learner, 'page')}; {learner.messages} messages"
              + (f"; errors: {' | '.join(e[:160] for e in learner.errors[:2])}" if learner.errors else ""))


def run_ws(url: str, learners: int, distinct: bool, meter: CpuMeter, app_root: Path, job_log: JobLog) -> None:
    """Run the lone learner, then the class, over the websocket client, and print the figures."""
    from bench.ws_probe import quick_start_queries, run_ws_class

    # The lone learner's seed lies outside the class's, so no job of the class repeats one before it (nor
    # finds it in the run store).
    queries = quick_start_queries(app_root, range(learners + 1), distinct)
    lone_query = quick_start_queries(app_root, range(learners, learners + 1))
    print(f"  /train?{queries[0]} (learner 0" + ("; learner i has seed 1000 + i)" if distinct else "; all alike)"))
    before, began, logged = meter.snapshot(), time.monotonic(), job_log.offset()
    lone = run_ws_class(url, 1, lone_query, LONE_LIMIT_SECONDS, probe=False, first_index=learners)
    alone = lone.learners[0]
    if alone.seconds is not None:
        print(f"1 learner alone: results {alone.seconds:.1f} s after pressing Train; sidebar: "
              f"{'; '.join(f'{s} at {t:.1f} s' for t, s in alone.seen('sidebar'))}; "
              f"page: {'; '.join(f'{s} at {t:.1f} s' for t, s in alone.seen('page')) or 'no queue shown'}")
    else:
        print(f"1 learner alone: no results; errors: {alone.errors[:3]}")
    if alone.errors:
        print(f"  errors: {alone.errors[:3]}")
    if alone.notices:
        print(f"  notices on Train before the press: {alone.notices[:2]}")
    after = meter.snapshot()
    lone_worker_cpu = worker_cpu(meter, before, after)
    print(f"  {cpu_line(meter, before, after, time.monotonic() - began)}")
    print(f"  {jobs_line(job_log.jobs_since(logged), lone_worker_cpu, lone_worker_cpu)}")
    before, began, logged = meter.snapshot(), time.monotonic(), job_log.offset()
    run = run_ws_class(url, learners, queries, CLASS_LIMIT_SECONDS)
    after = meter.snapshot()
    jobs = jobs_line(job_log.jobs_since(logged), worker_cpu(meter, before, after), lone_worker_cpu)
    report_ws(lone, run, learners, distinct, meter, (before, after, time.monotonic() - began), jobs)


def run_browser(url: str, learners: int, meter: CpuMeter) -> None:
    """Run the lone learner, then the class, in headless Chromium, and print the figures."""
    from bench.browser_class import run_class

    alone = run_class(url, 1, limit_seconds=LONE_LIMIT_SECONDS)
    reference = alone.learners[0].seconds or math.nan
    print(f"1 learner alone: results {reference:.1f} s after pressing Train")
    before, began, cpu_began = meter.snapshot(), time.monotonic(), time.process_time()
    run = run_class(url, learners, limit_seconds=CLASS_LIMIT_SECONDS)
    wall, client_cpu = time.monotonic() - began, time.process_time() - cpu_began
    waits = sorted(r.seconds for r in run.learners if r.seconds is not None) or [math.nan]
    median = statistics.median(waits)
    print(f"{learners} learners in Chromium: {run.finished()} got results within {CLASS_LIMIT_SECONDS} s; wait median "
          f"{median:.1f} s ({median / reference:.1f}x alone), slowest {waits[-1]:.1f} s "
          f"({waits[-1] / reference:.1f}x alone); whole class {run.wall_seconds:.0f} s")
    for learner in run.learners:
        print(f"  learner {learner.index}: {learner.seconds}, last states {learner.statuses[-3:]}, "
              f"{learner.error[:120]}")
    errors = [r.error for r in run.learners if r.error]
    console = [message for r in run.learners for message in r.unexplained_console_errors()]
    print(f"Train disabled while active for {sum(bool(r.train_disabled_while_active) for r in run.learners)} "
          f"of {learners}; errors: {errors[:3]}; console errors: {len(console)} {console[:3]}")
    loads = run.home_load_seconds
    print(f"Home for a newcomer meanwhile: {len(loads)} loads, p50 {percentile(loads, 0.5):.1f} s, "
          f"p95 {percentile(loads, 0.95):.1f} s")
    print(f"  {cpu_line(meter, before, meter.snapshot(), wall)}")
    print(f"  this process (Playwright's driver; Chromium's own processes are not counted): {client_cpu:.1f} s")


def _describe(app_root: Path) -> str:
    try:
        commit = subprocess.run(["git", "-C", str(app_root), "log", "-1", "--format=%h %s"], capture_output=True,
                                text=True, timeout=10, check=False).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(app_root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10, check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return str(app_root)
    return f"{app_root} at {commit[:70]}" + (" (with uncommitted changes)" if dirty else "")


def main() -> None:
    """Serve the app, warm it up, run the lone learner and the class with the chosen client; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("learners", nargs="?", type=int, default=30)
    parser.add_argument("--client", choices=("ws", "browser"), default="ws")
    parser.add_argument("--distinct", action="store_true", help="every learner trains with a model seed of its own")
    parser.add_argument("--app-root", type=Path, default=ROOT, help="the checkout whose server to measure")
    args = parser.parse_args()
    app_root = args.app_root.resolve()
    print(f"{args.client} client, {args.learners} learners{', distinct seeds' if args.distinct else ''}; "
          f"server: {_describe(app_root)}")
    if args.distinct and args.client == "browser":
        print("--distinct applies to the ws client only; the browser class uses the quick start")
    began = time.monotonic()
    try:
        log_path = ROOT / "artifacts" / "bench-classroom.log"
        with serve(app_root, log_path) as (url, server_pid):
            meter = CpuMeter(server_pid)
            try:
                waited, workers = wait_for_idle_workers(meter)
                print(f"{workers} workers warm and idle {waited:.1f} s after the server answered")
                if args.client == "ws":
                    run_ws(url, args.learners, args.distinct, meter, app_root, JobLog(log_path))
                else:
                    run_browser(url, args.learners, meter)
            finally:
                meter.close()
    except Exception:  # a benchmark reports what went wrong and exits 0
        traceback.print_exc(file=sys.stdout)
    print(f"wall time of the benchmark: {time.monotonic() - began:.0f} s")


if __name__ == "__main__":
    main()
