"""Community health figures for staff: how fast threads get a first human response, how
many stay unanswered, and how many questions are asked each week.

A selector module: reads only. It lives in the composition root because it reads qa's
threads and mentoring's claims together.

The figures cover public threads (qa.models.public) created in [since, until). Newcomer
or returning is the asker's status as of now (qa.selectors.newcomer_ids), not when they
asked: an asker who has since settled in counts as returning for all their threads.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DateTimeField,
    Exists,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Least, TruncWeek
from django.utils import timezone

from mentoring.models import Claim
from qa.models import Answer, Comment, Question, Tag, public
from qa.selectors import newcomer_ids

Asker = Literal["newcomer", "returning"]

DAY = dt.timedelta(days=1)
UNANSWERED_AFTER = dt.timedelta(days=7)
SHARE_WINDOWS = (dt.timedelta(hours=24), dt.timedelta(hours=72))


@dataclass(frozen=True)
class Figure:
    name: str
    unit: str
    value: float | int | None
    definition: str


@dataclass(frozen=True)
class Week:
    week_start: dt.date
    count: int


@dataclass(frozen=True)
class CommunityHealth:
    figures: list[Figure]
    weeks: list[Week]


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate: the continuous percentile, interpolated
    linearly between the two nearest values; NULLs are left out."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("A percentile's fraction is between 0 and 1.")
        # A float written into the SQL, never user input.
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


class EpochSeconds(Func):
    """The seconds in a PostgreSQL interval."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()


def percentile_cont(values: Iterable[float], fraction: float) -> float | None:
    """What PostgreSQL's percentile_cont(fraction) gives for these values: sorted, the
    value at position fraction * (n - 1), interpolated linearly between its two
    neighbours; None for no values."""
    if not 0 <= fraction <= 1:
        raise ValueError("A percentile's fraction is between 0 and 1.")
    ordered = sorted(values)
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    low = math.floor(position)
    high = math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _earliest(queryset: QuerySet[Any], field: str = "created_at") -> Subquery:
    return Subquery(queryset.order_by(field).values(field)[:1], output_field=DateTimeField())


def threads_with_responses() -> QuerySet[Question]:
    """Public threads, each annotated with the earliest answer, comment (on the question
    or on one of its answers) and mentor claim by someone other than the asker; hidden
    answers and comments do not count, nor comments on hidden answers."""
    others_answers = Answer.objects.filter(public(), question=OuterRef("pk")).exclude(
        author=OuterRef("author")
    )
    others_question_comments = Comment.objects.filter(public(), question=OuterRef("pk")).exclude(
        author=OuterRef("author")
    )
    others_answer_comments = Comment.objects.filter(
        public(), public("answer__"), answer__question=OuterRef("pk")
    ).exclude(author=OuterRef("author"))
    others_claims = Claim.objects.filter(question=OuterRef("pk")).exclude(mentor=OuterRef("author"))
    return Question.objects.public().annotate(
        first_answer_at=_earliest(others_answers),
        first_question_comment_at=_earliest(others_question_comments),
        first_answer_comment_at=_earliest(others_answer_comments),
        first_claim_at=_earliest(others_claims),
    )


def _threads(
    *,
    since: dt.datetime,
    until: dt.datetime,
    tag: str | None,
    asker: Asker | None,
    now: dt.datetime,
) -> QuerySet[Question]:
    threads = threads_with_responses().filter(created_at__gte=since, created_at__lt=until)
    if tag:
        # Exists, not a join: a thread with two tags that match counts once.
        matching = Tag.objects.filter(Q(slug=tag) | Q(name=tag), questions=OuterRef("pk"))
        threads = threads.filter(Exists(matching))
    if asker is not None:
        askers = set(threads.order_by().values_list("author_id", flat=True).distinct())
        newcomers = newcomer_ids(user_ids=askers, now=now)
        if asker == "newcomer":
            threads = threads.filter(author_id__in=newcomers)
        else:
            threads = threads.exclude(author_id__in=newcomers)
    return threads


@dataclass(frozen=True)
class _Summary:
    threads: int
    responded: int
    within: tuple[int, ...]
    p50: float | None
    p90: float | None
    unanswered: int


def _summary_in_sql(threads: QuerySet[Question], *, answered_by: dt.datetime) -> _Summary:
    first_response = Least(
        "first_answer_at", "first_question_comment_at", "first_answer_comment_at", "first_claim_at"
    )  # PostgreSQL's LEAST leaves NULLs out; NULL only when all are.
    rows = threads.annotate(
        first_response_at=first_response,
        wait=EpochSeconds(F("first_response_at") - F("created_at")),
    ).aggregate(
        threads=Count("pk"),
        responded=Count("pk", filter=Q(first_response_at__isnull=False)),
        p50=PercentileCont("wait", 0.5),
        p90=PercentileCont("wait", 0.9),
        unanswered=Count(
            "pk",
            filter=Q(created_at__lt=answered_by)
            & (
                Q(first_answer_at__isnull=True)
                | Q(first_answer_at__gt=F("created_at") + UNANSWERED_AFTER)
            ),
        ),
        **{
            f"within_{index}": Count(
                "pk", filter=Q(first_response_at__lte=F("created_at") + window)
            )
            for index, window in enumerate(SHARE_WINDOWS)
        },
    )
    return _Summary(
        threads=rows["threads"],
        responded=rows["responded"],
        within=tuple(rows[f"within_{index}"] for index in range(len(SHARE_WINDOWS))),
        p50=rows["p50"],
        p90=rows["p90"],
        unanswered=rows["unanswered"],
    )


def summary_from_rows(
    rows: Sequence[tuple[dt.datetime, Sequence[dt.datetime | None]]], *, answered_by: dt.datetime
) -> _Summary:
    """The same figures as _summary_in_sql, from (created_at, (first answer, first comment
    on the question, first comment on an answer, first claim)) per thread: for databases
    without percentile_cont."""
    waits: list[float] = []
    within = [0] * len(SHARE_WINDOWS)
    unanswered = 0
    for created_at, responses in rows:
        first_answer_at = responses[0]
        if created_at < answered_by and (
            first_answer_at is None or first_answer_at > created_at + UNANSWERED_AFTER
        ):
            unanswered += 1
        present = [moment for moment in responses if moment is not None]
        if not present:
            continue
        wait = min(present) - created_at
        waits.append(wait.total_seconds())
        for index, window in enumerate(SHARE_WINDOWS):
            if wait <= window:
                within[index] += 1
    return _Summary(
        threads=len(rows),
        responded=len(waits),
        within=tuple(within),
        p50=percentile_cont(waits, 0.5),
        p90=percentile_cont(waits, 0.9),
        unanswered=unanswered,
    )


def _summary_in_python(threads: QuerySet[Any], *, answered_by: dt.datetime) -> _Summary:
    rows = [
        (row[0], row[1:])
        for row in threads.values_list(
            "created_at",
            "first_answer_at",
            "first_question_comment_at",
            "first_answer_comment_at",
            "first_claim_at",
        )
    ]
    return summary_from_rows(rows, answered_by=answered_by)


def _weeks(threads: QuerySet[Question], *, since: dt.datetime, until: dt.datetime) -> list[Week]:
    """Every ISO week (Monday, UTC) that overlaps the range, with no threads as 0."""
    counts = {
        start.date(): n
        for start, n in threads.order_by()
        .annotate(week=TruncWeek("created_at", tzinfo=dt.UTC))
        .values_list("week")
        .annotate(n=Count("pk"))
    }
    first = since.astimezone(dt.UTC).date()
    week = first - dt.timedelta(days=first.weekday())
    last = (until.astimezone(dt.UTC) - dt.timedelta(microseconds=1)).date()
    weeks = []
    while week <= last:
        weeks.append(Week(week_start=week, count=counts.get(week, 0)))
        week += 7 * DAY
    return weeks


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def community_health(
    *,
    since: dt.datetime,
    until: dt.datetime,
    tag: str | None = None,
    asker: Asker | None = None,
    now: dt.datetime | None = None,
) -> CommunityHealth:
    """The community health figures for public threads created in [since, until)
    (aware datetimes), optionally only those with a tag (slug or name) or by newcomers or
    returning askers (their status as of now).

    Two queries, or four to six with `asker` (the askers, then newcomer_ids), whatever
    the number of threads. A share or percentile over no threads is None.
    """
    now = now or timezone.now()
    threads = _threads(since=since, until=until, tag=tag, asker=asker, now=now)
    answered_by = min(until, now) - UNANSWERED_AFTER
    if connection.vendor == "postgresql":
        summary = _summary_in_sql(threads, answered_by=answered_by)
    else:
        summary = _summary_in_python(threads, answered_by=answered_by)
    within_24h, within_72h = summary.within
    figures = [
        Figure(
            "threads",
            "threads",
            summary.threads,
            "Public threads created in the range.",
        ),
        Figure(
            "responded",
            "threads",
            summary.responded,
            "Threads with a first human response: an answer, a comment or a mentor claim "
            "by someone other than the asker.",
        ),
        Figure(
            "waiting",
            "threads",
            summary.threads - summary.responded,
            "Threads with no human response yet.",
        ),
        Figure(
            "first_response_p50",
            "seconds",
            summary.p50,
            "Median time from a thread's creation to its first human response, over the "
            "threads that have one.",
        ),
        Figure(
            "first_response_p90",
            "seconds",
            summary.p90,
            "90th percentile of the time from a thread's creation to its first human "
            "response, over the threads that have one.",
        ),
        Figure(
            "responded_within_24h",
            "share",
            _share(within_24h, summary.threads),
            "Share of all threads in the range with a first human response within 24 hours, "
            "threads still waiting counting against it.",
        ),
        Figure(
            "responded_within_72h",
            "share",
            _share(within_72h, summary.threads),
            "Share of all threads in the range with a first human response within 72 hours, "
            "threads still waiting counting against it.",
        ),
        Figure(
            "unanswered_after_7_days",
            "threads",
            summary.unanswered,
            "Threads older than 7 days at the end of the range (or now) with no public answer "
            "by someone other than the asker within 7 days of creation.",
        ),
    ]
    return CommunityHealth(figures=figures, weeks=_weeks(threads, since=since, until=until))
