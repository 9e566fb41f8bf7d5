"""Shared test settings: quiet TensorFlow, deterministic hypothesis runs, xdist groups of tests that share fixtures."""

import functools
import gc
import os
import re

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

from deploy.launch import hold_ray_token  # noqa: E402

hold_ray_token()  # before any test module imports Ray, which reads its authentication settings on import

settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True)
settings.load_profile("ci")

SHARED_FIXTURE_PARTS = ("pages", "e2e", "store")  # they share recorded runs, a browser and app, a PostgreSQL
OWN_SERVER_MODULES = {"tests/cluster/test_topology.py": "cluster", "tests/cluster/test_make_cluster.py": "cluster",
                      "tests/ui/test_classroom.py": "classroom"}
POOL_BACKEND = re.compile(r"\[(local|ray)[\]-]")  # the id of a test on tests/training/conftest.py's warm pools


def xdist_group_of(nodeid: str) -> str:
    """Return the group of tests that share session or module fixtures nodeid belongs to: a part, or its module.

    A part that shares fixtures runs on one worker; the training tests on a warm pool share it with the tests
    of its backend only (the Ray ones with those on the session's Ray head); any other module runs whole on one
    worker, so its module fixtures (a trained model, the scripts run by plain Keras) are made once.
    """
    path, _, name = nodeid.partition("::")
    parts = path.split("/")
    part = parts[1] if len(parts) > 2 and parts[0] == "tests" else None
    if part in SHARED_FIXTURE_PARTS:
        return part
    if path in OWN_SERVER_MODULES:
        return OWN_SERVER_MODULES[path]
    if part == "training":
        if path.endswith("/test_ray_cluster.py"):
            return "training-ray"
        if found := POOL_BACKEND.search(name):
            return f"training-{found.group(1)}"
    return path


def pytest_xdist_make_scheduler(config, log):
    """With --dist loadgroup, send each group of xdist_group_of to one worker, biggest groups first.

    xdist's own loadgroup reads xdist_group markers into node ids, which pytest 9's node ids no longer take:
    the groups are named here from the node ids instead.
    """
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SharedFixtureScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return xdist_group_of(nodeid)

    return SharedFixtureScheduling(config, log)


@pytest.fixture(autouse=True, scope="module")
def long_lived_objects_out_of_the_collectors_way():
    """Move what earlier modules left alive (TensorFlow's millions of objects, once loaded) out of the GC's scans.

    With TensorFlow imported into a test process, every full collection walks its objects: a page test that
    builds Plotly figures ran six times slower. The app's server never loads TensorFlow; the tests do.
    """
    gc.collect()
    gc.freeze()
    yield


@pytest.fixture(autouse=True, scope="session")
def apptest_runs_as_the_served_app_runs():
    """Run AppTest's scripts with the cost the served app has, not the test process's: two of Streamlit's steps.

    After each run Streamlit clears Keras's session when Keras is loaded: the server never loads it
    (tests/test_imports.py), the test process does (the recorded pool trains in it), and there the clearing took a
    fifth of a page test's CPU. Each AppTest also scans every installed package for components, which the server
    does once at its start: the scan is done once here too. If Streamlit renames either step, this fails loudly.
    """
    from streamlit.components.v2 import manifest_scanner
    from streamlit.runtime.scriptrunner import script_runner

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(script_runner, "_clean_problem_modules", lambda: None)
        patch.setattr(manifest_scanner, "scan_component_manifests",
                      functools.cache(manifest_scanner.scan_component_manifests))
        yield
