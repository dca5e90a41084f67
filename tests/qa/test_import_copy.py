"""import_threads on PostgreSQL: a batch new to the database is written with COPY, and
the tables come out as the upserts and the services' recounts write them."""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Model

from accounts.models import User
from qa import import_copy, importer
from qa.markdown import render_markdown
from qa.models import Answer, Comment, Question, Tag, Vote
from qa.search import search_questions
from tests.qa.import_records import run, user, write

pytestmark = pytest.mark.django_db

TITLES = [
    "How do I {} with Django?",
    "Celery 任务{}执行两次",
    "資料庫遷移失敗 {}",  # traditional: folded to simplified for search
    "\uff26\uff35\uff2c\uff2c\u3000\uff37\uff29\uff24\uff34\uff28 {}",  # full width
    "A title that goes on and on {}" + " and on" * 30,  # cut at a word
]
BODIES = [
    "Some **Markdown** with `code` and [a link](https://example.org).",
    "    indented = code(block)\n\nThen a paragraph about {}.",
    "worker 重启以后同一个任务执行了两次。{}",
    "# A heading\n\n- a list\n- of {}\n\n<script>alert(1)</script>",
]


def varied_community(questions: int, users: int) -> list[dict]:
    """Threads with comments on questions and answers, askers answering and commenting
    on their own threads, self-votes, several accepted answers, Chinese and full-width
    text, and times out of order (an asker's first question can come in a later batch)."""
    rng = random.Random(7)  # noqa: S311 - test data, not secrets
    names = [f"u{n}" for n in range(1, users + 1)]
    records: list[dict] = [user(n) for n in range(1, users + 1)]

    def text(choices: list[str], n: int) -> str:
        return rng.choice(choices).format(n)

    def moment(day: int, hour: int) -> str:
        return f"2024-03-{day:02d}T{hour:02d}:{rng.randint(0, 59):02d}:00Z"

    def comments(prefix: str, day: int, asker: str) -> list[dict]:
        # The asker's own comment often comes first: it is no first response.
        return [
            {"id": f"{prefix}.c{k}", "author": asker if k == 0 and rng.random() < 0.5
             else rng.choice(names), "body": text(BODIES, k), "created_at": moment(day, 20 + k)}
            for k in range(rng.randint(0, 2))
        ]  # fmt: skip

    def votes() -> dict:
        chosen = rng.sample(names, rng.randint(0, 5))
        return {"up": chosen[1:], "down": chosen[:1]}

    for n in range(questions):
        day, asker = rng.randint(1, 28), rng.choice(names)
        # The asker answering first is no first response either.
        answers = [
            {"id": f"v{n}.{i}", "author": asker if i == 0 and rng.random() < 0.3
             else rng.choice(names), "body": text(BODIES, i),
             "created_at": moment(day, 10 + i), "accepted": rng.random() < 0.3,
             "comments": comments(f"v{n}.{i}", day, asker), "votes": votes()}
            for i in range(rng.randint(0, 3))
        ]  # fmt: skip
        records.append({
            "type": "question", "id": f"v{n}", "author": asker,
            "title": text(TITLES, n), "body": text(BODIES, n),
            "tags": rng.sample(["Django", "C++ / STL", "orm", "Node.JS", "celery"], 2),
            "created_at": moment(day, 9), "views": rng.randint(0, 500), "answers": answers,
            "comments": comments(f"v{n}", day, asker), "votes": votes(),
        })  # fmt: skip
    return records


def dump() -> dict[str, list[tuple]]:
    """Every row the importer writes, with keys replaced by external ids, usernames and
    tag names (the two imports draw different keys), vectors as text."""
    ids: dict[type[Model], dict[int, str]] = {
        Question: dict(Question.objects.values_list("pk", "external_id")),
        Answer: dict(Answer.objects.values_list("pk", "external_id")),
        Comment: dict(Comment.objects.values_list("pk", "external_id")),
        User: dict(User.objects.values_list("pk", "username")),
        Tag: dict(Tag.objects.values_list("pk", "name")),
    }

    def rows(model: type[Model], leave_out: tuple[str, ...] = ()) -> list[tuple]:
        out = []
        for row in model._default_manager.values():
            named: dict[str, Any] = {}
            for field in model._meta.concrete_fields:
                value = row[field.attname]
                if field.primary_key or field.name in leave_out:
                    continue
                if field.is_relation and value is not None:
                    target = field.related_model
                    value = ids[Question if target is Question else target][value]
                named[field.name] = value
            out.append(tuple(sorted(named.items(), key=lambda item: item[0])))
        return sorted(out, key=repr)

    return {
        "questions": rows(Question),
        "answers": rows(Answer),
        "comments": rows(Comment),
        # The moment of a vote is the moment of the import.
        "votes": rows(Vote, leave_out=("created_at",)),
        "tags": rows(Question.tags.through),
        "users": rows(User, leave_out=("password",)),
    }


def batches_copied(monkeypatch: Any) -> list[int]:
    """The sizes of the batches written with COPY from now on, in order."""
    copied: list[int] = []
    batch_write = import_copy.batch_write

    def counted(batch: Any, *args: Any) -> tuple[int, int, int] | None:
        written = batch_write(batch, *args)
        if written is not None:
            copied.append(len(batch))
        return written

    monkeypatch.setattr(import_copy, "batch_write", counted)
    return copied


def test_copy_writes_the_rows_the_upserts_write(tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "BATCH_SIZE", 4)
    path = write(tmp_path, varied_community(30, 8))
    monkeypatch.setattr(importer, "COPY_NEW_BATCHES", False)
    run(path)
    upserted = dump()
    Question.objects.all().delete()

    monkeypatch.setattr(importer, "COPY_NEW_BATCHES", True)
    copied = batches_copied(monkeypatch)
    out, _ = run(path)

    assert sum(copied) == 30
    assert "30 questions" in out
    assert dump() == upserted
    # The data set has what the comparison is about.
    questions = Question.objects.all()
    assert questions.filter(first_of_author=True).count() == 8
    assert questions.filter(status="solved").exists()
    assert questions.filter(first_comment_at__isnull=False).exists()
    assert questions.exclude(segmented_vector="").exists()
    assert Comment.objects.filter(answer__isnull=False).exists()


def test_a_batch_already_here_in_part_is_upserted_and_the_tables_agree(tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "BATCH_SIZE", 4)
    records = varied_community(8, 8)
    monkeypatch.setattr(importer, "COPY_NEW_BATCHES", False)
    run(write(tmp_path, records))
    upserted = dump()
    Question.objects.all().delete()
    monkeypatch.setattr(importer, "COPY_NEW_BATCHES", True)
    run(write(tmp_path, records[:10]))  # the users and the first two threads
    copied = batches_copied(monkeypatch)

    run(write(tmp_path, records))

    # The first batch holds the two threads already here: upserted. The second is new.
    assert copied == [4]
    assert dump() == upserted


def test_new_threads_get_their_keys_in_the_order_of_the_file(tmp_path, monkeypatch):
    """Also when the batches before them were upserted: a thread's key says where it
    stands among the ones imported with it (a tie between two first questions of the
    same moment goes to the lower key)."""
    monkeypatch.setattr(importer, "BATCH_SIZE", 4)
    records = varied_community(40, 8)
    run(write(tmp_path, records[:16]))  # the users and the first two batches' threads
    copied = batches_copied(monkeypatch)

    run(write(tmp_path, records))

    assert copied == [4] * 8  # the first two batches were upserted
    new = Question.objects.exclude(external_id__in=[f"v{n}" for n in range(8)])
    in_file_order = sorted(new, key=lambda q: int(q.external_id.removeprefix("v")))
    keys = [q.pk for q in in_file_order]
    assert keys == sorted(keys)
    assert Question.objects.filter(pk__in=keys).count() == 32


def test_markdown_rendered_by_worker_processes_is_the_same(tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "BATCH_SIZE", 10)
    path = write(tmp_path, varied_community(20, 8))
    run(path)
    here = dump()
    Question.objects.all().delete()
    monkeypatch.setattr(importer, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(importer, "POOL_MIN_POSTS", 1)
    pools: list[Any] = []
    render = importer.Renderer.render

    def spied(self: importer.Renderer, batch: list) -> Any:
        done = render(self, batch)
        pools.append(self._pool)
        return done

    monkeypatch.setattr(importer.Renderer, "render", spied)

    run(path)

    assert pools
    assert all(pool is not None for pool in pools)
    assert dump() == here
    for answer in Answer.objects.all():
        assert answer.body_html == render_markdown(answer.body)


# --- A first load: the search indexes built at its end ----------------------------------

SEARCH_INDEX_DEFINITIONS = (
    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'qa_question' "
    "AND indexname = ANY(%s)"
)


def search_indexes() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(SEARCH_INDEX_DEFINITIONS, [list(import_copy.SEARCH_INDEXES)])
        return dict(cursor.fetchall())


def indexes_while_writing(monkeypatch: Any) -> list[set[str]]:
    """The search indexes there as each batch is written."""
    seen: list[set[str]] = []
    batch_write = import_copy.batch_write

    def spied(*args: Any) -> Any:
        seen.append(set(search_indexes()))
        return batch_write(*args)

    monkeypatch.setattr(import_copy, "batch_write", spied)
    return seen


@pytest.mark.django_db(transaction=True)
def test_a_first_load_is_written_without_the_search_indexes_then_builds_them(tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "BATCH_SIZE", 4)
    monkeypatch.setattr(importer, "FIRST_LOAD_MIN_BYTES", 0)
    migrated = search_indexes()
    assert len(migrated) == 4
    seen = indexes_while_writing(monkeypatch)

    out, err = run(write(tmp_path, varied_community(12, 8)))

    assert "12 questions" in out
    assert "Building the search indexes" in err
    assert seen == [set()] * 3
    assert search_indexes() == migrated  # the same definitions as the migrations'
    found = search_questions(viewer=AnonymousUser(), query="Django").questions
    assert found.exists()


@pytest.mark.django_db(transaction=True)
def test_a_load_into_a_community_with_threads_keeps_its_indexes(tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "BATCH_SIZE", 4)
    monkeypatch.setattr(importer, "FIRST_LOAD_MIN_BYTES", 0)
    records = varied_community(12, 8)
    run(write(tmp_path, records[:12]))  # the users and four threads
    seen = indexes_while_writing(monkeypatch)

    run(write(tmp_path, records))

    assert len(seen) == 3  # every batch is tried (the first, with threads here, upserted)
    assert all(len(present) == 4 for present in seen)


@pytest.mark.django_db(transaction=True)
def test_a_first_load_that_stops_at_a_bad_line_still_builds_the_indexes(tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "BATCH_SIZE", 4)
    monkeypatch.setattr(importer, "FIRST_LOAD_MIN_BYTES", 0)
    migrated = search_indexes()
    path = write(tmp_path, varied_community(10, 8), extra_lines=(b"{not json",))

    with pytest.raises(CommandError):
        run(path, "--on-error=stop")

    assert Question.objects.count() == 8  # the two batches before the bad line's
    assert search_indexes() == migrated


@pytest.mark.django_db(transaction=True)
def test_an_import_first_builds_what_a_killed_first_load_left_out(tmp_path):
    migrated = search_indexes()
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX qa_question_search_vector_gin")
        cursor.execute("DROP INDEX qa_question_title_trgm")
    assert len(search_indexes()) == 2

    run(write(tmp_path, varied_community(2, 8)))  # small: no first load of its own

    assert search_indexes() == migrated


@pytest.mark.django_db(transaction=True)
def test_a_first_load_that_may_not_drop_the_indexes_keeps_them_up_to_date(tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "BATCH_SIZE", 4)
    monkeypatch.setattr(importer, "FIRST_LOAD_MIN_BYTES", 0)
    migrated = search_indexes()
    # The first name is a table's: PostgreSQL refuses to drop it as an index, as it
    # refuses a role that does not own the table.
    refused = {"qa_tag": "qa_question USING gin (title_vector)"}
    monkeypatch.setattr(import_copy, "SEARCH_INDEXES", refused | import_copy.SEARCH_INDEXES)
    seen = indexes_while_writing(monkeypatch)

    out, err = run(write(tmp_path, varied_community(8, 8)))

    assert "8 questions" in out
    assert "The search indexes are kept up to date as it goes" in err
    assert '"qa_tag" is not an index' in err
    assert seen == [set(migrated), set(migrated)]
    assert search_indexes() == migrated
