"""Every index costs each insert (an import writes millions of rows): none is kept that
another index of the same table already serves."""

from __future__ import annotations

import pytest
from django.db import connection

from qa.models import Answer, Comment, Question

pytestmark = pytest.mark.django_db

# Each plain B-tree index of a table (no expression, no condition): its name, whether it
# is unique and its key columns in order.
BTREE_INDEXES = """
SELECT i.relname, x.indisunique,
    array(SELECT a.attname FROM unnest(x.indkey[0:x.indnkeyatts - 1]) WITH ORDINALITY AS k(n, o)
          JOIN pg_attribute AS a ON a.attrelid = x.indrelid AND a.attnum = k.n ORDER BY k.o)
FROM pg_index AS x
    JOIN pg_class AS i ON i.oid = x.indexrelid
    JOIN pg_am AS m ON m.oid = i.relam
WHERE x.indrelid = %s::regclass AND m.amname = 'btree'
    AND x.indexprs IS NULL AND x.indpred IS NULL
"""
# Indexes by their definitions (their names are generated).
INDEX_DEFINITIONS = "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s"


def _btree_indexes(table: str) -> list[tuple[str, bool, list[str]]]:
    with connection.cursor() as cursor:
        cursor.execute(BTREE_INDEXES, [table])
        return cursor.fetchall()


@pytest.mark.parametrize("model", [Question, Answer, Comment], ids=lambda m: m.__name__)
def test_no_index_of_the_imported_tables_is_served_by_another(model):
    indexes = _btree_indexes(model._meta.db_table)
    assert indexes
    redundant = [
        (name, other)
        for name, unique, columns in indexes
        if not unique
        for other, _, longer in indexes
        if other != name and longer[: len(columns)] == columns
    ]
    assert redundant == []


@pytest.mark.parametrize("model", [Question, Answer, Comment], ids=lambda m: m.__name__)
def test_the_external_id_is_unique_through_one_index(model):
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(INDEX_DEFINITIONS, [table])
        definitions = [d for _, d in cursor.fetchall() if "(external_id" in d]
    assert definitions == [
        f"CREATE UNIQUE INDEX {model._meta.model_name}_external_id_unique "
        f"ON public.{table} USING btree (external_id)"
    ]


def test_the_threads_and_authors_stay_looked_up_through_an_index():
    """The foreign keys that lost their own index lead another one."""
    leading = {
        (table, columns[0])
        for table in ("qa_question", "qa_answer")
        for _, _, columns in _btree_indexes(table)
    }
    assert {
        ("qa_question", "author_id"),
        ("qa_answer", "question_id"),
        ("qa_answer", "author_id"),
    } <= leading
