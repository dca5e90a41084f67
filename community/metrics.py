"""Community health figures for staff: how fast threads get a first human response, a
mentor and an accepted answer; what the mentors do; who answers; whether newcomers come
back; and how many questions the ask flow deflected.

A selector module: reads only. It lives in the composition root because it reads qa's
threads and mentoring's claims and offers together.

Most figures cover the cohort of public threads (qa.models.public) created in
[since, until), optionally with a tag and by newcomers or returning askers: the claims,
offers and ratings on those threads, the answers in them. A week's row counts the threads
created that week. Three figures are about activity instead, and say so in their
definitions: active mentors, and the ask-flow drafts (which have no tag or asker).

Newcomer or returning is the asker's status as of now (qa.selectors.newcomer_ids), not
when they asked: an asker who has since settled in counts as returning for all their
threads.

Each thread's first answer, comment and claim by someone other than the asker, and
whether it is its asker's first question, are columns of qa.Question that the services
keep (qa.services.thread_moments_refresh and its callers): the figures read them through
covering indexes instead of searching every thread's posts.

Percentiles are PostgreSQL's percentile_cont in SQL; other databases fetch the durations
and interpolate the same way in Python. Times are given to the microsecond.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from mentoring.models import Claim, Escalation, Feedback, MentorExpertise, MentorProfile, Offer
from qa.models import Answer, Comment, Question, Tag, earliest_of, public
from qa.selectors import deflection_counts, newcomer_ids

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

Asker = Literal["newcomer", "returning"]

DAY = dt.timedelta(days=1)
UNANSWERED_AFTER = dt.timedelta(days=7)
SHARE_WINDOWS = (dt.timedelta(hours=24), dt.timedelta(hours=72))
RETENTION_WINDOW = dt.timedelta(days=30)
CACHE_SECONDS = 60
# (label, from days, to days): open threads by age; None is no upper bound.
AGE_BUCKETS: tuple[tuple[Any, int, int | None], ...] = (
    (_("Under 1 day"), 0, 1),
    (_("1 to 3 days"), 1, 3),
    (_("3 to 7 days"), 3, 7),
    (_("7 to 30 days"), 7, 30),
    (_("Over 30 days"), 30, None),
)


@dataclass(frozen=True)
class Figure:
    name: str
    unit: str  # seconds, share, threads, members, claims, offers, ratings, tags, drafts
    value: float | int | None
    definition: StrOrPromise


@dataclass(frozen=True)
class Week:
    """One ISO week (Monday, UTC) of the range: the threads created that week, what
    happened on them, and the mentors active that week."""

    week_start: dt.date
    questions: int
    responded_within_24h: float | None
    first_response_p50: float | None
    first_response_p90: float | None
    first_claim_p50: float | None
    accepted_answer_p50: float | None
    active_mentors: int
    claims_expired: int
    offers_declined: int


@dataclass(frozen=True)
class AgeBucket:
    """Threads of the range still open (not solved, not closed), by age now."""

    label: str
    min_days: int
    max_days: int | None  # None: no upper bound
    threads: int


@dataclass(frozen=True)
class UnservedTag:
    tag: str
    threads: int  # threads of the range that escalated with no eligible mentor
    mentors: int  # approved mentors who list the tag today


@dataclass(frozen=True)
class RatingCount:
    rating: str
    label: str
    count: int


@dataclass(frozen=True)
class CommunityHealth:
    since: dt.datetime
    until: dt.datetime
    tag: str | None
    asker: str | None
    figures: list[Figure]
    weeks: list[Week]
    open_by_age: list[AgeBucket]
    unserved_tags: list[UnservedTag]
    ratings: list[RatingCount]

    def figure(self, name: str) -> Figure:
        return next(figure for figure in self.figures if figure.name == name)


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


# The moments kept on each thread (qa.services.thread_moments_refresh, and mentoring's
# claims): the first public answer, public comment and mentor claim by someone other
# than the asker.
RESPONSE_MOMENTS = ("first_answer_at", "first_comment_at", "first_claim_at")


def threads_with_responses() -> QuerySet[Question]:
    """Public threads, each annotated with the earliest of its first answer, comment and
    mentor claim by someone other than the asker (first_response_at); hidden answers and
    comments do not count, nor comments on hidden answers."""
    return Question.objects.public().annotate(first_response_at=earliest_of(*RESPONSE_MOMENTS))


def _tag_filter(tag: str, thread: str = "pk") -> Exists:
    """The thread (the outer query's `thread` column) has the tag, by slug or name.
    Exists, not a join: a thread with two tags that match counts once."""
    return Exists(Tag.objects.filter(Q(slug=tag) | Q(name=tag), questions=OuterRef(thread)))


@dataclass(frozen=True)
class Cohort:
    """The threads the figures cover, as a filter that any table with a thread can use:
    public, created in [since, until), with the tag, by the askers chosen. Joined to the
    thread rather than `question IN (threads)`, so PostgreSQL walks the range's threads
    (an index) and their rows by thread, whatever the size of the tables."""

    since: dt.datetime
    until: dt.datetime
    tag: str | None
    # (True, ids): only these askers; (False, ids): all but these; None: everyone.
    askers: tuple[bool, frozenset[int]] | None = None

    def q(self, prefix: str = "") -> Q:
        """The filter, for Question (prefix "") or for a model whose `question` is the
        thread (prefix "question__")."""
        condition = Q(
            **{
                f"{prefix}hidden": False,
                f"{prefix}created_at__gte": self.since,
                f"{prefix}created_at__lt": self.until,
            }
        )
        if self.tag:
            condition &= Q(_tag_filter(self.tag, "pk" if not prefix else f"{prefix[:-2]}_id"))
        if self.askers is not None:
            only, ids = self.askers
            by = Q(**{f"{prefix}author_id__in": sorted(ids)})
            condition &= by if only else ~by
        return condition


def _cohort(
    *,
    since: dt.datetime,
    until: dt.datetime,
    tag: str | None,
    asker: Asker | None,
    now: dt.datetime,
) -> Cohort:
    cohort = Cohort(since=since, until=until, tag=tag)
    if asker is None:
        return cohort
    askers = set(
        Question.objects.filter(cohort.q())
        .order_by()
        .values_list("author_id", flat=True)
        .distinct()
    )
    newcomers = frozenset(newcomer_ids(user_ids=askers, now=now))
    return replace(cohort, askers=(asker == "newcomer", newcomers))


def _week_of(moment: dt.datetime) -> dt.date:
    day = moment.astimezone(dt.UTC).date()
    return day - dt.timedelta(days=day.weekday())


def _week(field: str) -> TruncWeek:
    return TruncWeek(field, tzinfo=dt.UTC)


def _week_key(value: dt.datetime | dt.date) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _by_week(rows: Iterable[Mapping[str, Any]]) -> dict[dt.date, dict[str, Any]]:
    """Grouped rows keyed by their "_week" column."""
    return {
        _week_key(row["_week"]): {key: value for key, value in row.items() if key != "_week"}
        for row in rows
    }


def _has_percentile_cont() -> bool:
    return connection.vendor == "postgresql"


def _percentiles(
    rows: QuerySet[Any], *, start: str, end: str, fractions: tuple[float, ...]
) -> list[float | None]:
    """The percentiles of end - start (seconds) over the rows where end is set."""
    rows = rows.filter(**{f"{end}__isnull": False}).order_by()
    if _has_percentile_cont():
        result = rows.annotate(_wait=EpochSeconds(F(end) - F(start))).aggregate(
            **{f"p{i}": PercentileCont("_wait", fraction) for i, fraction in enumerate(fractions)}
        )
        return [result[f"p{i}"] for i in range(len(fractions))]
    waits = [(stop - begin).total_seconds() for begin, stop in rows.values_list(start, end)]
    return [percentile_cont(waits, fraction) for fraction in fractions]


# The waits measured on each thread: from its creation to these moments.
WAITS = {
    "response": "first_response_at",
    "claim": "first_claim_at",
    "accepted": "accepted_at",
}
FRACTIONS = {"p50": 0.5, "p90": 0.9}


def _microseconds(seconds: float | None) -> float | None:
    """A duration to the microsecond, the timestamps' precision: interpolating in floating
    point leaves noise below it (221760.00000000003 for 221760)."""
    return None if seconds is None else round(seconds, 6)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _range_weeks(since: dt.datetime, until: dt.datetime) -> list[dt.date]:
    """Every ISO week (Monday, UTC) that overlaps [since, until)."""
    week = _week_of(since)
    last = _week_of(until - dt.timedelta(microseconds=1))
    weeks = []
    while week <= last:
        weeks.append(week)
        week += 7 * DAY
    return weeks


def _thread_counts(*, now: dt.datetime, answered_by: dt.datetime) -> dict[str, Aggregate]:
    age = {
        f"open_{index}": Count(
            "pk",
            filter=Q(status=Question.Status.OPEN, created_at__lte=now - low * DAY)
            & (Q() if high is None else Q(created_at__gt=now - high * DAY)),
        )
        for index, (_label, low, high) in enumerate(AGE_BUCKETS)
    }
    within = {
        f"within_{index}": Count("pk", filter=Q(first_response_at__lte=F("created_at") + window))
        for index, window in enumerate(SHARE_WINDOWS)
    }
    return {
        "threads": Count("pk"),
        "responded": Count("pk", filter=Q(first_response_at__isnull=False)),
        "claimed": Count("pk", filter=Q(first_claim_at__isnull=False)),
        "accepted": Count("pk", filter=Q(accepted_at__isnull=False)),
        "unanswered": Count(
            "pk",
            filter=Q(created_at__lt=answered_by)
            & (
                Q(first_answer_at__isnull=True)
                | Q(first_answer_at__gt=F("created_at") + UNANSWERED_AFTER)
            ),
        ),
        **within,
        **age,
    }


def _weekly_counts() -> dict[str, Aggregate]:
    return {
        "questions": Count("pk"),
        "within_0": Count(
            "pk", filter=Q(first_response_at__lte=F("created_at") + SHARE_WINDOWS[0])
        ),
    }


_GROUP_BY_WEEK = "GROUP BY 1"


def _with_total(rows: QuerySet[Any], total: Callable[[], dict[str, Any]]) -> list[dict[str, Any]]:
    """A queryset grouped by its first column, run with the grand total as well (PostgreSQL's
    GROUPING SETS): one pass for what would be an aggregate() and a values().annotate().
    The total is the row whose first column is NULL; there is one even with no rows, and
    `total()` gives it when the filter can match nothing (Django then writes no SQL)."""
    try:
        sql, params = rows.query.get_compiler(using=rows.db).as_sql()
    except EmptyResultSet:  # a filter that matches nothing (no askers of the kind asked)
        return [{"_week": None, **total()}]
    if not sql.endswith(_GROUP_BY_WEEK):
        raise ValueError(f"Expected a query grouped by its first column: {sql[-80:]!r}")
    sql = sql[: -len(_GROUP_BY_WEEK)] + "GROUP BY GROUPING SETS ((), (1))"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _thread_figures(
    threads: QuerySet[Question], *, now: dt.datetime, answered_by: dt.datetime
) -> tuple[dict[str, Any], dict[dt.date, dict[str, Any]]]:
    """The counts and wait percentiles ("response_p50", ...) over the threads, and per
    ISO week of creation: one pass over the threads on PostgreSQL (GROUPING SETS, and
    percentile_cont leaves the NULL waits out); three elsewhere (the waits are fetched
    and interpolated in Python)."""
    threads = threads.order_by()
    counts = _thread_counts(now=now, answered_by=answered_by)
    if _has_percentile_cont():
        waits = threads.annotate(
            **{
                f"_{name}_wait": EpochSeconds(F(field) - F("created_at"))
                for name, field in WAITS.items()
            }
        )
        percentiles = {
            f"{name}_{label}": PercentileCont(f"_{name}_wait", fraction)
            for name in WAITS
            for label, fraction in FRACTIONS.items()
        }
        rows = (
            waits.annotate(_week=_week("created_at"))
            .values("_week")
            # The weekly counts are among the overall ones ("within_0" is the same).
            .annotate(**{**_weekly_counts(), **counts}, **percentiles)
        )
        fetched = _with_total(rows, lambda: waits.aggregate(**counts, **percentiles))
        total = next(row for row in fetched if row["_week"] is None)
        overall = {key: value for key, value in total.items() if key != "_week"}
        return overall, _by_week(row for row in fetched if row["_week"] is not None)
    overall = dict(threads.aggregate(**counts))
    weekly = _by_week(
        threads.annotate(_week=_week("created_at")).values("_week").annotate(**_weekly_counts())
    )
    everything: dict[str, list[float]] = defaultdict(list)
    by_week: dict[dt.date, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for created_at, *moments in threads.values_list("created_at", *WAITS.values()):
        for name, moment in zip(WAITS, moments, strict=True):
            if moment is not None:
                wait = (moment - created_at).total_seconds()
                everything[name].append(wait)
                by_week[_week_of(created_at)][name].append(wait)
    for target, waits_by_name in [
        (overall, everything),
        *((weekly[w], by_week[w]) for w in weekly),
    ]:
        for name in WAITS:
            for label, fraction in FRACTIONS.items():
                target[f"{name}_{label}"] = percentile_cont(waits_by_name[name], fraction)
    return overall, weekly


def _claims_by_week(claims: QuerySet[Claim]) -> dict[dt.date, dict[str, int]]:
    """Claims, expired claims and ratings on the threads, per week of thread creation."""
    ratings = {
        f"rating_{rating}": Count("pk", filter=Q(feedback__rating=rating))
        for rating in Feedback.Rating.values
    }
    rows = (
        claims.order_by()
        .annotate(_week=_week("question__created_at"))
        .values("_week")
        .annotate(
            claims=Count("pk"),
            expired=Count("pk", filter=Q(state=Claim.State.EXPIRED)),
            **ratings,
        )
    )
    return _by_week(rows)


def _offers_by_week(offers: QuerySet[Offer]) -> dict[dt.date, dict[str, int]]:
    rows = (
        offers.order_by()
        .annotate(_week=_week("question__created_at"))
        .values("_week")
        .annotate(offers=Count("pk"), declined=Count("pk", filter=Q(declined_at__isnull=False)))
    )
    return _by_week(rows)


def _active_mentors(
    *, since: dt.datetime, until: dt.datetime, tag: str | None
) -> tuple[int, dict[dt.date, int]]:
    """Approved mentors who claimed a thread, or posted a public answer or comment, in
    [since, until) (on threads with the tag, if one is given): over the range and per
    week. One query: the distinct (week, mentor) pairs, at most one per mentor and week."""
    mentors = MentorProfile.objects.filter(status=MentorProfile.Status.APPROVED).values("user_id")

    def activity(queryset: QuerySet[Any], who: str, thread: str) -> QuerySet[Any]:
        queryset = queryset.filter(
            created_at__gte=since, created_at__lt=until, **{f"{who}__in": mentors}
        )
        if tag:
            queryset = queryset.filter(_tag_filter(tag, thread))
        return queryset.annotate(_week=_week("created_at")).values_list("_week", who).order_by()

    claims = activity(Claim.objects.all(), "mentor_id", "question_id")
    answers = activity(Answer.objects.filter(public()), "author_id", "question_id")
    comments = activity(
        Comment.objects.filter(public()).annotate(
            _thread=Coalesce("question_id", "answer__question_id")
        ),
        "author_id",
        "_thread",
    )
    pairs = set(claims.union(answers, comments))
    per_week: dict[dt.date, int] = defaultdict(int)
    for week, _mentor in pairs:
        per_week[_week_key(week)] += 1
    return len({mentor for _week_start, mentor in pairs}), per_week


def _unserved_tags(cohort: Cohort) -> list[UnservedTag]:
    """Tags of the threads that escalated with no eligible mentor at all, with how many
    such threads and how many approved mentors list the tag today. Two queries."""
    unserved = Escalation.objects.filter(cohort.q("question__"), eligible_mentors=0).values(
        "question_id"
    )
    rows = list(
        Tag.objects.filter(questions__in=unserved)
        .annotate(threads=Count("questions", distinct=True))
        .order_by("-threads", "name")
        .values_list("pk", "name", "threads")
    )
    if not rows:
        return []
    mentors = dict(
        MentorExpertise.objects.filter(
            tag_id__in=[pk for pk, _name, _n in rows], profile__status=MentorProfile.Status.APPROVED
        )
        .values_list("tag_id")
        .annotate(n=Count("profile", distinct=True))
        .values_list("tag_id", "n")
    )
    return [UnservedTag(tag=name, threads=n, mentors=mentors.get(pk, 0)) for pk, name, n in rows]


def _answer_concentration(cohort: Cohort) -> tuple[int, int, int]:
    """(answers, answerers, the fewest answerers who gave at least half the answers):
    public answers in the threads by someone other than the asker. One query, one row
    per answerer."""
    counts = sorted(
        Answer.objects.filter(public(), cohort.q("question__"))
        .exclude(author=F("question__author"))
        .order_by()
        .values_list("author_id")
        .annotate(n=Count("*"))  # COUNT(*): the index alone answers it
        .values_list("n", flat=True),
        reverse=True,
    )
    total = sum(counts)
    given = members = 0
    for n in counts:
        if total and given * 2 >= total:
            break
        given += n
        members += 1
    return total, len(counts), members


def _retention(threads: QuerySet[Question], *, now: dt.datetime) -> tuple[int, int, int]:
    """(new askers, those whose 30 days have passed, those of them who came back): a new
    asker is a member whose first question ever (Question.first_of_author) is one of the
    threads; they came back if
    they asked again, or answered someone else's thread, within 30 days of it. One
    query."""
    window = Q(created_at__gt=OuterRef("created_at")) & Q(
        created_at__lte=OuterRef("created_at") + RETENTION_WINDOW
    )
    asked_again = Question.objects.filter(window, author=OuterRef("author")).exclude(
        pk=OuterRef("pk")
    )
    answered = Answer.objects.filter(window, author=OuterRef("author")).exclude(
        question__author=OuterRef("author")
    )
    firsts = (
        threads.order_by()
        .filter(first_of_author=True)
        .annotate(came_back=Exists(asked_again) | Exists(answered))
    )
    measured = Q(created_at__lte=now - RETENTION_WINDOW)
    result = firsts.aggregate(
        new=Count("pk"),
        measured=Count("pk", filter=measured),
        retained=Count("pk", filter=measured & Q(came_back=True)),
    )
    return result["new"], result["measured"], result["retained"]


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

    A fixed number of queries whatever the number of threads (two more with `asker`).
    A share or percentile over nothing is None.
    """
    now = now or timezone.now()
    cohort = _cohort(since=since, until=until, tag=tag, asker=asker, now=now)
    threads = threads_with_responses().filter(cohort.q())
    answered_by = min(until, now) - UNANSWERED_AFTER
    counts, thread_weeks = _thread_figures(threads, now=now, answered_by=answered_by)
    claims = Claim.objects.filter(cohort.q("question__")).exclude(mentor=F("question__author"))
    offers = Offer.objects.filter(cohort.q("question__"))
    mentor_reply = _percentiles(claims, start="created_at", end="first_reply_at", fractions=(0.5,))
    claim_weeks = _claims_by_week(claims)
    offer_weeks = _offers_by_week(offers)
    active_mentors, active_weeks = _active_mentors(since=since, until=until, tag=tag)
    unserved = _unserved_tags(cohort)
    answers, answerers, concentration = _answer_concentration(cohort)
    new_askers, measured, retained = _retention(threads, now=now)
    drafts = deflection_counts(since=since, until=until, now=now)

    def total(table: dict[dt.date, dict[str, int]], key: str) -> int:
        return sum(row[key] for row in table.values())

    rating_counts = {rating: total(claim_weeks, f"rating_{rating}") for rating in Feedback.Rating}
    rated = sum(rating_counts.values())
    good = rating_counts[Feedback.Rating.GREAT] + rating_counts[Feedback.Rating.GOOD]
    figures = [
        Figure("threads", "threads", counts["threads"], _("Public threads created in the range.")),
        Figure(
            "responded",
            "threads",
            counts["responded"],
            _(
                "Threads with a first human response: an answer, a comment or a mentor claim "
                "by someone other than the asker."
            ),
        ),
        Figure(
            "waiting",
            "threads",
            counts["threads"] - counts["responded"],
            _("Threads with no human response yet."),
        ),
        Figure(
            "first_response_p50",
            "seconds",
            counts["response_p50"],
            _(
                "Median time from a thread's creation to its first human response, over the "
                "threads that have one."
            ),
        ),
        Figure(
            "first_response_p90",
            "seconds",
            counts["response_p90"],
            _(
                "90th percentile of the time from a thread's creation to its first human "
                "response, over the threads that have one."
            ),
        ),
        Figure(
            "responded_within_24h",
            "share",
            _share(counts["within_0"], counts["threads"]),
            _(
                "Share of all threads in the range with a first human response within 24 "
                "hours, threads still waiting counting against it."
            ),
        ),
        Figure(
            "responded_within_72h",
            "share",
            _share(counts["within_1"], counts["threads"]),
            _(
                "Share of all threads in the range with a first human response within 72 "
                "hours, threads still waiting counting against it."
            ),
        ),
        Figure(
            "unanswered_after_7_days",
            "threads",
            counts["unanswered"],
            _(
                "Threads older than 7 days at the end of the range (or now) with no public "
                "answer by someone other than the asker within 7 days of creation."
            ),
        ),
        Figure(
            "claimed",
            "threads",
            counts["claimed"],
            _("Threads a mentor other than the asker claimed."),
        ),
        Figure(
            "first_claim_p50",
            "seconds",
            counts["claim_p50"],
            _(
                "Median time from a thread's creation to its first mentor claim, over the "
                "threads claimed."
            ),
        ),
        Figure(
            "first_claim_p90",
            "seconds",
            counts["claim_p90"],
            _(
                "90th percentile of the time from a thread's creation to its first mentor "
                "claim, over the threads claimed."
            ),
        ),
        Figure(
            "accepted",
            "threads",
            counts["accepted"],
            _("Threads with an accepted answer."),
        ),
        Figure(
            "accepted_answer_p50",
            "seconds",
            counts["accepted_p50"],
            _(
                "Median time from a thread's creation to the acceptance of its answer, over "
                "the threads with one (for imported threads, to when that answer was posted)."
            ),
        ),
        Figure(
            "accepted_answer_p90",
            "seconds",
            counts["accepted_p90"],
            _(
                "90th percentile of the time from a thread's creation to the acceptance of "
                "its answer, over the threads with one."
            ),
        ),
        Figure(
            "open_threads",
            "threads",
            sum(counts[f"open_{index}"] for index in range(len(AGE_BUCKETS))),
            _("Threads of the range still open now: neither solved nor closed."),
        ),
        Figure(
            "claims",
            "claims",
            total(claim_weeks, "claims"),
            _("Mentor claims on the threads (not the asker's own), whatever became of them."),
        ),
        Figure(
            "claims_expired",
            "claims",
            total(claim_weeks, "expired"),
            _("Claims on the threads that expired because the mentor did not reply in time."),
        ),
        Figure(
            "offers",
            "offers",
            total(offer_weeks, "offers"),
            _("Threads offered to mentors by matching, one per mentor and thread."),
        ),
        Figure(
            "offers_declined",
            "offers",
            total(offer_weeks, "declined"),
            _("Offers the mentor declined."),
        ),
        Figure(
            "mentor_first_reply_p50",
            "seconds",
            mentor_reply[0],
            _(
                "Median time from a mentor's claim to their first reply in the thread, over "
                "the claims with a reply."
            ),
        ),
        Figure(
            "ratings",
            "ratings",
            rated,
            _("Ratings askers gave the mentors who helped on the threads."),
        ),
        Figure(
            "rating_good_share",
            "share",
            _share(good, rated),
            _("Share of those ratings that are great or good."),
        ),
        Figure(
            "unserved_tags",
            "tags",
            len(unserved),
            _(
                "Tags of threads that escalated with no eligible mentor at all: no approved "
                "mentor could take them."
            ),
        ),
        Figure(
            "answers",
            "answers",
            answers,
            _("Public answers in the threads by someone other than the asker."),
        ),
        Figure(
            "answerers",
            "members",
            answerers,
            _("Members who gave those answers."),
        ),
        Figure(
            "answer_concentration",
            "members",
            concentration,
            _(
                "The fewest members who together gave at least half of those answers: the "
                "lower, the more the community leans on a few people."
            ),
        ),
        Figure(
            "new_askers",
            "members",
            new_askers,
            _("Members whose first question is one of the threads."),
        ),
        Figure(
            "newcomer_retention",
            "share",
            _share(retained, measured),
            _(
                "Share of new askers who asked again, or answered someone else's thread, "
                "within 30 days of their first question, over those whose 30 days have "
                "passed."
            ),
        ),
        Figure(
            "active_mentors",
            "members",
            active_mentors,
            _(
                "Approved mentors who claimed a thread or posted a public answer or comment "
                "in the range (on threads with the tag, if one is chosen), whoever asked."
            ),
        ),
        Figure(
            "drafts_started",
            "drafts",
            drafts["drafts_started"],
            _("Questions started in the ask flow in the range, whatever the tag and asker."),
        ),
        Figure(
            "drafts_posted",
            "drafts",
            drafts["drafts_posted"],
            _("Of those, the drafts posted as questions."),
        ),
        Figure(
            "ask_deflection",
            "share",
            _share(drafts["drafts_abandoned_after_opening_solved"], drafts["drafts_started"]),
            _(
                "Share of the drafts started that were left after the asker opened a solved "
                "thread the ask flow suggested: questions answered before being asked."
            ),
        ),
    ]
    figures = [
        replace(figure, value=_microseconds(figure.value)) if figure.unit == "seconds" else figure
        for figure in figures
    ]
    weeks = []
    for week in _range_weeks(since, until):
        row = thread_weeks.get(week, {})
        questions = row.get("questions", 0)
        weeks.append(
            Week(
                week_start=week,
                questions=questions,
                responded_within_24h=_share(row.get("within_0", 0), questions),
                first_response_p50=_microseconds(row.get("response_p50")),
                first_response_p90=_microseconds(row.get("response_p90")),
                first_claim_p50=_microseconds(row.get("claim_p50")),
                accepted_answer_p50=_microseconds(row.get("accepted_p50")),
                active_mentors=active_weeks.get(week, 0),
                claims_expired=claim_weeks.get(week, {}).get("expired", 0),
                offers_declined=offer_weeks.get(week, {}).get("declined", 0),
            )
        )
    return CommunityHealth(
        since=since,
        until=until,
        tag=tag,
        asker=asker,
        # In the active language now: the figures are cached and pickled.
        figures=[replace(figure, definition=str(figure.definition)) for figure in figures],
        weeks=weeks,
        open_by_age=[
            AgeBucket(label=str(label), min_days=low, max_days=high, threads=counts[f"open_{i}"])
            for i, (label, low, high) in enumerate(AGE_BUCKETS)
        ],
        unserved_tags=unserved,
        ratings=[
            RatingCount(rating=rating.value, label=str(rating.label), count=rating_counts[rating])
            for rating in Feedback.Rating
        ],
    )


@dataclass(frozen=True)
class ResponseTimes:
    threads: int
    responded: int
    p50: float | None
    p90: float | None


def response_times(*, since: dt.datetime, until: dt.datetime) -> ResponseTimes:
    """The first human response over the public threads created in [since, until): how
    many, how many had one, its p50 and p90 in seconds. The figures of community_health
    of the same names, in two queries instead of all of them."""
    threads = threads_with_responses().filter(Cohort(since=since, until=until, tag=None).q())
    counts = threads.order_by().aggregate(
        threads=Count("pk"), responded=Count("pk", filter=Q(first_response_at__isnull=False))
    )
    p50, p90 = _percentiles(
        threads, start="created_at", end="first_response_at", fractions=(0.5, 0.9)
    )
    return ResponseTimes(
        threads=counts["threads"],
        responded=counts["responded"],
        p50=_microseconds(p50),
        p90=_microseconds(p90),
    )


def cached_response_times(*, since: dt.datetime, until: dt.datetime) -> ResponseTimes:
    """response_times, kept CACHE_SECONDS (the wait estimate on every ask and thread
    page)."""
    key = f"response-times:{since.isoformat()}|{until.isoformat()}"
    times = cache.get(key)
    if times is None:
        times = response_times(since=since, until=until)
        cache.set(key, times, CACHE_SECONDS)
    return times


def cached_community_health(
    *,
    since: dt.datetime,
    until: dt.datetime,
    tag: str | None = None,
    asker: Asker | None = None,
) -> CommunityHealth:
    """community_health, kept CACHE_SECONDS: staff pages, the API, the digest and the
    wait estimate ask for the same figures many times a minute. The range is rounded
    down to the minute for the key, so requests a second apart share an entry; the
    definitions are in the language of whoever computed them, so the key has it."""
    raw = f"{since.isoformat()}|{until.isoformat()}|{tag}|{asker}|{get_language()}"
    key = "community-health:" + hashlib.sha256(raw.encode()).hexdigest()
    health = cache.get(key)
    if health is None:
        health = community_health(since=since, until=until, tag=tag, asker=asker)
        cache.set(key, health, CACHE_SECONDS)
    return health
