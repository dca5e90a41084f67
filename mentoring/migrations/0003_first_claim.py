"""Each thread's first mentor claim by someone other than the asker, on the thread
(qa.Question.first_claim_at, added by qa 0016; mentoring.services.claims keeps it)."""

from django.db import migrations

FIRST_CLAIM_SQL = """
UPDATE qa_question SET first_claim_at = firsts.first
FROM (
    SELECT c.question_id AS thread, min(c.created_at) AS first
    FROM mentoring_claim c JOIN qa_question q ON q.id = c.question_id
    WHERE c.mentor_id <> q.author_id
    GROUP BY c.question_id
) AS firsts
WHERE qa_question.id = firsts.thread
"""


class Migration(migrations.Migration):
    dependencies = [("mentoring", "0002_mentorships"), ("qa", "0017_health_indexes")]

    operations = [migrations.RunSQL(FIRST_CLAIM_SQL, migrations.RunSQL.noop, elidable=True)]
