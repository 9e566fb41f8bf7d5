"""The socket sampler sees what a process listens on and where; a private network hides what binds every interface."""

import socket
import subprocess
import sys
import time

import pytest

from deploy.launch import descendants, machine_network, network_namespace, private_network
from tests.cluster.network import SocketSampler, listening_sockets

LISTENER = ("import socket, sys, time\n"
            "s = socket.socket(); s.bind((sys.argv[1], 0)); s.listen(); print(s.getsockname()[1], flush=True)\n"
            "time.sleep(60)")


def _listen(address: str) -> tuple[subprocess.Popen, int]:
    process = subprocess.Popen([sys.executable, "-c", LISTENER, address], stdout=subprocess.PIPE, text=True)
    return process, int(process.stdout.readline())


def _machine_address() -> str:
    """Return an address of this machine other than loopback, as another machine on its network would reach it."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("192.0.2.254", 9))  # no packet is sent: this only picks the outgoing interface
        return probe.getsockname()[0]


@pytest.fixture
def in_machine_network():
    """Run the test in the machine's own network: its process may live in a private one (tests/training/conftest)."""
    with machine_network():
        yield


def test_the_sampler_reports_a_socket_on_every_interface_and_leaves_one_on_loopback(in_machine_network):
    everywhere, port = _listen("0.0.0.0")
    local, local_port = _listen("127.0.0.1")
    try:
        with SocketSampler(lambda: [everywhere.pid, local.pid], descendants, interval=0.05) as sampler:
            time.sleep(0.3)
        seen = {(listener.address, listener.port) for listener in sampler.seen}
        assert {("0.0.0.0", port), ("127.0.0.1", local_port)} <= seen
        exposed = sampler.exposed(private_namespace=None)
        assert [(listener.address, listener.port) for listener in exposed] == [("0.0.0.0", port)]
        assert exposed[0].namespace == network_namespace() and exposed[0].command == "python"
        socket.create_connection((_machine_address(), port), timeout=2).close()  # reachable from the network
    finally:
        everywhere.kill()
        local.kill()


def test_what_binds_every_interface_in_a_private_network_is_unreachable_from_the_host(in_machine_network):
    address = _machine_address()
    with private_network() as private:
        inside, port = _listen("0.0.0.0")
    try:
        assert network_namespace() != private, "the thread is back in the host's network"
        [listener] = listening_sockets([inside.pid])
        assert listener.namespace == private and listener.address == "0.0.0.0"
        sampler = SocketSampler(lambda: [inside.pid], descendants)
        sampler.sample()
        assert sampler.exposed(private_namespace=private) == []
        assert sampler.exposed(private_namespace=None) == [listener], "outside that network it would count"
        with pytest.raises(OSError):
            socket.create_connection((address, port), timeout=2).close()
    finally:
        inside.kill()
