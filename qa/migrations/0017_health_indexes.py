"""The indexes the community health figures read: a range of public threads, their
answers, and askers' posts in time order. After qa 0016's backfill, in a transaction of
their own (PostgreSQL builds no index on a table with updates pending in the same one)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("qa", "0016_thread_moments"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="answer",
            index=models.Index(
                condition=models.Q(("hidden", False)),
                fields=["question"],
                include=("author", "created_at"),
                name="answer_public_by_thread",
            ),
        ),
        migrations.AddIndex(
            model_name="answer",
            index=models.Index(fields=["author", "created_at"], name="answer_by_author"),
        ),
        migrations.AddIndex(
            model_name="question",
            index=models.Index(
                condition=models.Q(("hidden", False)),
                fields=["created_at"],
                include=(
                    "id",
                    "author",
                    "status",
                    "accepted_at",
                    "first_answer_at",
                    "first_comment_at",
                    "first_claim_at",
                    "first_of_author",
                ),
                name="question_health",
            ),
        ),
        migrations.AddIndex(
            model_name="question",
            index=models.Index(
                condition=models.Q(("first_of_author", True)),
                fields=["author"],
                name="question_first_of_author",
            ),
        ),
    ]
