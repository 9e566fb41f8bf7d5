"""The school topology on one machine: PostgreSQL, a Ray head and worker nodes, app replicas, and HAProxy.

Usage: python -m deploy.cluster [--replicas 2] [--port 8500] [--worker-nodes 1] [--cpus-per-node 1] [--certificate PEM]
Everything listens on 127.0.0.1 unless --bind says otherwise; learners reach HAProxy over HTTPS, with the
certificate given (a PEM holding the certificate and its key) or, without one, a self-signed one made at
start. Ctrl-C stops all of it. The tests and
bench/bench_cluster.py import ``Cluster`` from here and start the same processes; each process is started
with the helpers of deploy/launch.py, which the tests and benchmarks use on their own too.
Each process runs in a process group of its own, so a stop (or a test's kill of one replica) ends it
with everything it started and nothing else.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import secrets
import shutil
import signal
import socket
import ssl
import string
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from deploy.launch import (
    app_command,
    create_database,
    descendants,
    enter_private_network,
    free_port,
    hidden_password,
    http_status,
    init_postgres,
    listening,
    new_ray_token,
    postgres_bin,
    postgres_command,
    postgres_ready,
    ray_auth_env,
    ray_command,
    stop_tree,
    timed,
)

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).resolve().with_name("haproxy.cfg.template")
HAPROXY = "/usr/sbin/haproxy"
COOKIE = "LENS_SERVER"
SERVER_HEADER = "X-Lens-Server"
RAY_ADDRESS_ENV = "LSTM_LENS_RAY_ADDRESS"
DATABASE_URL_ENV = "LSTM_LENS_DATABASE_URL"
# Streamlit takes the cookie secret from its config or environment only, never from the command line.
COOKIE_SECRET_ENV = "STREAMLIT_SERVER_COOKIE_SECRET"
DATABASE = "lens"
START_LIMIT_SECONDS = 120.0
ESSENTIAL = ("postgres", "ray-head", "haproxy")


@dataclass
class Piece:
    """One started process (its own process group), where its output goes, and what it is."""

    name: str
    process: subprocess.Popen
    log: Path
    port: int | None = None

    def alive(self) -> bool:
        """Return True while the process has not ended."""
        return self.process.poll() is None

    def tail(self, lines: int = 15) -> str:
        """Return the last lines of the process's log."""
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class Cluster:
    """The whole topology on one machine; start() brings it up in order, stop() ends every process it started."""

    replicas: int = 2
    port: int = 0  # HAProxy's; 0 picks a free one
    worker_nodes: int = 1
    cpus_per_node: int = 1
    bind: str = "127.0.0.1"
    lifetime: float | None = None  # every process ends itself after this many seconds (the tests set it)
    cookie_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    log_dir: Path | None = None
    replica_args: tuple[str, ...] = ()
    certificate: Path | None = None  # HAProxy's PEM (certificate and key); None makes a self-signed one
    # Listening sockets made in the learners' network before the topology moved to a private one: HAProxy
    # serves learners (and its statistics) on them; every other port stays inside.
    door: socket.socket | None = None
    stats_door: socket.socket | None = None
    pieces: list[Piece] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="lens-cluster-"))
        self.log_dir = Path(self.log_dir) if self.log_dir is not None else self.root / "logs"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.ray_temp = tempfile.mkdtemp(prefix="ray", dir="/tmp")  # short: Ray's socket paths have a length limit
        self.ray_auth = ray_auth_env(new_ray_token(Path(self.ray_temp)))  # per deployment, in a 0700 directory
        self.port = self.door.getsockname()[1] if self.door else (self.port or free_port(self.bind))
        self.stats_port = free_port()
        self.replica_ports = [free_port(self.bind) for _ in range(self.replicas)]
        self.gcs_port = free_port()
        self.pg_port = free_port()
        self.database_url = ""  # with the database's password, once PostgreSQL is up
        self.ray_address = f"127.0.0.1:{self.gcs_port}"
        self.haproxy_cfg = self.root / "haproxy.cfg"
        self._replica_pieces: dict[int, Piece] = {}
        self.stopped_pids: set[int] = set()  # every process stop() found in the pieces' trees

    # --- what a caller reads ----------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Return the address learners open: HAProxy's frontend, over HTTPS."""
        return f"https://{self.bind}:{self.port}"

    def tls_context(self) -> ssl.SSLContext:
        """Return a client TLS context that trusts this cluster's certificate (a self-signed one included)."""
        return ssl.create_default_context(cafile=str(self.certificate))

    @property
    def stats_url(self) -> str:
        """Return the address of HAProxy's statistics page (append ;csv for the CSV), on loopback only."""
        return f"http://127.0.0.1:{self.stats_port}/stats"

    def replica_url(self, index: int) -> str:
        """Return replica index's own address, bypassing HAProxy."""
        return f"http://{self.bind}:{self.replica_ports[index]}"

    def replica_pid(self, index: int) -> int:
        """Return the pid of replica index's process as started (the replica, or the timeout wrapping it)."""
        return self._replica_pieces[index].process.pid

    def replica_healthy(self, index: int) -> bool:
        """Return True if replica index answers its health check with 200."""
        return http_status(self.replica_url(index) + "/_stcore/health") == 200

    @staticmethod
    def server_name(index: int) -> str:
        """Return HAProxy's name (and cookie value) of replica index: app1, app2, ..."""
        return f"app{index + 1}"

    def server_states(self) -> dict[str, str]:
        """Return HAProxy's view of each replica, server name -> status (UP, DOWN, ...); {} if it does not answer."""
        try:
            with urllib.request.urlopen(self.stats_url + ";csv", timeout=3) as answer:
                text = answer.read().decode()
        except OSError:
            return {}
        rows = csv.DictReader(io.StringIO(text.lstrip("# ")))
        return {row["svname"]: row["status"] for row in rows
                if row["pxname"] == "replicas" and row["svname"] not in ("FRONTEND", "BACKEND")}

    def pids(self) -> list[int]:
        """Return the process (and process group) ids of every piece started, ended ones included."""
        return [piece.process.pid for piece in self.pieces]

    def procfile(self) -> str:
        """Return one line per process, name: command, as a Procfile would hold them."""
        return "\n".join(f"{piece.name}: {' '.join(piece.process.args)}" for piece in self.pieces)

    # --- starting ---------------------------------------------------------------------------------

    def __enter__(self) -> Cluster:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> Cluster:
        """Start PostgreSQL, the Ray head, its worker nodes, the replicas and HAProxy, each once ready; return self."""
        if not Path(HAPROXY).exists():
            raise RuntimeError(f"HAProxy is not installed at {HAPROXY} (apt-get install haproxy; `make cluster` does)")
        postgres_bin()
        if self.certificate is None:
            self.certificate = self_signed_certificate(self.root / "tls", self.bind)
        self._start_postgres()
        self._start_ray()
        for index in range(self.replicas):
            self._start_replica(index)
        for index in range(self.replicas):
            piece = self._replica_pieces[index]
            self._wait(piece, partial(self.replica_healthy, index))
        self._start_haproxy()
        return self

    def _timed(self, command: list[str]) -> list[str]:
        return timed(command, self.lifetime)

    def _launch(self, name: str, command: list[str], port: int | None = None, env: dict | None = None,
                cwd: Path | None = None, pass_fds: tuple[int, ...] = ()) -> Piece:
        log = self.log_dir / f"{name}.log"
        with open(log, "ab") as out:
            process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       start_new_session=True, env=env, cwd=cwd, pass_fds=pass_fds)
        piece = Piece(name, process, log, port)
        self.pieces.append(piece)
        return piece

    def _wait(self, piece: Piece, ready, limit: float = START_LIMIT_SECONDS) -> None:
        deadline = time.monotonic() + limit
        while not ready():
            if not piece.alive():
                raise RuntimeError(f"{piece.name} ended with code {piece.process.returncode}:\n{piece.tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{piece.name} was not ready within {limit:g} s:\n{piece.tail()}")
            time.sleep(0.2)

    def _start_postgres(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")  # initdb, run as postgres, reaches its data directory through it
        server = init_postgres(self.root / "postgres")
        piece = self._launch("postgres", postgres_command(server, self.pg_port, {"max_connections": "200"},
                                                          self.lifetime), self.pg_port)
        self._wait(piece, lambda: postgres_ready(self.pg_port))
        self.database_url = create_database(server, self.pg_port, DATABASE)

    def _start_ray(self) -> None:
        env = {**os.environ, **self.ray_auth, "RAY_USAGE_STATS_ENABLED": "0"}
        head = self._launch("ray-head", self._timed(ray_command("127.0.0.1", None, self.gcs_port, self.cpus_per_node,
                                                                self.ray_temp)), self.gcs_port, env)
        self._wait(head, lambda: listening(self.gcs_port))
        for number in range(1, self.worker_nodes + 1):
            command = ray_command("127.0.0.1", self.ray_address, self.gcs_port, self.cpus_per_node, self.ray_temp)
            port = int(next(arg for arg in command if arg.startswith("--node-manager-port=")).split("=")[1])
            worker = self._launch(f"ray-worker{number}", self._timed(command), port, env)
            self._wait(worker, lambda port=port: listening(port))

    def _start_replica(self, index: int) -> None:
        env = {**os.environ, **self.ray_auth, RAY_ADDRESS_ENV: self.ray_address, DATABASE_URL_ENV: self.database_url,
               COOKIE_SECRET_ENV: self.cookie_secret, "TF_CPP_MIN_LOG_LEVEL": "2"}
        command = app_command(self.replica_ports[index], self.bind, *self.replica_args)
        self._replica_pieces[index] = self._launch(self.server_name(index), self._timed(command),
                                                   self.replica_ports[index], env, ROOT)

    def haproxy_config(self) -> str:
        """Return HAProxy's configuration for this cluster, from deploy/haproxy.cfg.template."""
        servers = "\n".join(f"    server {self.server_name(i)} {self.bind}:{port} cookie {self.server_name(i)}"
                            for i, port in enumerate(self.replica_ports))
        door = f"fd@{self.door.fileno()}" if self.door else f"{self.bind}:{self.port}"
        stats_door = f"\n    bind fd@{self.stats_door.fileno()}" if self.stats_door else ""
        return string.Template(TEMPLATE.read_text()).substitute(door=door, stats_door=stats_door, port=self.port,
                                                                stats_port=self.stats_port, servers=servers,
                                                                certificate=self.certificate)

    def _start_haproxy(self) -> None:
        self.haproxy_cfg.write_text(self.haproxy_config())
        doors = tuple(door.fileno() for door in (self.door, self.stats_door) if door is not None)
        piece = self._launch("haproxy", self._timed([HAPROXY, "-db", "-f", str(self.haproxy_cfg)]), self.port,
                             pass_fds=doors)
        self._wait(piece, lambda: (self.door is not None or listening(self.port, self.bind)) and all(
            status.startswith("UP") for status in self.server_states().values()) and len(self.server_states()))

    # --- stopping ---------------------------------------------------------------------------------

    def kill_replica(self, index: int) -> None:
        """SIGKILL replica index's process group, as a crash would; HAProxy finds out by its health checks."""
        piece = self._replica_pieces[index]
        try:
            os.killpg(piece.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        piece.process.wait(10)

    def replica_alive(self, index: int) -> bool:
        """Return True while replica index's process runs."""
        return self._replica_pieces[index].alive()

    def stop(self) -> None:
        """End every process started, newest first (HAProxy, replicas, Ray, PostgreSQL); wait for each to go."""
        for piece in self.pieces:
            self.stopped_pids |= descendants(piece.process.pid) | {piece.process.pid}
        for piece in reversed(self.pieces):
            # PostgreSQL's fast shutdown is SIGINT (SIGTERM waits for its clients); `ray start --block` ends its
            # raylet, GCS and workers on SIGTERM.
            stop_tree(piece.process, signal.SIGINT if piece.name == "postgres" else signal.SIGTERM)
        self.pieces.clear()
        shutil.rmtree(self.ray_temp, ignore_errors=True)
        if self.log_dir.is_relative_to(self.root):
            shutil.rmtree(self.root, ignore_errors=True)
        else:
            shutil.rmtree(self.root / "postgres", ignore_errors=True)


def self_signed_certificate(directory: Path, host: str) -> Path:
    """Return the path of a new self-signed certificate and key for host (and localhost), one PEM for HAProxy.

    Good for thirty days; the key never leaves the directory, which only its owner can read.
    """
    directory.mkdir(mode=0o700, parents=True)
    names = {"DNS:localhost", "IP:127.0.0.1"} | ({f"IP:{host}"} if host not in ("0.0.0.0", "::") else set())
    key, certificate = directory / "key.pem", directory / "certificate.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "30", "-subj", "/CN=LSTM Lens (self-signed)", "-keyout", str(key),
                    "-out", str(certificate), "-addext", "subjectAltName=" + ",".join(sorted(names))],
                   check=True, capture_output=True)
    both = directory / "haproxy.pem"
    descriptor = os.open(both, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as pem:
        pem.write(certificate.read_text() + key.read_text())
    key.unlink()
    return both


def learners_doors(bind: str, port: int) -> tuple[socket.socket | None, socket.socket | None, str]:
    """Return HAProxy's sockets for learners and for its statistics, and what the network looks like, in words.

    As root, the two sockets are opened in this machine's network, and then this process moves to a network of
    its own (only loopback), where every process of the topology starts: Ray's servers, which bind every
    interface, reach nothing outside it. Without root both are None and everything runs in this machine's network.
    """
    family = socket.AF_INET6 if ":" in bind else socket.AF_INET
    door = socket.create_server((bind, port), family=family)
    stats_door = socket.create_server(("127.0.0.1", 0))
    try:
        enter_private_network()
    except OSError as problem:
        door.close()
        stats_door.close()
        return None, None, (f"NOTICE: {problem.strerror}; the topology runs in this machine's network, where Ray "
                            "2.60's GCS server and raylets listen on every interface (they ask for the deployment's "
                            "token). Run as root to keep them in a network of their own (deploy/README.md).")
    return door, stats_door, (f"Only HAProxy listens in this machine's network ({bind}:{port}, and its statistics on "
                              "loopback); Ray, PostgreSQL and the replicas run in a network of their own.")


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    """Start the topology, print its addresses, and keep it up until Ctrl-C (or SIGTERM); return None."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--port", type=int, default=8500, help="HAProxy's port, the address learners open")
    parser.add_argument("--worker-nodes", type=int, default=1)
    parser.add_argument("--cpus-per-node", type=int, default=1)
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--log-dir", type=Path, default=None)
    parser.add_argument("--lifetime", type=float, default=None, help="every process ends itself after this many s")
    parser.add_argument("--certificate", type=Path, default=None,
                        help="HAProxy's PEM file: the certificate followed by its private key; without it a "
                             "self-signed one is made for this run")
    args = parser.parse_args(argv)
    for signum in (signal.SIGINT, signal.SIGTERM):  # SIGINT too: a shell starts background jobs with it ignored
        signal.signal(signum, _interrupt)
    door, stats_door, network_note = learners_doors(args.bind, args.port)
    cluster = Cluster(args.replicas, args.port, args.worker_nodes, args.cpus_per_node, args.bind, args.lifetime,
                      log_dir=args.log_dir, certificate=args.certificate, door=door, stats_door=stats_door)
    try:
        cluster.start()
        print(network_note)
        if args.certificate is None:
            print(f"NOTICE: no --certificate given, so a self-signed one was made for this run "
                  f"({cluster.certificate}).\nBrowsers will warn once that it is not trusted; give a school's "
                  "certificate with --certificate (deploy/README.md, 'A real certificate').")
        stats_port = stats_door.getsockname()[1] if stats_door else cluster.stats_port
        print(f"LSTM Lens on {cluster.url} ({args.replicas} replicas); HAProxy's statistics on "
              f"http://127.0.0.1:{stats_port}/stats")
        print(f"Ray at {cluster.ray_address}; database {hidden_password(cluster.database_url)}; "
              f"logs in {cluster.log_dir}")
        print(cluster.procfile(), flush=True)
        reported: set[str] = set()
        while True:
            ended = [piece for piece in cluster.pieces if not piece.alive() and piece.name not in reported]
            for piece in ended:
                print(f"{piece.name} ended (code {piece.process.returncode}):\n{piece.tail()}", flush=True)
                reported.add(piece.name)
            # HAProxy sends learners around a lost replica; without the proxy, Ray or the database nothing works.
            if any(piece.name in ESSENTIAL for piece in ended):
                break
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):  # a second Ctrl-C must not cut the stop short
            signal.signal(signum, signal.SIG_IGN)
        print("stopping ...", flush=True)
        cluster.stop()
        for opened in (door, stats_door):
            if opened is not None:
                opened.close()


if __name__ == "__main__":
    main()
