"""Warm training pools shared by the training tests of the session, on both backends.

Each start loads TensorFlow in every worker. The job tests take ``pool`` or ``single_pool`` and so run
once on the local process pool and once on a real Ray cluster started for the session: one head node
with a fixed, small resource set, started as the school topology starts its head (deploy/launch.py).
Ray 2.60's raylet binds every interface whatever address it is given, so that cluster, this test process
(its driver) and what it starts live in a network of their own that holds only loopback, as the topology does.
"""

import pytest

from deploy.launch import private_network, ray_head
from tests.training.helpers import BACKENDS, warm_pool

RAY_TEST_CPUS = 4  # the two shared pools' three trainers, and room for one test's replacement
HEAD_LIFETIME_SECONDS = 1800  # a head the tests failed to stop ends itself


@pytest.fixture(scope="session")
def ray_address():
    with private_network(), ray_head(RAY_TEST_CPUS, lifetime=HEAD_LIFETIME_SECONDS) as address:
        yield address


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture(scope="session")
def pool(backend, request):
    address = request.getfixturevalue("ray_address") if backend == "ray" else None
    yield from warm_pool(2, backend, address)


@pytest.fixture(scope="session")
def single_pool(backend, request):
    address = request.getfixturevalue("ray_address") if backend == "ray" else None
    yield from warm_pool(1, backend, address)
