"""Mentor profiles and claims through the API: applying, approval, matches with reasons,
exclusive claims within capacity (races settled by PostgreSQL), release, bad input."""

from __future__ import annotations

import pytest

from mentoring.models import Claim, MentorProfile
from qa.models import Question
from tests.concurrency import run_together
from tests.factories import (
    MENTOR_PROFILE,
    TagFactory,
    UserFactory,
    api,
    approved_mentor,
    django_thread,
)

pytestmark = pytest.mark.django_db


def test_a_member_applies_staff_approve_and_the_mentor_edits():
    TagFactory(name="django")
    TagFactory(name="orm")
    member = UserFactory()

    applied = api(member).put("/api/v1/mentors/me/", MENTOR_PROFILE, format="json")
    assert applied.status_code == 201
    assert applied.json()["status"] == "pending"
    assert applied.json()["expertise"] == {"django": 3, "orm": 2}

    assert api(member).post(f"/api/v1/mentors/{member.pk}/approve/").status_code == 403
    staff = UserFactory(is_staff=True)
    approved = api(staff).post(f"/api/v1/mentors/{member.pk}/approve/")
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"

    edited = api(member).put(
        "/api/v1/mentors/me/", {"capacity": 3, "accepting": False}, format="json"
    )
    assert edited.status_code == 200
    assert (edited.json()["capacity"], edited.json()["accepting"]) == (3, False)
    assert api(member).get("/api/v1/mentors/me/").json()["capacity"] == 3
    assert api(UserFactory()).get("/api/v1/mentors/me/").status_code == 404


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"capacity": 0}, "capacity"),
        ({"capacity": 6}, "capacity"),
        ({"capacity": "two"}, "capacity"),
        ({"availability": [{"day": 9, "start": "18:00", "end": "21:00"}]}, "availability"),
        ({"availability": "evenings"}, "availability"),
        ({"expertise": {"django": 4}}, "expertise"),
        ({"expertise": {"nosuchtag": 1}}, "expertise"),
        ({"languages": ["english!"]}, "languages"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"status": "approved"}, "status"),
    ],
)
def test_bad_profile_input_is_a_400_naming_the_field_and_changes_nothing(changes, field):
    TagFactory(name="django")
    TagFactory(name="orm")
    member = UserFactory()
    api(member).put("/api/v1/mentors/me/", MENTOR_PROFILE, format="json")

    response = api(member).put("/api/v1/mentors/me/", changes, format="json")

    assert response.status_code == 400
    assert field in response.json()
    profile = MentorProfile.objects.get(user=member)
    assert (profile.capacity, profile.status, profile.time_zone) == (2, "pending", "Europe/Berlin")
    assert profile.availability == MENTOR_PROFILE["availability"]


def test_matches_come_with_reasons_for_the_asker_mentors_and_staff_only():
    mentor = approved_mentor()
    thread = django_thread()

    response = api(thread.author).get(f"/api/v1/questions/{thread.pk}/mentor-matches/")

    assert response.status_code == 200
    [match] = response.json()
    assert match["user_id"] == mentor.pk
    assert "expert in django (level 3)" in match["reasons"]
    assert api(mentor).get(f"/api/v1/questions/{thread.pk}/mentor-matches/").status_code == 200
    assert (
        api(UserFactory()).get(f"/api/v1/questions/{thread.pk}/mentor-matches/").status_code == 403
    )
    assert api().get(f"/api/v1/questions/{thread.pk}/mentor-matches/").status_code == 401


def test_a_mentor_claims_and_releases_a_thread():
    mentor = approved_mentor()
    thread = django_thread()

    claimed = api(mentor).post(f"/api/v1/questions/{thread.pk}/claim/")

    assert claimed.status_code == 201
    claim = Claim.objects.get()
    assert claim.state == "active"
    assert claimed.json()["reply_due_at"]
    second = approved_mentor()
    refused = api(second).post(f"/api/v1/questions/{thread.pk}/claim/")
    assert refused.status_code == 409
    assert "already helping" in refused.json()["detail"]

    assert (
        api(second).post(f"/api/v1/claims/{claim.pk}/release/", {"reason": "x"}).status_code == 403
    )
    assert api(mentor).post(f"/api/v1/claims/{claim.pk}/release/", {}).status_code == 400
    released = api(mentor).post(
        f"/api/v1/claims/{claim.pk}/release/", {"reason": "Out of my depth on the ORM part."}
    )
    assert released.status_code == 200
    assert released.json()["state"] == "released"
    assert (
        api(mentor).post(f"/api/v1/claims/{claim.pk}/release/", {"reason": "again"}).status_code
        == 409
    )
    assert api(second).post(f"/api/v1/questions/{thread.pk}/claim/").status_code == 201


def test_claims_that_cannot_be_made_change_nothing():
    mentor = approved_mentor(capacity=1)
    own = django_thread(author=mentor)
    closed = django_thread()
    Question.objects.filter(pk=closed.pk).update(status="closed", closed_reason="Off-topic")
    hidden = django_thread()
    Question.objects.filter(pk=hidden.pk).update(hidden=True)
    first, second = django_thread(), django_thread()

    assert api(UserFactory()).post(f"/api/v1/questions/{first.pk}/claim/").status_code == 403
    assert api(mentor).post(f"/api/v1/questions/{own.pk}/claim/").status_code == 409
    assert api(mentor).post(f"/api/v1/questions/{closed.pk}/claim/").status_code == 409
    assert api(mentor).post(f"/api/v1/questions/{hidden.pk}/claim/").status_code == 404
    assert api(mentor).post("/api/v1/questions/999999/claim/").status_code == 404
    assert api().post(f"/api/v1/questions/{first.pk}/claim/").status_code == 401
    assert api(mentor).post(f"/api/v1/questions/{first.pk}/claim/").status_code == 201
    full = api(mentor).post(f"/api/v1/questions/{second.pk}/claim/")
    assert full.status_code == 409
    assert "capacity" in full.json()["detail"]
    assert Claim.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_ten_mentors_claiming_one_thread_at_once_get_one_201_and_nine_409():
    mentors = [approved_mentor() for _ in range(10)]
    thread = django_thread()
    codes: list[int] = []

    errors = run_together(
        [
            lambda m=m: codes.append(
                api(m).post(f"/api/v1/questions/{thread.pk}/claim/").status_code
            )
            for m in mentors
        ]
    )

    assert errors == []
    assert sorted(codes) == [201] + [409] * 9
    assert Claim.objects.filter(question=thread, state="active").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_mentor_with_capacity_one_claiming_two_threads_at_once_gets_one():
    mentor = approved_mentor(capacity=1)
    threads = [django_thread(), django_thread()]
    codes: list[int] = []

    errors = run_together(
        [
            lambda t=t: codes.append(
                api(mentor).post(f"/api/v1/questions/{t.pk}/claim/").status_code
            )
            for t in threads
        ]
    )

    assert errors == []
    assert sorted(codes) == [201, 409]
    assert Claim.objects.filter(mentor=mentor, state="active").count() == 1


def test_going_away_releases_claims_without_a_reply():
    mentor = approved_mentor()
    thread = django_thread()
    api(mentor).post(f"/api/v1/questions/{thread.pk}/claim/")

    response = api(mentor).put(
        "/api/v1/mentors/me/", {"away_until": "2099-01-01T00:00:00Z"}, format="json"
    )

    assert response.status_code == 200
    claim = Claim.objects.get()
    assert (claim.state, claim.end_reason) == ("released", "The mentor is away.")
