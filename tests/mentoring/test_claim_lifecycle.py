"""Extending once, handing off to a named mentor with a note, and the asker's rating
once the thread is solved ("problematic" blocks that pairing and alerts moderators)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from accounts.models import Notification
from mentoring.models import Claim, Feedback
from mentoring.selectors import mentor_matches
from mentoring.services import claim_create
from qa.services import answer_accept, answer_post
from tests.factories import UserFactory, approved_mentor, django_thread

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_claim_is_extended_once_by_its_mentor():
    mentor = approved_mentor()
    claim = claim_create(mentor=mentor, question=django_thread())
    due = claim.reply_due_at

    assert api(approved_mentor()).post(f"/api/v1/claims/{claim.pk}/extend/").status_code == 403
    response = api(mentor).post(f"/api/v1/claims/{claim.pk}/extend/")
    assert response.status_code == 200
    claim.refresh_from_db()
    assert (claim.reply_due_at - due).total_seconds() == 4 * 3600
    again = api(mentor).post(f"/api/v1/claims/{claim.pk}/extend/")
    assert again.status_code == 409
    assert "once" in again.json()["detail"]


def test_a_handoff_moves_the_thread_to_the_named_mentor_with_the_note():
    first, second = approved_mentor(), approved_mentor()
    full = approved_mentor(capacity=1)
    claim_create(mentor=full, question=django_thread())
    thread = django_thread()
    claim = claim_create(mentor=first, question=thread)
    client = api(first)
    url = f"/api/v1/claims/{claim.pk}/handoff/"

    assert client.post(url, {"mentor": second.username}).status_code == 400  # no note
    assert client.post(url, {"mentor": "nobody", "note": "x"}).status_code == 400
    assert client.post(url, {"mentor": full.username, "note": "x"}).status_code == 409
    assert client.post(url, {"mentor": UserFactory().username, "note": "x"}).status_code == 409
    assert Claim.objects.get(pk=claim.pk).state == "active"

    response = client.post(url, {"mentor": second.username, "note": "They know the ORM part."})

    assert response.status_code == 201
    assert response.json()["mentor"] == second.username
    claim.refresh_from_db()
    assert claim.state == "handed_off"
    assert "They know the ORM part." in claim.end_reason


def test_the_asker_rates_once_after_solving_and_problematic_blocks_the_pairing():
    moderator = UserFactory(is_staff=True)
    moderator.groups.add(Group.objects.get_or_create(name="Moderators")[0])
    mentor = approved_mentor()
    thread = django_thread()
    claim = claim_create(mentor=mentor, question=thread)
    url = f"/api/v1/claims/{claim.pk}/feedback/"
    asker = api(thread.author)

    assert asker.post(url, {"rating": "great"}).status_code == 409  # not solved yet
    answer_accept(user=thread.author, answer=answer_post(author=mentor, question=thread, body="x"))
    assert api(mentor).post(url, {"rating": "great"}).status_code == 403
    assert asker.post(url, {"rating": "superb"}).status_code == 400
    response = asker.post(url, {"rating": "problematic", "comment": "Rude replies."})
    assert response.status_code == 201
    assert asker.post(url, {"rating": "good"}).status_code == 409

    assert Feedback.objects.get().rating == "problematic"
    assert Notification.objects.filter(kind="mentoring_problem", recipient=moderator).exists()
    next_thread = django_thread(author=thread.author)
    assert mentor.pk not in [m.user_id for m in mentor_matches(question=next_thread)]
    other_asker_thread = django_thread()
    assert mentor.pk in [m.user_id for m in mentor_matches(question=other_asker_thread)]
