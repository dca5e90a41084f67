"""The question list counts its threads only up to LIST_COUNT_CAP: a million threads
are not counted for every page, and the pages say there are more."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qa import views
from qa.models import Question
from tests.factories import UserFactory, question

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    monkeypatch.setattr(views, "LIST_COUNT_CAP", 4)


@pytest.mark.parametrize("signed_in", [False, True])
def test_past_the_cap_the_list_says_there_are_more_pages(client, small_pages, signed_in):
    if signed_in:
        client.force_login(UserFactory())
    for n in range(7):
        question(title=f"Thread number {n}")

    with CaptureQueriesContext(connection) as ctx:
        first = client.get("/questions/").content.decode()
    assert "Page 1 of more than 2" in first
    (counted,) = [
        q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"] and "qa_question" in q["sql"]
    ]
    assert "LIMIT 5" in counted

    last = client.get("/questions/", {"page": 2}).content.decode()
    assert last.count('class="question-summary"') == 2
    assert 'rel="next"' not in last
    beyond = client.get("/questions/", {"page": 9}).content.decode()
    assert "Page 2 of more than 2" in beyond


def test_under_the_cap_the_pages_are_counted_exactly(client, small_pages):
    for n in range(3):
        question(title=f"Thread number {n}")
    page = client.get("/questions/").content.decode()
    assert "Page 1 of 2" in page
    assert "more than" not in page
    assert Question.objects.count() == 3


def test_the_capped_count_is_translated(client, small_pages):
    for n in range(7):
        question(title=f"Thread number {n}")
    client.cookies["django_language"] = "zh-hans"
    assert "第 1 页，共 2 页以上" in client.get("/questions/").content.decode()
