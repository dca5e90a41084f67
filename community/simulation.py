"""A simulated community: newcomers ask, mentors in their own time zones take threads
through the real offers, claims and timers, askers accept answers and rate the help.
Run for some days on a simulated clock, it shows what a number of mentors and the
mentoring settings do to the community health figures (community.metrics).

Everything is written through the services, as members would (question_ask,
answer_post, comment_post, answer_accept, claim_create, offer_decline, claim_release,
claim_extend, feedback_give), and the mentoring timers run as the periodic task runs
them, every `timer_minutes` of simulated time. Services that take `now=` get the
simulated time. Those that read the clock themselves (question_ask, answer_post,
comment_post, answer_accept, offer_decline, claim_release, claim_extend, feedback_give,
mentor_approve, and the end time claims_apply_timers writes on a claim it ends) see it
through simulated_time(), which points django.utils.timezone.now, and the model fields
that default to it, at the simulated clock for the length of the run.

It writes real rows to the configured database: run it on a scratch database. The
simulated range starts after everything already there, with a gap wider than the
timers look back (the timers take whatever exists for the past), and members and tags
carry a prefix of their own, so runs one after another each have their own range and
figures.
"""

from __future__ import annotations

import datetime as dt
import heapq
import random
import re
import time
import zoneinfo
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.notifications import kinds
from accounts.notifications.preferences import preferences_set
from community.metrics import CommunityHealth, community_health
from mentoring import services as mentoring_services
from mentoring.matching import Candidate, Window, available_now
from mentoring.models import (
    Claim,
    Escalation,
    Exclusion,
    Feedback,
    MentorProfile,
    Offer,
)
from mentoring.selectors import mentor_queue, threads_waiting
from mentoring.services import ClaimConflict
from qa import services as qa_services
from qa.models import Answer, Comment, Question, Tag

MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
PREFIX_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,11}$")

# Mentors' time zones, in turn: three far apart, so that together they cover the day.
MENTOR_ZONES = ("Asia/Shanghai", "Europe/Berlin", "America/New_York")
NEWCOMER_ZONES = (
    "Asia/Shanghai",
    "Europe/Berlin",
    "America/New_York",
    "Europe/London",
    "Asia/Kolkata",
    "America/Sao_Paulo",
)
# How members behave; the shares are per occasion.
OFFER_DECLINE_SHARE = 0.15  # a mentor declines an offer
QUEUE_BROWSE_SHARE = 0.6  # a mentor with room looks at the queue at a check-in
CLAIM_FORGET_SHARE = 0.1  # a mentor claims and never replies: the claim expires
CLAIM_RELEASE_SHARE = 0.04  # a mentor releases a claim at the next check-in
CLAIM_EXTEND_SHARE = 0.6  # a mentor who will be late extends the claim
QUIET_RELEASE_SHARE = 0.5  # a mentor releases a claim whose asker went quiet
QUIET_AFTER = dt.timedelta(hours=36)  # ... this long after the mentor wrote last
CLARIFY_SHARE = 0.25  # a mentor's first reply asks for details (a comment)
ASKER_NOTE_SHARE = 0.1  # an asker adds a comment to their own thread after asking
ACCEPT_SHARE = 0.55  # an asker who reads an answer accepts it
STILL_FAILING_SHARE = 0.25  # ... or says it did not help
RATE_SHARE = 0.75  # an asker who accepted rates the mentor
RATINGS = ("great", "good", "acceptable", "problematic")
RATING_WEIGHTS = (45, 35, 15, 5)
UNSERVED_SHARE = 0.08  # questions tagged with a topic no mentor knows
FOLLOW_UPS_MAX = 2  # rounds of "still failing" per thread
ASKER_AWAKE = (dt.time(7), dt.time(23))
CHECK_IN_MINUTES = (15, 45)  # between a mentor's check-ins while available
CLAIM_TIME_LEFT = dt.timedelta(hours=1)  # of a mentor's window, to claim in it

TOPICS: dict[str, tuple[str, ...]] = {
    "django": (
        "A view returns 404 only in production",
        "Settings from the environment are not picked up",
        "CSRF verification fails behind the load balancer",
        "Static files are missing after collectstatic",
    ),
    "orm": (
        "A queryset runs one query per row in the template",
        "annotate with Count gives doubled numbers",
        "select_for_update raises outside a transaction",
        "A filter on a JSONField key finds nothing",
    ),
    "migrations": (
        "makemigrations reports conflicting migrations",
        "A data migration is slow on a big table",
        "migrate fails with relation does not exist",
        "Squashed migrations are applied twice",
    ),
    "templates": (
        "A custom template tag is not found",
        "Template inheritance drops the block content",
        "Dates render in UTC instead of the member's zone",
        "An include renders the wrong context",
    ),
    "testing": (
        "Tests pass alone and fail together",
        "The test database is not created with my extension",
        "A factory creates duplicate users",
        "on_commit callbacks never run in tests",
    ),
    "celery": (
        "A task runs twice after a worker restart",
        "Beat schedules nothing after a deploy",
        "A task never leaves the queue",
        "Retries do not back off",
    ),
    "deployment": (
        "gunicorn workers time out under load",
        "The container cannot reach the database",
        "HTTPS redirects loop behind the proxy",
        "Memory grows until the process is killed",
    ),
    "python": (
        "A virtual environment uses the wrong interpreter",
        "An import works in the shell but not in the app",
        "Type hints break at runtime on an older Python",
        "A dataclass default is shared between instances",
    ),
}
# A topic nobody mentors: its threads escalate as unserved.
UNSERVED_TOPIC = "cobol"
UNSERVED_PROBLEMS = (
    "Calling a COBOL batch job from a view",
    "Reading EBCDIC files in a management command",
)
CONTEXTS = (
    "since upgrading to Django 6.1",
    "on a fresh checkout",
    "only on the staging server",
    "in the test suite",
    "since yesterday's deploy",
    "on PostgreSQL but not SQLite",
)
TRIED = (
    "I read the documentation page on it and searched the forum.",
    "I cleared the caches and restarted everything.",
    "I compared it with a new project, where it works.",
    "I added logging, and the value is what I expect up to the failing line.",
)
ANSWERS = (
    "The cause is the setting being read before the environment is loaded. Move the "
    "read into the settings module and restart the process; then check with `manage.py "
    "diffsettings`.",
    "This happens when two code paths both do the work. Make the operation idempotent "
    "(check the state under `select_for_update()`), and the second run becomes harmless.",
    "Use `select_related()` for the foreign keys and `prefetch_related()` for the "
    "reverse relations in the view, so the template reads what is already loaded.",
    "The order matters here: run it inside `transaction.atomic()` and let the database "
    "settle the race with a unique constraint.",
    "Pin the versions in your requirements, recreate the virtual environment, and run "
    "the command with the environment's own interpreter.",
)
CLARIFY = (
    "Could you post the full traceback, and the versions of Django and Python?",
    "What does the log say just before it fails? Please paste the lines around it.",
    "Does it happen with a fresh database too, or only with your data?",
)
STILL_FAILING = (
    "Thanks, but it still fails the same way after that change.",
    "That helped a little, but now a different error shows up at the same place.",
)
FOLLOW_UP_ANSWERS = (
    "Then it is the second cause: the process still runs the old code. Restart every "
    "worker, not only the web process, and try again.",
    "In that case compare the settings the process really sees (print them at start-up); "
    "one of them is overridden further down.",
)
ASKER_NOTES = (
    "Edit: it also happens on Python 3.12.",
    "Some more detail: it started after I added a second database.",
)
FEEDBACK_COMMENTS = ("Clear and quick, thank you.", "", "Helpful.", "")
QUIET_REASON = "I answered; the asker has not come back. Someone else may take it from here."
RELEASE_REASONS = (
    "This needs someone who knows this part better than I do.",
    "I will not have time this week after all.",
)


@dataclass(frozen=True)
class SimulationConfig:
    """The community to simulate. `start` None: see default_start."""

    days: int = 30
    mentors: int = 8
    newcomers: int = 80
    questions_per_day: float = 10.0
    mentor_capacity: int = 2
    reply_hours: float = 1.0
    seed: int = 1
    prefix: str = "sim"
    start: dt.datetime | None = None
    timer_minutes: int = 60

    def check(self) -> None:
        """Raise ValueError naming the first setting out of range."""
        if not 1 <= self.days <= 400:
            raise ValueError(_("days is 1 to 400."))
        if not 0 <= self.mentors <= 500:
            raise ValueError(_("mentors is 0 to 500."))
        if not 1 <= self.newcomers <= 10_000:
            raise ValueError(_("newcomers is 1 to 10,000."))
        if not 0 < self.questions_per_day <= 2_000:
            raise ValueError(_("questions_per_day is above 0, at most 2,000."))
        if not 1 <= self.mentor_capacity <= 5:
            raise ValueError(_("mentor_capacity is 1 to 5."))
        if not 0 < self.reply_hours <= 24 * 14:
            raise ValueError(_("reply_hours is above 0, at most two weeks."))
        if not PREFIX_RE.match(self.prefix):
            raise ValueError(_("prefix is 1 to 12 lower case letters, digits or -."))
        if not 1 <= self.timer_minutes <= 24 * 60:
            raise ValueError(_("timer_minutes is 1 to 1,440."))
        if self.start is not None and timezone.is_naive(self.start):
            raise ValueError(_("start is an aware datetime."))


@dataclass(frozen=True)
class SimulationResult:
    config: SimulationConfig
    since: dt.datetime
    until: dt.datetime
    counts: dict[str, int]
    health: CommunityHealth
    simulation_seconds: float
    figures_seconds: float
    # Public threads of the range not written by the simulation (counted in the figures).
    other_threads: int


class Clock:
    """The simulated time; only moves forward."""

    def __init__(self, start: dt.datetime) -> None:
        self._now = start

    def now(self) -> dt.datetime:
        return self._now

    def advance_to(self, moment: dt.datetime) -> None:
        if moment < self._now:
            raise ValueError("The simulated clock does not go back.")
        self._now = moment


@contextmanager
def simulated_time(clock: Clock) -> Iterator[None]:
    """For services without a `now` parameter: django.utils.timezone.now, and every model
    field whose default is it (date_joined, Feedback.created_at, Exclusion.created_at...),
    read the simulated clock until the block ends. auto_now fields call timezone.now and
    follow too."""
    real = timezone.now
    defaults = [
        model_field
        for model in apps.get_models()
        for model_field in model._meta.concrete_fields
        if model_field.default is real
    ]

    def point(to: Callable[[], dt.datetime]) -> None:
        timezone.now = to
        for model_field in defaults:
            model_field.default = to
            # Field caches the callable it calls; forget it so the new default is read.
            model_field.__dict__.pop("_get_default", None)

    point(clock.now)
    try:
        yield
    finally:
        point(real)


def next_midnight(moment: dt.datetime) -> dt.datetime:
    """The next midnight UTC at or after `moment`."""
    moment = moment.astimezone(dt.UTC)
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight if midnight == moment else midnight + DAY


def latest_activity() -> dt.datetime | None:
    """The latest moment a thread, claim, offer or escalation was written at."""
    moments = [
        Question.objects.aggregate(at=Max("last_activity_at"))["at"],
        Claim.objects.aggregate(at=Max("created_at"))["at"],
        Claim.objects.aggregate(at=Max("ended_at"))["at"],
        Offer.objects.aggregate(at=Max("created_at"))["at"],
        Escalation.objects.aggregate(at=Max("escalated_at"))["at"],
    ]
    return max((m for m in moments if m is not None), default=None)


def quiet_gap() -> dt.timedelta:
    """How long after the latest activity a simulation starts, so that the timers reach
    none of the threads already there: beyond the escalations' look-back and the offer
    window."""
    return max(
        dt.timedelta(days=settings.MENTORING_RETAG_AFTER_DAYS + 1),
        dt.timedelta(hours=settings.MENTORING_OFFER_WINDOW_HOURS),
    )


def default_start() -> dt.datetime:
    """The next midnight UTC after now, or after the latest activity in the database and
    a quiet gap (quiet_gap), whichever is later."""
    latest = latest_activity()
    moment = timezone.now() if latest is None else max(timezone.now(), latest + quiet_gap())
    return next_midnight(moment)


def free_prefix(base: str = "sim") -> str:
    """base, or base2, base3...: the first no member's or tag's name starts with."""
    for number in range(1, 1000):
        prefix = base if number == 1 else f"{base}{number}"
        if not prefix_taken(prefix):
            return prefix
    raise ValueError(_("No free prefix; give one."))


def prefix_taken(prefix: str) -> bool:
    return (
        User.objects.filter(username__startswith=f"{prefix}-").exists()
        or Tag.objects.filter(name__startswith=f"{prefix}-").exists()
    )


@dataclass
class SimMember:
    user: User
    time_zone: str
    joined_at: dt.datetime
    availability: tuple[Window, ...] = ()
    open_threads: int = 0  # a newcomer's threads not solved yet

    @property
    def candidate(self) -> Candidate:
        """What matching's available_now needs of a mentor."""
        return Candidate(
            user_id=self.user.pk,
            name=self.user.username,
            time_zone=self.time_zone,
            availability=self.availability,
        )

    def local(self, moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(zoneinfo.ZoneInfo(self.time_zone))


@dataclass
class ClaimPlan:
    """What the mentor will do with a claim: reply at reply_at (None: never), or release
    it at their next check-in."""

    mentor: int
    reply_at: dt.datetime | None
    release: bool = False


@dataclass
class ThreadState:
    asker: int
    follow_ups: int = 0
    rated: set[int] = field(default_factory=set)
    # Who wrote last on the thread (a user id), and when.
    last_by: int | None = None
    last_at: dt.datetime | None = None


Handler = Callable[..., None]


class Simulation:
    """One run: set up members and tags, play the events in time order, read the
    figures. Deterministic for a config (seed and start included) on a database without
    other activity after the start."""

    def __init__(self, config: SimulationConfig) -> None:
        config.check()
        self.config = config
        # Three streams, so that the same seed asks the same questions at the same times
        # whatever the number of mentors: what the newcomers ask, what the mentors do,
        # how the askers react.
        self.demand = random.Random(f"{config.seed}:demand")  # noqa: S311 - reproducible
        self.mentoring = random.Random(f"{config.seed}:mentoring")  # noqa: S311
        self.reactions = random.Random(f"{config.seed}:reactions")  # noqa: S311
        self.since = (config.start or default_start()).astimezone(dt.UTC)
        self.until = self.since + config.days * DAY
        self.clock = Clock(self.since)
        self.events: list[tuple[dt.datetime, int, Handler, tuple[Any, ...]]] = []
        self.sequence = 0
        self.mentors: list[SimMember] = []
        self.newcomers: list[SimMember] = []
        self.joined: list[int] = []  # newcomers who have joined, by index
        self.tags: dict[str, str] = {}  # topic -> tag name
        self.threads: dict[int, ThreadState] = {}
        self.plans: dict[int, ClaimPlan] = {}  # claim id -> plan
        self.offer_taken: dict[int, bool] = {}  # offer id -> the mentor takes it

    # --- The run ---------------------------------------------------------------------

    def run(self) -> SimulationResult:
        if prefix_taken(self.config.prefix):
            raise ValueError(
                _("Members or tags named %(prefix)s-... exist already; choose another prefix.")
                % {"prefix": self.config.prefix}
            )
        latest = latest_activity()
        if latest is not None and latest >= self.since:
            raise ValueError(
                _(
                    "The database has activity at %(latest)s UTC, after the start; the timers "
                    "would act on it before it happened. Start later (leave the start out to "
                    "have it chosen), or use a fresh database."
                )
                % {"latest": f"{latest:%Y-%m-%d %H:%M}"}
            )
        started = time.perf_counter()
        with simulated_time(self.clock):
            self._set_up()
            self._play()
            self.clock.advance_to(self.until)
            simulated = time.perf_counter() - started
            health = community_health(since=self.since, until=self.until, now=self.until)
        figures = time.perf_counter() - started - simulated
        return SimulationResult(
            config=self.config,
            since=self.since,
            until=self.until,
            counts=self.counts(),
            health=health,
            simulation_seconds=simulated,
            figures_seconds=figures,
            other_threads=self._other_threads(),
        )

    def schedule(self, at: dt.datetime, handler: Handler, *args: Any) -> None:
        if at < self.until:
            self.sequence += 1
            heapq.heappush(self.events, (max(at, self.clock.now()), self.sequence, handler, args))

    def _play(self) -> None:
        while self.events:
            at, _sequence, handler, args = heapq.heappop(self.events)
            self.clock.advance_to(at)
            handler(*args)

    # --- Setting up ------------------------------------------------------------------

    def _set_up(self) -> None:
        prefix, rng, start = self.config.prefix, self.mentoring, self.since
        for topic in (*TOPICS, UNSERVED_TOPIC):
            name = f"{prefix}-{topic}"
            Tag.objects.create(name=name, slug=name, description=f"Questions about {topic}.")
            self.tags[topic] = name
        staff = self._member(f"{prefix}-staff", "UTC", start - 400 * DAY, is_staff=True)
        topics = list(TOPICS)
        for index in range(self.config.mentors):
            zone = MENTOR_ZONES[index % len(MENTOR_ZONES)]
            user = self._member(
                f"{prefix}-mentor-{index + 1:02d}",
                zone,
                start - rng.randint(60, 900) * DAY,
                languages=["zh", "en"] if zone == "Asia/Shanghai" else ["en"],
            )
            # Three topics in turn, so that a few mentors cover them all, and one or two more.
            known = [topics[(index * 3 + k) % len(topics)] for k in range(3)]
            known += rng.sample([t for t in topics if t not in known], rng.randint(1, 2))
            availability = self._availability()
            profile = mentoring_services.mentor_apply(
                user=user,
                capacity=self.config.mentor_capacity,
                availability=availability,
                bio="Happy to help newcomers.",
                expertise={self.tags[t]: rng.randint(1, 3) for t in known},
            )
            mentoring_services.mentor_approve(profile=profile, by=staff)
            self.mentors.append(
                SimMember(
                    user=user,
                    time_zone=zone,
                    joined_at=user.date_joined,
                    availability=tuple(Window(**w) for w in availability),  # type: ignore[arg-type]
                )
            )
        rng = self.demand
        for index in range(self.config.newcomers):
            # A third are there at the start (the first always), the others join over
            # the first four fifths of the range.
            if index == 0 or rng.random() < 1 / 3:
                joined = start - rng.uniform(0, 7) * DAY - HOUR
            else:
                joined = start + rng.uniform(0, 0.8 * self.config.days) * DAY
            joined = joined.replace(microsecond=0)
            zone = rng.choice(NEWCOMER_ZONES)
            if joined < start:
                self._newcomer_joins(index, zone, joined)
            else:
                self.schedule(joined, self._newcomer_joins, index, zone, joined)
        tick = dt.timedelta(minutes=self.config.timer_minutes)
        moment = start
        while moment < self.until:
            self.schedule(moment, self._timers)
            moment += tick
        self.schedule(self._next_arrival(start), self._ask)
        for index, mentor in enumerate(self.mentors):
            self.schedule(self._next_available(mentor, start), self._check_in, index)

    def _member(
        self,
        username: str,
        zone: str,
        joined: dt.datetime,
        *,
        languages: list[str] | None = None,
        is_staff: bool = False,
    ) -> User:
        user = User.objects.create_user(
            username=username,
            # .invalid never resolves: nothing is ever mailed to a simulated member.
            email=f"{username}@example.invalid",
            password=None,
            display_name=username.replace("-", " ").title(),
            languages=languages or ["en"],
            time_zone=zone,
            date_joined=joined,
            is_staff=is_staff,
        )
        # Their notifications are recorded (the services do), and none is sent.
        preferences_set(user=user, modes=dict.fromkeys(kinds.choosable_values(), "off"))
        return user

    def _availability(self) -> list[dict[str, object]]:
        """Weekday evenings (three hours from 17:00-20:00 local), some lunch hours, and a
        weekend morning."""
        rng = self.mentoring
        evening = rng.randint(17, 20)
        windows: list[dict[str, object]] = [
            {"day": day, "start": f"{evening:02d}:00", "end": f"{evening + 3:02d}:00"}
            for day in range(5)
        ]
        for day in rng.sample(range(5), 2):
            windows.append({"day": day, "start": "12:00", "end": "13:00"})
        weekend = rng.choice((5, 6))
        windows.append({"day": weekend, "start": "10:00", "end": "13:00"})
        return windows

    def _newcomer_joins(self, index: int, zone: str, joined: dt.datetime) -> None:
        user = self._member(f"{self.config.prefix}-newcomer-{index + 1:03d}", zone, joined)
        self.newcomers.append(SimMember(user=user, time_zone=zone, joined_at=joined))
        self.joined.append(len(self.newcomers) - 1)

    # --- Time ------------------------------------------------------------------------

    def _next_arrival(self, after: dt.datetime) -> dt.datetime:
        seconds = self.demand.expovariate(self.config.questions_per_day / 86_400)
        return (after + dt.timedelta(seconds=seconds)).replace(microsecond=0)

    def _windows(self, mentor: SimMember, at: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
        """The mentor's windows (UTC opening and closing, in order) from the local day
        before `at` to a week after, overlapping ones merged."""
        zone = zoneinfo.ZoneInfo(mentor.time_zone)
        today = at.astimezone(zone).date()
        spans = []
        for offset in range(-1, 8):
            day = today + dt.timedelta(days=offset)
            for window in mentor.availability:
                if window.day != day.weekday():
                    continue
                opening = dt.datetime.combine(day, dt.time.fromisoformat(window.start), zone)
                closing = (
                    dt.datetime.combine(day + DAY, dt.time(), zone)
                    if window.end == "24:00"
                    else dt.datetime.combine(day, dt.time.fromisoformat(window.end), zone)
                )
                spans.append((opening.astimezone(dt.UTC), closing.astimezone(dt.UTC)))
        merged: list[tuple[dt.datetime, dt.datetime]] = []
        for opening, closing in sorted(spans):
            if merged and opening <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], closing))
            else:
                merged.append((opening, closing))
        return merged

    def _next_available(self, mentor: SimMember, at: dt.datetime) -> dt.datetime:
        """`at` if the mentor is available then, else the opening of their next window;
        a week later for a mentor with no windows."""
        for opening, closing in self._windows(mentor, at):
            if closing > at:
                return max(opening, at)
        return at + 7 * DAY

    def _after_working(self, mentor: SimMember, at: dt.datetime, work: dt.timedelta) -> dt.datetime:
        """When `work` of the mentor's available time, counted from `at`, is done: the
        time outside their windows does not count."""
        moment = at
        while True:
            spans = [(max(o, moment), c) for o, c in self._windows(mentor, moment) if c > moment]
            if not spans:
                return moment + work
            for opening, closing in spans:
                if opening + work <= closing:
                    return opening + work
                work -= closing - opening
                moment = closing

    @staticmethod
    def _is_awake(member: SimMember, at: dt.datetime) -> bool:
        first, last = ASKER_AWAKE
        return first <= member.local(at).time() < last

    def _awake(self, member: SimMember, at: dt.datetime) -> dt.datetime:
        """`at`, or the next morning when the member is asleep then."""
        if self._is_awake(member, at):
            return at
        local = member.local(at)
        first = ASKER_AWAKE[0]
        day = local.date() if local.time() < first else local.date() + DAY
        morning = dt.datetime.combine(day, first, tzinfo=zoneinfo.ZoneInfo(member.time_zone))
        return morning.astimezone(dt.UTC) + self.reactions.uniform(0, 90) * MINUTE

    def _reply_delay(self) -> dt.timedelta:
        return self.mentoring.expovariate(1 / self.config.reply_hours) * HOUR

    def _wrote(self, question_id: int, user: User) -> None:
        thread = self.threads.get(question_id)
        if thread is not None:
            thread.last_by, thread.last_at = user.pk, self.clock.now()

    # --- Events ----------------------------------------------------------------------

    def _timers(self) -> None:
        """The periodic task's work (mentoring.tasks.claims_apply_timers, then the
        follow-up reminders), at the simulated time."""
        now = self.clock.now()
        mentoring_services.claims_apply_timers(now=now)
        mentoring_services.offers_apply_timers(now=now)
        mentoring_services.escalations_apply(now=now)
        mentoring_services.nudges_apply(now=now)
        mentoring_services.mentorships_expire(now=now)
        qa_services.followup_reminders_send(now=now)

    def _ask(self) -> None:
        now = self.clock.now()
        self.schedule(self._next_arrival(now), self._ask)
        if not self.joined:
            return
        rng = self.demand
        awake = [i for i in self.joined if self._is_awake(self.newcomers[i], now)] or self.joined
        # Someone with threads still open asks again less readily.
        weights = [1 / (1 + self.newcomers[i].open_threads) ** 2 for i in awake]
        asker_index = rng.choices(awake, weights=weights)[0]
        asker = self.newcomers[asker_index]
        asker.open_threads += 1
        if rng.random() < UNSERVED_SHARE:
            tags = [self.tags[UNSERVED_TOPIC]]
            problem = rng.choice(UNSERVED_PROBLEMS)
        else:
            topic = rng.choice(list(TOPICS))
            tags = [self.tags[topic]]
            if rng.random() < 0.4:
                other = rng.choice([t for t in TOPICS if t != topic])
                tags.append(self.tags[other])
            problem = rng.choice(TOPICS[topic])
        context = rng.choice(CONTEXTS)
        body = (
            f"{problem} {context}.\n\n```text\nError at line {rng.randint(10, 400)}\n```\n\n"
            f"**What I tried:** {rng.choice(TRIED)}"
        )
        question = qa_services.question_ask(
            author=asker.user, title=f"{problem} {context}", body=body, tags=tags, limits=False
        )
        self.threads[question.pk] = ThreadState(asker=asker_index)
        if rng.random() < ASKER_NOTE_SHARE:
            self.schedule(now + rng.uniform(0.2, 3) * HOUR, self._asker_note, question.pk)

    def _asker_note(self, question_id: int) -> None:
        asker = self.newcomers[self.threads[question_id].asker].user
        qa_services.comment_post(
            author=asker,
            body=self.reactions.choice(ASKER_NOTES),
            question=Question.objects.get(pk=question_id),
        )
        self._wrote(question_id, asker)

    def _check_in(self, index: int) -> None:
        """A mentor opens their offers and, with room left, the queue; extends a claim
        they will be late on, releases one they gave up."""
        mentor, now, rng = self.mentors[index], self.clock.now(), self.mentoring
        later = now + rng.uniform(*CHECK_IN_MINUTES) * MINUTE
        self.schedule(self._next_available(mentor, later), self._check_in, index)
        if not available_now(mentor.candidate, now):
            return
        user = mentor.user
        for claim in Claim.objects.filter(mentor=user, state=Claim.State.ACTIVE).order_by("pk"):
            plan = self.plans.get(claim.pk)
            if plan is None:
                continue
            if plan.release:
                mentoring_services.claim_release(
                    claim=claim, by=user, reason=rng.choice(RELEASE_REASONS)
                )
                continue
            # An answered claim whose asker went quiet still counts against capacity.
            thread = self.threads.get(claim.question_id)
            if (
                claim.first_reply_at is not None
                and thread is not None
                and thread.last_by == user.pk
                and thread.last_at is not None
                and now - thread.last_at >= QUIET_AFTER
                and rng.random() < QUIET_RELEASE_SHARE
            ):
                mentoring_services.claim_release(claim=claim, by=user, reason=QUIET_REASON)
                continue
            late = plan.reply_at is None or plan.reply_at > claim.reply_due_at
            if (
                late
                and not claim.extended
                and claim.first_reply_at is None
                and claim.reply_due_at - now <= HOUR
                and rng.random() < CLAIM_EXTEND_SHARE
            ):
                mentoring_services.claim_extend(claim=claim, by=user)
        excluded = Exclusion.objects.filter(mentor=user).values("question_id")
        offers = (
            Offer.objects.filter(mentor=user, declined_at__isnull=True)
            .filter(question__in=threads_waiting().values("pk"))
            .exclude(question_id__in=excluded)
            .select_related("question")
            .order_by("created_at", "pk")
        )
        # A mentor takes a thread on only with some time left in this window.
        closing = next(c for o, c in self._windows(mentor, now) if o <= now < c)
        room = closing - now >= CLAIM_TIME_LEFT
        for offer in offers:
            if offer.pk not in self.offer_taken:
                self.offer_taken[offer.pk] = rng.random() >= OFFER_DECLINE_SHARE
            if not self.offer_taken[offer.pk]:
                mentoring_services.offer_decline(offer=offer, by=user)
            elif room:
                room = self._claim(index, offer.question) is not False
        if room and rng.random() < QUEUE_BROWSE_SHARE:
            for item in mentor_queue(mentor=user, now=now)[:2]:
                if self._claim(index, item.question):
                    break

    def _claim(self, index: int, question: Question) -> bool | None:
        """Claim and plan the reply. True: claimed; None: not this thread (taken, or the
        mentor is out of it); False: the mentor is at capacity."""
        mentor, now, rng = self.mentors[index], self.clock.now(), self.mentoring
        held = Claim.objects.filter(mentor=mentor.user, state=Claim.State.ACTIVE).count()
        if held >= self.config.mentor_capacity:
            return False
        try:
            claim = mentoring_services.claim_create(mentor=mentor.user, question=question, now=now)
        except ClaimConflict:
            return None
        if rng.random() < CLAIM_FORGET_SHARE:
            self.plans[claim.pk] = ClaimPlan(mentor=index, reply_at=None)
            return True
        if rng.random() < CLAIM_RELEASE_SHARE:
            self.plans[claim.pk] = ClaimPlan(mentor=index, reply_at=None, release=True)
            return True
        reply_at = self._after_working(mentor, now, self._reply_delay())
        self.plans[claim.pk] = ClaimPlan(mentor=index, reply_at=reply_at)
        self.schedule(reply_at, self._reply, claim.pk, False)
        return True

    def _reply(self, claim_id: int, clarified: bool) -> None:
        """The mentor's reply on a claim they still hold: sometimes a question for
        details first, then an answer."""
        claim = Claim.objects.select_related("question", "mentor").get(pk=claim_id)
        if claim.state != Claim.State.ACTIVE or claim.question.status != Question.Status.OPEN:
            return  # the claim expired or was released, or the thread is solved
        rng, now = self.mentoring, self.clock.now()
        mentor = self.mentors[self.plans[claim_id].mentor]
        if not clarified and rng.random() < CLARIFY_SHARE:
            qa_services.comment_post(
                author=claim.mentor, body=rng.choice(CLARIFY), question=claim.question
            )
            self._wrote(claim.question_id, claim.mentor)
            state = self.threads.get(claim.question_id)
            if state is not None:
                asker = self.newcomers[state.asker]
                at = self._awake(asker, now + self.reactions.uniform(0.3, 6) * HOUR)
                self.schedule(at, self._asker_details, claim.question_id)
            later = self._after_working(mentor, now + HOUR, self._reply_delay())
            self.schedule(later, self._reply, claim_id, True)
            return
        answer = qa_services.answer_post(
            author=claim.mentor, question=claim.question, body=rng.choice(ANSWERS), limits=False
        )
        self._wrote(claim.question_id, claim.mentor)
        self._asker_reads(answer)

    def _asker_details(self, question_id: int) -> None:
        asker = self.newcomers[self.threads[question_id].asker].user
        qa_services.comment_post(
            author=asker,
            body="Here is the traceback and the versions: Django 6.1, Python 3.13.",
            question=Question.objects.get(pk=question_id),
        )
        self._wrote(question_id, asker)

    def _asker_reads(self, answer: Answer) -> None:
        state = self.threads.get(answer.question_id)
        if state is None:
            return
        asker = self.newcomers[state.asker]
        at = self._awake(asker, self.clock.now() + self.reactions.expovariate(1 / 8) * HOUR)
        self.schedule(at, self._asker_checks, answer.pk)

    def _asker_checks(self, answer_id: int) -> None:
        """The asker reads an answer: accepts it (and rates the mentor's claim), says it
        did not help, or goes quiet."""
        answer = Answer.objects.select_related("question", "author").get(pk=answer_id)
        question = answer.question
        if question.status != Question.Status.OPEN:
            return
        state, rng = self.threads[question.pk], self.reactions
        asker = self.newcomers[state.asker].user
        roll = rng.random()
        if roll < ACCEPT_SHARE:
            qa_services.answer_accept(user=asker, answer=answer)
            self.newcomers[state.asker].open_threads -= 1
            claim = (
                Claim.objects.filter(question=question, mentor=answer.author)
                .order_by("-created_at", "-pk")
                .first()
            )
            if claim is not None and claim.pk not in state.rated and rng.random() < RATE_SHARE:
                mentoring_services.feedback_give(
                    claim=claim,
                    by=asker,
                    rating=rng.choices(RATINGS, weights=RATING_WEIGHTS)[0],
                    comment=rng.choice(FEEDBACK_COMMENTS),
                )
                state.rated.add(claim.pk)
        elif roll < ACCEPT_SHARE + STILL_FAILING_SHARE and state.follow_ups < FOLLOW_UPS_MAX:
            state.follow_ups += 1
            qa_services.comment_post(author=asker, body=rng.choice(STILL_FAILING), answer=answer)
            self._wrote(question.pk, asker)
            mentor = next((m for m in self.mentors if m.user.pk == answer.author_id), None)
            if mentor is not None:
                at = self._after_working(mentor, self.clock.now(), self._reply_delay())
                self.schedule(at, self._follow_up, question.pk, self.mentors.index(mentor))

    def _follow_up(self, question_id: int, index: int) -> None:
        question = Question.objects.get(pk=question_id)
        if question.status != Question.Status.OPEN:
            return
        mentor = self.mentors[index].user
        answer = qa_services.answer_post(
            author=mentor,
            question=question,
            body=self.mentoring.choice(FOLLOW_UP_ANSWERS),
            limits=False,
        )
        self._wrote(question_id, mentor)
        self._asker_reads(answer)

    # --- What was written ------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        prefix = f"{self.config.prefix}-"
        threads = Question.objects.filter(author__username__startswith=prefix)
        claims = Claim.objects.filter(question__in=threads)
        offers = Offer.objects.filter(question__in=threads)
        by_state = {state: claims.filter(state=state).count() for state in Claim.State.values}
        return {
            "mentors": MentorProfile.objects.filter(user__username__startswith=prefix).count(),
            "newcomers": User.objects.filter(username__startswith=f"{prefix}newcomer-").count(),
            "threads": threads.count(),
            "answers": Answer.objects.filter(question__in=threads).count(),
            "comments": Comment.objects.filter(
                Q(question__in=threads) | Q(answer__question__in=threads)
            ).count(),
            "accepted": threads.filter(accepted_answer__isnull=False).count(),
            "claims": claims.count(),
            **{f"claims_{state}": n for state, n in by_state.items()},
            "offers": offers.count(),
            "offers_declined": offers.filter(declined_at__isnull=False).count(),
            "escalations": Escalation.objects.filter(question__in=threads).count(),
            "feedback": Feedback.objects.filter(claim__in=claims).count(),
        }

    def _other_threads(self) -> int:
        return (
            Question.objects.public()
            .filter(created_at__gte=self.since, created_at__lt=self.until)
            .exclude(author__username__startswith=f"{self.config.prefix}-")
            .count()
        )


def simulate(config: SimulationConfig) -> SimulationResult:
    """Run a simulation (see the module's docstring); writes to the configured database."""
    return Simulation(config).run()
