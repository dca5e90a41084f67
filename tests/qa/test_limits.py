"""Posting limits for newcomers, the same on the API and the pages: spacing between
questions and answers, the first day's counts, links per post; the same body twice is
refused for everyone. A burst of simultaneous requests gets no more through."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from qa.models import Answer, Comment, FaqEntry, Question
from qa.services import evidence_record_faq_view, evidence_record_search
from tests.concurrency import run_together
from tests.factories import TagFactory, UserFactory, answer, question, ready_to_ask

pytestmark = pytest.mark.django_db

TITLES = [f"Migration {n} fails with a conflict on the profiles app" for n in range(12)]


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def ask(client: APIClient, user, n: int, body: str | None = None):
    return client.post(
        "/api/v1/questions/",
        {"title": TITLES[n], "body": body or f"Step {n}: `migrate` stops with an error.",
         "tags": ["django"], "checklist": ready_to_ask(user)},
        format="json",
    )  # fmt: skip


def age(model, author, seconds: float) -> None:
    model.objects.filter(author=author).update(
        created_at=timezone.now() - dt.timedelta(seconds=seconds)
    )


@pytest.fixture(autouse=True)
def _tag(db):
    TagFactory(name="django")


def test_a_newcomer_waits_two_minutes_between_questions():
    newcomer = UserFactory()
    client = api(newcomer)
    assert ask(client, newcomer, 0).status_code == 201
    too_soon = ask(client, newcomer, 1)
    assert too_soon.status_code == 429
    assert "wait 2 minutes between questions" in too_soon.json()["detail"]
    assert 110 <= int(too_soon["Retry-After"]) <= 120
    assert Question.objects.count() == 1
    age(Question, newcomer, 121)
    assert ask(client, newcomer, 1).status_code == 201


def test_a_newcomer_asks_at_most_three_questions_on_the_first_day():
    newcomer = UserFactory()
    client = api(newcomer)
    for n in range(3):
        assert ask(client, newcomer, n).status_code == 201
        age(Question, newcomer, 200)
    fourth = ask(client, newcomer, 3)
    assert fourth.status_code == 429
    assert "at most 3 questions" in fourth.json()["detail"]
    assert int(fourth["Retry-After"]) > 20 * 3600
    # The day after, the spacing still holds but not the first day's count.
    type(newcomer).objects.filter(pk=newcomer.pk).update(
        date_joined=timezone.now() - dt.timedelta(days=2)
    )
    assert ask(client, newcomer, 3).status_code == 201


def test_answers_are_spaced_and_counted_on_the_first_day():
    newcomer = UserFactory()
    client = api(newcomer)
    threads = [question() for _ in range(12)]
    post = lambda n: client.post(  # noqa: E731
        f"/api/v1/questions/{threads[n].pk}/answers/", {"body": f"Answer {n}: run migrate."}
    )
    assert post(0).status_code == 201
    assert post(1).status_code == 429
    for n in range(1, 10):
        age(Answer, newcomer, 31)
        assert post(n).status_code == 201
    age(Answer, newcomer, 31)
    eleventh = post(10)
    assert eleventh.status_code == 429
    assert "at most 10 answers" in eleventh.json()["detail"]
    assert Answer.objects.filter(author=newcomer).count() == 10


def test_links_and_the_same_body_twice():
    newcomer = UserFactory()
    client = api(newcomer)
    three = "See https://a.example/1, https://b.example/2 and [docs](https://c.example/3)."
    refused = ask(client, newcomer, 0, body=three)
    assert refused.status_code == 400
    assert "at most 2 links" in refused.json()["body"][0]
    assert not Question.objects.exists()

    veteran = UserFactory(date_joined=timezone.now() - dt.timedelta(days=400))
    client = api(veteran)
    assert ask(client, veteran, 0, body=three).status_code == 201
    assert ask(client, veteran, 1).status_code == 201  # no spacing for members
    again = ask(client, veteran, 2, body=three)
    assert again.status_code == 400
    assert "already posted this exact text" in again.json()["body"][0]


@pytest.mark.parametrize("kind", ["question", "answer"])
def test_the_same_text_is_found_through_the_index_of_the_members_bodies(kind):
    from qa.limits import posting_limits_check

    member = UserFactory(date_joined=timezone.now() - dt.timedelta(days=400))
    thread = question(author=member, body="Some text 迁移 with ünïcode.")
    if kind == "answer":
        answer(question_obj=thread, author=member, body=thread.body)
    table = f"qa_{kind}"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s AND indexname = %s",
            [table, f"{kind}_body_by_author"],
        )
        (definition,) = cursor.fetchone()
    assert "(author_id, md5(body))" in definition

    with CaptureQueriesContext(connection) as ctx, pytest.raises(ValidationError):
        posting_limits_check(author=member, kind=kind, body="Some text 迁移 with ünïcode.")
    assert any(f'MD5("{table}"."body")' in q["sql"] for q in ctx.captured_queries)
    posting_limits_check(author=member, kind=kind, body="Some other text.")


def test_a_newcomers_comment_carries_no_more_links_than_a_post(client):
    thread = question()
    three = "See https://a.example/1, https://b.example/2 and https://c.example/3."
    newcomer = UserFactory()
    refused = api(newcomer).post(f"/api/v1/questions/{thread.pk}/comments/", {"body": three})
    assert refused.status_code == 400
    assert "at most 2 links" in refused.json()["body"][0]
    client.force_login(newcomer)
    page = client.post(f"/questions/{thread.pk}/comment/", {"body": three}, follow=True)
    assert "Your comment was not posted: New members may include at most 2 links" in (
        page.content.decode()
    )
    assert not Comment.objects.exists()
    veteran = UserFactory(date_joined=timezone.now() - dt.timedelta(days=400))
    ok = api(veteran).post(f"/api/v1/questions/{thread.pk}/comments/", {"body": three})
    assert ok.status_code == 201


def test_the_pages_apply_the_same_limits(client):
    newcomer = UserFactory()
    client.force_login(newcomer)
    thread = question()
    assert (
        client.post(f"/questions/{thread.pk}/answer/", {"body": "Run migrate."}).status_code == 302
    )
    other = question()
    page = client.post(f"/questions/{other.pk}/answer/", {"body": "Run migrate again."})
    assert page.status_code == 429
    assert "wait 30 seconds between answers" in page.content.decode()
    assert page["Retry-After"]
    assert Answer.objects.filter(author=newcomer).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("spacing", "allowed"), [(120, 1), (0, 3)])
def test_a_burst_of_ten_questions_gets_no_more_through_than_the_limits(spacing, allowed):
    newcomer = UserFactory()
    # Evidence counts for one question: each post of the burst has its own search and
    # FAQ reading, so that only the limits decide.
    checklists = []
    for n in range(10):
        entry = FaqEntry.objects.create(title=f"Asking well {n}", slug=f"asking-{n}", body="?")
        evidence_record_search(user=newcomer, query=f"burst {n}", source="search")
        evidence_record_faq_view(user=newcomer, entry=entry)
        checklists.append(
            {**ready_to_ask(newcomer), "search_queries": [f"burst {n}"], "faq_entries": [entry.pk]}
        )
    statuses: list[int] = []

    def post(n: int) -> None:
        response = api(newcomer).post(
            "/api/v1/questions/",
            {"title": TITLES[n], "body": f"Burst {n}: `migrate` stops.", "tags": ["django"],
             "checklist": checklists[n]},
            format="json",
        )  # fmt: skip
        statuses.append(response.status_code)

    with override_settings(LIMITS_NEWCOMER_QUESTION_INTERVAL_SECONDS=spacing):
        errors = run_together([lambda n=n: post(n) for n in range(10)])
    assert errors == []
    assert sorted(statuses) == [201] * allowed + [429] * (10 - allowed)
    assert Question.objects.filter(author=newcomer).count() == allowed


def test_the_services_apply_the_limits_unless_told_otherwise():
    from qa.limits import PostingLimited
    from qa.services import answer_post

    newcomer = UserFactory()
    thread, other = question(), question()
    answer_post(author=newcomer, question=thread, body="Run migrate.")
    with pytest.raises(PostingLimited):
        answer_post(author=newcomer, question=other, body="Run migrate again.")
    answer_post(author=newcomer, question=other, body="Run migrate again.", limits=False)
    assert Answer.objects.filter(author=newcomer).count() == 2
