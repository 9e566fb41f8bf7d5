"""Shared test settings: quiet TensorFlow, deterministic hypothesis runs, xdist groups by part of the suite."""

import gc
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True)
settings.load_profile("ci")

TESTS = Path(__file__).resolve().parent
SHARED_FIXTURE_PARTS = ("training", "pages", "e2e", "store")  # they share a warm pool, recorded runs, a cluster


def pytest_collection_modifyitems(config, items):
    """Keep the tests of a part that shares session fixtures on one xdist worker (with --dist loadgroup)."""
    for item in items:
        part = Path(item.fspath).resolve().relative_to(TESTS).parts[0]
        if part in SHARED_FIXTURE_PARTS:
            item.add_marker(pytest.mark.xdist_group(part))


@pytest.fixture(autouse=True, scope="module")
def long_lived_objects_out_of_the_collectors_way():
    """Move what earlier modules left alive (TensorFlow's millions of objects, once loaded) out of the GC's scans.

    With TensorFlow imported into a test process, every full collection walks its objects: a page test that
    builds Plotly figures ran six times slower. The app's server never loads TensorFlow; the tests do.
    """
    gc.collect()
    gc.freeze()
    yield
