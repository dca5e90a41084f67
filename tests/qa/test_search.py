"""Search on PostgreSQL: words in titles and bodies, ranking, typos, hidden threads, cost.

Chinese: tests/qa/test_search_chinese.py; the embedded SQLite search:
tests/qa/embedded_search_cases.py (run by tests/qa/test_search_sqlite.py).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.services import MODERATORS_GROUP
from qa import search
from qa.models import Question
from tests.factories import TagFactory, UserFactory, question

pytestmark = pytest.mark.django_db
ANONYMOUS = AnonymousUser()


def titles(query: str, viewer=ANONYMOUS) -> list[str]:
    return [q.title for q in search.search_questions(viewer=viewer, query=query).questions]


def suggestion(query: str) -> str | None:
    return search.search_questions(viewer=ANONYMOUS, query=query).suggestion


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


def test_a_long_body_full_of_the_words_does_not_outrank_a_title_match():
    question(title="Deadlock row update", body="Lorem ipsum dolor sit amet. " * 800)
    question(title="Something else entirely", body="deadlock row " * 40)
    question(title="Another deadlock story", body="deadlock " * 60)

    assert titles("deadlock") == [
        "Another deadlock story",
        "Deadlock row update",
        "Something else entirely",
    ]
    assert titles("deadlock row")[0] == "Deadlock row update"


def test_stemming_matches_other_forms_of_a_word():
    question(title="Migrations conflict after merging branches")

    assert titles("migration conflicts merged") == ["Migrations conflict after merging branches"]


def test_websearch_syntax_phrases_exclusions_and_or():
    question(title="Celery task retried forever", body="retry backoff")
    question(title="Celery beat schedule drifts", body="crontab")
    question(title="Schedule of the beat", body="A different order of the words.")

    assert titles("celery -beat") == ["Celery task retried forever"]
    assert titles('"beat schedule"') == ["Celery beat schedule drifts"]
    assert set(titles("crontab or backoff")) == {
        "Celery task retried forever",
        "Celery beat schedule drifts",
    }


def test_hidden_threads_never_appear_except_for_moderators():
    q = question(title="Hidden websocket thread")
    Question.objects.filter(pk=q.pk).update(hidden=True)
    moderator = UserFactory(is_staff=True)
    moderator.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])

    assert titles("websocket") == []
    assert titles("websocket", viewer=UserFactory()) == []
    assert titles("websocket", viewer=moderator) == ["Hidden websocket thread"]
    assert titles("websocket", viewer=q.author) == ["Hidden websocket thread"]


def test_a_hidden_thread_lends_no_word_to_the_suggestions():
    q = question(title="Squashing a migration")
    Question.objects.filter(pk=q.pk).update(hidden=True)

    assert suggestion("migratoin") is None


def test_a_typo_gets_a_did_you_mean_suggestion():
    question(title="Squashing a migration that has a RunPython step")

    assert suggestion("migratoin") == "migration"
    assert suggestion("squash migratoin") == "squash migration"


def test_a_misspelt_tag_name_is_respelled():
    question(title="Forms do not validate", tags=[TagFactory(name="django")])

    assert suggestion("djnago forms") == "django forms"


def test_a_word_with_few_threads_is_respelled_to_a_more_common_one():
    question(title="Migratoin fails on deploy")
    for n in range(3):
        question(title=f"Migration {n} is slow")

    result = search.search_questions(viewer=ANONYMOUS, query="migratoin")

    assert [q.title for q in result.questions] == ["Migratoin fails on deploy"]
    assert result.suggestion == "migration"


def test_no_suggestion_for_stop_words_or_when_results_are_found():
    question(title="Column width in the admin")
    for n in range(3):
        question(title=f"Squashing a migration {n}")

    assert suggestion("with") is None
    assert suggestion("migration") is None
    assert suggestion("zebrafish") is None


def test_ranking_considers_at_most_the_candidate_cap(monkeypatch):
    monkeypatch.setattr(search, "CANDIDATE_CAP", 5)
    for n in range(12):
        question(title=f"Question number {n}", body="Our caching layer returns stale pages.")

    with CaptureQueriesContext(connection) as ctx:
        found = list(search.search_questions(viewer=ANONYMOUS, query="caching").questions)

    assert len(found) == 5
    assert any("LIMIT 6" in q["sql"] and "@@" in q["sql"] for q in ctx.captured_queries)


def test_past_the_cap_a_title_match_is_still_ranked_first(monkeypatch):
    monkeypatch.setattr(search, "CANDIDATE_CAP", 5)
    for n in range(12):
        question(title=f"Question number {n}", body="Our caching layer returns stale pages.")
    question(title="Caching stale pages", body="Short.")

    found = titles("caching")

    assert len(found) == 5
    assert found[0] == "Caching stale pages"


def test_past_the_cap_an_excluded_word_in_the_body_leaves_out_a_title_match(monkeypatch):
    monkeypatch.setattr(search, "CANDIDATE_CAP", 5)
    for n in range(12):
        question(title=f"Question number {n}", body="Our caching layer returns stale pages.")
    question(title="Caching stale pages", body="Only with memcached.")
    question(title="Caching for anonymous pages", body="Short.")

    found = titles("caching -memcached")

    assert found[0] == "Caching for anonymous pages"
    assert "Caching stale pages" not in found
    # It was one of the candidates (read by its title), dropped when matched again.
    assert len(found) == 4


@pytest.mark.parametrize(("query", "pages", "last"), [("caching", 2, 5), ("caching -stale", 2, 1)])
def test_the_search_pages_are_numbered_without_counting_the_matches_again(
    client, query, pages, last
):
    for n in range(25):
        question(title=f"Caching question {n}", body="Fresh pages." if n < 21 else "Stale.")
    with CaptureQueriesContext(connection) as ctx:
        first = client.get("/search/", {"q": query}).content.decode()
    assert f"Page 1 of {pages}" in first
    counted = any("COUNT(" in q["sql"] for q in ctx.captured_queries)
    assert counted == ("-" in query)  # only a query with an excluded word is counted
    second = client.get("/search/", {"q": query, "page": pages}).content.decode()
    assert second.count('class="question-summary"') == last


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_search_page_costs_the_same_for_3_and_25_results(client, signed_in):
    if signed_in:
        client.force_login(UserFactory())

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/search/", {"q": "caching"})
        assert response.status_code == 200
        return len(ctx.captured_queries)

    for n in range(3):
        question(title=f"Caching question {n}", tags=[TagFactory(), TagFactory()])
    three = count()
    for n in range(22):
        question(title=f"More caching {n}", tags=[TagFactory(), TagFactory()])

    assert count() == three


@pytest.mark.parametrize("path", ["/search/", "/api/v1/search/"])
def test_a_list_of_results_reads_no_text_and_the_snippet_still_comes_from_the_body(client, path):
    question(title="Timeouts", body="The worker gets a timeout from the upstream proxy.")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, {"q": "upstream"})
    assert response.status_code == 200
    assert "upstream" in response.content.decode()  # the snippet, marked
    [ranked] = [q["sql"] for q in ctx.captured_queries if "ts_headline" in q["sql"]]
    selected = ranked.split(" FROM ")[0]
    assert '"qa_question"."title"' in selected
    assert selected.count('"qa_question"."body"') == 1  # in ts_headline(...) alone
    assert "body_html" not in selected


def test_snippets_mark_the_matched_words_in_the_body():
    question(title="Timeouts", body="The worker gets a timeout from the upstream proxy.")

    [hit] = search.search_questions(viewer=ANONYMOUS, query="upstream").questions

    assert f"{search.MARK_START}upstream{search.MARK_STOP}" in hit.snippet
