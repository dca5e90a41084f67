"""Chinese search on PostgreSQL: short queries, scripts, full-width forms, mixed text,
similar threads for reworded drafts, the importer and the migration of existing rows."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from qa import search
from qa.models import Question
from qa.search import search_questions, similar_questions
from qa.services import search_vectors_refresh
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


def titles(query: str) -> list[str]:
    return [q.title for q in search_questions(viewer=ANONYMOUS, query=query).questions]


@pytest.fixture
def site():
    assert connection.vendor == "postgresql"
    return build_site(english=400)


def test_every_short_chinese_query_finds_its_thread_in_the_top_five(site):
    assert len(THREADS) >= 30
    assert sum(len(t.queries) for t in THREADS) >= 60

    assert top5_misses(ANONYMOUS) == []


def test_the_issue_s_queries_find_the_migration_thread(site):
    assert "数据库迁移失败，提示表已存在" in titles("迁移")[:5]
    for query in ["数据库迁移", "表已存在", "迁移 表已存在"]:
        assert titles(query)[0] == "数据库迁移失败，提示表已存在", query


@pytest.mark.parametrize(("query", "title"), TRADITIONAL_QUERIES + FULL_WIDTH_QUERIES)
def test_traditional_and_full_width_queries_find_the_thread(site, query, title):
    assert title in titles(query)[:5]


def test_a_traditional_thread_is_found_by_mainland_words_and_by_its_own(site):
    for query in ["数据库连接", "資料庫連線", "连接 mysql"]:
        assert titles(query)[:1] == ["資料庫連線逾時，查詢一直卡住"], query


def test_mixed_queries_need_both_their_latin_and_their_chinese(site):
    assert titles("pip 安装")[0] == "pip 安装 psycopg2 失败：找不到 pg_config"
    assert titles("celery 定时任务")[0] == "Celery beat 定时任务不执行"
    assert titles("docker 网络不通")[:1] == ["Docker 容器之间网络不通"]
    # The english configuration still stems the Latin words of a Chinese thread.
    assert titles("refusing connections 远程") == ["PostgreSQL 远程连接被拒绝"]
    assert titles("nginx 乱码") == []


def test_a_chinese_word_can_be_excluded(site):
    found = titles("乱码 -终端")

    assert "中文文件名上传后变成乱码" in found
    assert "Windows 终端输出中文乱码" not in found


def test_a_one_character_query_matches_threads_containing_it(site):
    found = titles("慢")

    assert "分页查询越往后翻越慢" in found
    assert all("慢" in q.title + q.body for q in Question.objects.filter(title__in=found))


def test_english_threads_do_not_match_chinese_queries_and_keep_their_own_search(site):
    english = Question.objects.exclude(title__in=site).first()
    word = english.title.split()[0].lower()

    assert titles("迁移冲突") == ["合并分支后 makemigrations 提示迁移冲突"]
    assert english.title in titles(english.title)[:5]
    assert any(english.title == t for t in titles(word))


def test_a_chinese_snippet_marks_the_query_in_a_short_excerpt():
    body = "前面的背景说明。" * 40 + "运行 migrate 时提示表已存在，怎么办？" + "后记。" * 40
    question(title="迁移报错", body=body)

    [hit] = search_questions(viewer=ANONYMOUS, query="表已存在").questions

    assert f"{search.MARK_START}表已存在{search.MARK_STOP}" in hit.snippet
    assert len(hit.snippet) <= search.CJK_SNIPPET_CHARS + 2


def test_reworded_chinese_drafts_find_their_original(site):
    missed = []
    for thread_ in THREADS:
        found = similar_questions(viewer=ANONYMOUS, title=thread_.draft)
        if thread_.title not in [s.question.title for s in found[:5]]:
            missed.append((thread_.draft, [s.question.title for s in found[:5]]))

    assert len(missed) / len(THREADS) <= 0.2, missed


def test_a_traditional_draft_finds_the_simplified_thread(site):
    found = similar_questions(viewer=ANONYMOUS, title="執行 migrate 時報錯說資料表已經存在")

    assert "数据库迁移失败，提示表已存在" in [s.question.title for s in found[:3]]


def test_the_importer_indexes_chinese_threads_in_its_batches(tmp_path):
    records = [
        *USERS,
        thread(1, title="Celery 任务重复执行两次", body="worker 重启以后同一个任务执行了两次。"),
        thread(2, title="How do I import a thread?"),
    ]

    run(write(tmp_path, records))

    assert titles("重复执行") == ["Celery 任务重复执行两次"]
    assert titles("worker 重启") == ["Celery 任务重复执行两次"]


def test_the_migration_fills_the_tokens_of_existing_threads():
    original = question(title="数据库迁移失败，提示表已存在", body="relation already exists")
    Question.objects.update(segmented_vector=None)
    assert titles("迁移") == []

    migration = importlib.import_module("qa.migrations.0012_segmented_search_tokens")
    with connection.cursor() as cursor:
        # The test's own inserts leave deferred checks pending, which CREATE INDEX refuses.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with connection.schema_editor() as editor:
        migration.forward(apps, editor)

    assert titles("迁移") == [original.title]


def test_refresh_rewrites_the_tokens_after_an_edit():
    thread_ = question(title="Docker 容器之间网络不通")
    Question.objects.filter(pk=thread_.pk).update(title="Redis 连接超时")
    search_vectors_refresh(question_ids=[thread_.pk])

    assert titles("网络不通") == []
    assert titles("连接超时") == ["Redis 连接超时"]
