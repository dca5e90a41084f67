"""After the answers: "what fixed it?" on accepting, and one reminder when nothing is
accepted a few days after an answer came."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Notification
from qa import notification_kinds as qa_kinds
from qa.models import Answer, Question
from qa.services import answer_accept, followup_reminders_send
from tests.factories import UserFactory, answer, question

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def answered(days_ago: float, **fields):
    """A thread with one answer from someone else, written `days_ago` days ago."""
    q = question(**fields)
    a = answer(question_obj=q)
    Answer.objects.filter(pk=a.pk).update(created_at=timezone.now() - days_ago * DAY)
    return q, a


def reminders(q: Question):
    return Notification.objects.filter(recipient=q.author, kind=qa_kinds.FOLLOWUP_REMINDER)


def test_the_asker_is_reminded_once_three_days_after_an_answer():
    q, _ = answered(3.1)

    assert followup_reminders_send() == 1
    assert followup_reminders_send() == 0
    assert followup_reminders_send(now=timezone.now() + 30 * DAY) == 0

    (note,) = reminders(q)
    assert note.status == Notification.Status.PENDING
    assert note.payload == {"question_id": q.pk, "title": q.title, "url": f"/questions/{q.pk}/"}
    q.refresh_from_db()
    assert q.followup_reminded_at is not None


def test_no_reminder_before_three_days():
    q, _ = answered(2.9)

    assert followup_reminders_send() == 0
    assert not reminders(q).exists()
    # The clock moves on: now it is due.
    assert followup_reminders_send(now=timezone.now() + 0.2 * DAY) == 1


def test_no_reminder_once_an_answer_is_accepted():
    q, a = answered(5)
    answer_accept(user=q.author, answer=a)

    assert followup_reminders_send() == 0
    assert not reminders(q).exists()


@pytest.mark.parametrize("case", ["own answer", "hidden answer", "no answer", "closed", "hidden"])
def test_no_reminder_for_threads_that_need_none(case):
    asker = UserFactory()
    q = question(author=asker)
    if case == "own answer":
        a = answer(question_obj=q, author=asker)
    elif case == "hidden answer":
        a = answer(question_obj=q)
        Answer.objects.filter(pk=a.pk).update(hidden=True)
    elif case == "no answer":
        a = None
    else:
        a = answer(question_obj=q)
        if case == "closed":
            Question.objects.filter(pk=q.pk).update(status="closed", closed_reason="Off-topic")
        else:
            Question.objects.filter(pk=q.pk).update(hidden=True)
    if a is not None:
        Answer.objects.filter(pk=a.pk).update(created_at=timezone.now() - 4 * DAY)

    assert followup_reminders_send() == 0
    assert not reminders(q).exists()


def test_recording_the_same_reminder_twice_writes_one_row():
    from accounts.notifications import notify

    user = UserFactory()
    kwargs = {
        "kind": qa_kinds.FOLLOWUP_REMINDER,
        "recipients": [user.pk],
        "dedupe_key": "followup:1",
        "payload": {},
    }
    assert len(notify(**kwargs)) == 1
    assert notify(**kwargs) == []
    assert Notification.objects.filter(recipient=user).count() == 1
