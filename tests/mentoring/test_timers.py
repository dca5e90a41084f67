"""Claim timers with an injected clock: a first reply keeps the claim, none in time
expires it into the queue with the mentor excluded, a solved thread completes it; the
periodic run is idempotent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from mentoring.models import Claim, Exclusion
from mentoring.services import ClaimConflict, claim_create, claims_apply_timers
from qa.models import Question
from qa.services import answer_accept, answer_post, comment_post
from tests.factories import approved_mentor, django_thread

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)


def test_a_claim_without_a_first_reply_expires_into_the_queue_once():
    mentor = approved_mentor()
    thread = django_thread()
    start = timezone.now()
    claim_create(mentor=mentor, question=thread, now=start)

    assert claims_apply_timers(now=start + 3 * HOUR)["expired"] == 0
    assert claims_apply_timers(now=start + 4 * HOUR) == {"replied": 0, "completed": 0, "expired": 1}
    assert claims_apply_timers(now=start + 5 * HOUR) == {"replied": 0, "completed": 0, "expired": 0}

    claim = Claim.objects.get()
    assert claim.state == "expired"
    assert Exclusion.objects.filter(question=thread, mentor=mentor, reason="expired").exists()
    with pytest.raises(ClaimConflict, match="expire"):
        claim_create(mentor=mentor, question=thread)
    # The thread is back in the queue: another mentor can take it.
    assert claim_create(mentor=approved_mentor(), question=thread).state == "active"


@pytest.mark.parametrize("reply", ["answer", "comment"])
def test_a_first_reply_in_time_keeps_the_claim(reply):
    mentor = approved_mentor()
    thread = django_thread()
    claim_create(mentor=mentor, question=thread)
    if reply == "answer":
        answer_post(author=mentor, question=thread, body="Try select_related here.")
    else:
        comment_post(author=mentor, question=thread, body="Which Django version?")

    counts = claims_apply_timers(now=timezone.now() + 10 * HOUR)

    assert counts == {"replied": 1, "completed": 0, "expired": 0}
    claim = Claim.objects.get()
    assert claim.state == "active"
    assert claim.first_reply_at is not None
    assert claims_apply_timers(now=timezone.now() + 10 * HOUR)["replied"] == 0


def test_a_claim_completes_when_the_thread_is_solved_or_closed():
    mentor = approved_mentor()
    solved, closed = django_thread(), django_thread()
    claim_create(mentor=mentor, question=solved)
    claim_create(mentor=mentor, question=closed)
    answer_accept(user=solved.author, answer=answer_post(author=mentor, question=solved, body="x"))
    Question.objects.filter(pk=closed.pk).update(status="closed", closed_reason="Duplicate")

    assert claims_apply_timers()["completed"] == 2
    assert set(Claim.objects.values_list("state", flat=True)) == {"completed"}
    assert claims_apply_timers()["completed"] == 0
