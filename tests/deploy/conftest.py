"""The deploy tests run only against a deployed stack (deploy/ci.sh sets TINCOSO_DEPLOY_URL and
the rest, tests/deploy/stack.py); without one they are skipped, so `make test` is unaffected."""

import pytest

from tests.deploy.stack import Stack


@pytest.fixture(scope="session")
def stack():
    found = Stack.from_environment()
    if found is None:
        pytest.skip("TINCOSO_DEPLOY_URL is not set: these tests need a deployed stack (deploy/ci.sh up)")
    return found
