"""Pinned query counts of the API: lists and threads cost the same for few or many rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from qa.services import comment_post
from tests.factories import TagFactory, UserFactory, answer, question

pytestmark = pytest.mark.django_db


def count(client: APIClient, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.fixture(params=["anonymous", "token"])
def api(request):
    client = APIClient()
    if request.param == "token":
        from rest_framework.authtoken.models import Token

        token = Token.objects.create(user=UserFactory())
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_question_list_costs_the_same_for_1_and_30_questions(api):
    question()
    one = count(api, "/api/v1/questions/")
    for _ in range(29):
        question(tags=[TagFactory(), TagFactory()])

    assert count(api, "/api/v1/questions/") == one
    assert one <= 4


def test_question_detail_costs_the_same_for_0_10_and_200_answers(api):
    counts = []
    for n in (0, 10, 200):
        q = question(tags=[TagFactory(), TagFactory()])
        comment_post(author=UserFactory(), question=q, body="On the question")
        for _ in range(n):
            a = answer(question_obj=q)
            comment_post(author=UserFactory(), answer=a, body="On the answer")
        counts.append(count(api, f"/api/v1/questions/{q.pk}/"))

    assert len(set(counts)) == 1, counts
    assert counts[0] <= 6


def test_search_and_tags_have_flat_counts(api):
    question(title="caching question")
    search_one, tags_one = count(api, "/api/v1/search/?q=caching"), count(api, "/api/v1/tags/")
    for _ in range(15):
        question(title="caching question again", tags=[TagFactory()])

    assert count(api, "/api/v1/search/?q=caching") == search_one
    assert count(api, "/api/v1/tags/") == tags_one
