"""Long-term mentorships through the API: request with goals, accept within capacity,
decline, end by either side, expiry after 14 days with a notice; bad input changes
nothing. Also the mentor's own figures and the unserved tags for staff."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Notification
from mentoring.models import Claim, Escalation, Feedback, Mentorship, Offer
from mentoring.services import (
    ClaimConflict,
    claim_create,
    escalations_apply,
    mentorship_request,
    mentorships_expire,
)
from qa.services import answer_accept
from tests.factories import (
    TagFactory,
    UserFactory,
    answer,
    api,
    approved_mentor,
    django_thread,
    question,
)

pytestmark = pytest.mark.django_db

GOALS = "I want to contribute my first patch to the ORM within two months."


def test_a_member_requests_and_the_mentor_accepts_then_either_ends():
    mentor = approved_mentor(capacity=2)
    mentee = UserFactory()

    created = api(mentee).post(
        "/api/v1/mentorships/", {"mentor": mentor.username, "goals": GOALS}, format="json"
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["state"], body["mentor"], body["goals"]) == ("requested", mentor.username, GOALS)
    note = Notification.objects.get(kind="mentorship", recipient=mentor)
    assert note.payload["url"] == f"/mentorships/{body['id']}/"

    # Only the mentor accepts.
    assert api(mentee).post(f"/api/v1/mentorships/{body['id']}/accept/").status_code == 403
    accepted = api(mentor).post(f"/api/v1/mentorships/{body['id']}/accept/")
    assert accepted.status_code == 200
    assert accepted.json()["state"] == "active"
    assert Notification.objects.filter(kind="mentorship", recipient=mentee).count() == 1

    listed = api(mentor).get("/api/v1/mentorships/").json()
    assert [m["id"] for m in listed["results"]] == [body["id"]]
    assert api(UserFactory()).post(f"/api/v1/mentorships/{body['id']}/end/").status_code == 404

    ended = api(mentee).post(f"/api/v1/mentorships/{body['id']}/end/", {"note": "Done, thanks!"})
    assert ended.status_code == 200
    assert ended.json()["state"] == "ended"
    assert Mentorship.objects.get().ended_by == mentee
    again = api(mentor).post(f"/api/v1/mentorships/{body['id']}/end/")
    assert again.status_code == 409


def test_a_mentor_declines_with_a_note():
    mentor = approved_mentor()
    mentorship = mentorship_request(mentee=UserFactory(), mentor=mentor, goals=GOALS)
    response = api(mentor).post(
        f"/api/v1/mentorships/{mentorship.pk}/decline/", {"note": "Full until March."}
    )
    assert response.status_code == 200
    assert response.json()["state"] == "declined"
    assert response.json()["note"] == "Full until March."
    assert api(mentor).post(f"/api/v1/mentorships/{mentorship.pk}/accept/").status_code == 409


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"goals": GOALS}, "mentor"),
        ({"mentor": "nobody-here", "goals": GOALS}, "mentor"),
        ({"mentor": "MENTOR", "goals": "help"}, "goals"),
        ({"mentor": "MENTOR", "goals": "x" * 2001}, "goals"),
        ({"mentor": "PLAIN", "goals": GOALS}, "mentor"),
        ({"mentor": "SELF", "goals": GOALS}, "mentor"),
    ],
)
def test_bad_requests_are_refused_and_change_nothing(payload, field):
    mentor = approved_mentor()
    plain = UserFactory()
    mentee = UserFactory()
    names = {"MENTOR": mentor.username, "PLAIN": plain.username, "SELF": mentee.username}
    if payload.get("mentor") in names:
        payload = {**payload, "mentor": names[payload["mentor"]]}
    response = api(mentee).post("/api/v1/mentorships/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Mentorship.objects.exists()


def test_one_open_request_per_pair_and_problematic_blocks():
    mentor = approved_mentor()
    mentee = UserFactory()
    mentorship_request(mentee=mentee, mentor=mentor, goals=GOALS)
    twice = api(mentee).post(
        "/api/v1/mentorships/", {"mentor": mentor.username, "goals": GOALS}, format="json"
    )
    assert twice.status_code == 409
    assert Mentorship.objects.count() == 1

    thread = django_thread(author=mentee)
    claim = claim_create(mentor=mentor, question=thread)
    answer_accept(user=mentee, answer=answer(question_obj=thread, author=mentor))
    Claim.objects.filter(pk=claim.pk).update(state="completed")
    Feedback.objects.create(claim=claim, rating="problematic")
    Mentorship.objects.update(state="ended")
    with pytest.raises(ClaimConflict):
        mentorship_request(mentee=mentee, mentor=mentor, goals=GOALS)


def test_active_mentorships_count_against_capacity():
    mentor = approved_mentor(capacity=1)
    first = mentorship_request(mentee=UserFactory(), mentor=mentor, goals=GOALS)
    second = mentorship_request(mentee=UserFactory(), mentor=mentor, goals=GOALS)
    assert api(mentor).post(f"/api/v1/mentorships/{first.pk}/accept/").status_code == 200
    full = api(mentor).post(f"/api/v1/mentorships/{second.pk}/accept/")
    assert full.status_code == 409
    assert "capacity" in full.json()["detail"]
    refused = api(mentor).post(f"/api/v1/questions/{django_thread().pk}/claim/")
    assert refused.status_code == 409
    assert not Claim.objects.exists()
    assert Mentorship.objects.get(pk=second.pk).state == "requested"


def test_requests_expire_after_14_days_with_a_notice():
    mentor = approved_mentor()
    mentee = UserFactory()
    mentorship = mentorship_request(mentee=mentee, mentor=mentor, goals=GOALS)
    now = timezone.now()
    assert mentorships_expire(now=now + dt.timedelta(days=13)) == {"mentorships_expired": 0}
    assert mentorships_expire(now=now + dt.timedelta(days=14, seconds=1)) == {
        "mentorships_expired": 1
    }
    assert mentorships_expire(now=now + dt.timedelta(days=15)) == {"mentorships_expired": 0}
    mentorship.refresh_from_db()
    assert mentorship.state == "expired"
    notice = Notification.objects.get(kind="mentorship", recipient=mentee)
    assert "expired" in notice.payload["title"]


def test_a_mentor_sees_their_own_figures():
    mentor = approved_mentor(capacity=3)
    assert api(UserFactory()).get("/api/v1/mentors/me/figures/").status_code == 404
    now = timezone.now()
    replied = claim_create(mentor=mentor, question=django_thread())
    Claim.objects.filter(pk=replied.pk).update(
        first_reply_at=replied.created_at + dt.timedelta(minutes=30), state="completed"
    )
    Feedback.objects.create(claim=replied, rating="great")
    other = claim_create(mentor=mentor, question=django_thread())
    Claim.objects.filter(pk=other.pk).update(
        first_reply_at=other.created_at + dt.timedelta(minutes=90)
    )
    expired = claim_create(mentor=mentor, question=django_thread())
    Claim.objects.filter(pk=expired.pk).update(state="expired", ended_at=now)
    Offer.objects.create(question=django_thread(), mentor=mentor, wave=1, score=1, declined_at=now)

    figures = api(mentor).get("/api/v1/mentors/me/figures/").json()
    assert figures["claims"] == 3
    assert (figures["active"], figures["completed"], figures["expired"]) == (1, 1, 1)
    assert figures["median_first_reply_minutes"] == 60.0
    assert figures["ratings"] == {"great": 1, "good": 0, "acceptable": 0, "problematic": 0}
    assert (figures["offers_30_days"], figures["declined_30_days"]) == (1, 1)
    assert figures["capacity"] == 3


def test_staff_see_tags_without_mentors():
    rust = TagFactory(name="rust")
    django_thread()  # keeps the django tag
    lonely = question(tags=[rust])
    escalations_apply()
    assert Escalation.objects.get(question=lonely).eligible_mentors == 0
    assert api(UserFactory()).get("/api/v1/mentoring/unserved-tags/").status_code == 403
    staff = api(UserFactory(is_staff=True))
    rows = staff.get("/api/v1/mentoring/unserved-tags/?days=7").json()
    assert {"tag": "rust", "threads": 1, "mentors": 0} in rows
    assert staff.get("/api/v1/mentoring/unserved-tags/?days=abc").status_code == 400
