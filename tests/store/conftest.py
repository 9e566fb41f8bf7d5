"""Every store test runs on SQLite and on a real PostgreSQL: a throwaway cluster on 127.0.0.1, started here.

The cluster is Debian's PostgreSQL (installed by `make test`), started by deploy/launch.py as the
benchmarks and the school topology start theirs, with fsync off for speed; it stops when the session
ends, and `timeout` ends it even if the test run is killed.
"""

from __future__ import annotations

import os
import time

import pytest

from deploy.launch import postgres_bin, throwaway_postgres
from lstm_core.store.runs import RunStore, StoreLimits

CLUSTER_LIFETIME_SECONDS = 1800


@pytest.fixture(scope="session")
def postgres_url():
    """Yield the URL of a fresh database on a throwaway PostgreSQL cluster; stop the cluster afterwards."""
    try:
        postgres_bin()
    except RuntimeError:
        pytest.fail("Debian's postgresql is not installed: `make test` installs it (apt-get install postgresql)")
    with throwaway_postgres({"fsync": "off"}, lifetime=CLUSTER_LIFETIME_SECONDS) as url:
        yield url


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
