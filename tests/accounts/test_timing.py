"""Sign-up and sign-in take as long for an existing account as for an unknown one.

Two kinds of test. The first counts Argon2 runs, the one step that costs a lot, so it
does not depend on how busy the machine is: every failed sign-in and every sign-up hashes
a password exactly once. The second measures what an outsider would: the median time of
interleaved requests naming existing and unknown accounts, against the real database
and the real Argon2 settings. Each request comes from its own address and names its own
account, so the login and sign-up rate limits never apply.
"""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

WRONG_PASSWORD = "wrong-password-123"
NEW_PASSWORD = "a-long-enough-passphrase"
ROUNDS = 11
TOO_MANY = "Too many"
_addresses = (f"10.77.{n // 250}.{n % 250 + 1}" for n in itertools.count())


def address() -> str:
    """A client address not used before in this run, so no per-address limit is reached."""
    return next(_addresses)


class HashCounter:
    """Counts Argon2 runs: hashing a new password and checking a stored one."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.runs = 0
        for name in ("encode", "verify"):
            original = getattr(Argon2PasswordHasher, name)
            monkeypatch.setattr(Argon2PasswordHasher, name, self._counting(original))

    def _counting(self, original: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kwargs: Any) -> Any:
            self.runs += 1
            return original(*args, **kwargs)

        return counted

    def during(self, request: Callable[[], Any]) -> tuple[Any, int]:
        before = self.runs
        response = request()
        return response, self.runs - before


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> HashCounter:
    return HashCounter(monkeypatch)


def signup(client: Client, *, username: str, email: str) -> Any:
    return client.post(
        "/accounts/signup/",
        {
            "username": username,
            "email": email,
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
        REMOTE_ADDR=address(),
    )


def login(client: Client, login: str) -> Any:
    return client.post(
        "/accounts/login/", {"login": login, "password": WRONG_PASSWORD}, REMOTE_ADDR=address()
    )


def token(api: APIClient, login: str) -> Any:
    return api.post(
        "/api/v1/auth/token/",
        {"username": login, "password": WRONG_PASSWORD},
        REMOTE_ADDR=address(),
    )


def assert_login_refused(response: Any) -> None:
    assert response.status_code == 200
    assert response.context["form"].errors
    assert TOO_MANY not in response.content.decode()


# --- The same work -----------------------------------------------------------------


@pytest.mark.parametrize("by", ["email", "username"])
def test_a_failed_sign_in_hashes_once_for_a_known_and_an_unknown_account(client, hashes, by):
    member = UserFactory(username="known", email="known@example.org")
    imported = UserFactory(username="imported", email="imported@example.org")
    imported.set_unusable_password()
    imported.save(update_fields=["password"])

    for account in (member, imported):
        known = account.email if by == "email" else account.username
        response, runs = hashes.during(lambda: login(client, known))  # noqa: B023
        assert_login_refused(response)
        assert runs == 1, known
    unknown = "nobody@example.org" if by == "email" else "nobody"
    response, runs = hashes.during(lambda: login(client, unknown))
    assert_login_refused(response)
    assert runs == 1


@pytest.mark.parametrize("by", ["email", "username"])
def test_the_token_endpoint_hashes_once_for_a_known_and_an_unknown_account(api_client, hashes, by):
    UserFactory(username="known", email="known@example.org")
    logins = ("known@example.org", "nobody@example.org") if by == "email" else ("known", "nobody")

    for login_ in logins:
        response, runs = hashes.during(lambda: token(api_client, login_))  # noqa: B023
        assert response.status_code == 401, login_
        assert response.json() == {"detail": "Wrong username or password."}
        assert runs == 1, login_


def test_a_successful_sign_in_still_works_by_username_and_by_email(client, hashes):
    member = UserFactory(username="grace", email="grace@example.org")

    for login_ in ("grace", "grace@example.org"):
        client.logout()
        response, runs = hashes.during(
            lambda: client.post("/accounts/login/", {"login": login_, "password": PASSWORD})  # noqa: B023
        )
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(member.pk)
        assert runs == 1


def test_an_inactive_member_with_the_right_password_is_shown_the_inactive_page(client):
    UserFactory(username="gone", is_active=False)

    response = client.post("/accounts/login/", {"login": "gone", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/inactive/"


def test_sessions_signed_in_by_the_earlier_backends_stay_signed_in(client):
    member = UserFactory()
    for backend in (
        "django.contrib.auth.backends.ModelBackend",
        "allauth.account.auth_backends.AuthenticationBackend",
    ):
        client.force_login(member, backend=backend)
        assert client.get("/settings/profile/").status_code == 200, backend


def test_sign_up_hashes_once_and_leaves_mail_to_the_worker_whether_or_not_the_address_is_taken(
    client, hashes, django_capture_on_commit_callbacks
):
    UserFactory(username="owner", email="taken@example.org")
    handed_over = {}

    for email in ("taken@example.org", "fresh@example.org"):
        with django_capture_on_commit_callbacks() as callbacks:
            response, runs = hashes.during(
                lambda: signup(client, username=f"new-{email[:5]}", email=email)  # noqa: B023
            )
        assert response.status_code == 302
        assert response["Location"] == "/accounts/confirm-email/"
        assert runs == 1, email
        # The mail ("you already have an account", or the verification link) is handed
        # to the worker after commit, the same way for both; none leaves in the request.
        assert mail.outbox == []
        handed_over[email] = len(callbacks)
    assert handed_over["taken@example.org"] == handed_over["fresh@example.org"] >= 1
    assert not User.objects.filter(username="new-taken").exists()
    assert User.objects.filter(username="new-fresh").exists()


# --- The same time -----------------------------------------------------------------


def median_ms(existing: Callable[[int], Any], unknown: Callable[[int], Any]) -> tuple[float, float]:
    """Median milliseconds of ROUNDS requests of each kind, taken in pairs whose order
    alternates, so that a machine getting slower or faster affects both alike."""
    # The first requests compile templates and fill caches: not measured.
    existing(-1)
    unknown(-1)
    times: dict[Callable[[int], Any], list[float]] = {existing: [], unknown: []}
    for n in range(ROUNDS):
        pair = (existing, unknown) if n % 2 == 0 else (unknown, existing)
        for request in pair:
            started = time.perf_counter()
            request(n)
            times[request].append(time.perf_counter() - started)
    return statistics.median(times[existing]) * 1000, statistics.median(times[unknown]) * 1000


def assert_same_time(existing_ms: float, unknown_ms: float) -> None:
    # Much less than one Argon2 run (about 100-200 ms here), with room for a busy machine.
    bound = max(0.25 * max(existing_ms, unknown_ms), 30.0)
    assert abs(existing_ms - unknown_ms) < bound, (
        f"existing {existing_ms:.0f} ms, unknown {unknown_ms:.0f} ms, allowed ±{bound:.0f} ms"
    )


@pytest.fixture
def members() -> list[User]:
    """One verified member per measured request, and one for the warm-up."""
    return [
        UserFactory(username=f"timed{n}", email=f"timed{n}@example.org") for n in range(ROUNDS + 1)
    ]


def test_sign_up_takes_as_long_with_a_taken_address_as_with_a_new_one(client, members):
    taken = [member.email for member in members]

    def with_taken(n: int) -> None:
        response = signup(client, username=f"again{n + 1}", email=taken[n + 1])
        assert response.status_code == 302

    def with_new(n: int) -> None:
        response = signup(client, username=f"fresh{n + 1}", email=f"fresh{n + 1}@example.org")
        assert response.status_code == 302

    assert_same_time(*median_ms(with_taken, with_new))


def test_a_failed_sign_in_takes_as_long_for_a_known_address_as_for_an_unknown_one(client, members):
    known = [member.email for member in members]

    def existing(n: int) -> None:
        assert_login_refused(login(client, known[n + 1]))

    def unknown(n: int) -> None:
        assert_login_refused(login(client, f"nobody{n + 1}@example.org"))

    assert_same_time(*median_ms(existing, unknown))


def test_a_wrong_password_on_the_token_endpoint_takes_as_long_as_an_unknown_account(
    api_client, members
):
    known = [member.email for member in members]

    def existing(n: int) -> None:
        assert token(api_client, known[n + 1]).status_code == 401

    def unknown(n: int) -> None:
        assert token(api_client, f"nobody{n + 1}@example.org").status_code == 401

    assert_same_time(*median_ms(existing, unknown))
