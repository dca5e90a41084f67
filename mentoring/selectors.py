"""Reads for mentoring: the matching inputs built from the database, and claims."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from mentoring.matching import Candidate, Match, Thread, Window, rank_mentors
from mentoring.models import Claim, Exclusion, MentorProfile
from qa.models import Question


def thread_for(question: Question) -> Thread:
    asker = question.author
    tags = tuple(t.name for t in question.tags.all())
    return Thread(
        question_id=question.pk,
        asker_id=question.author_id,
        tags=tags,
        asker_languages=tuple(asker.languages or ["en"]),
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
        open_claims=p.open_claims,
        offers_today=p.offers_today,
        last_offered_at=p.last_offered_at,
        replied=p.replied,
        expired=p.expired,
        time_zone=p.time_zone,
        availability=tuple(Window(**w) for w in p.availability),
        excluded=excluded,
        blocked=p.blocked > 0,
        helped_asker=p.helped > 0,
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


def can_see_matches(*, viewer: Any, question: Question) -> bool:
    """The asker, approved mentors and staff."""
    if not viewer.is_authenticated:
        return False
    if viewer.pk == question.author_id or viewer.is_staff:
        return True
    return MentorProfile.objects.filter(user=viewer, status=MentorProfile.Status.APPROVED).exists()


QUEUE_LIMIT = 300


@dataclass
class QueueItem:
    question: Question
    score: float
    reasons: tuple[str, ...]
    waiting: dt.timedelta
    needs_mentor: bool = False


def mentor_queue(*, mentor: Any, now: dt.datetime | None = None) -> list[QueueItem]:
    """Threads waiting for a mentor that this mentor may take (any of their tags, as in
    wave 2), best match first, then the longest wait. Empty for a non-mentor."""
    now = now or timezone.now()
    profile = _profiles().filter(user=mentor).first()
    if profile is None:
        return []
    me = _candidate(profile)
    waiting = (
        Question.objects.filter(
            status=Question.Status.OPEN, hidden=False, tags__name__in=list(me.expertise)
        )
        .exclude(author=mentor)
        .exclude(claims__state=Claim.State.ACTIVE)
        .exclude(pk__in=Exclusion.objects.filter(mentor=mentor).values("question_id"))
        .select_related("author", "mentoring_escalation")
        .prefetch_related("tags")
        .distinct()
        .order_by("created_at", "pk")[:QUEUE_LIMIT]
    )
    items = []
    for question in waiting:
        matches = rank_mentors(thread_for(question), [me], now, wave=2, offer_cap=10**6)
        if matches:
            waited = now - question.created_at
            escalated = hasattr(question, "mentoring_escalation")
            items.append(
                QueueItem(question, matches[0].score, matches[0].reasons, waited, escalated)
            )
    items.sort(key=lambda item: (-item.score, -item.waiting))
    return items
