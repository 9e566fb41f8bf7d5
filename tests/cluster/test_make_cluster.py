"""`make cluster` as a teacher runs it: HTTPS on its port, only HAProxy in the machine's network, Ctrl-C ends it all."""

from __future__ import annotations

import http.client
import re
import signal
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from deploy.launch import alive, descendants, free_port, network_namespace
from tests.cluster.network import SocketSampler

pytestmark = pytest.mark.timeout(300)

ROOT = Path(__file__).resolve().parents[2]
START_LIMIT_SECONDS = 180


def _read_until(process: subprocess.Popen, ending: str, limit: float) -> list[str]:
    """Return the lines the process printed up to the one starting with ending; fail if it ends first."""
    lines: list[str] = []
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            pytest.fail("deploy.cluster ended before it was up:\n" + "".join(lines))
        lines.append(line)
        if line.startswith(ending):
            return lines
    pytest.fail(f"deploy.cluster not up within {limit} s:\n" + "".join(lines))


def test_the_launcher_serves_https_keeps_everything_else_in_its_own_network_and_stops_on_ctrl_c():
    port = free_port()
    command = [sys.executable, "-m", "deploy.cluster", "--replicas", "1", "--worker-nodes", "0", "--port", str(port),
               "--lifetime", "280"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    tree: set[int] = set()
    try:
        with SocketSampler(lambda: [process.pid], descendants, interval=0.3) as sampler:
            printed = "".join(_read_until(process, "haproxy:", START_LIMIT_SECONDS))
            tree = descendants(process.pid)
            certificate = re.search(r"a self-signed one was made for this run \((\S+)\)", printed).group(1)
            assert "Only HAProxy listens in this machine's network" in printed, printed
            assert f"LSTM Lens on https://127.0.0.1:{port}" in printed, printed
            assert re.search(r"database postgresql\+psycopg://postgres:\*\*\*@127\.0\.0\.1:\d+/lens", printed), printed

            tls = ssl.create_default_context(cafile=certificate)
            with urllib.request.urlopen(f"https://127.0.0.1:{port}/_stcore/health", context=tls, timeout=10) as answer:
                assert answer.status == 200 and answer.headers["Strict-Transport-Security"]
            plain = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            plain.request("GET", "/")
            assert plain.getresponse().status == 308
            plain.close()
            time.sleep(1)

        host = network_namespace()
        in_host = {listener for listener in sampler.seen if listener.namespace == host}
        stats_port = int(re.search(r"statistics on http://127\.0\.0\.1:(\d+)/stats", printed).group(1))
        # The launcher opened HAProxy's two sockets there and handed them over; nothing else is in that network.
        assert {(listener.command, listener.port) for listener in in_host} >= {("haproxy", port),
                                                                                ("haproxy", stats_port)}, in_host
        assert {listener.port for listener in in_host} == {port, stats_port}, in_host
        assert {listener.command for listener in in_host} <= {"haproxy", "timeout", "python"}, in_host
        assert all(listener.on_loopback() for listener in in_host), in_host
        inside = {listener.command for listener in sampler.seen if listener.namespace != host}
        assert {"postgres", "gcs_server", "raylet", "haproxy"} <= inside, inside

        process.send_signal(signal.SIGINT)  # Ctrl-C
        rest = process.communicate(timeout=90)[0]
        assert process.returncode == 0, rest
        assert "stopping ..." in rest
        assert [pid for pid in tree if alive(pid)] == []
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
