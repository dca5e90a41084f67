"""Mentoring in the Django admin: every model's changelist and its filters (needs a
mentor, unserved tags, expired claims, mentors by tag) in a fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mentoring.models import Claim, Escalation, Feedback
from mentoring.services import claim_create, escalations_apply, mentorship_request
from tests.factories import UserFactory, approved_mentor, django_thread

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    "/admin/mentoring/mentorprofile/",
    "/admin/mentoring/mentorprofile/?status__exact=approved&expertise__tag__id__exact=1",
    "/admin/mentoring/claim/?state__exact=expired",
    "/admin/mentoring/claim/",
    "/admin/mentoring/escalation/?waiting=yes",
    "/admin/mentoring/escalation/?unserved=yes",
    "/admin/mentoring/offer/",
    "/admin/mentoring/exclusion/",
    "/admin/mentoring/feedback/",
    "/admin/mentoring/mentorship/",
]


def _community(size: int) -> None:
    for _ in range(size):
        mentor = approved_mentor()
        thread = django_thread()
        claim = claim_create(mentor=mentor, question=thread)
        Claim.objects.filter(pk=claim.pk).update(state="completed", ended_at=timezone.now())
        Feedback.objects.create(claim=claim, rating="good")
        mentorship_request(
            mentee=UserFactory(), mentor=mentor, goals="Learn the ORM well enough to review."
        )
        django_thread()
    escalations_apply()


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def test_changelists_cost_the_same_for_1_and_6_rows(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    _community(1)
    small = {url: _queries(client, url) for url in CHANGELISTS}
    _community(5)
    large = {url: _queries(client, url) for url in CHANGELISTS}
    assert large == small


def test_the_needs_a_mentor_filter_lists_only_threads_still_waiting(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    waiting, taken = django_thread(title="Still waiting"), django_thread(title="Taken later")
    escalations_apply()
    assert Escalation.objects.count() == 2
    claim_create(mentor=approved_mentor(), question=taken)
    page = client.get("/admin/mentoring/escalation/?waiting=yes").content.decode()
    assert waiting.title in page
    assert taken.title not in page
    unserved = client.get("/admin/mentoring/escalation/?unserved=yes").content.decode()
    assert waiting.title in unserved
