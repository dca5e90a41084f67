"""Reads for mentoring: the matching inputs built from the database, and claims."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from mentoring.matching import Candidate, Match, Thread, Window, rank_mentors, text_language
from mentoring.models import Claim, Exclusion, MentorProfile, Mentorship, Offer
from qa.models import Question, public


def threads_waiting() -> QuerySet[Question]:
    """Threads that need a mentor: open, visible, and nobody holds them."""
    return Question.objects.filter(public(), status=Question.Status.OPEN).exclude(
        claims__state=Claim.State.ACTIVE
    )


def mentor_claims(*, mentor: User) -> QuerySet[Claim]:
    """A mentor's claims on threads everyone may still see, newest first."""
    return (
        Claim.objects.filter(public("question__"), mentor=mentor)
        .select_related("question")
        .order_by("-created_at", "-pk")
    )


def mentor_offers(*, mentor: User) -> QuerySet[Offer]:
    """The offers made to a mentor, on threads everyone may still see, newest first."""
    return (
        Offer.objects.filter(public("question__"), mentor=mentor)
        .select_related("question")
        .order_by("-created_at", "-pk")
    )


def escalation_still_waiting() -> Q:
    """An escalated thread that still needs a mentor."""
    return Q(question__in=threads_waiting().values("pk"))


def thread_for(question: Question) -> Thread:
    """A question as matching sees it, with the language its title and body are written
    in when their script tells (an asker whose profile says ["en"] may write Chinese)."""
    asker = question.author
    tags = tuple(t.name for t in question.tags.all())
    return Thread(
        question_id=question.pk,
        asker_id=question.author_id,
        tags=tags,
        asker_languages=tuple(asker.languages or ["en"]),
        language=text_language(f"{question.title}\n{question.body}"),
    )


def _profiles(question: Question | None = None, now: dt.datetime | None = None) -> Any:
    """Approved mentor profiles annotated with their claim and offer figures."""
    asker = question.author_id if question is not None else None
    day_ago = (now or timezone.now()) - dt.timedelta(days=1)
    return (
        MentorProfile.objects.filter(status=MentorProfile.Status.APPROVED)
        .select_related("user")
        .prefetch_related("expertise__tag")
        .annotate(
            # distinct: claims and offers are joined side by side.
            open_claims=Count(
                "user__claims", filter=Q(user__claims__state=Claim.State.ACTIVE), distinct=True
            ),
            replied=Count(
                "user__claims", filter=Q(user__claims__first_reply_at__isnull=False), distinct=True
            ),
            expired=Count(
                "user__claims", filter=Q(user__claims__state=Claim.State.EXPIRED), distinct=True
            ),
            helped=Count(
                "user__claims",
                filter=Q(
                    user__claims__state=Claim.State.COMPLETED,
                    user__claims__question__author_id=asker,
                ),
                distinct=True,
            ),
            blocked=Count(
                "user__claims",
                filter=Q(
                    user__claims__question__author_id=asker,
                    user__claims__feedback__rating="problematic",
                ),
                distinct=True,
            ),
            mentorships=Count(
                "user__mentorships",
                filter=Q(user__mentorships__state="active"),
                distinct=True,
            ),
            offers_today=Count(
                "user__mentor_offers",
                filter=Q(user__mentor_offers__created_at__gte=day_ago),
                distinct=True,
            ),
        )
    )


def _candidate(p: Any, *, excluded: bool = False) -> Candidate:
    """A profile from _profiles() (with its claim figures) as a matching candidate."""
    return Candidate(
        user_id=p.user_id,
        name=p.user.public_name,
        approved=True,
        accepting=p.accepting and p.user.is_active and not p.user.is_suspended,
        away_until=p.away_until,
        languages=tuple(p.languages),
        expertise={e.tag.name: e.level for e in p.expertise.all()},
        capacity=p.capacity,
        open_claims=p.open_claims + p.mentorships,
        offers_today=p.offers_today,
        last_offered_at=p.last_offered_at,
        replied=p.replied,
        expired=p.expired,
        time_zone=p.time_zone,
        availability=tuple(Window(**w) for w in p.availability),
        excluded=excluded,
        blocked=p.blocked > 0,
        helped_asker=p.helped > 0,
        username=p.user.username,
    )


def candidates_for(question: Question, now: dt.datetime) -> list[Candidate]:
    """Every approved mentor with what matching needs, in a fixed number of queries."""
    profiles = _profiles(question, now)
    excluded = set(Exclusion.objects.filter(question=question).values_list("mentor_id", flat=True))
    return [_candidate(p, excluded=p.user_id in excluded) for p in profiles]


def mentor_matches(
    *, question: Question, now: dt.datetime | None = None, wave: int = 1
) -> list[Match]:
    now = now or timezone.now()
    return rank_mentors(
        thread_for(question),
        candidates_for(question, now),
        now,
        wave=wave,
        offer_cap=settings.MENTORING_DAILY_OFFER_CAP,
    )


def active_claim(*, question: Question) -> Claim | None:
    return (
        Claim.objects.filter(question=question, state=Claim.State.ACTIVE)
        .select_related("mentor")
        .first()
    )


def is_approved_mentor(*, viewer: Any) -> bool:
    """A signed-in member whose mentor profile is approved (one query)."""
    if not viewer.is_authenticated or viewer.pk is None:
        return False
    return MentorProfile.objects.filter(user=viewer, status=MentorProfile.Status.APPROVED).exists()


def can_see_matches(*, viewer: Any, question: Question) -> bool:
    """The asker, approved mentors and staff."""
    if not viewer.is_authenticated:
        return False
    if viewer.pk == question.author_id or viewer.is_staff:
        return True
    return is_approved_mentor(viewer=viewer)


QUEUE_LIMIT = 300


@dataclass
class QueueItem:
    question: Question
    score: float
    reasons: tuple[str, ...]
    waiting: dt.timedelta
    needs_mentor: bool = False
    offer_id: int | None = None  # an open offer of this thread to the mentor


def mentor_queue(*, mentor: Any, now: dt.datetime | None = None) -> list[QueueItem]:
    """Threads waiting for a mentor that this mentor may take (any of their tags, as in
    wave 2), best match first, then the longest wait. Empty for a non-mentor."""
    now = now or timezone.now()
    profile = _profiles().filter(user=mentor).first()
    if profile is None:
        return []
    me = _candidate(profile)
    waiting = list(
        threads_waiting()
        .filter(tags__name__in=list(me.expertise))
        .exclude(author=mentor)
        .exclude(pk__in=Exclusion.objects.filter(mentor=mentor).values("question_id"))
        .select_related("author", "mentoring_escalation")
        .prefetch_related("tags")
        .distinct()
        .order_by("created_at", "pk")[:QUEUE_LIMIT]
    )
    held = held_threads(author_ids={q.author_id for q in waiting}, now=now)
    items = []
    for question in waiting:
        if question.pk in held:
            continue
        matches = rank_mentors(thread_for(question), [me], now, wave=2, offer_cap=10**6)
        if matches:
            waited = now - question.created_at
            escalated = hasattr(question, "mentoring_escalation")
            items.append(
                QueueItem(question, matches[0].score, matches[0].reasons, waited, escalated)
            )
    items.sort(key=lambda item: (-item.score, -item.waiting))
    return items


def _waiting_lookback(now: dt.datetime) -> dt.datetime:
    """How far back a thread still counts as waiting for a mentor (escalation's reach)."""
    return now - dt.timedelta(days=settings.MENTORING_RETAG_AFTER_DAYS + 1)


def held_threads(*, author_ids: Any, now: dt.datetime | None = None) -> set[int]:
    """Threads of these newcomers that wait their turn: a newcomer has at most
    MENTORING_NEWCOMER_WAITING_MAX threads waiting for a mentor (open, unclaimed) at once;
    later ones are offered once one of those is taken, solved or closed."""
    from qa.selectors import newcomer_ids

    now = now or timezone.now()
    newcomers = newcomer_ids(user_ids=author_ids, now=now)
    if not newcomers:
        return set()
    waiting = (
        threads_waiting()
        .filter(author_id__in=newcomers, created_at__gte=_waiting_lookback(now))
        .order_by("author_id", "created_at", "pk")
        .values_list("pk", "author_id")
    )
    held: set[int] = set()
    seen: dict[int, int] = {}
    for pk, author_id in waiting:
        seen[author_id] = seen.get(author_id, 0) + 1
        if seen[author_id] > settings.MENTORING_NEWCOMER_WAITING_MAX:
            held.add(pk)
    return held


def mentoring_threads(questions: Any, *, now: dt.datetime | None = None) -> list[Question]:
    """Of these threads, the ones mentoring pushes to mentors: newcomers' threads that are
    not waiting their turn behind the newcomer's other threads."""
    from qa.selectors import newcomer_ids

    now = now or timezone.now()
    questions = list(questions)
    authors = {q.author_id for q in questions}
    newcomers = newcomer_ids(user_ids=authors, now=now)
    held = held_threads(author_ids=newcomers, now=now)
    return [q for q in questions if q.author_id in newcomers and q.pk not in held]


@dataclass
class WaitEstimate:
    """How long recent threads with these tags waited for a mentor."""

    threads: int  # recent threads with any of the tags, old enough to judge
    claimed: int  # of which a mentor took
    median: dt.timedelta | None  # the median wait of those taken
    tags: tuple[str, ...]


ESTIMATE_SAMPLE = 500


def wait_estimate(*, question: Question, now: dt.datetime | None = None) -> WaitEstimate:
    """An honest estimate from the claims of the last MENTORING_ESTIMATE_DAYS on threads
    sharing a tag with this one: how many were taken at all, and the median time until
    the first claim. Unclaimed threads younger than the escalation delay are left out
    (their outcome is not known yet)."""
    from django.db.models import Min

    now = now or timezone.now()
    tags = tuple(t.name for t in question.tags.all())
    recent = (
        Question.objects.filter(
            Q(created_at__lte=now - dt.timedelta(hours=settings.MENTORING_ESCALATE_AFTER_HOURS))
            | Q(claims__isnull=False),
            public(),
            tags__name__in=tags,
            created_at__gte=now - dt.timedelta(days=settings.MENTORING_ESTIMATE_DAYS),
        )
        .exclude(pk=question.pk)
        .distinct()
        .annotate(first_claim=Min("claims__created_at"))
        .order_by("-created_at")
        .values_list("created_at", "first_claim")[:ESTIMATE_SAMPLE]
    )
    rows = list(recent)
    waits = [first - created for created, first in rows if first is not None]
    median = statistics.median(waits) if waits else None
    return WaitEstimate(threads=len(rows), claimed=len(waits), median=median, tags=tags)


def mentor_figures(*, mentor: Any, now: dt.datetime | None = None) -> dict[str, Any]:
    """A mentor's own figures for their dashboard: claims by outcome, the median time to
    the first reply, expiries, the askers' ratings, offers and mentorships."""
    from mentoring.models import Feedback, Mentorship, Offer

    now = now or timezone.now()
    month_ago = now - dt.timedelta(days=30)
    states = dict(
        Claim.objects.filter(mentor=mentor)
        .values_list("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    replied = Claim.objects.filter(mentor=mentor, first_reply_at__isnull=False)
    replies = [
        (first - created).total_seconds() / 60
        for created, first in replied.values_list("created_at", "first_reply_at")
        if first is not None
    ]
    median = statistics.median(replies) if replies else None
    ratings = dict.fromkeys(Feedback.Rating.values, 0)
    ratings.update(
        Feedback.objects.filter(claim__mentor=mentor)
        .values_list("rating")
        .annotate(n=Count("pk"))
        .values_list("rating", "n")
    )
    offers = Offer.objects.filter(mentor=mentor, created_at__gte=month_ago).aggregate(
        made=Count("pk"), declined=Count("pk", filter=Q(declined_at__isnull=False))
    )
    profile = MentorProfile.objects.filter(user=mentor).only("capacity").first()
    return {
        "claims": sum(states.values()),
        "active": states.get(Claim.State.ACTIVE, 0),
        "completed": states.get(Claim.State.COMPLETED, 0),
        "released": states.get(Claim.State.RELEASED, 0),
        "handed_off": states.get(Claim.State.HANDED_OFF, 0),
        "expired": states.get(Claim.State.EXPIRED, 0),
        "median_first_reply_minutes": None if median is None else round(median, 1),
        "ratings": ratings,
        "offers_30_days": offers["made"],
        "declined_30_days": offers["declined"],
        "active_mentorships": Mentorship.objects.filter(
            mentor=mentor, state=Mentorship.State.ACTIVE
        ).count(),
        "capacity": profile.capacity if profile else 0,
    }


def unserved_tags(*, days: int = 30, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Tags of threads that escalated with no eligible mentor at all in the last `days`
    days, with how many such threads and how many approved mentors list the tag today;
    most threads first (for the community health dashboard)."""
    from mentoring.models import Escalation, MentorExpertise
    from qa.models import Tag

    now = now or timezone.now()
    unserved = Escalation.objects.filter(
        eligible_mentors=0, escalated_at__gte=now - dt.timedelta(days=days)
    )
    rows: list[tuple[int, str, int]] = list(
        Tag.objects.filter(questions__mentoring_escalation__in=unserved)
        .annotate(threads=Count("questions", distinct=True))
        .order_by("-threads", "name")
        .values_list("pk", "name", "threads")
    )
    mentors = dict(
        MentorExpertise.objects.filter(
            tag_id__in=[pk for pk, _, _ in rows], profile__status=MentorProfile.Status.APPROVED
        )
        .values_list("tag_id")
        .annotate(n=Count("profile", distinct=True))
        .values_list("tag_id", "n")
    )
    return [
        {"tag": name, "threads": threads, "mentors": mentors.get(pk, 0)}
        for pk, name, threads in rows
    ]


def mentorships_of(*, user: Any) -> QuerySet[Mentorship]:
    """The mentorships a member is in, as mentee or mentor, newest first."""
    return (
        Mentorship.objects.filter(Q(mentee=user) | Q(mentor=user))
        .select_related("mentee", "mentor")
        .order_by("-created_at", "-pk")
    )
