"""PostgreSQL: a batch of threads that are new to the database, written with COPY.

A batch is written here only when none of its questions, answers and comments is here
yet (their external ids probed through the unique indexes); otherwise nothing is written
and the importer upserts it. So every row is an insert, nothing here can have hidden,
moved or voted on them, and what the upserts are followed by (the recounts of
qa.services) follows from the file alone: the answer count (every imported answer is
public), the first answer and first comment by someone other than the asker, the
accepted answer, its moment and the status. Each row is written once, in its final form,
instead of inserted and then updated five times:

- the primary keys are drawn from the tables' sequences first, so that the rows can
  name each other (the foreign keys are checked at commit);
- questions are copied with their search vectors, which the database computed ahead on
  a connection of their own (SearchVectors: the expressions of search_vectors_refresh),
  so that the writing connection does not wait for that work;
- answers, comments, votes and tag links are copied too, in the binary format;
- askers' first questions are recomputed (first_questions_refresh) only for askers with
  no question here before this batch's, found by an index probe each.

The tests import the same files both ways and compare the tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import psycopg
from django.db import DatabaseError, connection, connections
from django.db.models import Model
from django.utils import timezone
from django.utils.functional import cached_property
from psycopg import postgres, pq
from psycopg.adapt import Dumper

from qa.models import Answer, Comment, Question, Vote
from qa.segment import chinese_tokens, normalize
from qa.services import first_questions_refresh, search_vectors_sql

if TYPE_CHECKING:
    from qa.importer import ParsedAnswer, ParsedComment, ParsedQuestion

# The search vectors as search_vectors_refresh writes them (qa.services
# search_vectors_sql), from the same normalised text and Chinese tokens; computed on a
# connection of their own (SearchVectors), the english title vector once for two.
_SEARCH, _TITLE, _SEGMENTED = search_vectors_sql(
    title="v.title",
    tag_names="v.tag_names",
    body="v.body",
    tokens=("v.title_tokens", "v.body_tokens"),
    title_vector="t.vector",
)
VECTORS = f"""
SELECT {_SEARCH}, {_TITLE}, {_SEGMENTED}
FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::text[]) WITH ORDINALITY
        AS v(title, tag_names, body, title_tokens, body_tokens, n)
    CROSS JOIN LATERAL (SELECT to_tsvector('english'::regconfig, v.title) AS vector) AS t
ORDER BY v.n
"""  # noqa: S608 - our own expressions, no input
COLUMN_TYPES = """
SELECT attrelid::regclass::text, attname, atttypid::int FROM pg_attribute
WHERE attrelid = ANY(%s::regclass[]) AND attnum > 0 AND NOT attisdropped
"""


class Vector(bytes):
    """A tsvector in PostgreSQL's binary form, as the database computed it."""


class _VectorDumper(Dumper):
    """Copies a Vector as it is (psycopg has no adapter for tsvector)."""

    format = pq.Format.BINARY
    oid = postgres.types["tsvector"].oid

    def dump(self, obj: Any) -> bytes:
        return bytes(obj)


class _Rows:
    """The columns COPY writes for a model: the given fields in order, then every other
    column at its model default, so that a field added to the model later gets its
    default here too."""

    def __init__(self, model: type[Model], given: Sequence[str]) -> None:
        fields = {f.attname: f for f in model._meta.concrete_fields}
        self._rest = [f for f in fields.values() if f.attname not in given and not f.primary_key]
        self.table = model._meta.db_table
        self._columns = [str(fields[name].column) for name in given]
        self._columns += [str(f.column) for f in self._rest]
        self.columns = ", ".join(f'"{c}"' for c in self._columns)

    @cached_property
    def defaults(self) -> tuple[Any, ...]:
        return tuple(f.get_db_prep_save(f.get_default(), connection) for f in self._rest)

    def copy(self, cursor: Any, types: dict[str, int], rows: Iterable[tuple[Any, ...]]) -> None:
        """COPY the rows (the given values) in the binary format: half the work of the
        text one, here and in the server. `types`: column → type oid."""
        defaults = self.defaults
        statement = f"COPY {self.table} ({self.columns}) FROM STDIN (FORMAT BINARY)"
        with cursor.copy(statement) as copy:
            copy.set_types([types[c] for c in self._columns])
            for row in rows:
                copy.write_row(row + defaults)


QUESTION = _Rows(Question, [
    "id", "external_id", "author_id", "title", "body", "body_html", "tag_names", "status",
    "score", "answer_count", "view_count", "accepted_answer_id", "accepted_at",
    "first_answer_at", "first_comment_at", "created_at", "updated_at", "last_activity_at",
    "search_vector", "title_vector", "segmented_vector",
])  # fmt: skip
ANSWER = _Rows(Answer, [
    "id", "external_id", "question_id", "author_id", "body", "body_html", "score",
    "created_at", "updated_at",
])  # fmt: skip
COMMENT = _Rows(Comment, [
    "id", "external_id", "question_id", "answer_id", "author_id", "body", "body_html",
    "created_at",
])  # fmt: skip
VOTE = _Rows(Vote, ["user_id", "question_id", "answer_id", "value", "created_at"])
TAGGED = _Rows(Question.tags.through, ["question_id", "tag_id"])

# Keys for the three tables in one statement; each sequence is looked up once.
NEW_IDS = """
SELECT array(SELECT nextval(q.seq) FROM generate_series(1, %s)),
    array(SELECT nextval(a.seq) FROM generate_series(1, %s)),
    array(SELECT nextval(c.seq) FROM generate_series(1, %s))
FROM (SELECT pg_get_serial_sequence(%s, 'id')::regclass AS seq) AS q,
    (SELECT pg_get_serial_sequence(%s, 'id')::regclass AS seq) AS a,
    (SELECT pg_get_serial_sequence(%s, 'id')::regclass AS seq) AS c
"""
# Whether any question, answer or comment of the batch is here (a probe of the unique
# index on the external id each), and the askers whose earliest question of the batch
# comes before every question of theirs here (a probe of question_by_author each; a
# question here at the same moment has a lower id, so it comes first).
PLAN = """
SELECT EXISTS (SELECT FROM qa_question WHERE external_id = ANY(%s::text[]))
        OR EXISTS (SELECT FROM qa_answer WHERE external_id = ANY(%s::text[]))
        OR EXISTS (SELECT FROM qa_comment WHERE external_id = ANY(%s::text[])),
    array(
        SELECT v.author FROM unnest(%s::bigint[], %s::timestamptz[]) AS v(author, at)
        WHERE NOT EXISTS (
            SELECT FROM qa_question AS q WHERE q.author_id = v.author AND q.created_at <= v.at
        )
    )
"""


def _plan(cursor: Any, batch: Sequence[ParsedQuestion]) -> list[int] | None:
    """None if some question, answer or comment of the batch is here already, else the
    askers whose first question is in the batch."""
    answers = [a.external_id for q in batch for a in q.answers]
    comments = [c.external_id for q in batch for c in q.comments]
    comments += [c.external_id for q in batch for a in q.answers for c in a.comments]
    earliest: dict[int, dt.datetime] = {}
    for q in batch:
        if q.author_id not in earliest or q.created_at < earliest[q.author_id]:
            earliest[q.author_id] = q.created_at
    cursor.execute(
        PLAN,
        [[q.external_id for q in batch], answers, comments, list(earliest), [*earliest.values()]],
    )
    found, firsts = cursor.fetchone()
    return None if found else sorted(firsts)


def _new_ids(cursor: Any, questions: int, answers: int, comments: int) -> list[list[int]]:
    """Fresh primary keys for so many questions, answers and comments, ascending."""
    tables = [m._meta.db_table for m in (Question, Answer, Comment)]
    cursor.execute(NEW_IDS, [questions, answers, comments, *tables])
    return [sorted(ids) for ids in cursor.fetchone()]


def _column_types(cursor: Any) -> dict[str, dict[str, int]]:
    """Table → column → type oid, for the tables written here."""
    tables = [rows.table for rows in (QUESTION, ANSWER, COMMENT, VOTE, TAGGED)]
    cursor.execute(COLUMN_TYPES, [tables])
    types: dict[str, dict[str, int]] = {table: {} for table in tables}
    for table, column, oid in cursor.fetchall():
        types[table.strip('"')][column] = oid
    return types


def _earliest(moments: Iterable[dt.datetime]) -> dt.datetime | None:
    return min(moments, default=None)


class SearchVectors:
    """The search vectors of batches' questions, computed by the database in a thread
    with a connection of its own, while the batches before them are written (the
    database's work for a batch is then shared by two processes, one on each processor).
    The statement reads no table, so it needs no part in the import's transactions."""

    def __init__(self) -> None:
        self._alias = connection.alias
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="import-vectors")

    def compute(self, batch: Sequence[ParsedQuestion]) -> Future[list[tuple[Vector, ...]]]:
        texts = [(q.title, " ".join(q.tags), q.body) for q in batch]
        return self._thread.submit(self._compute, texts)

    def _compute(self, texts: list[tuple[str, str, str]]) -> list[tuple[Vector, ...]]:
        columns = [
            [normalize(title) for title, _, _ in texts],
            [tag_names for _, tag_names, _ in texts],
            [normalize(body) for _, _, body in texts],
            [chinese_tokens(title) for title, _, _ in texts],
            [chinese_tokens(body) for _, _, body in texts],
        ]
        database = connections[self._alias]
        database.ensure_connection()
        # Bound by the server and read in the binary form, which the COPY writes as is.
        with psycopg.Cursor(database.connection) as cursor:
            cursor.execute(VECTORS, columns, binary=True)
            return [tuple(map(Vector, row)) for row in cursor.fetchall()]

    def close(self) -> None:
        """Close the thread's connection, then the thread."""
        self._thread.submit(lambda: connections[self._alias].close()).result()
        self._thread.shutdown()


def batch_write(
    batch: Sequence[ParsedQuestion],
    tags: dict[str, int],
    vectors: Callable[[], list[tuple[Vector, ...]]],
) -> tuple[int, int, int] | None:
    """Insert a batch none of which is here yet, its Markdown rendered, and return the
    answers, comments and votes written; None, having written nothing, when some of it
    is here. `vectors` gives the search vectors of its questions (SearchVectors), asked
    for once the batch is known to be new. Runs inside the batch's transaction."""
    answers = [(q, a) for q in batch for a in q.answers]
    comments: list[tuple[ParsedQuestion | None, ParsedAnswer | None, ParsedComment]]
    comments = [(q, None, c) for q in batch for c in q.comments]
    comments += [(None, a, c) for q in batch for a in q.answers for c in a.comments]
    now = timezone.now()
    with connection.cursor() as cursor:
        # Bound by the server, the arrays in the binary form: less work than literals.
        with psycopg.Cursor(connection.connection) as bound:
            firsts = _plan(bound, batch)
            if firsts is None:
                return None
            qids, aids, cids = _new_ids(bound, len(batch), len(answers), len(comments))
        qid = {q.external_id: pk for q, pk in zip(batch, qids, strict=True)}
        aid = {a.external_id: pk for (_, a), pk in zip(answers, aids, strict=True)}
        types = _column_types(cursor)

        def question(q: ParsedQuestion, searched: tuple[Vector, ...]) -> tuple[Any, ...]:
            accepted = next((a for a in q.answers if a.accepted), None)
            remarks = [*q.comments, *(c for a in q.answers for c in a.comments)]
            return (
                qid[q.external_id], q.external_id, q.author_id, q.title, q.body, q.body_html,
                " ".join(q.tags), Question.Status.SOLVED if accepted else Question.Status.OPEN,
                sum(q.votes.values()), len(q.answers), q.views,
                aid[accepted.external_id] if accepted else None,
                accepted.created_at if accepted else None,
                _earliest(a.created_at for a in q.answers if a.author_id != q.author_id),
                _earliest(c.created_at for c in remarks if c.author_id != q.author_id),
                q.created_at, q.created_at, q.last_activity(), *searched,
            )  # fmt: skip

        cursor.adapters.register_dumper(Vector, _VectorDumper)
        QUESTION.copy(cursor, types[QUESTION.table], map(question, batch, vectors()))
        ANSWER.copy(cursor, types[ANSWER.table], (
            (aid[a.external_id], a.external_id, qid[q.external_id], a.author_id, a.body,
             a.body_html, sum(a.votes.values()), a.created_at, a.created_at)
            for q, a in answers
        ))  # fmt: skip
        COMMENT.copy(cursor, types[COMMENT.table], (
            (pk, c.external_id, qid[q.external_id] if q else None,
             aid[a.external_id] if a else None, c.author_id, c.body, c.body_html, c.created_at)
            for (q, a, c), pk in zip(comments, cids, strict=True)
        ))  # fmt: skip
        votes: list[tuple[int, int | None, int | None, int, dt.datetime]] = [
            (user, qid[q.external_id], None, value, now)
            for q in batch
            for user, value in q.votes.items()
        ]
        votes += [
            (user, None, aid[a.external_id], value, now)
            for _, a in answers
            for user, value in a.votes.items()
        ]
        VOTE.copy(cursor, types[VOTE.table], votes)
        TAGGED.copy(
            cursor,
            types[TAGGED.table],
            ((qid[q.external_id], tags[name]) for q in batch for name in q.tags),
        )
    if firsts:
        first_questions_refresh(author_ids=firsts)
    return len(answers), len(comments), len(votes)


# --- A first load: the search indexes built once, at the end ------------------------------

# The GIN indexes on the questions' search vectors and title trigrams (qa/migrations
# 0002, 0007 and 0012), which every question inserted adds some hundred entries to.
SEARCH_INDEXES = {
    "qa_question_search_vector_gin": "qa_question USING gin (search_vector)",
    "qa_question_title_trgm": "qa_question USING gin (title gin_trgm_ops)",
    "qa_question_title_vector_gin": "qa_question USING gin (title_vector)",
    "qa_question_segmented_vector_gin": "qa_question USING gin (segmented_vector)",
}
# Memory for building one of them (PostgreSQL's default is 64 MB): the fewer passes, the
# sooner the site is searchable.
BUILD_MEMORY = "256MB"


def search_indexes_drop() -> str | None:
    """Drop the search indexes, for a first load into an empty database: PostgreSQL
    builds an index once in much less time than it takes to add the threads to it one by
    one (docs/benchmarks.md). Outside a transaction: each drop is committed at once, and
    the lock it takes is held only that long. None, or why the indexes (or some of
    them) were kept, such as a database role that does not own the table: the load then
    keeps them up to date as it goes."""
    assert not connection.in_atomic_block  # noqa: S101 - a caller's mistake
    try:
        with connection.cursor() as cursor:
            for name in SEARCH_INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
    except DatabaseError as error:
        return str(error).strip()
    return None


def search_indexes_restore() -> None:
    """Build whichever search indexes are missing, two at a time on connections of their
    own (one for each processor). Run after a first load, and before every import, which
    so repairs a first load that was killed before its end."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'qa_question' "
            "AND indexname = ANY(%s)",
            [list(SEARCH_INDEXES)],
        )
        present = {name for (name,) in cursor.fetchall()}
    missing = [name for name in SEARCH_INDEXES if name not in present]
    if not missing:
        return
    alias = connection.alias

    def build(name: str) -> None:
        builder = connections.create_connection(alias)
        try:
            with builder.cursor() as cursor:
                cursor.execute(f"SET maintenance_work_mem = '{BUILD_MEMORY}'")
                cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {SEARCH_INDEXES[name]}")
        finally:
            builder.close()

    with ThreadPoolExecutor(2, thread_name_prefix="import-index") as builders:
        list(builders.map(build, missing))
