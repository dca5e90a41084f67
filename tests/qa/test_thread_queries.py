"""Pinned query counts of a thread as its asker sees it: asked through the checklist (so
with its evidence), with answers and comments, offers made to mentors, earlier claims in
its history, and a mentor holding it, waiting for one or solved and to be rated. Each is
measured with 1 row and with 5 of everything and costs exactly the same.
"""

from __future__ import annotations

import pytest

from mentoring.models import Offer
from mentoring.services import claim_create, claim_release
from qa.models import Question
from qa.services import answer_accept, comment_post, evidence_record_search
from tests.factories import (
    TagFactory,
    UserFactory,
    answer,
    api,
    approved_mentor,
    ready_to_ask,
)

pytestmark = pytest.mark.django_db

ROWS = [1, 5]


def asked_thread(rows: int) -> Question:
    """A thread asked through the API with the checklist, its evidence holding rows
    searches, with rows answers each commented on, a comment on the question, rows offers
    to mentors and rows earlier claims released back to the queue."""
    TagFactory(name="django")
    asker = UserFactory()
    for n in range(rows - 1):
        evidence_record_search(user=asker, query=f"migration conflict {n}", source="search")
    body = {
        "title": "Why does makemigrations --merge still report a conflict?",
        "body": "I ran `makemigrations --merge` and the conflict stays after merging.",
        "tags": ["django"],
        "checklist": ready_to_ask(asker),
    }
    created = api(asker).post("/api/v1/questions/", body, format="json")
    assert created.status_code == 201, created.json()
    thread = Question.objects.get(pk=created.json()["id"])
    comment_post(author=UserFactory(), question=thread, body="Which Django version is this?")
    for _ in range(rows):
        reply = answer(question_obj=thread)
        comment_post(author=UserFactory(), answer=reply, body="This worked for me as well.")
    for _ in range(rows):
        mentor = approved_mentor()
        Offer.objects.create(
            question=thread, mentor=mentor, wave=1, score=1.0, reasons=["knows django"]
        )
        earlier = claim_create(mentor=mentor, question=thread)
        claim_release(claim=earlier, by=mentor, reason="No time this week.")
    return thread


def asker_page(client, thread: Question) -> str:
    client.force_login(thread.author)
    return thread.get_absolute_url()


@pytest.mark.parametrize("rows", ROWS)
def test_thread_page_with_a_mentor_holding_it(client, django_assert_num_queries, rows):
    thread = asked_thread(rows)
    claim_create(mentor=approved_mentor(display_name="Ada"), question=thread)
    path = asker_page(client, thread)
    # The view is counted in Redis, not by an UPDATE (qa.services.view_counts_flush).
    with django_assert_num_queries(11):
        page = client.get(path).content.decode()
    assert "Being helped by" in page
    assert "What I already tried" in page
    assert f"Mentoring history of this thread ({rows})" in page
    assert page.count("This worked for me as well.") == rows


@pytest.mark.parametrize("rows", ROWS)
def test_thread_page_waiting_for_a_mentor(client, django_assert_num_queries, rows):
    thread = asked_thread(rows)
    path = asker_page(client, thread)
    # The view is counted in Redis, not by an UPDATE (qa.services.view_counts_flush).
    with django_assert_num_queries(20):
        page = client.get(path).content.decode()
    assert "Mentors who may help" in page
    assert page.count("This worked for me as well.") == rows


@pytest.mark.parametrize("rows", ROWS)
def test_thread_page_solved_with_the_mentoring_to_rate(client, django_assert_num_queries, rows):
    thread = asked_thread(rows)
    mentor = approved_mentor()
    claim_create(mentor=mentor, question=thread)
    answer_accept(user=thread.author, answer=answer(question_obj=thread, author=mentor))
    path = asker_page(client, thread)
    # The view is counted in Redis, not by an UPDATE (qa.services.view_counts_flush).
    with django_assert_num_queries(12):
        page = client.get(path).content.decode()
    assert "Send the rating" in page
    assert page.count("This worked for me as well.") == rows


@pytest.mark.parametrize("rows", ROWS)
def test_thread_in_the_api_with_a_mentor_holding_it(django_assert_num_queries, rows):
    thread = asked_thread(rows)
    claim_create(mentor=approved_mentor(), question=thread)
    client = api(thread.author)
    with django_assert_num_queries(4):
        shown = client.get(f"/api/v1/questions/{thread.pk}/").json()
    assert len(shown["answers"]) == rows
