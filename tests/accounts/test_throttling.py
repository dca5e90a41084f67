from __future__ import annotations

import time as clock

import pytest

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TOO_MANY = "Too many failed login attempts"


class ClockAhead:
    """time for allauth's rate limiter, moved forward by some seconds."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def time(self) -> float:
        return clock.time() + self.seconds

    monotonic = staticmethod(clock.monotonic)
    sleep = staticmethod(clock.sleep)


def fail_login(client, login: str, *, ip: str = "10.0.0.1"):
    return client.post(
        "/accounts/login/", {"login": login, "password": "wrong-password-123"}, REMOTE_ADDR=ip
    )


def test_five_failures_block_the_account_then_it_unlocks_after_five_minutes(client, monkeypatch):
    user = UserFactory(username="erin")
    for n in range(5):
        # From different addresses, so only the per-account limit is in play.
        assert TOO_MANY not in fail_login(client, "erin", ip=f"10.0.1.{n}").content.decode()

    blocked = client.post(
        "/accounts/login/", {"login": "erin", "password": PASSWORD}, REMOTE_ADDR="10.0.2.1"
    )
    assert TOO_MANY in blocked.content.decode()
    assert "_auth_user_id" not in client.session

    monkeypatch.setattr("allauth.core.internal.ratelimit.time", ClockAhead(301))
    response = client.post(
        "/accounts/login/", {"login": "erin", "password": PASSWORD}, REMOTE_ADDR="10.0.2.1"
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_one_address_guessing_many_accounts_is_blocked(client):
    for n in range(10):
        UserFactory(username=f"target{n}")
        fail_login(client, f"target{n}", ip="10.9.9.9")

    response = fail_login(client, "target0-other", ip="10.9.9.9")

    assert TOO_MANY in response.content.decode()


def test_token_endpoint_shares_the_failed_login_limit(api_client):
    UserFactory(username="frank")
    for n in range(5):
        response = api_client.post(
            "/api/v1/auth/token/",
            {"username": "frank", "password": "wrong-password-123"},
            REMOTE_ADDR=f"10.0.3.{n}",
        )
        assert response.status_code == 401

    response = api_client.post(
        "/api/v1/auth/token/", {"username": "frank", "password": PASSWORD}, REMOTE_ADDR="10.0.4.1"
    )

    assert response.status_code == 429
    assert "Too many" in response.json()["detail"]
