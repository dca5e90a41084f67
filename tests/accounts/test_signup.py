from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress

from accounts.models import User
from tests.accounts.mail import confirmation_path, queued_emails
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "a-long-enough-passphrase"


def signup(client, *, username="ada", email="ada@example.org", password=GOOD_PASSWORD):
    return client.post(
        "/accounts/signup/",
        {"username": username, "email": email, "password1": password, "password2": password},
    )


def test_signup_queues_one_verification_email_after_commit(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = signup(client)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get(username="ada")
    assert not EmailAddress.objects.get(user=user).verified
    [payload] = queued_emails()
    assert payload["to"] == ["ada@example.org"]
    assert "confirm" in payload["subject"].lower()
    assert confirmation_path(payload["body"])
    assert payload["html"] is None or "<" in payload["html"]


def test_unverified_member_cannot_sign_in_until_the_link_is_followed(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        signup(client)
    client.logout()

    response = client.post("/accounts/login/", {"login": "ada", "password": GOOD_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session

    [payload] = queued_emails()
    link = confirmation_path(payload["body"])
    assert client.get(link).status_code == 200
    assert client.post(link).status_code == 302
    assert EmailAddress.objects.get(email="ada@example.org").verified

    client.logout()
    response = client.post("/accounts/login/", {"login": "ada", "password": GOOD_PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(username="ada").pk)


def test_sign_in_works_with_username_or_email(client):
    user = UserFactory(username="grace", email="grace@example.org")

    for login in ("grace", "grace@example.org", "GRACE@example.org"):
        client.logout()
        response = client.post("/accounts/login/", {"login": login, "password": PASSWORD})
        assert response.status_code == 302, login
        assert client.session["_auth_user_id"] == str(user.pk)


def test_signup_with_a_taken_email_looks_the_same_and_creates_nothing(
    client, django_capture_on_commit_callbacks
):
    UserFactory(username="existing", email="taken@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        response = signup(client, username="newname", email="taken@example.org")

    # The same answer as a fresh sign-up, so the form does not reveal who has an account.
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert not User.objects.filter(username="newname").exists()
    # The owner of the address is told instead, in their inbox.
    [payload] = queued_emails()
    assert payload["to"] == ["taken@example.org"]


def test_password_reset_answers_the_same_for_unknown_addresses(client):
    UserFactory(email="known@example.org")

    known = client.post("/accounts/password/reset/", {"email": "known@example.org"})
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"username": "", "email": "a@example.org"}, "username"),
        ({"username": "bob", "email": "not-an-email"}, "email"),
        ({"username": "x" * 200, "email": "b@example.org"}, "username"),
        ({"username": "bad name!", "email": "c@example.org"}, "username"),
        ({"username": "nul\x00byte", "email": "d@example.org"}, "username"),
    ],
)
def test_malformed_signup_gets_form_errors_not_500(client, data, field):
    response = client.post(
        "/accounts/signup/", {**data, "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    )

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not User.objects.exists()


def test_malformed_login_gets_a_form_error(client):
    response = client.post("/accounts/login/", {"login": "\x00", "password": ""})

    assert response.status_code == 200
    assert response.context["form"].errors
