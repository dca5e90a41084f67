"""Who mentoring pushes to mentors: newcomers' threads, at most 2 waiting per newcomer at
once; the asker told when a mentor claims; the honest wait estimate."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from accounts.models import Notification
from mentoring.models import Claim, Escalation, Offer
from mentoring.selectors import held_threads, mentor_queue, wait_estimate
from mentoring.services import claim_create, escalations_apply, offers_apply_timers
from qa.models import Question
from qa.selectors import is_newcomer, newcomer_ids
from qa.services import answer_accept
from tests.factories import UserFactory, answer, approved_mentor, django_thread

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)


def test_a_member_is_a_newcomer_while_young_and_with_few_solved_threads(settings):
    settings.NEWCOMER_DAYS = 30
    settings.NEWCOMER_SOLVED_THREADS = 2
    fresh = UserFactory()
    old = UserFactory(date_joined=timezone.now() - dt.timedelta(days=31))
    helper = UserFactory()
    for _ in range(2):
        thread = django_thread()
        answer_accept(user=thread.author, answer=answer(question_obj=thread, author=helper))
    asker = UserFactory()
    for _ in range(2):
        thread = django_thread(author=asker)
        answer_accept(user=asker, answer=answer(question_obj=thread))

    ids = newcomer_ids(user_ids=[fresh.pk, old.pk, helper.pk, asker.pk])
    assert ids == {fresh.pk}
    assert is_newcomer(fresh)
    assert not is_newcomer(old)


def test_only_newcomers_threads_are_offered_and_escalated():
    for _ in range(3):
        approved_mentor()
    veteran = UserFactory(date_joined=timezone.now() - dt.timedelta(days=400))
    theirs = django_thread(author=veteran)
    newcomer_thread = django_thread()

    assert offers_apply_timers()["wave1"] == 3
    assert set(Offer.objects.values_list("question_id", flat=True)) == {newcomer_thread.pk}
    escalations_apply(now=timezone.now() + 13 * HOUR)
    assert list(Escalation.objects.values_list("question_id", flat=True)) == [newcomer_thread.pk]
    # A mentor may still take the veteran's thread from the queue.
    mentor = approved_mentor()
    assert theirs.pk in {item.question.pk for item in mentor_queue(mentor=mentor)}


@override_settings(MENTORING_NEWCOMER_WAITING_MAX=2)
def test_a_newcomer_has_at_most_two_threads_waiting_for_a_mentor():
    mentors = [approved_mentor(capacity=3) for _ in range(3)]
    newcomer = UserFactory()
    first, second, third = (django_thread(author=newcomer, title=f"Thread {n}") for n in range(3))

    assert held_threads(author_ids=[newcomer.pk]) == {third.pk}
    offers_apply_timers()
    assert set(Offer.objects.values_list("question_id", flat=True)) == {first.pk, second.pk}
    assert third.pk not in {item.question.pk for item in mentor_queue(mentor=mentors[0])}

    # Once a mentor takes one of them, the third gets its turn.
    claim_create(mentor=mentors[0], question=first)
    assert held_threads(author_ids=[newcomer.pk]) == set()
    offers_apply_timers()
    assert Offer.objects.filter(question=third).count() == 3


def test_the_asker_is_told_when_a_mentor_claims():
    mentor = approved_mentor(first_name="Mia", last_name="")
    thread = django_thread()
    claim_create(mentor=mentor, question=thread)
    note = Notification.objects.get(kind="mentor_claimed")
    assert note.recipient_id == thread.author_id
    assert note.payload["url"] == thread.get_absolute_url()
    assert "is helping you" in note.payload["excerpt_text"]


def _aged(thread: Question, created: dt.datetime) -> None:
    Question.objects.filter(pk=thread.pk).update(created_at=created)


def test_the_wait_estimate_reads_recent_claims_on_the_same_tags():
    now = timezone.now()
    mentor = approved_mentor(capacity=5)
    waits = [1, 2, 3, 10]
    for hours in waits:
        thread = django_thread()
        _aged(thread, now - dt.timedelta(days=2))
        thread.refresh_from_db()
        claim = claim_create(mentor=mentor, question=thread)
        Claim.objects.filter(pk=claim.pk).update(
            created_at=thread.created_at + dt.timedelta(hours=hours), state="completed"
        )
    never = django_thread()
    _aged(never, now - dt.timedelta(days=3))
    too_old = django_thread()
    _aged(too_old, now - dt.timedelta(days=60))
    too_young = django_thread()  # unclaimed and younger than 12 hours: not judged yet

    mine = django_thread()
    estimate = wait_estimate(question=mine, now=now)
    assert (estimate.threads, estimate.claimed) == (5, 4)
    assert estimate.median == dt.timedelta(hours=2.5)
    assert estimate.tags == ("django",)
    assert too_young.pk != mine.pk


def test_no_estimate_without_recent_claims():
    estimate = wait_estimate(question=django_thread())
    assert (estimate.threads, estimate.claimed, estimate.median) == (0, 0, None)
