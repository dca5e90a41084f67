"""Offers with an injected clock: wave 1 to the top 3 at once, wave 2 to the next 5
after two hours, each mentor notified with the reasons; declining excludes without
penalty; an expired claim re-offers the thread to the next mentors; idempotent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Notification
from mentoring.models import Claim, Exclusion, Offer
from mentoring.services import claim_create, claims_apply_timers, offers_apply_timers
from tests.factories import approved_mentor, django_thread

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)


def test_waves_of_offers_with_reasons():
    mentors = [approved_mentor() for _ in range(10)]
    thread = django_thread()
    start = timezone.now()

    assert offers_apply_timers(now=start) == {"wave1": 3, "wave2": 0}
    assert offers_apply_timers(now=start + HOUR) == {"wave1": 0, "wave2": 0}
    assert offers_apply_timers(now=start + 2 * HOUR) == {"wave1": 0, "wave2": 5}
    assert offers_apply_timers(now=start + 3 * HOUR) == {"wave1": 0, "wave2": 0}

    offers = list(Offer.objects.order_by("wave", "pk"))
    assert [o.wave for o in offers] == [1, 1, 1, 2, 2, 2, 2, 2]
    assert len({o.mentor_id for o in offers}) == 8
    assert {o.mentor_id for o in offers} <= {m.pk for m in mentors}
    assert "expert in django (level 3)" in offers[0].reasons
    notes = Notification.objects.filter(kind="mentor_offer")
    assert notes.count() == 8
    first = notes.first()
    assert first.payload["excerpt_text"].startswith(
        "Matches your tags django; asked just now. Why you: expert in django (level 3)"
    )
    assert first.payload["url"] == f"/mentoring/queue/#queue-{thread.pk}"
    assert thread.title == notes.first().payload["title"]


def test_a_declined_offer_excludes_the_mentor_from_that_thread_only():
    mentor = approved_mentor()
    thread = django_thread()
    offers_apply_timers()
    offer = Offer.objects.get()
    client = APIClient()
    client.force_authenticate(mentor)

    listed = client.get("/api/v1/mentoring/offers/").json()
    assert listed["results"][0]["reasons"]
    other = APIClient()
    other.force_authenticate(approved_mentor())
    assert other.post(f"/api/v1/mentoring/offers/{offer.pk}/decline/").status_code == 403
    assert client.post(f"/api/v1/mentoring/offers/{offer.pk}/decline/").status_code == 200
    assert client.post(f"/api/v1/mentoring/offers/{offer.pk}/decline/").status_code == 409

    assert Exclusion.objects.filter(question=thread, mentor=mentor, reason="declined").exists()
    assert client.post(f"/api/v1/questions/{thread.pk}/claim/").status_code == 409
    assert client.post(f"/api/v1/questions/{django_thread().pk}/claim/").status_code == 201


def test_an_expired_claim_offers_the_thread_to_the_next_mentors():
    first = approved_mentor()
    thread = django_thread()
    start = timezone.now()
    claim_create(mentor=first, question=thread, now=start)
    others = [approved_mentor() for _ in range(3)]

    claims_apply_timers(now=start + 5 * HOUR)

    assert Claim.objects.get().state == "expired"
    offered = set(Offer.objects.filter(question=thread).values_list("mentor_id", flat=True))
    assert offered == {m.pk for m in others}


def test_the_daily_offer_cap_holds(settings):
    settings.MENTORING_DAILY_OFFER_CAP = 2
    mentor = approved_mentor(capacity=5)
    for _ in range(3):
        django_thread()

    offers_apply_timers()

    assert Offer.objects.filter(mentor=mentor).count() == 2


def test_old_threads_are_not_offered():
    approved_mentor()
    thread = django_thread()
    from qa.models import Question

    Question.objects.filter(pk=thread.pk).update(created_at=timezone.now() - 3 * 24 * HOUR)

    assert offers_apply_timers() == {"wave1": 0, "wave2": 0}
