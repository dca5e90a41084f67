"""Every HTML page carries a strict CSP with a nonce, and renders inside the site layout."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NONCE_RE = re.compile(r"'nonce-([A-Za-z0-9_-]+)'")

ANONYMOUS_PAGES = [
    "/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/api/v1/docs/",
    "/no-such-page/",
]
MEMBER_PAGES = ["/settings/profile/", "/accounts/password/change/", "/accounts/email/"]


def assert_strict_csp_with_nonce(response) -> None:
    policy = response["Content-Security-Policy"]
    [nonce] = set(NONCE_RE.findall(policy))
    script_src = next(d for d in policy.split("; ") if d.startswith("script-src"))
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    assert f"'nonce-{nonce}'" in script_src
    assert "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    html = response.content.decode()
    for tag in re.findall(r"<script\b[^>]*>", html):
        if "application/json" in tag:
            continue
        assert f'nonce="{nonce}"' in tag, f"script without this response's nonce: {tag}"
    assert not re.search(r"\son[a-z]+\s*=", html, re.IGNORECASE), "inline event handler"


@pytest.mark.parametrize("path", ANONYMOUS_PAGES)
def test_anonymous_pages_have_a_csp_nonce(client, path):
    response = client.get(path)

    assert response.status_code in (200, 404)
    assert response["Content-Type"].startswith("text/html")
    assert_strict_csp_with_nonce(response)


@pytest.mark.parametrize("path", MEMBER_PAGES)
def test_member_pages_have_a_csp_nonce(client, path):
    client.force_login(UserFactory())

    response = client.get(path)

    assert response.status_code == 200
    assert_strict_csp_with_nonce(response)


def test_admin_login_is_at_the_configured_path_and_has_csp(client):
    response = client.get(f"/{settings.ADMIN_PATH}login/")

    assert response.status_code == 200
    assert "Content-Security-Policy" in response


def test_nonces_differ_between_responses(client):
    first = NONCE_RE.search(client.get("/")["Content-Security-Policy"])
    second = NONCE_RE.search(client.get("/")["Content-Security-Policy"])

    assert first
    assert second
    assert first.group(1) != second.group(1)


def test_layout_has_landmarks_and_a_skip_link(client):
    html = client.get("/").content.decode()

    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert "<header" in html
    assert "<footer" in html
    assert '<nav aria-label="Main">' in html
    assert '<html lang="en">' in html


def test_404_page_uses_the_site_layout(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_member_profile_page_shows_the_public_profile(client):
    user = UserFactory(username="olga", display_name="Olga", bio="Loves <b>ORMs</b>")

    response = client.get(f"/members/{user.username}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Olga" in html
    assert "Loves &lt;b&gt;ORMs&lt;/b&gt;" in html


def test_profile_settings_saves_and_reports_bad_input(client):
    user = UserFactory(time_zone="UTC")
    client.force_login(user)

    bad = client.post(
        "/settings/profile/",
        {"display_name": "P", "bio": "", "languages": "en, !!", "time_zone": "UTC"},
    )
    assert bad.status_code == 200
    assert "Not a language code" in bad.content.decode()

    good = client.post(
        "/settings/profile/",
        {"display_name": "Pat", "bio": "Hi", "languages": "en, de", "time_zone": "Europe/Berlin"},
    )
    assert good.status_code == 302
    user.refresh_from_db()
    assert (user.display_name, user.languages, user.time_zone) == (
        "Pat",
        ["en", "de"],
        "Europe/Berlin",
    )
