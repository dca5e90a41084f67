from __future__ import annotations

import pytest

from accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short-pass1", "at least 12 characters"),
        ("123456789012345", "entirely numeric"),
        ("qwerty123456", "too common"),
        ("carolinecaroline", "too similar"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(client, password, reason):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "carolinecaroline",
            "email": "carolinecaroline@example.org",
            "password1": password,
            "password2": password,
        },
    )

    assert response.status_code == 200
    assert reason in " ".join(response.context["form"].errors["password1"])
    assert not User.objects.exists()


def test_passwords_are_stored_with_argon2(client):
    client.post(
        "/accounts/signup/",
        {
            "username": "dana",
            "email": "dana@example.org",
            "password1": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase",
        },
    )

    assert User.objects.get(username="dana").password.startswith("argon2$")
