"""A GIN index on the title-only vector, and the vector filled for existing threads
(PostgreSQL only)."""

from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "UPDATE qa_question SET title_vector = to_tsvector('english'::regconfig, title)"
        )
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS qa_question_title_vector_gin "
            "ON qa_question USING gin (title_vector)"
        )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS qa_question_title_vector_gin")


class Migration(migrations.Migration):
    dependencies = [("qa", "0006_title_vector")]

    operations = [migrations.RunPython(forward, backward)]
