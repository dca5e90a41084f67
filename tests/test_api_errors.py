"""Bad input the schema run found, each answered with a JSON 4xx naming what was wrong, and
changing nothing."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import Client
from django.test.client import MULTIPART_CONTENT, encode_multipart
from rest_framework.test import APIClient

from accounts.models import User
from community.api import UNSTORABLE_MESSAGE
from mentoring.models import MentorProfile
from mentoring.services import mentor_apply
from tests.factories import TagFactory, UserFactory

pytestmark = pytest.mark.django_db

BOUNDARY = "BoUnDaRy"


def signed_in(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("days", ["²", "0", "366", "thirty", "1.5"])
def test_unserved_tags_refuse_days_that_are_not_a_number_of_days(days):
    response = signed_in(UserFactory(is_staff=True)).get(
        "/api/v1/mentoring/unserved-tags/", {"days": days}
    )

    assert response.status_code == 400
    assert response.json() == {"days": ["Use a whole number of days from 1 to 365."]}


def test_unserved_tags_take_digits_of_any_script_as_the_number_they_are():
    response = signed_in(UserFactory(is_staff=True)).get(
        "/api/v1/mentoring/unserved-tags/",
        {"days": "\uff13\uff10"},  # fullwidth 30
    )

    assert response.status_code == 200


@pytest.mark.parametrize("form", ["urlencoded", "multipart"])
def test_a_form_field_with_nul_is_a_400_naming_it_and_changes_nothing(form):
    user = UserFactory(display_name="Before")
    fields = {"display_name": "Ada\x00Lovelace", "bio": "Fine"}
    if form == "urlencoded":
        body, content_type = urlencode(fields), "application/x-www-form-urlencoded"
    else:
        body = encode_multipart(BOUNDARY, fields)
        content_type = f"multipart/form-data; boundary={BOUNDARY}"

    response = signed_in(user).patch("/api/v1/me/", body, content_type=content_type)

    assert response.status_code == 400
    assert list(response.json()) == ["display_name"]
    user.refresh_from_db()
    assert (user.display_name, user.bio) == ("Before", "")


def test_a_nul_spelled_in_json_form_text_is_refused_before_the_database():
    # A form sends a profile field as JSON text, decoded by the serializer field: "\u0000"
    # in it became a NUL no parser had seen, and PostgreSQL refused it (a 500).
    user = UserFactory()
    TagFactory(name="django")
    mentor_apply(user=user, expertise={"django": 2}, bio="Before", languages=["en"])

    response = signed_in(user).put(
        "/api/v1/mentors/me/",
        urlencode({"bio": '"Django\\u0000since 1.4"'}),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["bio"]
    assert MentorProfile.objects.get(user=user).bio == "Before"


def test_a_form_field_name_with_nul_is_refused_by_the_parser():
    response = signed_in(UserFactory()).put(
        "/api/v1/notification-preferences/",
        urlencode({"new_answer\x00": "off"}),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [UNSTORABLE_MESSAGE]}


@pytest.mark.parametrize("form", ["urlencoded", "multipart"])
def test_a_form_with_too_many_fields_is_a_json_400(form, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    fields = {"ids": [str(n) for n in range(1, 50)]}
    if form == "urlencoded":
        body, content_type = urlencode(fields, doseq=True), "application/x-www-form-urlencoded"
    else:
        body, content_type = encode_multipart(BOUNDARY, fields), MULTIPART_CONTENT
        content_type = f"multipart/form-data; boundary={BOUNDARY}"

    response = signed_in(UserFactory()).post(
        "/api/v1/notifications/read/", body, content_type=content_type
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


@pytest.mark.parametrize(
    "path",
    ["/api/v1/nothing-here/", "/api/v1/questions/abc/", "/api/v1/questions/1%0A2/", "/api/v1/"],
)
def test_an_api_path_that_names_no_operation_is_a_json_404(path):
    # enforce_csrf_checks: a POST must get the 404, not the CSRF failure page.
    client = Client(enforce_csrf_checks=True)
    for response in (client.get(path), client.post(path, {"x": "1"})):
        assert response.status_code == 404
        assert response.json() == {"detail": "There is no such API endpoint."}


def test_an_api_path_without_its_slash_still_redirects_to_it():
    response = Client().get("/api/v1/tags")

    assert response.status_code == 301
    assert response["Location"] == "/api/v1/tags/"
