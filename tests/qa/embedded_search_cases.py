"""Search and similar threads on the embedded SQLite database (FTS5 over the segmented
tokens). Not collected on its own: tests/qa/test_search_sqlite.py runs this module in a
pytest process configured for SQLite, since the suite itself runs on PostgreSQL."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from qa import search
from qa.models import Question
from qa.search import search_questions, similar_questions
from tests.factories import question
from tests.qa.chinese_threads import (
    FULL_WIDTH_QUERIES,
    THREADS,
    TRADITIONAL_QUERIES,
    build_site,
    top5_misses,
)
from tests.qa.import_records import USERS, run, thread, write

pytestmark = pytest.mark.django_db
ANONYMOUS = AnonymousUser()


@pytest.fixture(autouse=True)
def _on_sqlite() -> None:
    assert connection.vendor == "sqlite", "run through tests/qa/test_search_sqlite.py"


def titles(query: str) -> list[str]:
    return [q.title for q in search_questions(viewer=ANONYMOUS, query=query).questions]


def test_english_words_are_stemmed_and_titles_come_first(db):
    question(title="Other thing", body="The queryset is evaluated twice.")
    question(title="Queryset evaluated twice", body="Body.")
    question(title="Queryset twice", body="Evaluated, but cached in the template.")

    assert titles("queryset twice evaluated") == [
        "Queryset evaluated twice",
        "Queryset twice",
        "Other thing",
    ]
    assert titles("querysets evaluating") == [
        "Queryset evaluated twice",
        "Queryset twice",
        "Other thing",
    ]
    assert titles("queryset twice -template") == ["Queryset evaluated twice", "Other thing"]
    assert titles("!!") == []


def test_english_similar_threads_come_from_the_title_words(db):
    original = question(title="Celery task runs twice after worker restart")
    for n in range(30):
        question(title=f"Celery worker restart number {n} is slow")
    question(title="Twice as many queries after the upgrade")

    found = similar_questions(viewer=ANONYMOUS, title="celery task runs twice when restarted")

    assert found[0].question.pk == original.pk


def test_a_chinese_snippet_marks_the_query(db):
    question(title="迁移报错", body="背景。" * 50 + "运行 migrate 时提示表已存在。")

    [hit] = search_questions(viewer=ANONYMOUS, query="表已存在").questions

    assert f"{search.MARK_START}表已存在{search.MARK_STOP}" in hit.snippet


def test_hidden_threads_are_neither_found_nor_suggested(db):
    hidden = question(title="数据库迁移失败，提示表已存在")
    Question.objects.filter(pk=hidden.pk).update(hidden=True)

    assert titles("迁移") == []
    assert similar_questions(viewer=ANONYMOUS, title="迁移的时候提示表已存在") == []


def test_the_importer_indexes_chinese_threads(db, tmp_path):
    records = [
        *USERS,
        thread(1, title="Celery 任务重复执行两次", body="worker 重启以后执行了两次。"),
    ]

    run(write(tmp_path, records))
    run(write(tmp_path, records))

    assert titles("重复执行") == ["Celery 任务重复执行两次"]


def test_the_migration_fills_the_table_for_existing_threads(db):
    original = question(title="数据库迁移失败，提示表已存在")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM qa_question_fts")
    assert titles("迁移") == []

    migration = importlib.import_module("qa.migrations.0012_segmented_search_tokens")
    # The migration's own schema editor, minus the foreign-key pause SQLite's editor
    # needs and cannot take inside the test's transaction.
    editor = SimpleNamespace(connection=connection, execute=connection.cursor().execute)
    migration.forward(apps, editor)

    assert titles("迁移") == [original.title]


# The tests below share one site, built when the first of them runs: after the tests
# above, which each start from an empty database.


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker):
    # Built once for the module (the Chinese threads among 300 English ones) and kept
    # for its tests, which only read.
    with django_db_blocker.unblock():
        built = build_site(english=300)
    yield built
    with django_db_blocker.unblock():
        Question.objects.all().delete()


def test_every_short_chinese_query_finds_its_thread_in_the_top_five(site):
    assert top5_misses(ANONYMOUS) == []


@pytest.mark.parametrize(("query", "title"), TRADITIONAL_QUERIES + FULL_WIDTH_QUERIES)
def test_traditional_and_full_width_queries_find_the_thread(site, query, title):
    assert title in titles(query)[:5]


def test_mixed_queries_and_exclusions(site):
    assert titles("pip 安装")[0] == "pip 安装 psycopg2 失败：找不到 pg_config"
    assert titles("docker 网络不通")[:1] == ["Docker 容器之间网络不通"]
    assert titles("nginx 乱码") == []
    found = titles("乱码 -终端")
    assert "中文文件名上传后变成乱码" in found
    assert "Windows 终端输出中文乱码" not in found


def test_reworded_chinese_drafts_find_their_original(site):
    missed = [
        t.draft
        for t in THREADS
        if t.title
        not in [s.question.title for s in similar_questions(viewer=ANONYMOUS, title=t.draft)[:5]]
    ]

    assert len(missed) / len(THREADS) <= 0.2, missed
