"""Page tests draw real results without worker processes: the app trains on a RecordedPool unless marked real_pool."""

import pytest

from lstm_core.store.runs import DATA_DIR_ENV, DATABASE_URL_ENV
from lstm_core.training.pool import TrainingPool
from lstm_core.training.worker import WorkerSettings
from lstm_core.ui import training_session
from tests.pages.recorded_pool import RecordedPool


@pytest.fixture(scope="session")
def recorded_pool() -> RecordedPool:
    """Return the session's RecordedPool: each distinct run is trained once for every page test."""
    return RecordedPool()


@pytest.fixture(scope="session")
def real_pool():
    """Yield a TrainingPool of one worker process for the session's real_pool tests; shut it down after them.

    One worker and no warm-up: the tests' trainings are small and take turns, and it is ready in one import.
    """
    pool = TrainingPool(max_workers=1, settings=WorkerSettings(intra_op_threads=1, inter_op_threads=1))
    assert pool.wait_ready(180), "the worker did not load TensorFlow in time"
    yield pool
    pool.shutdown()


@pytest.fixture(autouse=True)
def a_run_store_of_its_own(tmp_path, monkeypatch):
    """Give every page test an empty SQLite run store of its own, so no test opens another's stored run."""
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "store"))
    return tmp_path / "store"


@pytest.fixture(autouse=True)
def pages_train_on_the_recorded_pool(request, recorded_pool, monkeypatch):
    """Serve the app's training from the RecordedPool; for tests marked real_pool, from the real pool's workers.

    The app's pool is a process-wide st.cache_resource that AppTest keeps from one test to the next: it is
    emptied before and after each test, so every test's app asks for the pool this fixture chose.
    """
    training_session.training_pool.clear()
    if request.node.get_closest_marker("real_pool"):
        pool = request.getfixturevalue("real_pool")
        monkeypatch.setattr(training_session, "get_pool", lambda: pool)
        yield pool
    else:
        recorded_pool.hold = False
        monkeypatch.setattr(training_session, "get_pool", lambda: recorded_pool)
        yield recorded_pool
        recorded_pool.release()
    training_session.training_pool.clear()
