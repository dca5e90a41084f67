"""Pinned query counts of every mentoring page and endpoint: each is measured with 1 row
and with 5 (threads in the queue, offers, claims, mentorships, tags of expertise, mentors,
claims the mentor already holds) and costs exactly the same.

A page signed in with the session costs its session and its member (2 queries) before the
view runs; the API clients authenticate without a query.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from mentoring.models import Claim, Escalation, Mentorship, Offer
from mentoring.services import (
    claim_create,
    claim_release,
    mentor_update,
    mentorship_accept,
    mentorship_request,
)
from qa.services import answer_accept
from tests.factories import TagFactory, UserFactory, answer, api, approved_mentor, django_thread

pytestmark = pytest.mark.django_db

ROWS = [1, 5]
GOALS = "I want to contribute my first patch to the ORM within two months."


def signed_in(client, user):
    client.force_login(user)
    return client


def offer(question, mentor, **fields) -> Offer:
    return Offer.objects.create(
        question=question, mentor=mentor, wave=1, score=1.0, reasons=["knows django"], **fields
    )


def threads_offered_to(mentor, rows: int) -> list:
    """Rows threads offered to the mentor: one taken by another mentor, one declined."""
    threads = [django_thread() for _ in range(rows)]
    for thread in threads:
        offer(thread, mentor)
    claim_create(mentor=approved_mentor(), question=threads[0])
    Offer.objects.filter(question=threads[-1]).update(declined_at=timezone.now())
    return threads


def held_claims(mentor, rows: int) -> list[Claim]:
    return [claim_create(mentor=mentor, question=django_thread()) for _ in range(rows)]


def past_claims(mentor, rows: int) -> None:
    for claim in held_claims(mentor, rows):
        claim_release(claim=claim, by=mentor, reason="No time this week.")


def expertise(mentor, rows: int) -> dict[str, int]:
    """The mentor knows django and rows - 1 tags more."""
    levels = {"django": 3, **{TagFactory().name: 2 for _ in range(rows - 1)}}
    mentor_update(profile=mentor.mentor_profile, expertise=levels)
    return levels


def mentorships_with(mentor, rows: int) -> list[Mentorship]:
    return [
        mentorship_request(mentee=UserFactory(), mentor=mentor, goals=GOALS) for _ in range(rows)
    ]


def solved_with_claim(mentor):
    """A thread the mentor claimed and answered, solved by the asker's accept."""
    thread = django_thread()
    claim = claim_create(mentor=mentor, question=thread)
    answer_accept(user=thread.author, answer=answer(question_obj=thread, author=mentor))
    return thread, claim


# --- Pages ------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", ROWS)
def test_queue_page(client, django_assert_num_queries, rows):
    mentor = approved_mentor(capacity=5)
    threads = [django_thread() for _ in range(rows)]
    offer(threads[0], mentor)
    Escalation.objects.create(
        question=threads[-1], escalated_at=timezone.now(), eligible_mentors=1, reason="Slow."
    )
    signed_in(client, mentor)
    with django_assert_num_queries(14):
        page = client.get("/mentoring/queue/")
    assert page.content.decode().count('id="queue-') == rows


@pytest.mark.parametrize("rows", ROWS)
def test_offers_page(client, django_assert_num_queries, rows):
    mentor = approved_mentor(capacity=5)
    threads_offered_to(mentor, rows)
    signed_in(client, mentor)
    with django_assert_num_queries(5):
        page = client.get("/mentoring/offers/")
    assert page.content.decode().count('id="offer-') == rows


@pytest.mark.parametrize("rows", ROWS)
def test_claims_page(client, django_assert_num_queries, rows):
    mentor = approved_mentor(capacity=5)
    past_claims(mentor, rows)
    held_claims(mentor, rows)
    signed_in(client, mentor)
    with django_assert_num_queries(4):
        page = client.get("/mentoring/claims/").content.decode()
    assert page.count('id="claim-') == rows
    assert page.count("released") == rows


@pytest.mark.parametrize("rows", ROWS)
def test_dashboard_with_figures(client, django_assert_num_queries, rows):
    mentor = approved_mentor(capacity=5)
    past_claims(mentor, rows)
    held_claims(mentor, rows)
    threads_offered_to(mentor, rows)
    signed_in(client, mentor)
    with django_assert_num_queries(10):
        page = client.get("/mentoring/")
    assert "Your figures" in page.content.decode()


@pytest.mark.parametrize("rows", ROWS)
def test_dashboard_before_applying(client, django_assert_num_queries, rows):
    member = UserFactory()
    for _ in range(rows):
        mentorship_request(mentee=member, mentor=approved_mentor(), goals=GOALS)
    signed_in(client, member)
    with django_assert_num_queries(4):
        assert "Become a mentor" in client.get("/mentoring/").content.decode()


@pytest.mark.parametrize("rows", ROWS)
def test_public_mentor_profile(client, django_assert_num_queries, rows):
    mentor = approved_mentor()
    levels = expertise(mentor, rows)
    signed_in(client, UserFactory())
    with django_assert_num_queries(5):
        page = client.get(f"/mentors/{mentor.username}/").content.decode()
    assert all(f"{name} (" in page for name in levels)


@pytest.mark.parametrize("rows", ROWS)
def test_mentorship_request_from_the_profile(client, django_assert_num_queries, rows):
    mentor = approved_mentor()
    expertise(mentor, rows)
    mentorships_with(mentor, rows)
    signed_in(client, UserFactory())
    with django_assert_num_queries(16):
        response = client.post(f"/mentors/{mentor.username}/", {"goals": GOALS})
    assert response.status_code == 302


@pytest.mark.parametrize("rows", ROWS)
def test_become_a_mentor_form(client, django_assert_num_queries, rows):
    for _ in range(rows):
        TagFactory()
    signed_in(client, UserFactory())
    with django_assert_num_queries(4):
        assert "Apply to mentor" in client.get("/mentoring/profile/").content.decode()


@pytest.mark.parametrize("rows", ROWS)
def test_apply_to_mentor(client, django_assert_num_queries, rows):
    tags = ["django", *(TagFactory().name for _ in range(rows - 1))]
    TagFactory(name="django")
    signed_in(client, UserFactory())
    form = {
        "expertise": ", ".join(f"{name} 2" for name in tags),
        "capacity": "2", "languages": "en", "time_zone": "UTC",
    }  # fmt: skip
    with django_assert_num_queries(13):
        assert client.post("/mentoring/profile/", form).status_code == 302


@pytest.mark.parametrize("rows", ROWS)
def test_edit_mentor_profile_form(client, django_assert_num_queries, rows):
    mentor = approved_mentor()
    expertise(mentor, rows)
    signed_in(client, mentor)
    with django_assert_num_queries(5):
        assert "Your mentor profile" in client.get("/mentoring/profile/").content.decode()


@pytest.mark.parametrize("rows", ROWS)
def test_edit_mentor_profile(client, django_assert_num_queries, rows):
    mentor = approved_mentor()
    levels = expertise(mentor, rows)
    signed_in(client, mentor)
    form = {
        "expertise": ", ".join(f"{name} 1" for name in levels),
        "capacity": "3", "languages": "en", "time_zone": "UTC",
    }  # fmt: skip
    with django_assert_num_queries(10):
        assert client.post("/mentoring/profile/", form).status_code == 302


@pytest.mark.parametrize("rows", ROWS)
def test_mentorships_page(client, django_assert_num_queries, rows):
    mentor = approved_mentor()
    mentorships_with(mentor, rows)
    signed_in(client, mentor)
    with django_assert_num_queries(5):
        page = client.get("/mentorships/").content.decode()
    assert page.count("asked you") == rows


@pytest.mark.parametrize("rows", ROWS)
def test_mentorship_page(client, django_assert_num_queries, rows):
    mentor = approved_mentor()
    shown = mentorships_with(mentor, rows)[0]
    signed_in(client, mentor)
    with django_assert_num_queries(4):
        assert client.get(f"/mentorships/{shown.pk}/").status_code == 200


@pytest.mark.parametrize("step", ["accept", "decline", "end"])
@pytest.mark.parametrize("rows", ROWS)
def test_mentorship_steps(client, django_assert_num_queries, rows, step):
    mentor = approved_mentor(capacity=5)
    shown = mentorships_with(mentor, rows)[0]
    if step == "end":
        mentorship_accept(mentorship=shown, by=mentor)
    signed_in(client, mentor)
    with django_assert_num_queries({"accept": 15, "decline": 12, "end": 12}[step]):
        response = client.post(f"/mentorships/{shown.pk}/{step}/")
    assert response.status_code == 302


@pytest.mark.parametrize("rows", ROWS)
def test_claim_from_the_page(client, django_assert_num_queries, rows):
    mentor = approved_mentor(capacity=5)
    held_claims(mentor, rows - 1)
    thread = django_thread()
    signed_in(client, mentor)
    # 21 with the thread's first-claim moment (Question.first_claim_at).
    with django_assert_num_queries(21):
        assert client.post(f"/questions/{thread.pk}/claim/").status_code == 302


@pytest.mark.parametrize("rows", ROWS)
def test_release_from_the_page(client, django_assert_num_queries, rows):
    mentor = approved_mentor(capacity=5)
    claim = held_claims(mentor, rows)[0]
    signed_in(client, mentor)
    with django_assert_num_queries(8):
        response = client.post(f"/claims/{claim.pk}/release/", {"reason": "No time."})
    assert response.status_code == 302


@pytest.mark.parametrize("rows", ROWS)
def test_extend_from_the_page(client, django_assert_num_queries, rows):
    mentor = approved_mentor(capacity=5)
    claim = held_claims(mentor, rows)[0]
    signed_in(client, mentor)
    with django_assert_num_queries(7):
        assert client.post(f"/claims/{claim.pk}/extend/").status_code == 302


@pytest.mark.parametrize("rows", ROWS)
def test_handoff_from_the_page(client, django_assert_num_queries, rows):
    mentor, other = approved_mentor(capacity=5), approved_mentor(capacity=5)
    claim = held_claims(mentor, rows)[0]
    held_claims(other, rows - 1)
    signed_in(client, mentor)
    # One more with the thread's first-claim moment (Question.first_claim_at).
    with django_assert_num_queries(26):
        response = client.post(
            f"/claims/{claim.pk}/handoff/", {"mentor": other.username, "note": "Knows the ORM."}
        )
    assert response.status_code == 302


@pytest.mark.parametrize("rows", ROWS)
def test_feedback_from_the_page(client, django_assert_num_queries, rows):
    mentor = approved_mentor(capacity=5)
    held_claims(mentor, rows - 1)
    thread, claim = solved_with_claim(mentor)
    signed_in(client, thread.author)
    with django_assert_num_queries(8):
        response = client.post(f"/claims/{claim.pk}/feedback/", {"rating": "great"})
    assert response.status_code == 302


@pytest.mark.parametrize("rows", ROWS)
def test_decline_an_offer_from_the_page(client, django_assert_num_queries, rows):
    mentor = approved_mentor(capacity=5)
    thread = threads_offered_to(mentor, rows + 2)[1]
    signed_in(client, mentor)
    made = Offer.objects.get(question=thread, mentor=mentor)
    with django_assert_num_queries(11):
        assert client.post(f"/mentoring/offers/{made.pk}/decline/").status_code == 302


# --- API --------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", ROWS)
def test_api_my_mentor_profile(django_assert_num_queries, rows):
    mentor = approved_mentor()
    levels = expertise(mentor, rows)
    with django_assert_num_queries(3):
        assert api(mentor).get("/api/v1/mentors/me/").json()["expertise"] == levels


@pytest.mark.parametrize("rows", ROWS)
def test_api_apply_to_mentor(django_assert_num_queries, rows):
    tags = {"django": 3, **{TagFactory().name: 1 for _ in range(rows - 1)}}
    TagFactory(name="django")
    body = {"expertise": tags, "capacity": 2, "languages": ["en"], "time_zone": "UTC"}
    client = api(UserFactory())
    with django_assert_num_queries(14):
        response = client.put("/api/v1/mentors/me/", body, format="json")
    assert response.status_code == 201


@pytest.mark.parametrize("rows", ROWS)
def test_api_edit_my_mentor_profile(django_assert_num_queries, rows):
    mentor = approved_mentor()
    levels = expertise(mentor, rows)
    body = {"expertise": dict.fromkeys(levels, 1), "capacity": 3}
    with django_assert_num_queries(13):
        response = api(mentor).put("/api/v1/mentors/me/", body, format="json")
    assert response.status_code == 200


@pytest.mark.parametrize("rows", ROWS)
def test_api_approve_a_mentor(django_assert_num_queries, rows):
    applicant = UserFactory()
    levels = {"django": 3, **{TagFactory().name: 1 for _ in range(rows - 1)}}
    TagFactory(name="django")
    api(applicant).put(
        "/api/v1/mentors/me/",
        {"expertise": levels, "capacity": 2, "languages": ["en"], "time_zone": "UTC"},
        format="json",
    )
    staff = api(UserFactory(is_staff=True))
    with django_assert_num_queries(8):
        response = staff.post(f"/api/v1/mentors/{applicant.pk}/approve/")
    assert response.json()["expertise"] == levels


@pytest.mark.parametrize("rows", ROWS)
def test_api_figures(django_assert_num_queries, rows):
    mentor = approved_mentor(capacity=5)
    past_claims(mentor, rows)
    held_claims(mentor, rows)
    threads_offered_to(mentor, rows)
    with django_assert_num_queries(7):
        assert api(mentor).get("/api/v1/mentors/me/figures/").json()["claims"] == 2 * rows


@pytest.mark.parametrize("rows", ROWS)
def test_api_unserved_tags(django_assert_num_queries, rows):
    for _ in range(rows):
        thread = django_thread()
        thread.tags.add(TagFactory())
        Escalation.objects.create(
            question=thread, escalated_at=timezone.now(), eligible_mentors=0, reason="None."
        )
    staff = api(UserFactory(is_staff=True))
    with django_assert_num_queries(2):
        tags = staff.get("/api/v1/mentoring/unserved-tags/").json()
    assert len(tags) == rows + 1


@pytest.mark.parametrize("rows", ROWS)
def test_api_queue(django_assert_num_queries, rows):
    mentor = approved_mentor(capacity=5)
    for _ in range(rows):
        django_thread()
    with django_assert_num_queries(10):
        assert len(api(mentor).get("/api/v1/mentoring/queue/").json()) == rows


@pytest.mark.parametrize("rows", ROWS)
def test_api_offers(django_assert_num_queries, rows):
    mentor = approved_mentor(capacity=5)
    threads_offered_to(mentor, rows)
    with django_assert_num_queries(2):
        assert api(mentor).get("/api/v1/mentoring/offers/").json()["count"] == rows


@pytest.mark.parametrize("rows", ROWS)
def test_api_decline_an_offer(django_assert_num_queries, rows):
    mentor = approved_mentor(capacity=5)
    thread = threads_offered_to(mentor, rows + 2)[1]
    made = Offer.objects.get(question=thread, mentor=mentor)
    with django_assert_num_queries(9):
        response = api(mentor).post(f"/api/v1/mentoring/offers/{made.pk}/decline/")
    assert response.status_code == 200


@pytest.mark.parametrize("rows", ROWS)
def test_api_mentor_matches(django_assert_num_queries, rows):
    mentors = [approved_mentor() for _ in range(rows)]
    thread = django_thread()
    past_claims(mentors[0], 1)
    with django_assert_num_queries(6):
        matches = api(thread.author).get(f"/api/v1/questions/{thread.pk}/mentor-matches/").json()
    assert len(matches) == rows


@pytest.mark.parametrize("rows", ROWS)
def test_api_mentorships(django_assert_num_queries, rows):
    mentor = approved_mentor()
    mentorships_with(mentor, rows)
    with django_assert_num_queries(2):
        assert api(mentor).get("/api/v1/mentorships/").json()["count"] == rows


@pytest.mark.parametrize("rows", ROWS)
def test_api_ask_for_a_mentorship(django_assert_num_queries, rows):
    mentor = approved_mentor()
    mentorships_with(mentor, rows)
    body = {"mentor": mentor.username, "goals": GOALS}
    client = api(UserFactory())
    with django_assert_num_queries(14):
        assert client.post("/api/v1/mentorships/", body).status_code == 201


@pytest.mark.parametrize("step", ["accept", "decline", "end"])
@pytest.mark.parametrize("rows", ROWS)
def test_api_mentorship_steps(django_assert_num_queries, rows, step):
    mentor = approved_mentor(capacity=5)
    shown = mentorships_with(mentor, rows)[0]
    if step == "end":
        mentorship_accept(mentorship=shown, by=mentor)
    with django_assert_num_queries({"accept": 13, "decline": 10, "end": 10}[step]):
        response = api(mentor).post(f"/api/v1/mentorships/{shown.pk}/{step}/")
    assert response.status_code == 200


@pytest.mark.parametrize("rows", ROWS)
def test_api_claim(django_assert_num_queries, rows):
    mentor = approved_mentor(capacity=5)
    held_claims(mentor, rows - 1)
    thread = django_thread()
    # One more with the thread's first-claim moment (Question.first_claim_at).
    with django_assert_num_queries(19):
        assert api(mentor).post(f"/api/v1/questions/{thread.pk}/claim/").status_code == 201


@pytest.mark.parametrize("rows", ROWS)
def test_api_release(django_assert_num_queries, rows):
    mentor = approved_mentor(capacity=5)
    claim = held_claims(mentor, rows)[0]
    with django_assert_num_queries(6):
        response = api(mentor).post(f"/api/v1/claims/{claim.pk}/release/", {"reason": "No time."})
    assert response.status_code == 200


@pytest.mark.parametrize("rows", ROWS)
def test_api_extend(django_assert_num_queries, rows):
    mentor = approved_mentor(capacity=5)
    claim = held_claims(mentor, rows)[0]
    with django_assert_num_queries(5):
        assert api(mentor).post(f"/api/v1/claims/{claim.pk}/extend/").status_code == 200


@pytest.mark.parametrize("rows", ROWS)
def test_api_handoff(django_assert_num_queries, rows):
    mentor, other = approved_mentor(capacity=5), approved_mentor(capacity=5)
    claim = held_claims(mentor, rows)[0]
    held_claims(other, rows - 1)
    body = {"mentor": other.username, "note": "Knows the ORM."}
    # One more with the thread's first-claim moment (Question.first_claim_at).
    with django_assert_num_queries(24):
        response = api(mentor).post(f"/api/v1/claims/{claim.pk}/handoff/", body)
    assert response.status_code == 201


@pytest.mark.parametrize("rows", ROWS)
def test_api_feedback(django_assert_num_queries, rows):
    mentor = approved_mentor(capacity=5)
    held_claims(mentor, rows - 1)
    thread, claim = solved_with_claim(mentor)
    with django_assert_num_queries(6):
        response = api(thread.author).post(
            f"/api/v1/claims/{claim.pk}/feedback/", {"rating": "great"}
        )
    assert response.status_code == 201
