"""Page tests draw real results without worker processes: the app trains on a RecordedPool unless marked real_pool."""

import pytest

from lstm_core.ui import state
from tests.pages.recorded_pool import RecordedPool


@pytest.fixture(scope="session")
def recorded_pool() -> RecordedPool:
    """Return the session's RecordedPool: each distinct run is trained once for every page test."""
    return RecordedPool()


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
