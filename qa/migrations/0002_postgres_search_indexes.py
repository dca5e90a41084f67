"""Full-text and trigram indexes, on PostgreSQL only (the embedded SQLite database
searches without them)."""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS qa_question_search_vector_gin "
    "ON qa_question USING gin (search_vector)",
    "CREATE INDEX IF NOT EXISTS qa_question_title_trgm "
    "ON qa_question USING gin (title gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS qa_tag_name_trgm ON qa_tag USING gin (name gin_trgm_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS qa_tag_name_trgm",
    "DROP INDEX IF EXISTS qa_question_title_trgm",
    "DROP INDEX IF EXISTS qa_question_search_vector_gin",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("qa", "0001_threads")]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
