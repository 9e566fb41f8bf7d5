"""A real, throwaway Ray cluster on 127.0.0.1 for the tests: one head node with a fixed, small resource set."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.e2e.conftest import free_port

HEAD_LIFETIME_SECONDS = 1800  # a head the tests failed to stop ends itself
RAY = Path(sys.executable).with_name("ray")


def ray_start_command(port: int, num_cpus: int, temp_dir: str, head_address: str | None = None) -> list[str]:
    """Return `ray start --block` for a head (head_address None) or a worker node, every port on loopback fixed."""
    command = [str(RAY), "start", "--block", "--node-ip-address=127.0.0.1", f"--num-cpus={num_cpus}",
               "--num-gpus=0", "--disable-usage-stats", "--object-store-memory=200000000",
               f"--dashboard-agent-listen-port={free_port()}", f"--metrics-export-port={free_port()}",
               f"--temp-dir={temp_dir}"]
    if head_address is None:
        return command + ["--head", f"--port={port}", "--include-dashboard=false",
                          f"--ray-client-server-port={free_port()}"]
    return command + [f"--address={head_address}"]


def wait_for_port(port: int, process: subprocess.Popen, limit: float = 90) -> None:
    """Return once something listens on 127.0.0.1:port; raise if process ends or limit seconds pass."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"`ray start` ended with code {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"the Ray head did not listen on port {port} within {limit} s")


def stop_group(process: subprocess.Popen, grace: float = 15) -> None:
    """End process and everything it started (its own process group): SIGTERM, then SIGKILL after grace."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
    except ProcessLookupError:
        pass


@contextmanager
def ray_head(num_cpus: int) -> Iterator[str]:
    """Yield the address of a fresh single-node Ray cluster with num_cpus CPUs; stop all of it afterwards."""
    import ray

    port = free_port()
    temp_dir = tempfile.mkdtemp(prefix="ray", dir="/tmp")  # short: Ray's socket paths have a length limit
    log = open(Path(temp_dir) / "head.log", "w")
    process = subprocess.Popen(["timeout", str(HEAD_LIFETIME_SECONDS), *ray_start_command(port, num_cpus, temp_dir)],
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_port(port, process)
        yield f"127.0.0.1:{port}"
    finally:
        if ray.is_initialized():
            ray.shutdown()  # before the head goes: a driver left connected ends its process when the GCS does
        stop_group(process)
        log.close()
        shutil.rmtree(temp_dir, ignore_errors=True)
