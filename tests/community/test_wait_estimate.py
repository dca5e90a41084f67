"""The wait estimate on the ask page and on the asker's waiting thread: the median and
the 90th percentile of the first human response over the last 30 days, on how many
threads that rests, or that there is not enough data yet."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from community import metrics, wait_estimate
from mentoring.models import Claim
from qa.models import AskDraft, Question
from qa.services import comment_post
from tests.factories import UserFactory, answer, moments_recomputed, question

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)
ASK = "/questions/ask/"
NOT_ENOUGH = "Not enough data yet to estimate how long a first response takes."


def thread(created: dt.datetime, **fields) -> Question:
    asked = question(**fields)
    Question.objects.filter(pk=asked.pk).update(created_at=created)
    asked.created_at = created
    return asked


def responded(after: dt.timedelta, *, created: dt.datetime | None = None) -> Question:
    """A thread of 5 days ago that another member answered `after` it was asked."""
    asked = thread(created or timezone.now() - 5 * D)
    reply = answer(question_obj=asked)
    type(reply).objects.filter(pk=reply.pk).update(created_at=asked.created_at + after)
    moments_recomputed(asked)
    return asked


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_fewer_than_10_threads_with_a_response_is_not_enough(client):
    for hours in range(1, 10):
        responded(hours * H)
    # Waiting threads and responses older than 30 days do not make up for it.
    thread(timezone.now() - D)
    responded(H, created=timezone.now() - 40 * D)

    estimate = wait_estimate.wait_estimate()
    client.force_login(UserFactory())
    shown = page(client, ASK)

    assert (estimate.responded, estimate.enough) == (9, False)
    assert NOT_ENOUGH in shown
    assert "Half of the questions" not in shown


def test_the_median_and_9_in_10_come_from_the_last_30_days(client):
    for hours in [1, 2, 3, 4, 5, 6, 7, 8, 9, 48, 72]:
        responded(hours * H)
    thread(timezone.now() - D)  # still waiting: asked, not in the percentiles
    responded(1000 * H, created=timezone.now() - 60 * D)  # out of the window

    estimate = wait_estimate.wait_estimate()
    client.force_login(UserFactory())
    shown = page(client, ASK)

    assert (estimate.asked, estimate.responded) == (12, 11)
    assert (estimate.median, estimate.p90) == (6 * H, 48 * H)
    assert (
        "Half of the questions here get a first response within about 6 hours, and 9 in 10 "
        "within about 2 days."
    ) in shown
    assert "Based on the 11 questions of the last 30 days that had a response (of 12 asked)." in (
        shown
    )
    assert NOT_ENOUGH not in shown


def test_short_waits_are_said_in_minutes(client):
    for minutes in [5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55]:
        responded(minutes * dt.timedelta(minutes=1))

    client.force_login(UserFactory())

    assert "get a first response within 30 minutes, and 9 in 10 within 50 minutes." in page(
        client, ASK
    )


def test_the_ask_page_shows_it_on_the_first_step_only(client):
    member = UserFactory()
    client.force_login(member)

    assert NOT_ENOUGH in page(client, ASK)
    assert NOT_ENOUGH in page(client, f"{ASK}?step=1")
    AskDraft.objects.create(author=member, reached=4, data={"title": "How do I squash?"})
    for later in (2, 3, 4):
        assert NOT_ENOUGH not in page(client, f"{ASK}?step={later}")
    step_two = page(client, f"{ASK}?step=2")
    assert "Step 2: Read the FAQ" in step_two
    assert NOT_ENOUGH not in step_two


def test_the_thread_page_shows_it_to_the_asker_while_nobody_has_responded(client):
    asker, other = UserFactory(), UserFactory()
    waiting = thread(timezone.now() - H, author=asker)

    assert NOT_ENOUGH not in page(client, waiting.get_absolute_url())  # anonymous
    client.force_login(other)
    assert NOT_ENOUGH not in page(client, waiting.get_absolute_url())
    client.force_login(asker)
    shown = page(client, waiting.get_absolute_url())
    assert NOT_ENOUGH in shown
    assert '<p class="wait-estimate" role="note">' in shown

    commented = thread(timezone.now() - H, author=asker)
    comment_post(author=other, question=commented, body="Which version is this?")
    claimed = thread(timezone.now() - H, author=asker)
    Claim.objects.create(
        question=claimed,
        mentor=UserFactory(),
        created_at=timezone.now(),
        reply_due_at=timezone.now() + 4 * H,
    )
    moments_recomputed(claimed)
    answered = thread(timezone.now() - H, author=asker)
    answer(question_obj=answered, author=other)
    for responded_to in (commented, claimed, answered):
        assert NOT_ENOUGH not in page(client, responded_to.get_absolute_url())

    # A thread the asker commented on themself is still waiting.
    comment_post(author=asker, question=waiting, body="I also tried squashing.")
    assert NOT_ENOUGH in page(client, waiting.get_absolute_url())


def test_the_ask_page_computes_the_times_once_then_reads_them_from_the_cache(client):
    for hours in range(1, 12):
        responded(hours * H)
    client.force_login(UserFactory())
    # The estimate's range ends at the current minute: both pages within the same one.
    if timezone.now().second >= 55:
        time.sleep(6)
    now = timezone.now().replace(second=0, microsecond=0)
    with CaptureQueriesContext(connection) as figures:
        times = metrics.response_times(since=now - 30 * D, until=now)
    health = metrics.community_health(since=now - 30 * D, until=now)
    # The same figures as the health page's, in fewer queries.
    assert (times.threads, times.responded, times.p50, times.p90) == tuple(
        health.figure(name).value
        for name in ("threads", "responded", "first_response_p50", "first_response_p90")
    )
    metrics_queries = len(figures.captured_queries)

    with CaptureQueriesContext(connection) as cold:
        first = page(client, ASK)
    with CaptureQueriesContext(connection) as warm:
        second = page(client, ASK)

    assert "Half of the questions here get a first response within" in estimate_of(first)
    assert estimate_of(second) == estimate_of(first)
    assert len(cold.captured_queries) == len(warm.captured_queries) + metrics_queries
    assert not any("qa_question" in q["sql"] for q in warm.captured_queries)
    assert len(warm.captured_queries) == 4


def estimate_of(html: str) -> str:
    match = re.search(r'<p class="wait-estimate" role="note">.*?</p>', html, re.S)
    assert match, "no estimate on the page"
    return match.group(0)
