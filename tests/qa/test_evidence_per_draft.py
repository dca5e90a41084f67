"""A thread's checklist evidence is the evidence of its own draft: each search once,
none from other drafts or earlier questions, and the searches are shown to moderators
only (not to the asker, other members, or mentors in their queue)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from qa.models import AskDraft, FaqEntry, Question, SearchEvidence
from tests.factories import TRIED, TagFactory, UserFactory, api, ready_to_ask

pytestmark = pytest.mark.django_db

ASK = "/questions/ask/"
TRIED_STEP = {
    "what_i_tried": TRIED,
    "expected": "One run an hour",
    "actual": "Two runs an hour",
    "error_output": "",
    "environment": "Celery 5.7, Python 3.13",
}


def step(client: Client, number: int, go: str = "next", **fields: str):
    return client.post(ASK, {"step": number, "go": go, **fields})


def type_title(client: Client, title: str, *, times: int = 1) -> None:
    """What the ask page does as a title is typed: suggestions, recorded as searches."""
    for _ in range(times):
        client.get("/questions/ask/suggestions/", {"title": title, "tags": "celery"})


def ask_through_the_pages(client: Client, title: str) -> Question:
    step(client, 1, title=title, body="It runs twice.", tags="celery")
    step(client, 1, title=title, body="It runs twice.", tags="celery")
    client.get(FaqEntry.objects.get(slug="how-to-ask").get_absolute_url())
    step(client, 2)
    step(client, 3, **TRIED_STEP)
    response = step(client, 4, go="post")
    assert response.status_code == 302, response.content.decode()[:3000]
    return Question.objects.get(title=title)


@pytest.fixture
def asker(client):
    TagFactory(name="celery")
    user = UserFactory()
    client.force_login(user)
    return user


def test_a_thread_keeps_only_its_own_drafts_searches_each_once(client, asker):
    # A first draft, searched for and discarded.
    type_title(client, "Django admin is slow with many inlines")
    step(client, 1, go="restart")
    # The question really asked, with the same search typed three times.
    type_title(client, "Celery beat sends the same task twice", times=3)
    type_title(client, "celery beat sends the SAME task  twice")

    q = ask_through_the_pages(client, "Celery beat sends the same task twice")

    assert q.checklist_evidence["search_queries"] == ["Celery beat sends the same task twice"]
    assert q.checklist_evidence["faq_entries"] == [FaqEntry.objects.get(slug="how-to-ask").pk]
    # The discarded draft's search stays with it; this draft's evidence is the thread's now.
    other = SearchEvidence.objects.get(query="Django admin is slow with many inlines")
    assert other.question_id is None
    assert other.draft.status == AskDraft.Status.DISCARDED
    assert set(SearchEvidence.objects.filter(question=q).values_list("query", flat=True)) == {
        "Celery beat sends the same task twice",
        "celery beat sends the SAME task twice",
    }


def test_evidence_an_earlier_question_used_does_not_count_again():
    member = UserFactory()
    TagFactory(name="celery")
    client = api(member)
    checklist = ready_to_ask(member)
    first = client.post(
        "/api/v1/questions/",
        {"title": "Celery beat runs a task twice", "body": "Twice an hour.", "tags": ["celery"],
         "checklist": checklist},
        format="json",
    )  # fmt: skip
    assert first.status_code == 201, first.json()

    second = client.post(
        "/api/v1/questions/",
        {"title": "Celery worker loses tasks on restart", "body": "They vanish.",
         "tags": ["celery"], "checklist": {**checklist, "search_queries": []}},
        format="json",
    )  # fmt: skip

    assert second.status_code == 400
    assert "searched" in second.json()
    assert "read_faq" in second.json()


def test_the_searches_are_shown_to_moderators_only(client, asker):
    type_title(client, "Celery beat sends the same task twice")
    q = ask_through_the_pages(client, "Celery beat sends the same task twice")
    searched = "Searched for: Celery beat sends the same task twice"

    as_asker = client.get(q.get_absolute_url()).content.decode()
    assert "What I already tried" in as_asker
    assert searched not in as_asker

    visitor = Client().get(q.get_absolute_url()).content.decode()
    assert searched not in visitor

    moderator = UserFactory(is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    staff = Client()
    staff.force_login(moderator)
    assert searched in staff.get(q.get_absolute_url()).content.decode()


def test_mentors_do_not_see_the_askers_searches_in_their_queue(client, asker):
    from mentoring.services import mentor_apply, mentor_approve

    type_title(client, "Celery beat sends the same task twice")
    ask_through_the_pages(client, "Celery beat sends the same task twice")
    mentor = UserFactory()
    admin = UserFactory(is_staff=True, is_superuser=True)
    profile = mentor_apply(
        user=mentor, expertise={"celery": 3}, capacity=2, languages=["en"], time_zone="UTC"
    )
    mentor_approve(profile=profile, by=admin)
    mentor_client = Client()
    mentor_client.force_login(mentor)

    page = mentor_client.get("/mentoring/queue/").content.decode()
    assert "Celery beat sends the same task twice</a>" in page
    assert "Searched first: yes" in page
    assert "Searched for" not in page
    data = api(mentor).get("/api/v1/mentoring/queue/").json()
    queue = data["results"] if isinstance(data, dict) else data
    assert queue[0]["evidence"]["searched"] is True
    assert "Celery beat sends the same task twice" not in str(queue[0]["evidence"])


def test_a_search_run_again_and_again_goes_with_the_question_that_named_it():
    # An established member, so that the newcomers' spacing between questions is not met.
    member = UserFactory(date_joined=timezone.now() - dt.timedelta(days=90))
    TagFactory(name="celery")
    client = api(member)
    checklist = ready_to_ask(member)
    for query in ["celery beat twice", "celery beat twice", "redis timeout"]:
        client.get("/api/v1/questions/similar/", {"title": query})
    first = client.post(
        "/api/v1/questions/",
        {"title": "Celery beat runs a task twice", "body": "Twice an hour.", "tags": ["celery"],
         "checklist": {**checklist, "search_queries": ["celery beat twice"]}},
        format="json",
    )  # fmt: skip
    assert first.status_code == 201, first.json()
    client.get("/api/v1/faq/how-to-ask/")
    client.get(f"/api/v1/faq/{FaqEntry.objects.get(slug='how-to-ask').pk}/")

    second = client.post(
        "/api/v1/questions/",
        {"title": "Redis connection times out", "body": "After a minute.", "tags": ["celery"],
         "checklist": {**checklist, "search_queries": [], "faq_entries": []}},
        format="json",
    )  # fmt: skip

    assert second.status_code == 201, second.json()
    stored = Question.objects.get(title="Redis connection times out").checklist_evidence
    # The first question's search, run twice, went with it; the second keeps its own.
    assert "celery beat twice" not in stored["search_queries"]
    assert "redis timeout" in stored["search_queries"]
