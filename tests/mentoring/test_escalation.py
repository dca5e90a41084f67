"""Escalation with an injected clock: moderators are told when nobody claimed a thread
within 12 hours, at once when fewer than 3 mentors are eligible; after 7 days the asker
is asked to edit or re-tag; each happens once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import Notification
from mentoring.models import Escalation
from mentoring.services import claim_create, escalations_apply
from qa.models import Question
from tests.factories import UserFactory, approved_mentor, django_thread

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)


@pytest.fixture
def moderator():
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get_or_create(name="Moderators")[0])
    return user


def age(question: Question, delta: dt.timedelta) -> None:
    Question.objects.filter(pk=question.pk).update(created_at=timezone.now() - delta)


def test_with_too_few_eligible_mentors_a_thread_escalates_at_once(moderator):
    approved_mentor()
    thread = django_thread()

    assert escalations_apply() == {"escalated": 1, "retag_asked": 0}
    assert escalations_apply() == {"escalated": 0, "retag_asked": 0}

    escalation = Escalation.objects.get(question=thread)
    assert escalation.eligible_mentors == 1
    [note] = Notification.objects.filter(kind="needs_mentor")
    assert note.recipient == moderator
    assert note.payload["title"] == thread.title


def test_with_enough_mentors_it_escalates_after_twelve_hours_unless_claimed(moderator):
    mentors = [approved_mentor() for _ in range(3)]
    waiting, taken = django_thread(), django_thread()
    claim_create(mentor=mentors[0], question=taken)

    assert escalations_apply()["escalated"] == 0
    age(waiting, 11 * HOUR)
    age(taken, 13 * HOUR)
    assert escalations_apply()["escalated"] == 0
    age(waiting, 12 * HOUR)
    assert escalations_apply()["escalated"] == 1
    assert list(Escalation.objects.values_list("question_id", flat=True)) == [waiting.pk]


def test_after_seven_days_the_asker_is_asked_to_edit_or_retag_once(moderator):
    thread = django_thread()
    escalations_apply()

    age(thread, 6 * 24 * HOUR)
    assert escalations_apply()["retag_asked"] == 0
    age(thread, 7 * 24 * HOUR)
    assert escalations_apply()["retag_asked"] == 1
    assert escalations_apply()["retag_asked"] == 0
    [note] = Notification.objects.filter(kind="retag_ask")
    assert note.recipient == thread.author


def test_an_old_archive_is_not_escalated(moderator):
    thread = django_thread()
    age(thread, 30 * 24 * HOUR)

    assert escalations_apply() == {"escalated": 0, "retag_asked": 0}


def test_escalated_threads_are_marked_in_the_queue_and_listed_in_the_admin(client, moderator):
    from rest_framework.test import APIClient

    mentor = approved_mentor()
    thread = django_thread()
    escalations_apply()
    api = APIClient()
    api.force_authenticate(mentor)

    [item] = api.get("/api/v1/mentoring/queue/").json()
    assert item["needs_mentor"] is True
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get("/admin/mentoring/escalation/").content.decode()
    assert thread.title in page
    for model in ("mentorprofile", "claim", "offer", "exclusion"):
        assert client.get(f"/admin/mentoring/{model}/").status_code == 200
