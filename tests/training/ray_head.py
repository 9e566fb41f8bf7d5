"""A real, throwaway Ray cluster on 127.0.0.1 for the tests: one head node with a fixed, small resource set.

Started and stopped with the launcher's own pieces (deploy/cluster.py), so the tests' head is the one a
school runs, and its stop ends Ray's workers too (they run in process groups of their own).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "deploy"))
from cluster import free_port, listening, ray_command, stop_tree  # noqa: E402

HEAD_LIFETIME_SECONDS = 1800  # a head the tests failed to stop ends itself
START_LIMIT_SECONDS = 90


@contextmanager
def ray_head(num_cpus: int) -> Iterator[str]:
    """Yield the address of a fresh single-node Ray cluster with num_cpus CPUs; stop all of it afterwards."""
    import ray

    port = free_port()
    temp_dir = tempfile.mkdtemp(prefix="ray", dir="/tmp")  # short: Ray's socket paths have a length limit
    log = open(Path(temp_dir) / "head.log", "w")
    command = ["timeout", str(HEAD_LIFETIME_SECONDS), *ray_command("127.0.0.1", None, port, num_cpus, temp_dir)]
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + START_LIMIT_SECONDS
        while not listening(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Ray head did not listen on port {port} (`ray start` code {process.poll()})")
            time.sleep(0.2)
        yield f"127.0.0.1:{port}"
    finally:
        if ray.is_initialized():
            ray.shutdown()  # before the head goes: a driver left connected ends its process when the GCS does
        stop_tree(process)
        log.close()
        shutil.rmtree(temp_dir, ignore_errors=True)
