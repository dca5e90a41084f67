"""Pinned query counts: a page costs the same whether it shows few rows or many."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qa.services import comment_post
from tests.factories import TagFactory, UserFactory, answer, question

pytestmark = pytest.mark.django_db


def count_queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def thread_with(n_answers: int):
    q = question(tags=[TagFactory(), TagFactory()])
    comment_post(author=UserFactory(), question=q, body="A comment on the question")
    for _ in range(n_answers):
        a = answer(question_obj=q)
        comment_post(author=UserFactory(), answer=a, body="A comment on the answer")
    return q


@pytest.mark.parametrize("signed_in", [False, True])
def test_question_list_costs_the_same_for_1_and_30_questions(client, signed_in):
    if signed_in:
        client.force_login(UserFactory())
    question()
    one = count_queries(client, "/questions/")
    for _ in range(29):
        question(tags=[TagFactory(), TagFactory()])
    thirty = count_queries(client, "/questions/")

    assert one == thirty
    assert thirty <= (8 if signed_in else 5)


@pytest.mark.parametrize("signed_in", [False, True])
def test_question_page_costs_the_same_for_0_10_and_200_answers(client, signed_in):
    viewer = UserFactory()
    if signed_in:
        client.force_login(viewer)
    counts = [count_queries(client, thread_with(n).get_absolute_url()) for n in (0, 10, 200)]

    assert len(set(counts)) == 1, counts
    assert counts[0] <= (11 if signed_in else 7)


def test_home_and_tag_pages_have_flat_counts(client):
    question()
    home_one, tags_one = count_queries(client, "/"), count_queries(client, "/tags/")
    for _ in range(15):
        question(tags=[TagFactory()])

    assert count_queries(client, "/") == home_one
    assert count_queries(client, "/tags/") == tags_one
