"""The mentor's queue: threads waiting for a mentor this mentor may take, best match and
longest wait first, with the checklist evidence at a glance."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from mentoring.models import Exclusion
from mentoring.services import claim_create
from qa.models import Question, Tag
from tests.factories import TagFactory, UserFactory, approved_mentor, django_thread, question

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_queue_lists_waiting_threads_the_mentor_may_take():
    mentor = approved_mentor()
    older, newer = django_thread(title="Older thread about models"), django_thread()
    Question.objects.filter(pk=older.pk).update(created_at=timezone.now() - dt.timedelta(hours=5))
    claimed = django_thread()
    claim_create(mentor=approved_mentor(), question=claimed)
    excluded = django_thread()
    Exclusion.objects.create(question=excluded, mentor=mentor, reason="declined")
    own = django_thread(author=mentor)
    solved = django_thread()
    Question.objects.filter(pk=solved.pk).update(status="solved")
    other_tag = question(tags=[TagFactory(name="kubernetes")])

    body = api(mentor).get("/api/v1/mentoring/queue/").json()

    assert [item["id"] for item in body] == [older.pk, newer.pk]
    first = body[0]
    assert first["waiting_minutes"] >= 299
    assert first["tags"] == ["django"]
    assert "expert in django (level 3)" in first["reasons"]
    assert set(first["evidence"]) == {"searched", "faq_entries_opened", "what_i_tried"}
    assert first["needs_mentor"] is False
    shown = {item["id"] for item in body}
    assert not shown & {claimed.pk, excluded.pk, own.pk, solved.pk, other_tag.pk}


def test_the_queue_is_for_approved_mentors():
    assert api(UserFactory()).get("/api/v1/mentoring/queue/").status_code == 403
    assert APIClient().get("/api/v1/mentoring/queue/").status_code == 401
    assert Tag.objects.count() == 0
