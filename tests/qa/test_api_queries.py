"""Pinned query counts of the API: lists and threads cost the same for few or many rows.

Anonymous: the list is a count, a page and the tags of the page (3); a thread is the
question, its tags, its answers and every comment of the thread (4). A token adds its
own lookup; a moderator's group membership is read once per request.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.services import MODERATORS_GROUP
from qa.models import Question
from qa.services import comment_post
from tests.factories import TagFactory, UserFactory, answer, question

pytestmark = pytest.mark.django_db

LIST_QUERIES = 3
THREAD_QUERIES = 4
TAGS_QUERIES = 2


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture(params=["anonymous", "force_authenticate", "token", "moderator"])
def viewer(request) -> tuple[APIClient, int]:
    """A client and the queries its authentication adds to every request."""
    if request.param == "anonymous":
        return APIClient(), 0
    if request.param == "force_authenticate":
        client = APIClient()
        client.force_authenticate(UserFactory())
        return client, 0
    if request.param == "token":
        return token_client(UserFactory()), 1
    moderator = UserFactory(is_staff=True)
    moderator.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    return token_client(moderator), 2


def get(client: APIClient, path: str) -> dict:
    response = client.get(path)
    assert response.status_code == 200, response.content
    return response.json()


def test_question_list_costs_the_same_for_1_and_30_questions(viewer, django_assert_num_queries):
    client, auth = viewer
    question(tags=[TagFactory(), TagFactory()])
    with django_assert_num_queries(LIST_QUERIES + auth):
        assert get(client, "/api/v1/questions/")["count"] == 1

    for _ in range(29):
        question(tags=[TagFactory(), TagFactory(), TagFactory()])
    with django_assert_num_queries(LIST_QUERIES + auth):
        page = get(client, "/api/v1/questions/")
    assert (page["count"], len(page["results"])) == (30, 20)
    assert all(len(q["tags"]) == 3 and q["author"]["username"] for q in page["results"])


@pytest.mark.parametrize("params", ["sort=votes&status=open", "tag=shared", "sort=unanswered"])
def test_filtered_list_costs_the_same_for_1_and_30_questions(
    viewer, django_assert_num_queries, params
):
    client, auth = viewer
    shared = TagFactory(name="shared")
    question(tags=[shared])
    with django_assert_num_queries(LIST_QUERIES + auth):
        get(client, f"/api/v1/questions/?{params}")
    for _ in range(29):
        question(tags=[shared, TagFactory()])
    with django_assert_num_queries(LIST_QUERIES + auth):
        assert get(client, f"/api/v1/questions/?{params}")["count"] == 30


def test_question_detail_costs_the_same_for_0_10_and_200_answers(viewer, django_assert_num_queries):
    client, auth = viewer
    for n in (0, 10, 200):
        q = question(tags=[TagFactory(), TagFactory()])
        comment_post(author=UserFactory(), question=q, body="On the question")
        for _ in range(n):
            a = answer(question_obj=q)
            comment_post(author=UserFactory(), answer=a, body="On the answer")
            comment_post(author=UserFactory(), answer=a, body="And another")

        with django_assert_num_queries(THREAD_QUERIES + auth):
            thread = get(client, f"/api/v1/questions/{q.pk}/")

        assert len(thread["answers"]) == n
        assert len(thread["comments"]) == 1
        assert all(len(a["comments"]) == 2 for a in thread["answers"])


def test_a_hidden_thread_costs_its_author_the_same(django_assert_num_queries):
    q = question()
    for _ in range(10):
        comment_post(author=UserFactory(), answer=answer(question_obj=q), body="On the answer")
    Question.objects.filter(pk=q.pk).update(hidden=True)
    author = token_client(q.author)

    with django_assert_num_queries(THREAD_QUERIES + 1):
        assert len(get(author, f"/api/v1/questions/{q.pk}/")["answers"]) == 10


def test_tags_cost_the_same_for_1_and_30_tags(viewer, django_assert_num_queries):
    client, auth = viewer
    auth = min(auth, 1)  # tags are the same for everyone: no moderator check
    question()
    with django_assert_num_queries(TAGS_QUERIES + auth):
        get(client, "/api/v1/tags/")
    for _ in range(29):
        question(tags=[TagFactory()])
    with django_assert_num_queries(TAGS_QUERIES + auth):
        assert get(client, "/api/v1/tags/")["count"] == 30


@pytest.mark.parametrize("path", ["/api/v1/search/?q=caching", "/api/v1/questions/?q=caching"])
def test_search_costs_the_same_for_5_and_30_hits(viewer, path):
    # Counted for equality rather than pinned: the ranking's own queries belong to qa.search.
    # Five hits or more, so that no "did you mean" is looked for in either case.
    client, _ = viewer
    for _ in range(5):
        question(title="A caching question", tags=[TagFactory()])
    with CaptureQueriesContext(connection) as few:
        assert get(client, path)["count"] == 5
    for _ in range(25):
        question(title="Another caching question", tags=[TagFactory(), TagFactory()])
    with CaptureQueriesContext(connection) as many:
        assert get(client, path)["count"] == 30

    assert len(many.captured_queries) == len(few.captured_queries)
