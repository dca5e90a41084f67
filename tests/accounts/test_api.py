from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_verified_member_gets_a_token_that_authenticates(api_client):
    user = UserFactory(username="jo")

    response = api_client.post("/api/v1/auth/token/", {"username": "jo", "password": PASSWORD})

    assert response.status_code == 200
    key = response.json()["token"]
    assert Token.objects.get(user=user).key == key
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get("/api/v1/me/").json()["username"] == "jo"


def test_token_by_email_address(api_client):
    UserFactory(username="kim", email="kim@example.org")

    response = api_client.post(
        "/api/v1/auth/token/", {"username": "kim@example.org", "password": PASSWORD}
    )

    assert response.status_code == 200


def test_wrong_password_gets_401_with_a_reason(api_client):
    UserFactory(username="lee")

    response = api_client.post("/api/v1/auth/token/", {"username": "lee", "password": "nope"})

    assert response.status_code == 401
    assert response.json() == {"detail": "Wrong username or password."}


def test_unverified_member_gets_no_token(api_client):
    UserFactory(username="max", verified=False)

    response = api_client.post("/api/v1/auth/token/", {"username": "max", "password": PASSWORD})

    assert response.status_code == 403
    assert "Verify your email" in response.json()["detail"]
    assert not Token.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "username"),
        ({"username": "x"}, "password"),
        ({"username": ["a", "b"], "password": "x"}, "username"),
        ({"username": "x", "password": {"a": 1}}, "password"),
    ],
)
def test_malformed_token_requests_get_400_naming_the_field(api_client, body, field):
    response = api_client.post("/api/v1/auth/token/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_token_endpoint_answers_400_for_a_body_that_is_not_json(api_client):
    response = api_client.post("/api/v1/auth/token/", b"{not json", content_type="application/json")

    assert response.status_code == 400
    assert "detail" in response.json()


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b'{"login": "jo\\ud800", "password": "x"}', "login"),
        (b'{"login": "jo\\u0000", "password": "x"}', "login"),
        (b"[" * 100_000 + b"]" * 100_000, "detail"),
    ],
)
def test_token_endpoint_refuses_json_the_database_cannot_hold(api_client, raw, field):
    response = api_client.post("/api/v1/auth/token/", raw, content_type="application/json")

    assert response.status_code == 400
    assert field in response.json()


def test_me_refuses_an_unpaired_surrogate_and_changes_nothing(api_client):
    user = UserFactory(display_name="Before")
    api_client.force_authenticate(user)

    response = api_client.patch(
        "/api/v1/me/", b'{"display_name": "\\udc00"}', content_type="application/json"
    )

    assert response.status_code == 400
    assert "display_name" in response.json()
    user.refresh_from_db()
    assert user.display_name == "Before"


def test_me_shows_and_updates_the_own_profile(api_client):
    user = UserFactory()
    api_client.force_authenticate(user)

    response = api_client.patch(
        "/api/v1/me/",
        {"display_name": "Nadia", "languages": ["en", "pt-BR"], "time_zone": "America/Sao_Paulo"},
    )

    assert response.status_code == 200
    assert response.json()["languages"] == ["en", "pt-BR"]
    user.refresh_from_db()
    assert (user.display_name, user.time_zone) == ("Nadia", "America/Sao_Paulo")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"languages": ["english!"]}, "languages"),
        ({"languages": "en"}, "languages"),
        ({"display_name": "x" * 81}, "display_name"),
        ({"languages": ["en"] * 11}, "languages"),
    ],
)
def test_me_refuses_bad_input_and_changes_nothing(api_client, body, field):
    user = UserFactory(time_zone="UTC", display_name="Before")
    api_client.force_authenticate(user)

    response = api_client.patch("/api/v1/me/", body)

    assert response.status_code == 400
    assert field in response.json()
    user.refresh_from_db()
    assert (user.time_zone, user.display_name, user.languages) == ("UTC", "Before", ["en"])


def test_me_needs_authentication(api_client):
    assert api_client.get("/api/v1/me/").status_code == 401


def test_schema_and_docs_are_served(client):
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/auth/token/" in schema.content
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
