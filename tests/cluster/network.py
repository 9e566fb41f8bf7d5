"""The listening sockets of a process tree, read from /proc with the network namespace each lives in.

The topology's processes run in a network of their own (deploy/launch.private_network): the sampler tells
what another machine could reach, a socket off loopback in the host's network, from what it cannot.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NamedTuple

from deploy.launch import network_namespace

TCP_LISTEN = "0A"
TABLES = {"tcp": socket.AF_INET, "tcp6": socket.AF_INET6, "udp": socket.AF_INET, "udp6": socket.AF_INET6}


class Listener(NamedTuple):
    """One socket a process listens on (TCP) or is bound to (UDP), and the network namespace it is in."""

    pid: int
    command: str
    protocol: str
    address: str
    port: int
    namespace: str

    def on_loopback(self) -> bool:
        """Return True when the socket is bound to 127.0.0.0/8 or ::1 (an IPv4-mapped loopback included)."""
        address = ipaddress.ip_address(self.address)
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return address.is_loopback


def _address(hex_address: str, family: int) -> tuple[str, int]:
    host, port = hex_address.split(":")
    raw = bytes.fromhex(host)
    # /proc writes each 32-bit word of the address in the machine's (little-endian) order.
    packed = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
    return socket.inet_ntop(family, packed), int(port, 16)


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for descriptor in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(descriptor)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def _tables(source: str) -> dict[str, list[list[str]]]:
    """Return the socket tables (/proc/SOURCE/net/tcp, tcp6, udp, udp6) of source's network, rows split in fields."""
    return {name: [row.split() for row in Path(f"/proc/{source}/net/{name}").read_text().splitlines()[1:]]
            for name in TABLES}


def listening_sockets(pids: Iterable[int]) -> list[Listener]:
    """Return every socket the processes pids listen on or are bound to (UDP), read from /proc; gone pids skipped.

    A socket belongs to the network it was opened in, which need not be its process's (a socket handed over from
    another network), so each is looked up in the tables of every network in sight: the processes', this
    thread's and this process's.
    """
    networks: dict[str, dict[str, list[list[str]]]] = {}
    for source in ("self", "thread-self"):
        networks.setdefault(network_namespace(source), _tables(source))
    processes = []
    for pid in pids:
        try:
            namespace = network_namespace(pid)
            if namespace not in networks:
                networks[namespace] = _tables(str(pid))
            processes.append((pid, Path(f"/proc/{pid}/comm").read_text().strip(), _socket_inodes(pid)))
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    found: list[Listener] = []
    for pid, command, inodes in processes:
        for namespace, tables in networks.items():
            for protocol, rows in tables.items():
                for fields in rows:
                    local, state, inode = fields[1], fields[3], fields[9]
                    if inode not in inodes or (protocol.startswith("tcp") and state != TCP_LISTEN):
                        continue
                    address, port = _address(local, TABLES[protocol])
                    found.append(Listener(pid, command, protocol, address, port, namespace))
    return found


class SocketSampler:
    """Samples, every interval seconds in a thread of its own, what the process trees of roots() listen on."""

    def __init__(self, roots: Callable[[], Iterable[int]], descendants: Callable[[int], set[int]],
                 interval: float = 0.5) -> None:
        self.roots, self.descendants, self.interval = roots, descendants, interval
        self.seen: set[Listener] = set()
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="socket-sampler", daemon=True)

    def __enter__(self) -> SocketSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(10)

    def sample(self) -> None:
        """Add what the trees listen on now to seen."""
        pids = set()
        for root in list(self.roots()):
            pids |= {root} | self.descendants(root)
        self.seen |= set(listening_sockets(pids))
        self.samples += 1

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def exposed(self, private_namespace: str | None) -> list[Listener]:
        """Return the sockets seen off loopback outside private_namespace: what another machine could reach."""
        return sorted(listener for listener in self.seen
                      if not listener.on_loopback() and listener.namespace != private_namespace)
