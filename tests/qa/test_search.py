"""Search on PostgreSQL: words in titles and bodies, ranking, typos, hidden threads, cost."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.services import MODERATORS_GROUP
from qa import search
from qa.models import Question
from tests.factories import UserFactory, question

pytestmark = pytest.mark.django_db
ANONYMOUS = AnonymousUser()


def titles(query: str, viewer=ANONYMOUS) -> list[str]:
    return [q.title for q in search.search_questions(viewer=viewer, query=query).questions]


def test_finds_threads_by_title_words_and_by_body_words():
    question(title="Gunicorn workers time out behind nginx", body="Plain body text here.")
    question(title="Static files missing", body="Whitenoise serves nothing in production.")

    assert titles("gunicorn") == ["Gunicorn workers time out behind nginx"]
    assert titles("whitenoise production") == ["Static files missing"]
    assert titles("nothing-matches-this") == []


def test_a_title_match_ranks_above_a_body_match():
    question(
        title="Unrelated thread about forms", body="Mentions deadlock once in a long body. " * 20
    )
    question(title="Deadlock when two workers update a row", body="Short body.")

    assert titles("deadlock")[0] == "Deadlock when two workers update a row"


def test_stemming_matches_other_forms_of_a_word():
    question(title="Migrations conflict after merging branches")

    assert titles("migration conflicts merged") == ["Migrations conflict after merging branches"]


def test_websearch_syntax_phrases_and_exclusions():
    question(title="Celery task retried forever", body="retry backoff")
    question(title="Celery beat schedule drifts", body="crontab")

    assert titles("celery -beat") == ["Celery task retried forever"]
    assert titles('"beat schedule"') == ["Celery beat schedule drifts"]


def test_hidden_threads_never_appear_except_for_moderators():
    q = question(title="Hidden websocket thread")
    Question.objects.filter(pk=q.pk).update(hidden=True)
    moderator = UserFactory(is_staff=True)
    moderator.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])

    assert titles("websocket") == []
    assert titles("websocket", viewer=UserFactory()) == []
    assert titles("websocket", viewer=moderator) == ["Hidden websocket thread"]
    assert titles("websocket", viewer=q.author) == ["Hidden websocket thread"]


def test_a_typo_gets_a_did_you_mean_suggestion():
    question(title="Squashing a migration that has a RunPython step")

    result = search.search_questions(viewer=ANONYMOUS, query="squash migratoin")

    assert result.suggestion == "squash migration"


def test_no_suggestion_when_results_are_found():
    question(title="Squashing a migration")

    assert search.search_questions(viewer=ANONYMOUS, query="migration").suggestion is None


def test_ranking_considers_at_most_the_candidate_cap(monkeypatch):
    monkeypatch.setattr(search, "CANDIDATE_CAP", 5)
    for n in range(12):
        question(title=f"Caching question number {n}")

    result = search.search_questions(viewer=ANONYMOUS, query="caching")
    with CaptureQueriesContext(connection) as ctx:
        found = list(result.questions)

    assert len(found) == 5
    assert "LIMIT 5" in ctx.captured_queries[0]["sql"]


def test_snippets_mark_the_matched_words_in_the_body():
    question(title="Timeouts", body="The worker gets a timeout from the upstream proxy.")

    [hit] = search.search_questions(viewer=ANONYMOUS, query="upstream").questions

    assert f"{search.MARK_START}upstream{search.MARK_STOP}" in hit.snippet


def test_the_simple_search_used_on_sqlite_finds_words_and_puts_titles_first():
    question(title="Other thing", body="The queryset is evaluated twice.")
    question(title="Queryset evaluated twice", body="Body.")

    found = [q.title for q in search._simple(ANONYMOUS, "queryset twice").questions]

    assert found == ["Queryset evaluated twice", "Other thing"]
