from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.utils import translation
from rest_framework.test import APIClient

from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    # A request in Chinese leaves its language active in the thread: the next test would
    # run in Chinese.
    translation.deactivate()
    yield
    translation.deactivate()


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
