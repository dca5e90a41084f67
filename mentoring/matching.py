"""Matching mentors to a thread: a pure function of the thread, the candidates and the
clock, giving ranked mentors with a score and the reasons for it. No database, no
randomness: the same input always gives the same ranking.

Eligible (DESIGN.md, "Mentoring rules"): approved, accepting, not away, not the asker,
no block either way, not excluded from this thread, shares a language with the asker,
has the thread's primary tag (wave 1) or any of its tags (wave 2), under capacity and
under the daily offer cap.

Score: expertise on the thread's tags by level (the primary tag counts double),
available now, free capacity, time since the last offer (rotation), responsiveness with
a prior (so new mentors are not starved), and a good past thread with this asker.
Ties: fewer open claims, then the oldest last offer (never offered first), then id.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass, field

TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
LEVELS = {1: "knows", 2: "good at", 3: "expert in"}
ROTATION_HOURS = 72
# Weights of the parts of the score.
W_EXPERTISE, W_AVAILABLE, W_CAPACITY, W_ROTATION, W_RESPONSIVE, W_HISTORY = (
    1.0, 0.5, 0.3, 0.4, 0.3, 0.3,
)  # fmt: skip


@dataclass(frozen=True)
class Window:
    day: int
    start: str
    end: str


@dataclass(frozen=True)
class Candidate:
    """What matching needs to know of a mentor."""

    user_id: int
    name: str
    approved: bool = True
    accepting: bool = True
    away_until: dt.datetime | None = None
    languages: tuple[str, ...] = ("en",)
    expertise: dict[str, int] = field(default_factory=dict)
    capacity: int = 2
    open_claims: int = 0
    offers_today: int = 0
    last_offered_at: dt.datetime | None = None
    replied: int = 0
    expired: int = 0
    time_zone: str = "UTC"
    availability: tuple[Window, ...] = ()
    excluded: bool = False
    blocked: bool = False
    helped_asker: bool = False
    username: str = ""


@dataclass(frozen=True)
class Thread:
    question_id: int
    asker_id: int
    tags: tuple[str, ...]  # the primary tag first
    asker_languages: tuple[str, ...] = ("en",)


@dataclass(frozen=True)
class Match:
    user_id: int
    name: str
    score: float
    reasons: tuple[str, ...]
    username: str = ""


def validate_availability(value: object) -> list[dict[str, object]]:
    """Weekly windows as [{"day": 0-6, "start": "HH:MM", "end": "HH:MM"}], start before
    end; raises ValueError saying what is wrong."""
    if not isinstance(value, list) or len(value) > 28:
        raise ValueError("Give availability as a list of at most 28 weekly windows.")
    for number, window in enumerate(value, start=1):
        if not isinstance(window, dict) or set(window) != {"day", "start", "end"}:
            raise ValueError(f"Window {number}: give exactly day, start and end.")
        day, start, end = window["day"], window["start"], window["end"]
        if not isinstance(day, int) or isinstance(day, bool) or not 0 <= day <= 6:
            raise ValueError(f"Window {number}: day is 0 (Monday) to 6 (Sunday).")
        if not (isinstance(start, str) and TIME.match(start)):
            raise ValueError(f"Window {number}: start is a time such as 18:00.")
        if not (isinstance(end, str) and (TIME.match(end) or end == "24:00")):
            raise ValueError(f"Window {number}: end is a time such as 21:30.")
        if start >= end:
            raise ValueError(f"Window {number}: start must come before end.")
    return value


def available_now(candidate: Candidate, now: dt.datetime) -> bool:
    try:
        local = now.astimezone(zoneinfo.ZoneInfo(candidate.time_zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        local = now.astimezone(dt.UTC)
    clock = local.strftime("%H:%M")
    return any(
        w.day == local.weekday() and w.start <= clock < w.end for w in candidate.availability
    )


def ineligible(
    candidate: Candidate, thread: Thread, now: dt.datetime, *, wave: int, offer_cap: int
) -> str | None:
    """Why this mentor cannot be matched with this thread, or None."""
    if not candidate.approved:
        return "not an approved mentor"
    if not candidate.accepting:
        return "not accepting threads"
    if candidate.away_until is not None and candidate.away_until > now:
        return "away"
    if candidate.user_id == thread.asker_id:
        return "the asker"
    if candidate.blocked:
        return "blocked"
    if candidate.excluded:
        return "excluded from this thread"
    if not set(candidate.languages) & set(thread.asker_languages):
        return "no language in common"
    tags = thread.tags[:1] if wave == 1 else thread.tags
    if not any(tag in candidate.expertise for tag in tags):
        return "no matching tag"
    if candidate.open_claims >= candidate.capacity:
        return "at capacity"
    if candidate.offers_today >= offer_cap:
        return "offered enough today"
    return None


def rank_mentors(
    thread: Thread,
    candidates: list[Candidate],
    now: dt.datetime,
    *,
    wave: int = 1,
    offer_cap: int = 10,
) -> list[Match]:
    """The eligible mentors, best first, each with a score and human reasons."""
    scored = []
    for c in candidates:
        if ineligible(c, thread, now, wave=wave, offer_cap=offer_cap):
            continue
        reasons: list[str] = []
        expertise = 0.0
        for position, tag in enumerate(thread.tags):
            level = c.expertise.get(tag)
            if level:
                expertise += level * (2 if position == 0 else 1) / 3
                reasons.append(f"{LEVELS[level]} {tag} (level {level})")
        score = W_EXPERTISE * expertise
        if available_now(c, now):
            score += W_AVAILABLE
            reasons.append("available now")
        free = c.capacity - c.open_claims
        score += W_CAPACITY * free / c.capacity
        reasons.append(f"{free} of {c.capacity} claims free")
        if c.last_offered_at is None:
            score += W_ROTATION
            reasons.append("not offered anything yet")
        else:
            hours = max((now - c.last_offered_at).total_seconds() / 3600, 0)
            score += W_ROTATION * min(hours, ROTATION_HOURS) / ROTATION_HOURS
            if hours >= 24:
                reasons.append(f"not offered anything for {int(hours // 24)} days")
        # Laplace's prior: a new mentor counts as half responsive.
        responsiveness = (c.replied + 1) / (c.replied + c.expired + 2)
        score += W_RESPONSIVE * responsiveness
        if c.replied + c.expired and responsiveness >= 0.8:
            reasons.append(f"replied in time on {c.replied} of {c.replied + c.expired} claims")
        if c.helped_asker:
            score += W_HISTORY
            reasons.append("helped you well before")
        scored.append((c, round(score, 6), tuple(reasons)))
    never = dt.datetime.min.replace(tzinfo=dt.UTC)
    scored.sort(
        key=lambda s: (-s[1], s[0].open_claims, s[0].last_offered_at or never, s[0].user_id)
    )
    return [Match(c.user_id, c.name, score, reasons, c.username) for c, score, reasons in scored]
