"""Warm training pools shared by the training tests of the session: each start loads TensorFlow in every worker."""

import pytest

from tests.training.helpers import warm_pool


@pytest.fixture(scope="session")
def pool():
    yield from warm_pool(2)


@pytest.fixture(scope="session")
def single_pool():
    yield from warm_pool(1)
