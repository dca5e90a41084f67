"""Similar threads for the ask flow: reworded duplicates are found near the top."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from qa.models import Question
from qa.search import similar_questions
from qa.services import answer_accept
from tests.factories import TagFactory, answer, question

pytestmark = pytest.mark.django_db

# (the thread on the site, a newcomer's rewording of the same problem)
DUPLICATES = [
    ("Conflicting migrations detected after merging two branches",
     "makemigrations complains about conflicts when I merge git branches"),
    ("Celery task runs twice after worker restart",
     "my celery job gets executed two times when the worker is restarted"),
    ("Static files return 404 with DEBUG off",
     "css and js give not found in production when debug is false"),
    ("CSRF verification failed when posting a form with fetch",
     "403 csrf failure on a javascript fetch post request"),
    ("QuerySet update does not change auto_now field",
     "auto_now timestamp not updated when calling queryset update"),
    ("Gunicorn worker timeout behind nginx",
     "nginx 502 because gunicorn workers time out"),
    ("How to send email asynchronously with Celery",
     "sending mail in the background from a django view using celery"),
    ("Database connection refused inside docker compose",
     "docker compose app cannot connect to postgres, connection refused"),
    ("Select related does not reduce the number of queries",
     "still too many queries even with select_related on a foreign key"),
    ("Custom user model added after first migration",
     "switching to a custom user model when migrations already exist"),
    ("Template does not exist error for app templates",
     "TemplateDoesNotExist even though my template file is in the app folder"),
    ("Pytest cannot find Django settings module",
     "pytest fails with settings are not configured DJANGO_SETTINGS_MODULE"),
]  # fmt: skip

NOISE = [
    "How do I paginate a list view", "Admin inline shows too many rows",
    "Translating model verbose names", "Signals fire twice in tests",
    "Timezone aware datetimes in templates", "Upload files to object storage",
    "Rate limiting an API endpoint", "Websocket consumer disconnects",
    "Writing a data migration with RunPython", "Caching a whole page per user",
    "Full text search with PostgreSQL", "Redis connection pool exhausted",
]  # fmt: skip


@pytest.fixture
def site():
    tag = TagFactory(name="django")
    originals = {}
    for title, _ in DUPLICATES:
        originals[title] = question(
            title=title, body=f"Details about: {title.lower()}.", tags=[tag]
        )
    for title in NOISE:
        question(title=title, body="Some unrelated details about queries and settings.", tags=[tag])
    return originals


def test_reworded_duplicates_are_in_the_top_five(site):
    missed = []
    for original, rewording in DUPLICATES:
        results = similar_questions(viewer=AnonymousUser(), title=rewording)
        if original not in [s.question.title for s in results[:5]]:
            missed.append(rewording)

    assert len(missed) / len(DUPLICATES) <= 0.1, missed


def test_at_most_ten_and_solved_first_when_close(site):
    original = site["Celery task runs twice after worker restart"]
    near = question(title="Celery task runs twice after a worker restart on deploy")
    answer_accept(user=near.author, answer=answer(question_obj=near))

    results = similar_questions(viewer=AnonymousUser(), title="celery task runs twice restart")

    assert len(results) <= 10
    assert results[0].question.pk == near.pk
    assert original.pk in [s.question.pk for s in results[:3]]


def test_hidden_threads_are_not_suggested(site):
    hidden = site["Gunicorn worker timeout behind nginx"]
    Question.objects.filter(pk=hidden.pk).update(hidden=True)

    results = similar_questions(viewer=AnonymousUser(), title="gunicorn worker timeout nginx")

    assert hidden.pk not in [s.question.pk for s in results]


@pytest.mark.parametrize("title", ["", "   ", "the a of", "!!!", "x" * 5000])
def test_empty_or_odd_drafts_answer_with_little_or_nothing(site, title):
    results = similar_questions(viewer=AnonymousUser(), title=title)

    assert len(results) <= 10


def test_shared_tags_lift_a_thread_among_equally_worded_ones():
    celery, redis = TagFactory(name="celery"), TagFactory(name="redis")
    title = "Worker stops consuming tasks after a broker restart"
    on_redis = question(title=title, tags=[redis])
    on_celery = question(title=title, tags=[celery])

    found = similar_questions(viewer=AnonymousUser(), title=title, tags=["celery"])
    assert [s.question.pk for s in found[:2]] == [on_celery.pk, on_redis.pk]
    found = similar_questions(viewer=AnonymousUser(), title=title, tags=["redis"])
    assert [s.question.pk for s in found[:2]] == [on_redis.pk, on_celery.pk]
