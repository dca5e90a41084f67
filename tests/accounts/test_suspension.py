from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts import services
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def suspend(user, days: int = 3, reason: str = "Repeated spam links."):
    return services.user_suspend(
        user=user, until=timezone.now() + dt.timedelta(days=days), reason=reason
    )


def test_suspended_member_cannot_sign_in_and_sees_reason_and_end_date(client):
    user = suspend(UserFactory(username="gus"))

    response = client.post("/accounts/login/", {"login": "gus", "password": PASSWORD})

    assert response.status_code == 403
    page = response.content.decode()
    assert "Repeated spam links." in page
    assert f"{user.suspended_until:%Y}" in page
    assert "_auth_user_id" not in client.session


def test_suspension_ends_a_session_that_was_already_open(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get("/settings/profile/").status_code == 200

    suspend(user)
    response = client.get("/settings/profile/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_suspended_member_gets_no_token_and_old_tokens_stop_working(api_client):
    user = UserFactory(username="hana")
    old_token = Token.objects.create(user=user)

    suspend(user)

    response = api_client.post("/api/v1/auth/token/", {"username": "hana", "password": PASSWORD})
    assert response.status_code == 403
    assert response.json()["reason"] == "Repeated spam links."
    assert not Token.objects.filter(pk=old_token.pk).exists()

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {old_token.key}")
    assert api_client.get("/api/v1/me/").status_code == 401


def test_a_token_made_before_an_admin_suspension_is_refused(api_client):
    user = UserFactory()
    token = Token.objects.create(user=user)
    # An admin editing the fields directly, without the service.
    type(user).objects.filter(pk=user.pk).update(
        suspended_until=timezone.now() + dt.timedelta(hours=1), suspension_reason="Abuse."
    )

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api_client.patch("/api/v1/me/", {"display_name": "x"})

    assert response.status_code == 401
    user.refresh_from_db()
    assert user.display_name != "x"


def test_an_ended_suspension_lets_the_member_back_in(client):
    user = UserFactory(username="ivy")
    type(user).objects.filter(pk=user.pk).update(
        suspended_until=timezone.now() - dt.timedelta(minutes=1), suspension_reason="Old."
    )

    response = client.post("/accounts/login/", {"login": "ivy", "password": PASSWORD})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.parametrize(
    ("until", "reason", "field"),
    [
        (dt.timedelta(days=-1), "Spam.", "until"),
        (dt.timedelta(days=1), "   ", "reason"),
    ],
)
def test_a_suspension_needs_a_future_end_and_a_reason(until, reason, field):
    user = UserFactory()

    with pytest.raises(ValidationError) as excinfo:
        services.user_suspend(user=user, until=timezone.now() + until, reason=reason)

    assert field in excinfo.value.message_dict
    user.refresh_from_db()
    assert user.suspended_until is None
