"""The served app as `make run` starts it: a stop signal to its process group ends it without new workers."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from deploy.launch import free_port, wait_until_serving
from lstm_core.training.fork_server import FORK_SERVER_MARK

ROOT = Path(__file__).resolve().parents[2]


def children(parent_pid: int, command_part: bytes) -> set[int]:
    """Return the process ids of parent_pid's children not yet reaped whose command line holds command_part."""
    pids = set()
    for proc in Path("/proc").iterdir():
        try:
            stat = (proc / "stat").read_text()
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue  # not a process, or it ended while being read
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == parent_pid and command_part in cmdline:
            pids.add(int(proc.name))
    return pids


def worker_pids(server_pid: int) -> set[int]:
    """Return the process ids of the training workers the server has started: the children of its fork server."""
    mark = FORK_SERVER_MARK.encode()  # a worker forked from the fork server keeps its command line
    return {worker for fork_server in children(server_pid, mark) for worker in children(fork_server, mark)}


def test_a_stop_signal_to_the_process_group_starts_no_new_worker_and_ends_every_worker():
    port = free_port()
    server = subprocess.Popen(
        ["timeout", "300", sys.executable, "-m", "lstm_core.ui.serve", "--server.address", "127.0.0.1",
         "--server.port", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    try:
        wait_until_serving(f"http://127.0.0.1:{port}", server)
        python_pid = int(subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout)
        deadline = time.monotonic() + 60
        while len(worker_pids(python_pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        first = worker_pids(python_pid)
        assert len(first) == 2, first
        time.sleep(3)  # the workers are busy importing TensorFlow: a stop may come at any moment
        os.killpg(server.pid, signal.SIGTERM)  # what Ctrl-C, systemd or a container stop send to the group
        seen = set(first)
        while server.poll() is None and time.monotonic() < deadline + 60:
            seen |= worker_pids(python_pid)
            time.sleep(0.05)
        assert server.poll() is not None, "the server ended after the stop signal"
        assert seen == first, f"workers started while stopping: {sorted(seen - first)}"
        alive = [pid for pid in first if os.path.exists(f"/proc/{pid}") and
                 Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"]
        assert not alive, f"workers still running after the server ended: {alive}"
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)


def test_the_data_dir_option_goes_to_the_run_store_and_the_rest_to_streamlit(monkeypatch, tmp_path):
    from lstm_core.store.runs import DATA_DIR_ENV, database_url
    from lstm_core.ui.serve import take_data_dir

    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    monkeypatch.delenv("LSTM_LENS_DATABASE_URL", raising=False)
    rest = take_data_dir(["--server.port", "9", "--data-dir", str(tmp_path / "runs"), "--server.headless", "true"])
    assert rest == ["--server.port", "9", "--server.headless", "true"]
    assert database_url() == f"sqlite:///{tmp_path / 'runs' / 'lstm_lens.sqlite3'}"
    assert take_data_dir([f"--data-dir={tmp_path}"]) == [] and database_url().startswith(f"sqlite:///{tmp_path}/")
