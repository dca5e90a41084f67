"""Matching mentors to a thread: a pure function of the thread, the candidates and the
clock, giving ranked mentors with a score and the reasons for it. No database, no
randomness: the same input always gives the same ranking.

Eligible (DESIGN.md, "Mentoring rules"): approved, accepting, not away, not the asker,
no block either way, not excluded from this thread, shares a language with the thread,
has the thread's primary tag (wave 1) or any of its tags (wave 2), under capacity and
under the daily offer cap.

Sharing a language: a thread written in Chinese (Japanese, Korean), as its text shows, is
offered in wave 1 only to mentors who read that language, whatever the asker's profile
says (many never change its default "en"); in wave 2 also to mentors who share one of
the asker's languages, who can still answer in it and read the code and errors. A thread
in Latin script may be in any of the asker's languages: a mentor who reads one of them
qualifies (or English, when the asker lists none written in Latin script). Language
codes are compared by their first part (zh-Hans, zh-CN and zh are one language; so are
pt-BR and pt).

Score: expertise on the thread's tags by level (the primary tag counts double), reading
the thread's language, available now, free capacity, time since the last offer
(rotation), responsiveness with a prior (so new mentors are not starved), and a good
past thread with this asker. Ties: fewer open claims, then the oldest last offer (never
offered first), then id. Reasons are worded in the active language.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import get_language_info, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from qa.linter import CJK_WEIGHT

TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
LEVELS = {
    1: gettext_lazy("knows %(tag)s (level %(level)s)"),
    2: gettext_lazy("good at %(tag)s (level %(level)s)"),
    3: gettext_lazy("expert in %(tag)s (level %(level)s)"),
}
ROTATION_HOURS = 72
# Weights of the parts of the score. Reading the thread's language outweighs a level of
# expertise on its primary tag (2/3): an expert who cannot read the question helps less.
W_EXPERTISE, W_AVAILABLE, W_CAPACITY, W_ROTATION, W_RESPONSIVE, W_HISTORY, W_LANGUAGE = (
    1.0, 0.5, 0.3, 0.4, 0.3, 0.3, 1.0,
)  # fmt: skip

# The scripts that tell a text's language by themselves. Latin script does not (it may be
# English, German or Portuguese), so for such a text the asker's languages decide.
HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
KANA = re.compile("[\u3040-\u30ff]")
HANGUL = re.compile("[\uac00-\ud7af]")
LATIN_LETTER = re.compile("[A-Za-z\u00c0-\u024f]")
CJK_LANGUAGES = frozenset({"zh", "ja", "ko"})
# Code says nothing of the language its asker writes: left out of the count.
CODE = re.compile(r"^(```|~~~).*?^\1[^\n]*$|`[^`\n]+`", re.MULTILINE | re.DOTALL)
# A text is in a CJK language when its CJK characters, weighed as the linter weighs them
# against Latin letters, make at least this share of it, and there are at least two (a
# word): English terms are common in Chinese prose, a quoted 应急 in English prose rare.
CJK_SHARE = 0.25
LANGUAGE_NAMES = {
    "zh": gettext_lazy("Chinese"),
    "en": gettext_lazy("English"),
    "ja": gettext_lazy("Japanese"),
    "ko": gettext_lazy("Korean"),
}


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
    # The language the text is written in when its script tells (text_language), else None.
    language: str | None = None

    @property
    def reading_language(self) -> str:
        """The language a mentor reads the thread in: the one of its text, else the
        asker's first language written in Latin script, else English."""
        if self.language:
            return base_language(self.language)
        latin = [code for code in languages_of(self.asker_languages) if code not in CJK_LANGUAGES]
        return latin[0] if latin else "en"


@dataclass(frozen=True)
class Match:
    user_id: int
    name: str
    score: float
    reasons: tuple[str, ...]
    username: str = ""


def base_language(code: str) -> str:
    """A language code by its first part, lower case: zh-Hans, zh_CN and ZH are all zh,
    pt-BR is pt."""
    return code.strip().replace("_", "-").split("-")[0].lower()


def languages_of(codes: Iterable[str]) -> list[str]:
    """Language codes by their first part, each once, in order."""
    return list(dict.fromkeys(base_language(code) for code in codes if code.strip()))


def text_language(text: str) -> str | None:
    """ "zh", "ja" or "ko" when the text (code left out) is written in that language, as
    its share of CJK characters shows; None for a text whose script does not tell."""
    prose = CODE.sub(" ", text)
    han, kana, hangul = (len(p.findall(prose)) for p in (HAN, KANA, HANGUL))
    cjk = han + kana + hangul
    latin = len(LATIN_LETTER.findall(prose))
    if cjk < 2 or CJK_WEIGHT * cjk < CJK_SHARE * (CJK_WEIGHT * cjk + latin):
        return None
    if hangul * 2 >= cjk:
        return "ko"
    # Japanese writes its grammar in kana between the kanji; Chinese has none.
    return "ja" if kana * 10 >= cjk else "zh"


def language_name(code: str) -> str:
    """A language's name in the active language: "Chinese", or 中文 under zh-hans."""
    base = base_language(code)
    if base in LANGUAGE_NAMES:
        return str(LANGUAGE_NAMES[base])
    try:
        return str(get_language_info(base)["name_translated"])
    except KeyError:
        return code


def validate_availability(value: object) -> list[dict[str, object]]:
    """Weekly windows as [{"day": 0-6, "start": "HH:MM", "end": "HH:MM"}], start before
    end; raises ValueError saying what is wrong."""
    if not isinstance(value, list) or len(value) > 28:
        raise ValueError(_("Give availability as a list of at most 28 weekly windows."))
    for number, window in enumerate(value, start=1):
        if not isinstance(window, dict) or set(window) != {"day", "start", "end"}:
            raise ValueError(
                _("Window %(number)s: give exactly day, start and end.") % {"number": number}
            )
        day, start, end = window["day"], window["start"], window["end"]
        if not isinstance(day, int) or isinstance(day, bool) or not 0 <= day <= 6:
            raise ValueError(
                _("Window %(number)s: day is 0 (Monday) to 6 (Sunday).") % {"number": number}
            )
        if not (isinstance(start, str) and TIME.match(start)):
            raise ValueError(
                _("Window %(number)s: start is a time such as 18:00.") % {"number": number}
            )
        if not (isinstance(end, str) and (TIME.match(end) or end == "24:00")):
            raise ValueError(
                _("Window %(number)s: end is a time such as 21:30.") % {"number": number}
            )
        if start >= end:
            raise ValueError(
                _("Window %(number)s: start must come before end.") % {"number": number}
            )
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


def shares_language(candidate: Candidate, thread: Thread, *, wave: int) -> bool:
    """The mentor reads the thread's language, or (wave 2, or a thread whose text does not
    tell its language) one of the asker's."""
    reads = set(languages_of(candidate.languages))
    if thread.reading_language in reads:
        return True
    return (wave > 1 or not thread.language) and bool(
        reads & set(languages_of(thread.asker_languages))
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
    if not shares_language(candidate, thread, wave=wave):
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
                reasons.append(str(LEVELS[level]) % {"tag": tag, "level": level})
        score = W_EXPERTISE * expertise
        language = thread.reading_language
        if language in languages_of(c.languages):
            score += W_LANGUAGE
            reasons.append(_("reads %(language)s") % {"language": language_name(language)})
        if available_now(c, now):
            score += W_AVAILABLE
            reasons.append(_("available now"))
        free = c.capacity - c.open_claims
        score += W_CAPACITY * free / c.capacity
        reasons.append(
            _("%(free)s of %(capacity)s claims free") % {"free": free, "capacity": c.capacity}
        )
        if c.last_offered_at is None:
            score += W_ROTATION
            reasons.append(_("not offered anything yet"))
        else:
            hours = max((now - c.last_offered_at).total_seconds() / 3600, 0)
            score += W_ROTATION * min(hours, ROTATION_HOURS) / ROTATION_HOURS
            if hours >= 24:
                days = int(hours // 24)
                reasons.append(
                    ngettext(
                        "not offered anything for %(days)s day",
                        "not offered anything for %(days)s days",
                        days,
                    )
                    % {"days": days}
                )
        # Laplace's prior: a new mentor counts as half responsive.
        responsiveness = (c.replied + 1) / (c.replied + c.expired + 2)
        score += W_RESPONSIVE * responsiveness
        if c.replied + c.expired and responsiveness >= 0.8:
            reasons.append(
                _("replied in time on %(replied)s of %(claims)s claims")
                % {"replied": c.replied, "claims": c.replied + c.expired}
            )
        if c.helped_asker:
            score += W_HISTORY
            reasons.append(_("helped you well before"))
        scored.append((c, round(score, 6), tuple(reasons)))
    never = dt.datetime.min.replace(tzinfo=dt.UTC)
    scored.sort(
        key=lambda s: (-s[1], s[0].open_claims, s[0].last_offered_at or never, s[0].user_id)
    )
    return [Match(c.user_id, c.name, score, reasons, c.username) for c, score, reasons in scored]
