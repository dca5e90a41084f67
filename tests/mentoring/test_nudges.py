"""Nudges with an injected clock: a mentor the asker waits on is nudged at 2 and 4 days
and the thread requeued at 7; an asker the mentor waits on is nudged at 7 and 14 days;
each nudge once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Notification
from mentoring.models import Claim, Exclusion
from mentoring.services import claim_create, claims_apply_timers, nudges_apply
from qa.services import answer_post, comment_post
from tests.factories import approved_mentor, django_thread

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def running_claim():
    mentor = approved_mentor()
    thread = django_thread()
    claim_create(mentor=mentor, question=thread)
    answer_post(author=mentor, question=thread, body="Try select_related.")
    claims_apply_timers()
    return mentor, thread


def test_the_asker_waiting_on_the_mentor_nudges_then_requeues():
    mentor, thread = running_claim()
    comment_post(author=thread.author, question=thread, body="That did not help, any idea?")
    now = timezone.now()

    assert nudges_apply(now=now + 1 * DAY)["mentor_nudged"] == 0
    assert nudges_apply(now=now + 2 * DAY)["mentor_nudged"] == 1
    assert nudges_apply(now=now + 3 * DAY)["mentor_nudged"] == 0
    assert nudges_apply(now=now + 4 * DAY)["mentor_nudged"] == 1
    assert nudges_apply(now=now + 7 * DAY)["requeued"] == 1
    assert nudges_apply(now=now + 8 * DAY) == {"mentor_nudged": 0, "asker_nudged": 0, "requeued": 0}

    assert Notification.objects.filter(kind="mentor_nudge", recipient=mentor).count() == 2
    assert Claim.objects.get().state == "expired"
    assert Exclusion.objects.filter(question=thread, mentor=mentor).exists()


def test_the_mentor_waiting_on_the_asker_nudges_the_asker_at_7_and_14_days():
    _, thread = running_claim()
    now = timezone.now()

    assert nudges_apply(now=now + 6 * DAY)["asker_nudged"] == 0
    assert nudges_apply(now=now + 7 * DAY)["asker_nudged"] == 1
    assert nudges_apply(now=now + 14 * DAY)["asker_nudged"] == 1
    assert nudges_apply(now=now + 20 * DAY)["asker_nudged"] == 0
    assert Notification.objects.filter(kind="asker_nudge", recipient=thread.author).count() == 2
    assert Claim.objects.get().state == "active"
