"""Thread views are counted in Redis and added to Question.view_count in batches
(qa.services.view_counts_flush, on the beat every 30 seconds): a view writes no row, no
view is lost when a flush fails, none is counted twice."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qa.models import Question
from qa.services import (
    VIEWS_FLUSHING,
    VIEWS_LOCK,
    _views_store,
    question_register_view,
    view_counts_flush,
)
from tests.factories import question

pytestmark = pytest.mark.django_db


def views(thread: Question) -> int:
    return Question.objects.values_list("view_count", flat=True).get(pk=thread.pk)


def test_a_view_writes_no_row_and_the_flush_adds_them(client):
    thread, other = question(title="Viewed three times"), question(title="Viewed once")
    with CaptureQueriesContext(connection) as page:
        for _ in range(3):
            assert client.get(thread.get_absolute_url()).status_code == 200
    assert client.get(other.get_absolute_url()).status_code == 200
    assert not [q for q in page.captured_queries if q["sql"].startswith("UPDATE")]
    assert (views(thread), views(other)) == (0, 0)

    with CaptureQueriesContext(connection) as flush:
        assert view_counts_flush() == 4
    assert len([q for q in flush.captured_queries if q["sql"].startswith("UPDATE")]) == 1
    assert (views(thread), views(other)) == (3, 1)
    assert view_counts_flush() == 0  # nothing twice
    assert (views(thread), views(other)) == (3, 1)


def test_views_during_a_failed_flush_are_kept_and_added_once(monkeypatch):
    thread = question()
    question_register_view(question_id=thread.pk)
    question_register_view(question_id=thread.pk)

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Question.objects, "filter", broken)
    with pytest.raises(RuntimeError):
        view_counts_flush()
    monkeypatch.undo()
    assert views(thread) == 0
    question_register_view(question_id=thread.pk)  # arrives after the failed flush took the hash

    assert view_counts_flush() == 2  # the two the failed flush had taken
    assert views(thread) == 2
    assert view_counts_flush() == 1  # then the one that waited
    assert views(thread) == 3
    assert not _views_store().exists(cache.make_key(VIEWS_FLUSHING))


def test_one_flush_at_a_time():
    thread = question()
    question_register_view(question_id=thread.pk)
    _views_store().set(cache.make_key(VIEWS_LOCK), "1")  # another flush is running
    assert view_counts_flush() == 0
    assert views(thread) == 0
    _views_store().delete(cache.make_key(VIEWS_LOCK))
    assert view_counts_flush() == 1
    assert views(thread) == 1


def test_a_view_when_redis_fails_is_counted_in_the_table(monkeypatch, caplog):
    from redis.exceptions import ConnectionError as RedisConnectionError

    thread = question()
    store = _views_store()

    def unreachable(*args, **kwargs):
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(type(store), "hincrby", unreachable)
    question_register_view(question_id=thread.pk)
    assert views(thread) == 1
    assert "Redis is unreachable" in caplog.text


def test_without_redis_each_view_is_an_update(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    thread = question()
    question_register_view(question_id=thread.pk)
    assert views(thread) == 1
    assert view_counts_flush() == 0


def test_the_beat_flushes_every_30_seconds():
    entry = settings.CELERY_BEAT_SCHEDULE["flush-view-counts"]
    assert entry == {"task": "qa.tasks.view_counts_flush", "schedule": 30}
