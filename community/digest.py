"""The weekly community health digest for moderators: the ISO week that just ended
against the week before, and the threads still waiting for a first human response.

Sent through the notification outbox (kind community.notification_kinds.HEALTH_DIGEST),
so preferences, the daily cap, retries, the relay and unsubscribe work as for every
notification. The outbox renders every notification with templates/emails/notification.*;
the digest's own part (the table and the waiting threads) is rendered here, in each
recipient's language, into the payload's excerpt, the part that template shows of an
event. The figures are those of the moment the digest is recorded, the same on every
attempt to send it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext, gettext_lazy

from accounts.language import language_of
from accounts.models import Notification, User
from accounts.notifications import notify
from accounts.selectors import moderator_ids
from community import charts, metrics
from community.notification_kinds import HEALTH_DIGEST
from qa.models import Question

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

WEEK = dt.timedelta(days=7)
WAITING_LIMIT = 20
MINUS = "\N{MINUS SIGN}"

# The figures compared, in the order shown. "unanswered_after_7_days" is taken from the
# threads asked the week before (see health_report): a thread asked in the week that just
# ended has not had its 7 days yet.
ROWS: tuple[tuple[str, StrOrPromise], ...] = (
    ("threads", gettext_lazy("Threads asked")),
    ("first_response_p50", gettext_lazy("First human response, median")),
    ("first_response_p90", gettext_lazy("First human response, 9 in 10 within")),
    ("responded_within_24h", gettext_lazy("Responded to within 24 hours")),
    (
        "unanswered_after_7_days",
        gettext_lazy("Unanswered 7 days after being asked (threads of the week before)"),
    ),
    ("first_claim_p50", gettext_lazy("First mentor claim, median")),
    ("claims_expired", gettext_lazy("Mentor claims expired")),
    ("offers_declined", gettext_lazy("Offers declined by mentors")),
    ("active_mentors", gettext_lazy("Active mentors")),
    ("ask_deflection", gettext_lazy("Questions answered before being asked (ask deflection)")),
)


@dataclass(frozen=True)
class Comparison:
    """One figure of the week that ended and of the week before (None: no data)."""

    name: str
    unit: str
    this_week: float | None
    last_week: float | None


@dataclass(frozen=True)
class HealthReport:
    week_start: dt.date
    figures: list[Comparison]


def week_that_ended(now: dt.datetime) -> dt.date:
    """The Monday (UTC) starting the last full ISO week before `now`."""
    today = now.astimezone(dt.UTC).date()
    return today - dt.timedelta(days=today.weekday()) - WEEK


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def health_report(*, week_start: dt.date, now: dt.datetime | None = None) -> HealthReport:
    """The digest's figures for the week starting `week_start` and the week before."""
    now = now or timezone.now()
    start = _midnight(week_start)

    def health(since: dt.datetime, until: dt.datetime) -> metrics.CommunityHealth:
        return metrics.community_health(since=since, until=until, now=now)

    this_week, last_week = health(start, start + WEEK), health(start - WEEK, start)
    # Over one week, no thread is 7 days old at the end of the range, so the figure is
    # taken over two weeks: it then counts the threads of the first one.
    unanswered_this = health(start - WEEK, start + WEEK)
    unanswered_last = health(start - 2 * WEEK, start)
    figures = []
    for name, _label in ROWS:
        pair = (
            (unanswered_this, unanswered_last)
            if name == "unanswered_after_7_days"
            else (this_week, last_week)
        )
        now_figure, before = (side.figure(name) for side in pair)
        figures.append(Comparison(name, now_figure.unit, now_figure.value, before.value))
    return HealthReport(week_start=week_start, figures=figures)


def waiting() -> QuerySet[Question]:
    """Open public threads with no human response yet: no answer, comment or claim by
    anyone but the asker."""
    # None of the moments of a first response set.
    no_response = Q(**{f"{moment}__isnull": True for moment in metrics.RESPONSE_MOMENTS})
    return metrics.threads_with_responses().filter(no_response, status=Question.Status.OPEN)


def waiting_threads(limit: int = WAITING_LIMIT) -> tuple[list[Question], int]:
    """The threads waiting for a first human response (waiting()), oldest first: the
    first `limit` of them, and how many there are in all. One query, two when there are
    more than `limit`."""
    threads = waiting()
    first = list(threads.order_by("created_at", "pk").only("pk", "title", "created_at")[:limit])
    total = len(first) if len(first) < limit else threads.count()
    return first, total


# Formatting, in the active language ---------------------------------------------------


def _no_value() -> str:
    return gettext("n/a")


def format_value(unit: str, value: float | None) -> str:
    """A figure for people: a duration, a percentage or a count."""
    if value is None:
        return _no_value()
    if unit == "seconds":
        return charts.format_duration(value)
    if unit == "share":
        return charts.format_share(value)
    return charts.format_count(value)


def format_change(unit: str, this_week: float | None, last_week: float | None) -> str:
    """The change from the week before: "+3", "-12 min" (with a minus sign), "+4.5
    points"; "n/a" when a side has no value."""
    if this_week is None or last_week is None:
        return _no_value()
    change = this_week - last_week
    if unit == "share":
        points = round(abs(change) * 100, 1)
        sign = _sign(points if change > 0 else -points)
        return gettext("%(sign)s%(points)s points") % {
            "sign": sign,
            "points": number_format(points, decimal_pos=1),
        }
    size: Callable[[float], str] = (
        charts.format_duration if unit == "seconds" else charts.format_count
    )
    # The sign of what is shown: a change that rounds to nothing is "±0".
    shown = size(abs(change))
    return _sign(0 if shown == size(0) else change) + shown


def _sign(change: float) -> str:
    if change > 0:
        return "+"
    if change < 0:
        return MINUS
    return "±"


def _week_label(week_start: dt.date) -> str:
    return gettext("Community health, week of %(date)s") % {
        "date": date_format(week_start, "DATE_FORMAT")
    }


def digest_payload(
    report: HealthReport, waiting: list[Question], waiting_total: int
) -> dict[str, Any]:
    """The notification's payload in the active language: its title (the subject), a
    link to the week on the staff health page, and the digest as text and HTML."""
    week_start = report.week_start
    query = f"?since={week_start.isoformat()}&until={(week_start + WEEK).isoformat()}"
    path = reverse("community-health") + query
    labels = dict(ROWS)
    context = {
        "week": _week_label(week_start),
        "health_url": settings.SITE_URL + path,
        "first_day": date_format(week_start, "DATE_FORMAT"),
        "last_day": date_format(week_start + WEEK - dt.timedelta(days=1), "DATE_FORMAT"),
        "rows": [
            {
                "label": str(labels[f.name]),
                "this_week": format_value(f.unit, f.this_week),
                "last_week": format_value(f.unit, f.last_week),
                "change": format_change(f.unit, f.this_week, f.last_week),
            }
            for f in report.figures
        ],
        "waiting": [
            {"title": q.title, "url": settings.SITE_URL + q.get_absolute_url()} for q in waiting
        ],
        "waiting_total": waiting_total,
        "waiting_more": waiting_total - len(waiting),
    }
    return {
        "week_start": week_start.isoformat(),
        "title": context["week"],
        "url": path,
        "excerpt_text": render_to_string("emails/health_digest.txt", context).strip(),
        "excerpt_html": render_to_string("emails/health_digest.html", context).strip(),
    }


def health_digests_send(*, now: dt.datetime | None = None) -> int:
    """Record the health digest of the week that just ended for every moderator who has
    not had it yet; returns how many notifications were written.

    The dedupe key names the week (one row per moderator and week: record.notify), so a
    second run in the same week writes nothing and does not compute the figures again;
    a moderator who joined since the last run gets theirs. A moderator who turned the
    kind off gets a suppressed row, as for every notification."""
    now = now or timezone.now()
    week_start = week_that_ended(now)
    dedupe_key = f"health_digest:{week_start.isoformat()}"
    moderators = moderator_ids()
    had = set(
        Notification.objects.filter(
            dedupe_key__in=[f"{dedupe_key}:{pk}" for pk in moderators]
        ).values_list("recipient_id", flat=True)
    )
    due = [pk for pk in moderators if pk not in had]
    if not due:
        return 0
    report = health_report(week_start=week_start, now=now)
    waiting, waiting_total = waiting_threads(WAITING_LIMIT)
    by_language: dict[str, list[int]] = defaultdict(list)
    for user in User.objects.filter(pk__in=due).only("pk", "language").order_by("pk"):
        by_language[language_of(user)].append(user.pk)
    written = 0
    for language, recipients in by_language.items():
        with translation.override(language):
            payload = digest_payload(report, waiting, waiting_total)
        with transaction.atomic():
            written += len(
                notify(
                    kind=HEALTH_DIGEST,
                    recipients=recipients,
                    dedupe_key=dedupe_key,
                    payload=payload,
                )
            )
    return written
