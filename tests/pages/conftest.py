"""Page tests draw real results without worker processes: the app trains on a RecordedPool unless marked real_pool."""

import pytest

from lstm_core.store.runs import DATA_DIR_ENV, DATABASE_URL_ENV
from lstm_core.ui import state
from tests.pages.recorded_pool import RecordedPool


@pytest.fixture(scope="session")
def recorded_pool() -> RecordedPool:
    """Return the session's RecordedPool: each distinct run is trained once for every page test."""
    return RecordedPool()


@pytest.fixture(autouse=True)
def a_run_store_of_its_own(tmp_path, monkeypatch):
    """Give every page test an empty SQLite run store of its own, so no test opens another's stored run."""
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "store"))
    return tmp_path / "store"


@pytest.fixture(autouse=True)
def pages_train_on_the_recorded_pool(request, recorded_pool, monkeypatch):
    """Serve the app's training from the RecordedPool, except for tests marked real_pool."""
    if request.node.get_closest_marker("real_pool"):
        yield None
        return
    recorded_pool.hold = False
    monkeypatch.setattr(state, "get_pool", lambda: recorded_pool)
    yield recorded_pool
    recorded_pool.release()
