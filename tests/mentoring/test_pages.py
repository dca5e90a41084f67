"""The mentoring pages without JavaScript: become a mentor, the dashboard, claims with
extend and hand-off, offers with decline, a mentor's profile with the mentorship request,
mentorship steps, the asker's rating and the wait estimate on the thread."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from mentoring.models import Claim, Feedback, MentorProfile, Mentorship, Offer
from mentoring.services import claim_create, mentorship_request, offers_apply_timers
from qa.models import Question
from qa.services import answer_accept
from tests.factories import TagFactory, UserFactory, answer, approved_mentor, django_thread

pytestmark = pytest.mark.django_db

GOALS = "I want to contribute my first patch to the ORM within two months."


def test_a_member_becomes_a_mentor_through_the_form(client):
    TagFactory(name="django")
    TagFactory(name="orm")
    member = UserFactory()
    client.force_login(member)
    assert "Become a mentor" in client.get("/mentoring/").content.decode()

    bad = client.post(
        "/mentoring/profile/",
        {"expertise": "django 7", "capacity": "9", "languages": "en", "time_zone": "UTC",
         "availability": "Someday 18:00-21:00"},
    )  # fmt: skip
    assert bad.status_code == 400
    page = bad.content.decode()
    assert "The level of django is 1, 2 or 3." in page
    assert "is not a weekly window" in page
    assert "less than or equal to 5" in page
    assert not MentorProfile.objects.exists()

    unknown = client.post(
        "/mentoring/profile/",
        {"expertise": "cobol 3", "capacity": "2", "languages": "en", "time_zone": "UTC"},
    )
    assert unknown.status_code == 400
    assert "No such tag: cobol" in unknown.content.decode()
    garbled = client.post(
        "/mentoring/profile/",
        {"expertise": "django, three", "capacity": "2", "languages": "en", "time_zone": "UTC"},
    )
    assert "is not a tag and a level" in garbled.content.decode()

    applied = client.post(
        "/mentoring/profile/",
        {"expertise": "django 3, orm: 2", "capacity": "3", "languages": "en, de",
         "time_zone": "Europe/Berlin", "availability": "Mon 18:00-21:00\nsat 9:00-12:00",
         "bio": "ORM person.", "accepting": "on"},
    )  # fmt: skip
    assert applied.status_code == 302
    profile = MentorProfile.objects.get(user=member)
    assert profile.status == "pending"
    assert profile.capacity == 3
    assert {e.tag.name: e.level for e in profile.expertise.all()} == {"django": 3, "orm": 2}
    assert profile.availability == [
        {"day": 0, "start": "18:00", "end": "21:00"},
        {"day": 5, "start": "09:00", "end": "12:00"},
    ]
    assert "waiting for approval" in client.get("/mentoring/").content.decode()
    # The edit form shows what was saved.
    assert "django 3, orm 2" in client.get("/mentoring/profile/").content.decode()


def test_away_until_from_the_form_releases_claims_without_a_reply(client):
    mentor = approved_mentor()
    claim_create(mentor=mentor, question=django_thread())
    client.force_login(mentor)
    away = (timezone.now() + dt.timedelta(days=5)).date().isoformat()
    response = client.post(
        "/mentoring/profile/",
        {"expertise": "django 3", "capacity": "2", "languages": "en", "time_zone": "UTC",
         "accepting": "on", "away_until": away},
    )  # fmt: skip
    assert response.status_code == 302
    assert Claim.objects.get().state == "released"


def test_the_dashboard_shows_the_mentors_figures(client):
    mentor = approved_mentor(capacity=3)
    claim = claim_create(mentor=mentor, question=django_thread())
    Claim.objects.filter(pk=claim.pk).update(
        first_reply_at=claim.created_at + dt.timedelta(minutes=42)
    )
    client.force_login(mentor)
    page = client.get("/mentoring/").content.decode()
    assert "42 minutes" in page
    assert "1 claim and 0 mentorships of 3" in page


def test_claims_page_extends_and_hands_off(client):
    mentor, next_mentor = approved_mentor(), approved_mentor()
    thread = django_thread()
    claim = claim_create(mentor=mentor, question=thread)
    client.force_login(mentor)
    assert thread.title in client.get("/mentoring/claims/").content.decode()

    extended = client.post(f"/claims/{claim.pk}/extend/", {"next": "/mentoring/claims/"})
    assert extended.status_code == 302
    assert extended["Location"] == "/mentoring/claims/"
    assert client.post(f"/claims/{claim.pk}/extend/").status_code == 409

    nobody = client.post(f"/claims/{claim.pk}/handoff/", {"mentor": "ghost", "note": "x"})
    assert nobody.status_code == 400
    no_note = client.post(f"/claims/{claim.pk}/handoff/", {"mentor": next_mentor.username})
    assert no_note.status_code == 400
    assert Claim.objects.get(pk=claim.pk).state == "active"
    handed = client.post(
        f"/claims/{claim.pk}/handoff/", {"mentor": next_mentor.username, "note": "Needs ORM help"}
    )
    assert handed.status_code == 302
    assert Claim.objects.get(state="active").mentor == next_mentor


def test_offers_page_and_the_queue_decline_an_offer(client):
    mentor = approved_mentor()
    approved_mentor(), approved_mentor()
    thread = django_thread(title="Migrations clash after a rebase")
    offers_apply_timers()
    offer = Offer.objects.get(mentor=mentor)
    client.force_login(mentor)
    queue = client.get("/mentoring/queue/").content.decode()
    assert f'id="queue-{thread.pk}"' in queue
    assert "Offered to you" in queue
    assert (
        "Why you: expert in django (level 3)" in client.get("/mentoring/offers/").content.decode()
    )

    assert client.post(f"/mentoring/offers/{offer.pk}/decline/").status_code == 302
    assert Offer.objects.get(pk=offer.pk).declined_at is not None
    assert client.post(f"/mentoring/offers/{offer.pk}/decline/").status_code == 409
    client.force_login(UserFactory())
    assert client.post(f"/mentoring/offers/{offer.pk}/decline/").status_code == 403


def test_a_member_asks_a_mentor_from_their_profile_and_the_mentor_accepts(client):
    mentor = approved_mentor(display_name="Grace")
    mentee = UserFactory()
    assert client.get(f"/mentors/{mentee.username}/").status_code == 404
    client.force_login(mentee)
    page = client.get(f"/mentors/{mentor.username}/").content.decode()
    assert "Grace, mentor" in page
    assert "django (expert)" in page

    short = client.post(f"/mentors/{mentor.username}/", {"goals": "help me"})
    assert short.status_code == 400
    assert not Mentorship.objects.exists()
    asked = client.post(f"/mentors/{mentor.username}/", {"goals": GOALS})
    mentorship = Mentorship.objects.get()
    assert asked.status_code == 302
    assert asked["Location"] == f"/mentorships/{mentorship.pk}/"
    twice = client.post(f"/mentors/{mentor.username}/", {"goals": GOALS})
    assert twice.status_code == 400
    assert "already have a request" in twice.content.decode()

    assert client.post(f"/mentorships/{mentorship.pk}/accept/").status_code == 403
    client.force_login(mentor)
    assert "asked you" in client.get("/mentorships/").content.decode()
    assert client.post(f"/mentorships/{mentorship.pk}/accept/").status_code == 302
    assert Mentorship.objects.get().state == "active"
    assert (
        client.post(f"/mentorships/{mentorship.pk}/end/", {"note": "Goal reached"}).status_code
        == 302
    )
    assert Mentorship.objects.get().state == "ended"
    client.force_login(UserFactory())
    assert client.get(f"/mentorships/{mentorship.pk}/").status_code == 404


def test_a_mentor_declines_a_request_on_its_page(client):
    mentor = approved_mentor()
    mentorship = mentorship_request(mentee=UserFactory(), mentor=mentor, goals=GOALS)
    client.force_login(mentor)
    assert "Accept" in client.get(f"/mentorships/{mentorship.pk}/").content.decode()
    client.post(f"/mentorships/{mentorship.pk}/decline/", {"note": "Full now"})
    assert Mentorship.objects.get().state == "declined"
    assert client.post(f"/mentorships/{mentorship.pk}/bogus/").status_code == 404


def test_the_asker_rates_the_mentor_once_solved(client):
    mentor = approved_mentor(display_name="Ada")
    thread = django_thread()
    claim = claim_create(mentor=mentor, question=thread)
    reply = answer(question_obj=thread, author=mentor)
    Claim.objects.filter(pk=claim.pk).update(first_reply_at=reply.created_at)
    answer_accept(user=thread.author, answer=reply)
    Claim.objects.filter(pk=claim.pk).update(state="completed")

    client.force_login(thread.author)
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "How was Ada&#x27;s help?" in page or "How was Ada's help?" in page
    assert client.post(f"/claims/{claim.pk}/feedback/", {"rating": "superb"}).status_code == 400
    assert client.post(f"/claims/{claim.pk}/feedback/", {"rating": "great"}).status_code == 302
    assert Feedback.objects.get().rating == "great"
    assert client.post(f"/claims/{claim.pk}/feedback/", {"rating": "good"}).status_code == 409
    assert "Send the rating" not in client.get(thread.get_absolute_url()).content.decode()


def test_the_asker_sees_an_honest_wait_estimate_or_that_it_waits_its_turn(client):
    mentor = approved_mentor(capacity=5)
    for hours in (1, 3):
        old = django_thread()
        Question.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
        old.refresh_from_db()
        claim = claim_create(mentor=mentor, question=old)
        Claim.objects.filter(pk=claim.pk).update(
            created_at=old.created_at + dt.timedelta(hours=hours)
        )
    newcomer = UserFactory()
    first = django_thread(author=newcomer)
    client.force_login(newcomer)
    page = client.get(first.get_absolute_url()).content.decode()
    assert (
        "Of 2 recent threads tagged django, mentors took 2, half of them within about 2 hours."
        in page
    )

    django_thread(author=newcomer)
    third = django_thread(author=newcomer)
    page = client.get(third.get_absolute_url()).content.decode()
    assert "Two of your threads are already waiting for a mentor" in page


def test_a_claim_step_never_sends_the_mentor_to_another_site(client):
    mentor = approved_mentor()
    thread = django_thread()
    claim = claim_create(mentor=mentor, question=thread)
    client.force_login(mentor)
    response = client.post(f"/claims/{claim.pk}/extend/", {"next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == thread.get_absolute_url()
