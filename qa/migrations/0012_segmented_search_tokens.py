"""Chinese search: every thread's title and body segmented in the application
(qa.segment.search_tokens: words, character bigrams and unigrams, NFKC and simplified).

PostgreSQL: a 'simple' tsvector of the Chinese ones (title A, body B) with a GIN index, and
the english vectors recomputed from the same normalised text (full-width letters).
SQLite: an FTS5 table of the same tokens, one row per thread (rowid = the thread's id).
Both are filled here for the existing threads, in batches; afterwards
qa.services.search_vectors_refresh keeps them up to date. The SQL is a frozen copy of
that service's, as a migration must not change when the service does.
"""

from django.db import migrations

import qa.models
from qa.segment import chinese_tokens, normalize, search_tokens

BATCH = 500

PG_UPDATE = """
UPDATE qa_question AS q
SET search_vector = setweight(to_tsvector('english'::regconfig, v.title), 'A')
        || setweight(to_tsvector('simple'::regconfig, q.tag_names), 'A')
        || setweight(to_tsvector('english'::regconfig, v.body), 'B'),
    title_vector = to_tsvector('english'::regconfig, v.title),
    segmented_vector = setweight(to_tsvector('simple'::regconfig, v.title_tokens), 'A')
        || setweight(to_tsvector('simple'::regconfig, v.body_tokens), 'B')
FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[])
    AS v(id, title, body, title_tokens, body_tokens)
WHERE q.id = v.id
"""
SQLITE_FTS = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS qa_question_fts USING fts5("
    "title, body, tokenize = 'porter unicode61 remove_diacritics 2')"
)


def forward(apps, schema_editor):
    Question = apps.get_model("qa", "Question")
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_FTS)
    elif vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS qa_question_segmented_vector_gin "
            "ON qa_question USING gin (segmented_vector)"
        )
    rows = Question.objects.order_by("pk").values_list("pk", "title", "body")
    last = 0
    with schema_editor.connection.cursor() as cursor:
        while batch := list(rows.filter(pk__gt=last)[:BATCH]):
            last = batch[-1][0]
            if vendor == "postgresql":
                data = [
                    (pk, normalize(t), normalize(b), chinese_tokens(t), chinese_tokens(b))
                    for pk, t, b in batch
                ]
                cursor.execute(PG_UPDATE, [list(column) for column in zip(*data, strict=True)])
            elif vendor == "sqlite":
                cursor.executemany(
                    "INSERT OR REPLACE INTO qa_question_fts (rowid, title, body) "
                    "VALUES (%s, %s, %s)",
                    [(pk, search_tokens(t), search_tokens(b)) for pk, t, b in batch],
                )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS qa_question_segmented_vector_gin")
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS qa_question_fts")


class Migration(migrations.Migration):
    dependencies = [("qa", "0011_evidence_per_draft")]

    operations = [
        migrations.AddField(
            model_name="question",
            name="segmented_vector",
            field=qa.models.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(forward, backward),
    ]
