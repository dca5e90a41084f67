"""manage.py refresh_thread_moments: recompute every thread's first-response moments and
askers' first questions from the rows."""

from __future__ import annotations

import importlib
import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection, transaction

RESET_SQL = (
    "UPDATE qa_question SET first_answer_at = NULL, first_comment_at = NULL, "
    "first_claim_at = NULL, first_of_author = false"
)


def refresh_statements() -> list[str]:
    """The migrations' own set-based UPDATEs (qa 0016, mentoring 0003), after a reset."""
    qa = importlib.import_module("qa.migrations.0016_thread_moments")
    mentoring = importlib.import_module("mentoring.migrations.0003_first_claim")
    return [
        RESET_SQL,
        qa.FIRST_OF_AUTHOR_SQL,
        qa.FIRST_ANSWER_SQL,
        qa.FIRST_COMMENT_SQL,
        mentoring.FIRST_CLAIM_SQL,
    ]


class Command(BaseCommand):
    help = (
        "Recompute, for every thread, the moments of its first public answer, comment and "
        "mentor claim by someone other than the asker, and which question is each asker's "
        "first, from the rows as they are. Posting, moderation, claims and import_threads "
        "keep them; run this after writing posts or claims to the database some other way "
        "(a restore from another tool, hand-made SQL). One transaction: the community "
        "health figures read the old values until it commits."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in refresh_statements():
                cursor.execute(statement)
            cursor.execute("SELECT count(*) FROM qa_question")
            (threads,) = cursor.fetchone()
        self.stdout.write(
            f"Recomputed the first-response moments of {threads:,} threads "
            f"in {time.perf_counter() - started:.1f} s."
        )
