"""The thread page's mentoring panel: "I'll take this" for mentors, "being helped by X
since" for everyone, release for the mentor, and the mentors who may help for the asker."""

from __future__ import annotations

import pytest

from mentoring.models import Claim
from tests.factories import UserFactory, approved_mentor, django_thread

pytestmark = pytest.mark.django_db


def test_a_mentor_takes_a_thread_from_its_page_and_releases_it(client):
    mentor = approved_mentor(display_name="Ada")
    thread = django_thread()
    client.force_login(mentor)

    assert "I'll take this" in client.get(thread.get_absolute_url()).content.decode()
    response = client.post(f"/questions/{thread.pk}/claim/")
    assert response.status_code == 302

    page = client.get(thread.get_absolute_url()).content.decode()
    assert "Being helped by" in page
    assert "Ada" in page
    assert "Your first reply" in page
    claim = Claim.objects.get()

    assert client.post(f"/claims/{claim.pk}/release/", {"reason": ""}).status_code == 400
    assert (
        client.post(f"/claims/{claim.pk}/release/", {"reason": "No time this week"}).status_code
        == 302
    )
    assert Claim.objects.get().state == "released"


def test_refusals_on_the_page_are_4xx_with_the_reason(client):
    holder, other = approved_mentor(), approved_mentor()
    thread = django_thread()
    client.force_login(holder)
    client.post(f"/questions/{thread.pk}/claim/")
    claim = Claim.objects.get()

    client.force_login(other)
    taken = client.post(f"/questions/{thread.pk}/claim/")
    assert taken.status_code == 409
    assert "already helping" in taken.content.decode()
    assert client.post(f"/claims/{claim.pk}/release/", {"reason": "mine now"}).status_code == 403
    client.force_login(UserFactory())
    assert client.post(f"/questions/{thread.pk}/claim/").status_code == 403
    assert Claim.objects.get().mentor == holder


def test_the_asker_sees_the_mentors_who_may_help(client):
    approved_mentor(display_name="Grace")
    thread = django_thread()
    client.force_login(thread.author)

    page = client.get(thread.get_absolute_url()).content.decode()

    assert "Mentors who may help" in page
    assert "Grace" in page
    assert "I'll take this" not in page


def test_the_queue_page_lists_what_a_mentor_may_take_and_claims_from_it(client):
    mentor = approved_mentor()
    thread = django_thread(title="Why is my queryset evaluated twice?")
    client.force_login(mentor)

    page = client.get("/mentoring/queue/").content.decode()
    assert "Why is my queryset evaluated twice?" in page
    assert "Why you: expert in django (level 3)" in page

    assert client.post(f"/questions/{thread.pk}/claim/").status_code == 302
    assert "Nothing is waiting for you" in client.get("/mentoring/queue/").content.decode()
    client.force_login(UserFactory())
    assert client.get("/mentoring/queue/").status_code == 403
    client.logout()
    assert client.get("/mentoring/queue/").status_code == 302


def test_the_next_mentor_sees_the_threads_history_with_the_handoff_note(client):
    first, second = approved_mentor(display_name="Ada"), approved_mentor()
    thread = django_thread()
    client.force_login(first)
    client.post(f"/questions/{thread.pk}/claim/")
    claim = Claim.objects.get()
    client.post(f"/claims/{claim.pk}/release/", {"reason": "Needs someone who knows Oracle"})

    client.force_login(second)
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "Mentoring history of this thread (1)" in page
    assert "Ada" in page
    assert "released: Needs someone who knows Oracle" in page
    client.force_login(UserFactory())
    assert "Mentoring history" not in client.get(thread.get_absolute_url()).content.decode()
