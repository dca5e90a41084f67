"""A write that conflicts with the current state is one exception, accounts.errors.Conflict,
whichever app's service raises it: the API answers 409 with {"detail": message} and the
pages 409 with the message, each mapped in one place."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.errors import Conflict
from mentoring import services as mentoring_services
from moderation import services as moderation_services
from qa import services as qa_services
from tests.factories import UserFactory, api, approved_mentor, django_thread, question

pytestmark = pytest.mark.django_db

MESSAGE = "Someone else changed this a moment ago; reload and try again."


def refuse(**_: Any) -> Any:
    raise Conflict(MESSAGE)


@pytest.mark.parametrize("service", ["qa", "mentoring", "moderation"])
def test_a_conflict_from_any_service_is_a_409_with_its_message_on_the_api(monkeypatch, service):
    mentor = approved_mentor()
    thread = django_thread()
    if service == "qa":
        monkeypatch.setattr(qa_services, "answer_post", refuse)
        path, body = f"/api/v1/questions/{thread.pk}/answers/", {"body": "Run migrate --fake."}
    elif service == "mentoring":
        monkeypatch.setattr(mentoring_services, "claim_create", refuse)
        path, body = f"/api/v1/questions/{thread.pk}/claim/", {}
    else:
        monkeypatch.setattr(moderation_services, "flag_create", refuse)
        path, body = "/api/v1/flags/", {"question": thread.pk, "reason": "spam"}

    response = api(mentor).post(path, body, format="json")

    assert response.status_code == 409
    assert response.json() == {"detail": MESSAGE}


def test_the_real_conflicts_of_mentoring_and_moderation_are_conflicts():
    assert issubclass(mentoring_services.ClaimConflict, Conflict)
    assert issubclass(moderation_services.FlagConflict, Conflict)


def test_a_conflict_on_a_page_is_a_409_showing_its_message(client, monkeypatch):
    mentor = approved_mentor()
    thread = django_thread()
    monkeypatch.setattr(mentoring_services, "claim_create", refuse)
    client.force_login(mentor)

    response = client.post(f"/questions/{thread.pk}/claim/")

    assert response.status_code == 409
    assert "reload and try again" in response.content.decode()


def test_a_second_flag_in_the_api_is_a_409_with_the_same_body_as_before():
    thread = question()
    flagger = UserFactory()
    first = api(flagger).post("/api/v1/flags/", {"question": thread.pk, "reason": "spam"})
    assert first.status_code == 201

    again = api(flagger).post("/api/v1/flags/", {"question": thread.pk, "reason": "spam"})

    assert again.status_code == 409
    assert again.json() == {"detail": "You already flagged this post; moderators will look at it."}
