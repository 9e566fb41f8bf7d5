"""Every store test runs on SQLite and on a real PostgreSQL: a throwaway cluster on 127.0.0.1, started here.

The cluster is Debian's PostgreSQL (installed by `make test`), run as the postgres user when the tests run
as root, in a temporary directory on a free port; it stops when the session ends, and `timeout` ends it
even if the test run is killed.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from lstm_core.store.runs import RunStore, StoreLimits

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "deploy"))
from cluster import as_postgres, free_port, postgres_bin  # noqa: E402

CLUSTER_LIFETIME_SECONDS = 1800


def _postgres_bin() -> Path:
    """Return the newest installed PostgreSQL's bin directory; fail the run, in words, when there is none."""
    try:
        return postgres_bin()
    except RuntimeError:
        pytest.fail("Debian's postgresql is not installed: `make test` installs it (apt-get install postgresql)")


@pytest.fixture(scope="session")
def postgres_url():
    """Yield the URL of a fresh database on a throwaway PostgreSQL cluster; stop the cluster afterwards."""
    bin_dir, port = _postgres_bin(), free_port()
    root = Path(tempfile.mkdtemp(prefix="lstm-lens-pg-"))
    data, sockets = root / "data", root / "sockets"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sockets, "postgres")
    subprocess.run(as_postgres([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                                 "--no-sync", "-E", "UTF8"]), check=True, capture_output=True)
    server = subprocess.Popen(as_postgres(["timeout", str(CLUSTER_LIFETIME_SECONDS), str(bin_dir / "postgres"),
                                            "-D", str(data), "-p", str(port), "-k", str(sockets),
                                            "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while subprocess.run([str(bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port)],
                             capture_output=True).returncode != 0:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the throwaway PostgreSQL cluster did not start")
            time.sleep(0.2)
        subprocess.run([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "lens"],
                       check=True, capture_output=True)
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/lens"
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # runuser, timeout and the postmaster: the whole group
        server.wait(30)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """Return a database URL for one store test: a new SQLite file, or a new schema-less PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'runs.sqlite3'}"
    base = request.getfixturevalue("postgres_url")
    import sqlalchemy as sa

    name = f"t{os.getpid()}_{time.monotonic_ns()}"
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture
def store(store_url):
    """Yield a RunStore with the default limits on the test's database, closed afterwards."""
    opened = RunStore(store_url, limits=StoreLimits())
    yield opened
    opened.close()
