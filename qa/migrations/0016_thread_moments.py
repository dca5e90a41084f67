"""Each thread's first public answer and first public comment by someone other than the
asker (qa.services.thread_moments_refresh), and whether it is its asker's first question
(qa.services.first_questions_refresh), kept on the thread, so the community health
figures read columns instead of subqueries per thread. 0017 adds the indexes they read
(after the backfill, in a transaction of their own), mentoring 0003 the first claim."""

from django.conf import settings
from django.db import migrations, models

# Set-based (one grouped pass over each table), so a large forum migrates in seconds;
# UPDATE ... FROM is PostgreSQL's and SQLite's (3.33 and later).
FIRST_ANSWER_SQL = """
UPDATE qa_question SET first_answer_at = firsts.first
FROM (
    SELECT a.question_id AS thread, min(a.created_at) AS first
    FROM qa_answer a JOIN qa_question q ON q.id = a.question_id
    WHERE NOT a.hidden AND a.author_id <> q.author_id
    GROUP BY a.question_id
) AS firsts
WHERE qa_question.id = firsts.thread
"""

FIRST_OF_AUTHOR_SQL = """
UPDATE qa_question SET first_of_author = true
WHERE NOT EXISTS (
    SELECT 1 FROM qa_question earlier
    WHERE earlier.author_id = qa_question.author_id
      AND (earlier.created_at < qa_question.created_at
           OR (earlier.created_at = qa_question.created_at AND earlier.id < qa_question.id))
)
"""

FIRST_COMMENT_SQL = """
UPDATE qa_question SET first_comment_at = firsts.first
FROM (
    SELECT posts.thread, min(posts.created_at) AS first
    FROM (
        SELECT c.question_id AS thread, c.created_at, c.author_id
        FROM qa_comment c
        WHERE NOT c.hidden AND c.question_id IS NOT NULL
        UNION ALL
        SELECT a.question_id, c.created_at, c.author_id
        FROM qa_comment c JOIN qa_answer a ON a.id = c.answer_id
        WHERE NOT c.hidden AND NOT a.hidden
    ) AS posts JOIN qa_question q ON q.id = posts.thread
    WHERE posts.author_id <> q.author_id
    GROUP BY posts.thread
) AS firsts
WHERE qa_question.id = firsts.thread
"""


class Migration(migrations.Migration):
    dependencies = [
        ("qa", "0015_question_accepted_at"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="question",
            name="first_answer_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="question",
            name="first_comment_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="question",
            name="first_claim_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="question",
            name="first_of_author",
            field=models.BooleanField(default=False, editable=False),
        ),
        # First, for the backfill of first_of_author to probe it.
        migrations.AddIndex(
            model_name="question",
            index=models.Index(fields=["author", "created_at", "id"], name="question_by_author"),
        ),
        migrations.RunSQL(FIRST_OF_AUTHOR_SQL, migrations.RunSQL.noop, elidable=True),
        migrations.RunSQL(FIRST_ANSWER_SQL, migrations.RunSQL.noop, elidable=True),
        migrations.RunSQL(FIRST_COMMENT_SQL, migrations.RunSQL.noop, elidable=True),
    ]
