"""A private network for the tests' topology, and the listening sockets of a process tree.

Ray 2.60's GCS server, raylets and workers bind every interface whatever address they are given (the
ray-project/ray pull requests 55484, 55431 and 59852 move them to the node address in later releases), so
the topology test runs the whole topology in a network namespace of its own that holds only a loopback
interface: what binds ``*`` there is reachable from nowhere else. The sampler reads, from /proc, every
socket the topology's processes listen on and the namespace each lives in.
"""

from __future__ import annotations

import ctypes
import fcntl
import ipaddress
import os
import socket
import struct
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

CLONE_NEWNET = 0x40000000
SIOCSIFFLAGS = 0x8914
IFF_UP, IFF_LOOPBACK, IFF_RUNNING = 0x1, 0x8, 0x40
TCP_LISTEN = "0A"
TABLES = {"tcp": socket.AF_INET, "tcp6": socket.AF_INET6, "udp": socket.AF_INET, "udp6": socket.AF_INET6}


def network_namespace(pid: int | str = "thread-self") -> str:
    """Return the id of the network namespace of pid (this thread by default), e.g. 'net:[4026532174]'."""
    return os.readlink(f"/proc/{pid}/ns/net")


@contextmanager
def private_network() -> Iterator[str]:
    """Yield the id of a new network namespace, only its loopback up, that this thread and what it starts live in.

    The thread returns to the namespace it came from afterwards. Needs root (CI runs as root).
    """
    libc = ctypes.CDLL(None, use_errno=True)
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    try:
        if libc.unshare(CLONE_NEWNET) != 0:
            error = ctypes.get_errno()
            raise OSError(error, f"cannot make a network namespace: {os.strerror(error)} (the tests run as root)")
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
                fcntl.ioctl(probe, SIOCSIFFLAGS, struct.pack("16sh22x", b"lo", IFF_UP | IFF_LOOPBACK | IFF_RUNNING))
            yield network_namespace()
        finally:
            if libc.setns(home, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "cannot return to the host's network namespace")
    finally:
        os.close(home)


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


def listening_sockets(pids: Iterable[int]) -> list[Listener]:
    """Return every socket the processes pids listen on or are bound to (UDP), read from /proc; gone pids skipped."""
    found: list[Listener] = []
    for pid in pids:
        try:
            inodes = _socket_inodes(pid)
            namespace = network_namespace(pid)
            command = Path(f"/proc/{pid}/comm").read_text().strip()
            tables = {name: Path(f"/proc/{pid}/net/{name}").read_text().splitlines()[1:] for name in TABLES}
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        for protocol, rows in tables.items():
            for row in rows:
                fields = row.split()
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
