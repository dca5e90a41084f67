from __future__ import annotations

from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

import pytest
from allauth.account.models import EmailConfirmationHMAC
from django.core.cache import cache
from django.db import models
from django.db.models.manager import BaseManager
from django.test.client import AsyncClientHandler, ClientHandler
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


# Set while the test client serves a request, in that request's thread or task only: the
# concurrency tests send requests from several threads at once.
_in_client_request: ContextVar[bool] = ContextVar("in_client_request", default=False)


@pytest.fixture(autouse=True)
def _no_lazy_loads_in_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    """A request made with the test client loads what it renders up front: reading a
    related object or a deferred field that was not fetched raises FieldFetchBlocked, so
    an N+1 query cannot come back unnoticed. Factories and setup code outside the request
    keep Django's default fetch mode.

    Django has no setting for a default fetch mode, only QuerySet.fetch_mode(). Every
    manager's QuerySet starts from Manager.get_queryset(), and instances and their related
    objects take the mode of the QuerySet that loaded them; so get_queryset() applies the
    mode while a request runs. (Patching django.db.models.query.DEFAULT_FETCH_MODE, a
    private module global, would also switch it for every other thread.)"""
    get_queryset = BaseManager.get_queryset

    def get_queryset_in_request(self: BaseManager[Any]) -> models.QuerySet[Any]:
        queryset = get_queryset(self)
        return queryset.fetch_mode(models.FETCH_RAISE) if _in_client_request.get() else queryset

    sync_call = ClientHandler.__call__
    async_call = AsyncClientHandler.__call__

    def call_in_request(self: ClientHandler, environ: dict[str, Any]) -> Any:
        token = _in_client_request.set(True)
        # DRF's force_authenticate() hands the view the test's own user object, not one
        # the request loads: it raises too while the request runs.
        forced = getattr(self, "_force_user", None)
        if forced is not None:
            forced._state.fetch_mode = models.FETCH_RAISE
        try:
            return sync_call(self, environ)
        finally:
            _in_client_request.reset(token)
            if forced is not None:
                forced._state.fetch_mode = models.FETCH_ONE  # as outside every request

    async def async_call_in_request(self: AsyncClientHandler, scope: dict[str, Any]) -> Any:
        token = _in_client_request.set(True)
        try:
            return await async_call(self, scope)
        finally:
            _in_client_request.reset(token)

    # allauth's confirmation page loads the address named by the link's key and reads its
    # owner (ConfirmEmailView.get_ajax_data, on every GET): one row, in allauth's own code,
    # fed by no queryset of ours. That one address keeps Django's default mode.
    from_key = EmailConfirmationHMAC.__dict__["from_key"].__func__

    def from_key_fetching_its_owner(
        cls: type[EmailConfirmationHMAC], key: str
    ) -> EmailConfirmationHMAC | None:
        confirmation = from_key(cls, key)
        if confirmation is not None:
            confirmation.email_address._state.fetch_mode = models.FETCH_ONE
        return confirmation

    monkeypatch.setattr(BaseManager, "get_queryset", get_queryset_in_request)
    monkeypatch.setattr(EmailConfirmationHMAC, "from_key", classmethod(from_key_fetching_its_owner))
    monkeypatch.setattr(ClientHandler, "__call__", call_in_request)
    monkeypatch.setattr(AsyncClientHandler, "__call__", async_call_in_request)


@pytest.fixture
def member(db):
    return UserFactory()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()
