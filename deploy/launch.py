"""Starting what LSTM Lens runs on, on this machine: the app server, a throwaway PostgreSQL, a Ray head.

The tests, the benchmarks and deploy/cluster.py start their processes with these helpers, so the server a
browser test drives is the one `make run` serves, and the database and the Ray head the tests use are the
ones a school runs. Everything listens on 127.0.0.1 unless told otherwise and runs in a process group of
its own, so a stop ends it with everything it started; a lifetime wraps a command in `timeout`, so a
process that a killed test run left behind still ends.
"""

from __future__ import annotations

import atexit
import ctypes
import fcntl
import glob
import os
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from lstm_core.store.runs import DATA_DIR_ENV, DATABASE_URL_ENV

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"  # what the browser tests and benchmarks saw (git ignores it)
# Debian's Chromium, driven by Playwright; Playwright's own browser download is not used.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
SERVE_MODULE = ("-m", "lstm_core.ui.serve")  # what `make run` runs after the interpreter
START_LIMIT_SECONDS = 60.0
PR_SET_PDEATHSIG = 1


# --- ports, addresses and processes ----------------------------------------------------------------

def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port on host that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def listening(port: int, host: str = "127.0.0.1") -> bool:
    """Return True if something accepts connections on host:port."""
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex((host, port)) == 0


def http_status(url: str, timeout: float = 2, headers: dict[str, str] | None = None) -> int | None:
    """Return the HTTP status url answers with, or None when nothing answers."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=timeout) as answer:
            status: int = answer.status
            return status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def wait_until(ready: Callable[[], bool], process: subprocess.Popen, what: str,
               limit: float = START_LIMIT_SECONDS) -> None:
    """Return once ready() holds; raise, naming what, if process ends first or limit seconds pass."""
    deadline = time.monotonic() + limit
    while not ready():
        if process.poll() is not None:
            raise RuntimeError(f"{what} ended with code {process.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} was not ready within {limit:g} s")
        time.sleep(0.2)


def wait_until_serving(url: str, process: subprocess.Popen, limit: float = START_LIMIT_SECONDS) -> None:
    """Return once the app at url answers its health check with 200; raise if its server dies or stays silent."""
    wait_until(lambda: http_status(url + "/_stcore/health") == 200, process, f"the app server at {url}", limit)


def timed(command: list[str], lifetime: float | None) -> list[str]:
    """Return command wrapped in `timeout`, so it ends itself after lifetime seconds; unchanged if lifetime is None."""
    return ["timeout", str(int(lifetime)), *command] if lifetime else command


def descendants(pid: int) -> set[int]:
    """Return the ids of every living process below pid (children, their children, ...)."""
    parents: dict[int, list[int]] = {}
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            text = Path(stat).read_text()
        except OSError:
            continue
        fields = text.rsplit(")", 1)[1].split()
        parents.setdefault(int(fields[1]), []).append(int(stat.split("/")[2]))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    """Return True if process pid exists and is not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def stop_tree(process: subprocess.Popen, first: int = signal.SIGTERM, grace: float = 8) -> None:
    """End process's group and every process below it: first, then SIGKILL after grace seconds; return None."""
    # Ray's workers run in process groups of their own, under the raylet: the tree, not the group, holds them.
    tree = descendants(process.pid) | {process.pid}
    try:
        os.killpg(process.pid, first)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(alive(pid) for pid in tree):
        tree |= {child for pid in list(tree) for child in descendants(pid)}
        time.sleep(0.2)
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    for pid in tree:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if process.poll() is None:
        process.wait(10)


def _die_with_parent() -> None:
    # If the process that started this one is killed outright, the kernel still ends this one.
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


# --- the app server ------------------------------------------------------------------------------

class AppServer(NamedTuple):
    """A running app server: the address a browser opens and the id of the process (and group) started."""

    url: str
    pid: int


def app_command(port: int, bind: str = "127.0.0.1", *options: str,
                python_args: Sequence[str] = SERVE_MODULE) -> list[str]:
    """Return the command that serves the app on bind:port as `make run` does, headless, with options after."""
    return [sys.executable, *python_args, "--server.address", bind, "--server.port", str(port),
            "--server.headless", "true", "--browser.gatherUsageStats", "false", *options]


@contextmanager
def app_server(log_path: Path, *, data_dir: Path | None = None, app_root: Path = ROOT,
               lifetime: float | None = None, python_args: Sequence[str] = SERVE_MODULE,
               die_with_parent: bool = False, settings: Mapping[str, str] | None = None) -> Iterator[AppServer]:
    """Yield the app served as `make run` serves it, on a free loopback port; stop it and its workers afterwards.

    Its runs are kept in data_dir, by default a fresh directory of its own (removed afterwards); a database
    URL in the environment is not passed on. app_root is the checkout served (another commit's, for a
    benchmark), python_args what the interpreter runs, settings the LSTM_LENS_* variables it is started with
    beyond this process's, and its output goes to log_path.
    """
    port = free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lstm-lens-app-", ignore_cleanup_errors=True) as fresh_dir, \
            open(log_path, "w") as log:
        env = {**os.environ, **(settings or {}), DATA_DIR_ENV: str(data_dir or fresh_dir)}
        env.pop(DATABASE_URL_ENV, None)
        process = subprocess.Popen(timed(app_command(port, python_args=python_args), lifetime), cwd=app_root,
                                   stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                   start_new_session=True, preexec_fn=_die_with_parent if die_with_parent else None)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_serving(url, process)
            yield AppServer(url, process.pid)
        finally:
            # The whole process group: the server and the training workers it spawned.
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=15)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=15)


# --- A network of its own -----------------------------------------------------------------------

CLONE_NEWNET = 0x40000000
SIOCSIFFLAGS = 0x8914
IFF_UP, IFF_LOOPBACK, IFF_RUNNING = 0x1, 0x8, 0x40


def network_namespace(pid: int | str = "thread-self") -> str:
    """Return the id of the network namespace of pid (this thread by default), e.g. 'net:[4026532174]'."""
    return os.readlink(f"/proc/{pid}/ns/net")


def enter_private_network() -> str:
    """Return the id of a new network namespace, only its loopback up, that this thread (and what it starts) enters.

    Ray 2.60's GCS server and raylets bind every interface whatever address they are given (ray-project/ray
    pull requests 55484, 55431 and 59852 move them to the node's address in later releases): in a network
    that holds only loopback, that reaches nothing. Needs root; raises OSError otherwise.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"cannot make a network namespace: {os.strerror(error)} (it needs root)")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        fcntl.ioctl(probe, SIOCSIFFLAGS, struct.pack("16sh22x", b"lo", IFF_UP | IFF_LOOPBACK | IFF_RUNNING))
    return network_namespace()


@contextmanager
def _returning_to_this_network() -> Iterator[None]:
    """Run the block, which may move this thread to another network; bring the thread back to its own after."""
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    try:
        yield
    finally:
        try:
            if ctypes.CDLL(None, use_errno=True).setns(home, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "cannot return to this thread's network namespace")
        finally:
            os.close(home)


@contextmanager
def private_network() -> Iterator[str]:
    """Yield the id of a private network (enter_private_network) this thread lives in; return to its own after."""
    with _returning_to_this_network():
        yield enter_private_network()


# The network this process began in, held open so that a thread living in a private network can come back to it.
_FIRST_NETWORK = os.open("/proc/self/ns/net", os.O_RDONLY)


def first_network() -> str:
    """Return the id of the network this process began in (the machine's, for a test process)."""
    return os.readlink(f"/proc/self/fd/{_FIRST_NETWORK}")


@contextmanager
def machine_network() -> Iterator[str]:
    """Yield the id of the network this process began in, which this thread enters; return to its own after.

    For what must be reached as another machine would reach it, from a thread that may live in a private network.
    """
    with _returning_to_this_network():
        if ctypes.CDLL(None, use_errno=True).setns(_FIRST_NETWORK, CLONE_NEWNET) != 0:
            error = ctypes.get_errno()
            raise OSError(error, f"cannot enter the machine's network: {os.strerror(error)} (it needs root)")
        yield network_namespace()


# --- PostgreSQL ----------------------------------------------------------------------------------

def postgres_bin() -> Path:
    """Return the newest installed PostgreSQL's bin directory (Debian's layout)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise RuntimeError("Debian's postgresql is not installed (apt-get install postgresql; `make test` and "
                           "`make cluster` do)")
    return Path(found[-1]).parent


def as_postgres(command: list[str]) -> list[str]:
    """Return command run as the postgres user when we are root (PostgreSQL refuses to run as root)."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class PostgresServer(NamedTuple):
    """A PostgreSQL cluster made by init_postgres: its data and socket directories and its superuser's password."""

    data: Path
    sockets: Path
    password: str


def init_postgres(root: Path) -> PostgresServer:
    """Return a new PostgreSQL cluster in root whose superuser needs a password on TCP (peer on its own socket).

    The password is new for each cluster; it is handed to initdb in a file only PostgreSQL's user reads,
    removed at once, and never appears in a command line.
    """
    data, sockets = root / "data", root / "sockets"
    sockets.mkdir(parents=True)
    password = secrets.token_urlsafe(24)
    password_file = root / "password"
    descriptor = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(password)
    if os.geteuid() == 0:
        for path in (root, sockets, password_file):
            shutil.chown(path, "postgres")
    try:
        subprocess.run(as_postgres([str(postgres_bin() / "initdb"), "-D", str(data), "-U", "postgres",
                                    "--auth-local=peer", "--auth-host=scram-sha-256", f"--pwfile={password_file}",
                                    "--no-sync", "-E", "UTF8"]), check=True, capture_output=True)
    finally:
        password_file.unlink()
    return PostgresServer(data, sockets, password)


def postgres_command(server: PostgresServer, port: int, settings: dict[str, str] | None = None,
                     lifetime: float | None = None) -> list[str]:
    """Return the command that serves server on 127.0.0.1:port only, with settings as `-c name=value`."""
    options = [arg for name, value in (settings or {}).items() for arg in ("-c", f"{name}={value}")]
    # `timeout` outside runuser: it leads the process group, so a stop reaches the postmaster too.
    return timed(as_postgres([str(postgres_bin() / "postgres"), "-D", str(server.data), "-p", str(port),
                              "-k", str(server.sockets), "-c", "listen_addresses=127.0.0.1", *options]), lifetime)


def postgres_ready(port: int) -> bool:
    """Return True once the PostgreSQL on 127.0.0.1:port accepts connections."""
    return subprocess.run([str(postgres_bin() / "pg_isready"), "-h", "127.0.0.1", "-U", "postgres", "-p", str(port)],
                          capture_output=True).returncode == 0


def create_database(server: PostgresServer, port: int, name: str) -> str:
    """Create database name on server, serving on 127.0.0.1:port; return its SQLAlchemy URL, password included.

    The URL travels in the environment (LSTM_LENS_DATABASE_URL), never in a command line; print it with
    hidden_password.
    """
    subprocess.run([str(postgres_bin() / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", name],
                   check=True, capture_output=True, env={**os.environ, "PGPASSWORD": server.password})
    return f"postgresql+psycopg://postgres:{server.password}@127.0.0.1:{port}/{name}"


def hidden_password(url: str) -> str:
    """Return url with its password, if any, written as ***: the form a log or a screen may show."""
    scheme, separator, rest = url.partition("://")
    credentials, at, place = rest.rpartition("@")
    if not separator or not at or ":" not in credentials:
        return url
    return f"{scheme}://{credentials.split(':', 1)[0]}:***@{place}"


def stop_postgres(process: subprocess.Popen) -> None:
    """End a PostgreSQL started from postgres_command with a fast shutdown (SIGTERM would wait for its clients)."""
    stop_tree(process, signal.SIGINT, grace=30)


@contextmanager
def throwaway_postgres(settings: dict[str, str] | None = None, lifetime: float | None = None,
                       database: str = "lens") -> Iterator[str]:
    """Yield the URL (with its password) of a fresh database on a new loopback PostgreSQL; remove it all after.

    settings are PostgreSQL's own (`{"fsync": "off"}` trades durability for the tests' speed). Raises
    RuntimeError when PostgreSQL is not installed or does not start.
    """
    postgres_bin()
    port = free_port()
    root = Path(tempfile.mkdtemp(prefix="lstm-lens-pg-"))
    server = None
    try:
        cluster = init_postgres(root)
        server = subprocess.Popen(postgres_command(cluster, port, settings, lifetime), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, start_new_session=True)
        wait_until(lambda: postgres_ready(port), server, "the throwaway PostgreSQL cluster")
        yield create_database(cluster, port, database)
    finally:
        if server is not None:
            stop_postgres(server)
        shutil.rmtree(root, ignore_errors=True)


# --- Ray -----------------------------------------------------------------------------------------

def ray_command(node: str, head_address: str | None, gcs_port: int, cpus: int, temp_dir: str) -> list[str]:
    """Return `ray start --block` for the head (head_address None) or a worker node, every port fixed on loopback."""
    ports = {name: free_port() for name in ("node-manager-port", "object-manager-port", "dashboard-agent-listen-port",
                                            "dashboard-agent-grpc-port", "metrics-export-port",
                                            "runtime-env-agent-port")}
    command = [str(Path(sys.executable).with_name("ray")), "start", "--block", f"--node-ip-address={node}",
               f"--num-cpus={cpus}", "--num-gpus=0", "--disable-usage-stats", "--object-store-memory=200000000",
               *(f"--{name}={port}" for name, port in ports.items())]
    if head_address is None:
        return command + ["--head", f"--port={gcs_port}", "--include-dashboard=false",
                          f"--ray-client-server-port={free_port()}", f"--temp-dir={temp_dir}"]
    return command + [f"--address={head_address}"]


def new_ray_token(directory: Path) -> Path:
    """Return the path of a new Ray token in directory, a file only its owner can read (mode 0600).

    Ray 2.60 starts `ray start` clusters without authentication: with a token, every node, replica and
    driver must hold it to reach the cluster. It is handed over by path, never in a command line or a URL.
    """
    path = directory / "ray_auth_token"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as token:
        token.write(secrets.token_hex(32))
    return path


def ray_auth_env(token_path: Path) -> dict[str, str]:
    """Return the environment that makes a Ray node, or a driver joining one, use the token at token_path."""
    return {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(token_path)}


def hold_ray_token() -> Path:
    """Return the path of this process's Ray token, made once (in a 0700 directory gone at exit) and held in its env.

    Ray reads its authentication settings when it is imported, so a driver must hold the token before that:
    a test session calls this at its start, and every Ray head it starts asks for the same token.
    """
    held = os.environ.get("RAY_AUTH_TOKEN_PATH")
    if os.environ.get("RAY_AUTH_MODE") == "token" and held and Path(held).is_file():
        return Path(held)
    if "ray" in sys.modules:
        raise RuntimeError("Ray was imported before the token was held: it would join no cluster that asks for it")
    directory = Path(tempfile.mkdtemp(prefix="raytoken"))
    atexit.register(shutil.rmtree, directory, True)
    path = new_ray_token(directory)
    os.environ.update(ray_auth_env(path))
    return path


@contextmanager
def ray_head(num_cpus: int, lifetime: float | None = None, limit: float = 90) -> Iterator[str]:
    """Yield the address of a fresh single-node Ray cluster with num_cpus CPUs on loopback; stop all of it after.

    The cluster asks for this process's token (hold_ray_token), which this process, a driver, and the processes
    it starts hold in their environment, as the school topology's replicas hold their deployment's.
    """
    port = free_port()
    temp_dir = tempfile.mkdtemp(prefix="ray", dir="/tmp")  # short: Ray's socket paths have a length limit
    auth = ray_auth_env(hold_ray_token())
    with open(Path(temp_dir) / "head.log", "w") as log:
        process = subprocess.Popen(timed(ray_command("127.0.0.1", None, port, num_cpus, temp_dir), lifetime),
                                   stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True, env={**os.environ, **auth})
        try:
            wait_until(lambda: listening(port), process, f"the Ray head on port {port}", limit)
            yield f"127.0.0.1:{port}"
        finally:
            ray = sys.modules.get("ray")
            if ray is not None and ray.is_initialized():
                ray.shutdown()  # before the head goes: a driver left connected ends its process when the GCS does
            stop_tree(process)
            shutil.rmtree(temp_dir, ignore_errors=True)
