from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    # The cache is the test Redis: rate-limit counters must not leak between tests.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def member(db):
    return UserFactory()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()
