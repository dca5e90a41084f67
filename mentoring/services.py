"""Writes for mentoring: applying, approval, the profile, claims and their release."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from accounts.models import User, validate_language_codes, validate_time_zone
from accounts.selectors import moderator_ids
from mentoring.matching import validate_availability
from mentoring.models import (
    CAPACITY_MAX,
    CAPACITY_MIN,
    Claim,
    Escalation,
    Exclusion,
    Feedback,
    MentorExpertise,
    MentorProfile,
    Mentorship,
    Offer,
)
from qa.models import Question, Tag


class ClaimConflict(Exception):
    """A claim the state of the thread or the mentor does not allow (HTTP 409)."""


def _clean_profile(fields: dict[str, Any]) -> dict[str, Any]:
    """Validate the editable profile fields; ValidationError names each bad one."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for name, value in fields.items():
        try:
            if name == "capacity":
                if not isinstance(value, int) or isinstance(value, bool):
                    raise ValidationError("Give a whole number.")
                if not CAPACITY_MIN <= value <= CAPACITY_MAX:
                    raise ValidationError(f"Capacity is {CAPACITY_MIN} to {CAPACITY_MAX} threads.")
            elif name == "languages":
                validate_language_codes(value)
                if not value:
                    raise ValidationError("Name at least one language.")
            elif name == "time_zone":
                if not isinstance(value, str):
                    raise ValidationError("Give a time zone name.")
                validate_time_zone(value)
            elif name == "availability":
                try:
                    validate_availability(value)
                except ValueError as error:
                    raise ValidationError(str(error)) from None
            elif name == "bio":
                if not isinstance(value, str) or len(value) > 2000:
                    raise ValidationError("Give at most 2,000 characters of text.")
            elif name == "accepting":
                if not isinstance(value, bool):
                    raise ValidationError("Give true or false.")
            elif name == "away_until":
                if value is not None and not isinstance(value, dt.datetime):
                    raise ValidationError("Give a date and time, or null.")
            elif name == "expertise":
                value = _clean_expertise(value)
            else:
                raise ValidationError("This field cannot be changed here.")
        except ValidationError as error:
            errors[name] = " ".join(error.messages)
        else:
            cleaned[name] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_expertise(value: Any) -> dict[Tag, int]:
    if not isinstance(value, dict) or not value or len(value) > 10:
        raise ValidationError('Give 1 to 10 tags with a level each, e.g. {"django": 3}.')
    tags = {t.name: t for t in Tag.objects.filter(name__in=[str(k) for k in value])}
    unknown = [name for name in value if name not in tags]
    if unknown:
        raise ValidationError(f"No such tag: {', '.join(map(str, unknown))}.")
    levels = {}
    for name, level in value.items():
        if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= 3:
            raise ValidationError(f"The level of {name} is 1, 2 or 3.")
        levels[tags[name]] = level
    return levels


def _save_profile(profile: MentorProfile, cleaned: dict[str, Any]) -> MentorProfile:
    expertise = cleaned.pop("expertise", None)
    for name, value in cleaned.items():
        setattr(profile, name, value)
    profile.save()
    if expertise is not None:
        profile.expertise.all().delete()
        MentorExpertise.objects.bulk_create(
            [
                MentorExpertise(profile=profile, tag=tag, level=level)
                for tag, level in expertise.items()
            ]
        )
    return profile


@transaction.atomic
def mentor_apply(*, user: User, **fields: Any) -> MentorProfile:
    """A member applies to mentor; staff approve. Applying again updates the application."""
    cleaned = _clean_profile(fields)
    if "expertise" not in cleaned:
        raise ValidationError({"expertise": "Name the tags you can help with, with levels."})
    profile, _ = MentorProfile.objects.select_for_update().get_or_create(user=user)
    cleaned.setdefault("languages", list(user.languages) or ["en"])
    cleaned.setdefault("time_zone", user.time_zone)
    return _save_profile(profile, cleaned)


@transaction.atomic
def mentor_approve(*, profile: MentorProfile, by: User) -> MentorProfile:
    if not by.is_staff:
        raise PermissionDenied("Only staff approve mentors.")
    profile = MentorProfile.objects.select_for_update().get(pk=profile.pk)
    profile.status = MentorProfile.Status.APPROVED
    profile.approved_at, profile.approved_by = timezone.now(), by
    profile.save(update_fields=["status", "approved_at", "approved_by"])
    return profile


@transaction.atomic
def mentor_update(*, profile: MentorProfile, **fields: Any) -> MentorProfile:
    """The mentor edits their profile. Setting away_until in the future releases their
    claims that have no reply yet."""
    cleaned = _clean_profile(fields)
    profile = MentorProfile.objects.select_for_update().get(pk=profile.pk)
    _save_profile(profile, cleaned)
    away = cleaned.get("away_until")
    if away is not None and away > timezone.now():
        for claim in Claim.objects.filter(
            mentor=profile.user, state=Claim.State.ACTIVE, first_reply_at__isnull=True
        ):
            _end_claim(claim, Claim.State.RELEASED, "The mentor is away.")
    return profile


def _end_claim(claim: Claim, state: str, reason: str) -> None:
    Claim.objects.filter(pk=claim.pk, state=Claim.State.ACTIVE).update(
        state=state, ended_at=timezone.now(), end_reason=reason[:500]
    )


def thread_removed(*, question: Question) -> int:
    """A thread hidden, deleted or merged away by moderators needs no mentor: its active
    claim is released (no penalty, no exclusion). Returns how many claims ended."""
    claims = list(
        Claim.objects.select_for_update().filter(question=question, state=Claim.State.ACTIVE)
    )
    for claim in claims:
        _end_claim(claim, Claim.State.RELEASED, "The thread was removed by moderators.")
    return len(claims)


@transaction.atomic
def claim_create(*, mentor: User, question: Question, now: dt.datetime | None = None) -> Claim:
    """ "I'll take this": an approved mentor claims a thread, exclusively and within their
    capacity. The mentor's profile row is locked for the capacity count, the thread's row
    for its state, and the partial unique constraint settles two mentors at once.

    Raises PermissionDenied for a non-mentor and ClaimConflict (with the reason) when the
    thread or the mentor's load does not allow it.
    """
    now = now or timezone.now()
    profile = MentorProfile.objects.select_for_update().filter(user=mentor).first()
    if profile is None or profile.status != MentorProfile.Status.APPROVED:
        raise PermissionDenied("Only approved mentors can claim threads.")
    thread = Question.objects.select_for_update().get(pk=question.pk)
    if thread.author_id == mentor.pk:
        raise ClaimConflict("This is your own thread; another mentor will take it.")
    if thread.hidden or thread.status != Question.Status.OPEN:
        raise ClaimConflict("This thread is closed, solved or hidden and needs no mentor.")
    if Exclusion.objects.filter(question=thread, mentor=mentor).exists():
        raise ClaimConflict("You declined this thread or let a claim on it expire.")
    holder = (
        Claim.objects.filter(question=thread, state=Claim.State.ACTIVE)
        .select_related("mentor")
        .first()
    )
    if holder is not None:
        raise ClaimConflict(
            f"{holder.mentor.public_name} is already helping on this thread "
            f"(since {holder.created_at:%H:%M} UTC)."
        )
    held = _load(mentor)
    if held >= profile.capacity:
        raise ClaimConflict(
            f"You already hold {held} claim{'s' * (held != 1)} or mentorships, your capacity; "
            "release or finish one first, or raise your capacity."
        )
    try:
        with transaction.atomic():
            claim = Claim.objects.create(
                question=thread,
                mentor=mentor,
                created_at=now,
                reply_due_at=now + dt.timedelta(hours=settings.MENTORING_FIRST_REPLY_HOURS),
            )
    except IntegrityError:  # pragma: no cover - the thread's row lock comes first
        raise ClaimConflict("Another mentor claimed this thread a moment ago.") from None
    _tell_asker_claimed(claim, thread, mentor)
    return claim


def _load(mentor: User) -> int:
    """What counts against a mentor's capacity: active claims and active mentorships."""
    return (
        Claim.objects.filter(mentor=mentor, state=Claim.State.ACTIVE).count()
        + Mentorship.objects.filter(mentor=mentor, state=Mentorship.State.ACTIVE).count()
    )


def _tell_asker_claimed(claim: Claim, thread: Question, mentor: User) -> None:
    from accounts.models import Notification
    from accounts.notifications import notify

    notify(
        kind=Notification.Kind.MENTOR_CLAIMED,
        recipients=[thread.author_id],
        dedupe_key=f"claimed:{claim.pk}",
        thread_key=f"question:{thread.pk}",
        payload={
            "question_id": thread.pk,
            "title": thread.title,
            "url": thread.get_absolute_url(),
            "actor": mentor.public_name,
            "excerpt_text": f"{mentor.public_name} is helping you on this thread and will "
            "reply soon.",
        },
        exclude=[mentor.pk],
        now=claim.created_at,
    )


@transaction.atomic
def claim_release(*, claim: Claim, by: User, reason: str) -> Claim:
    """The mentor lets a thread go back to the queue, saying why."""
    if claim.mentor_id != by.pk:
        raise PermissionDenied("Only the mentor who holds a claim can release it.")
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason:
        raise ValidationError({"reason": "Say why, for the next mentor."})
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    if claim.state != Claim.State.ACTIVE:
        raise ClaimConflict("This claim has already ended.")
    _end_claim(claim, Claim.State.RELEASED, reason)
    claim.refresh_from_db()
    return claim


def claims_apply_timers(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Apply the claim timers once (the periodic task); running it twice changes nothing
    more. For every active claim:

    - the first answer or comment by its mentor on the thread since the claim marks the
      first reply;
    - a claim whose thread was solved or closed completes;
    - a claim without a first reply by its due time expires: the thread goes back to the
      queue, and the mentor is excluded from it and counted as not responsive.
    """
    from django.db.models import Min

    from qa.models import Answer, Comment

    now = now or timezone.now()
    counts = {"replied": 0, "completed": 0, "expired": 0}
    for claim in Claim.objects.filter(state=Claim.State.ACTIVE).select_related("question"):
        with transaction.atomic():
            claim = Claim.objects.select_for_update().get(pk=claim.pk)
            if claim.state != Claim.State.ACTIVE:
                continue
            if claim.first_reply_at is None:
                since = {"author_id": claim.mentor_id, "created_at__gte": claim.created_at}
                replies = [
                    Answer.objects.filter(question_id=claim.question_id, **since),
                    Comment.objects.filter(question_id=claim.question_id, **since),
                    Comment.objects.filter(answer__question_id=claim.question_id, **since),
                ]
                first = min(
                    (at for qs in replies if (at := qs.aggregate(at=Min("created_at"))["at"])),
                    default=None,
                )
                if first is not None and first <= now:
                    claim.first_reply_at = first
                    claim.save(update_fields=["first_reply_at"])
                    counts["replied"] += 1
            question = Question.objects.only("status").get(pk=claim.question_id)
            if question.status != Question.Status.OPEN:
                _end_claim(claim, Claim.State.COMPLETED, f"The thread is {question.status}.")
                counts["completed"] += 1
            elif claim.first_reply_at is None and claim.reply_due_at <= now:
                _end_claim(claim, Claim.State.EXPIRED, "No first reply in time.")
                Exclusion.objects.get_or_create(
                    question_id=claim.question_id,
                    mentor_id=claim.mentor_id,
                    defaults={"reason": Exclusion.Reason.EXPIRED},
                )
                counts["expired"] += 1
                # Back in the queue: the next mentors are offered it.
                offers_make(question=question, wave=1, now=now)
    return counts


# --- Offers -----------------------------------------------------------------------------


def _wave_size(wave: int) -> int:
    return settings.MENTORING_WAVE1_SIZE if wave == 1 else settings.MENTORING_WAVE2_SIZE


@transaction.atomic
def offers_make(*, question: Question, wave: int, now: dt.datetime | None = None) -> list[Offer]:
    """Offer a waiting thread to the next best mentors who have not had it: wave 1 the
    top 3 with its primary tag, wave 2 the next 5 with any of its tags. Each mentor is
    notified with the reasons they were picked."""
    from accounts.models import Notification
    from accounts.notifications import notify
    from mentoring.selectors import mentor_matches

    now = now or timezone.now()
    thread = Question.objects.select_for_update().get(pk=question.pk)
    if thread.status != Question.Status.OPEN or thread.hidden:
        return []
    if Claim.objects.filter(question=thread, state=Claim.State.ACTIVE).exists():
        return []
    offered = set(Offer.objects.filter(question=thread).values_list("mentor_id", flat=True))
    picks = [
        m for m in mentor_matches(question=thread, now=now, wave=wave) if m.user_id not in offered
    ][: _wave_size(wave)]
    offers = []
    for match in picks:
        offers.append(
            Offer.objects.create(
                question=thread,
                mentor_id=match.user_id,
                wave=wave,
                score=match.score,
                reasons=list(match.reasons),
                created_at=now,
            )
        )
        MentorProfile.objects.filter(user_id=match.user_id).update(last_offered_at=now)
        notify(
            kind=Notification.Kind.MENTOR_OFFER,
            recipients=[match.user_id],
            dedupe_key=f"offer:{thread.pk}",
            thread_key=f"question:{thread.pk}",
            payload={
                "question_id": thread.pk,
                "title": thread.title,
                # The email opens the mentor's queue at this thread.
                "url": f"{reverse('mentoring:queue')}#queue-{thread.pk}",
                "excerpt_text": _offer_text(thread, match.reasons, now),
            },
            now=now,
        )
    return offers


def _offer_text(thread: Question, reasons: tuple[str, ...], now: dt.datetime) -> str:
    from django.utils.timesince import timesince

    tags = ", ".join(t.name for t in thread.tags.all())
    asked = (
        "just now"
        if now - thread.created_at < dt.timedelta(minutes=1)
        else (f"{timesince(thread.created_at, now)} ago")
    )
    return f"Matches your tags {tags}; asked {asked}. Why you: {'; '.join(reasons)}."


@transaction.atomic
def offer_decline(*, offer: Offer, by: User) -> Offer:
    """A mentor declines an offer: no penalty, and the thread is not offered to them again."""
    if offer.mentor_id != by.pk:
        raise PermissionDenied("Only the mentor it was made to can decline an offer.")
    offer = Offer.objects.select_for_update().get(pk=offer.pk)
    if offer.declined_at is not None:
        raise ClaimConflict("You already declined this offer.")
    offer.declined_at = timezone.now()
    offer.save(update_fields=["declined_at"])
    Exclusion.objects.get_or_create(
        question_id=offer.question_id,
        mentor_id=offer.mentor_id,
        defaults={"reason": Exclusion.Reason.DECLINED},
    )
    return offer


def offers_apply_timers(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Wave 1 for newcomers' threads waiting for a mentor (posted within the offer window,
    at most MENTORING_NEWCOMER_WAITING_MAX per newcomer at once), wave 2 some hours after
    wave 1; idempotent (a mentor is offered a thread once)."""
    from mentoring.selectors import mentoring_threads, threads_waiting

    now = now or timezone.now()
    window = now - dt.timedelta(hours=settings.MENTORING_OFFER_WINDOW_HOURS)
    waiting = threads_waiting().filter(created_at__gte=window).order_by("created_at")
    counts = {"wave1": 0, "wave2": 0}
    offered = Offer.objects.filter(question=OuterRef("pk"))
    for question in mentoring_threads(waiting.exclude(Exists(offered)), now=now):
        counts["wave1"] += len(offers_make(question=question, wave=1, now=now))
    wave_two_after = dt.timedelta(hours=settings.MENTORING_WAVE2_AFTER_HOURS)
    due = waiting.filter(
        Exists(offered.filter(wave=1, created_at__lte=now - wave_two_after))
    ).exclude(Exists(offered.filter(wave=2)))
    for question in due:
        counts["wave2"] += len(offers_make(question=question, wave=2, now=now))
    return counts


# --- Escalation -------------------------------------------------------------------------


@transaction.atomic
def thread_escalate(*, question: Question, eligible: int, reason: str, now: dt.datetime) -> bool:
    """Mark a thread "needs a mentor" and tell the moderators, once."""
    from accounts.models import Notification
    from accounts.notifications import notify

    _, created = Escalation.objects.get_or_create(
        question=question,
        defaults={"escalated_at": now, "eligible_mentors": eligible, "reason": reason},
    )
    if created:
        notify(
            kind=Notification.Kind.NEEDS_MENTOR,
            recipients=moderator_ids(),
            dedupe_key=f"needs-mentor:{question.pk}",
            payload={
                "question_id": question.pk,
                "title": question.title,
                "url": question.get_absolute_url(),
                "excerpt_text": reason,
            },
            now=now,
        )
    return created


def escalations_apply(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Escalate newcomers' threads nobody claimed within 12 hours (at once when fewer than
    3 mentors are eligible), and after 7 days ask the asker once to edit or re-tag (the
    defaults of the MENTORING_* settings). Only threads of the last 8 days are looked at,
    so an imported archive does not flood moderators."""
    from accounts.models import Notification
    from accounts.notifications import notify
    from mentoring.selectors import mentor_matches, mentoring_threads

    now = now or timezone.now()
    counts = {"escalated": 0, "retag_asked": 0}
    retag_after = dt.timedelta(days=settings.MENTORING_RETAG_AFTER_DAYS)
    escalate_after = dt.timedelta(hours=settings.MENTORING_ESCALATE_AFTER_HOURS)
    recent = (
        Question.objects.filter(
            status=Question.Status.OPEN,
            hidden=False,
            created_at__gte=now - retag_after - dt.timedelta(days=1),
        )
        .exclude(claims__isnull=False)
        .select_related("author")
    )
    fresh = recent.filter(mentoring_escalation__isnull=True).order_by("created_at")
    for question in mentoring_threads(fresh, now=now):
        eligible = len(mentor_matches(question=question, now=now, wave=2))
        if eligible < settings.MENTORING_FEW_MENTORS:
            reason = f"Only {eligible} eligible mentor{'s' * (eligible != 1)} for its tags."
        elif question.created_at <= now - escalate_after:
            reason = f"Nobody claimed it within {settings.MENTORING_ESCALATE_AFTER_HOURS:g} hours."
        else:
            continue
        counts["escalated"] += thread_escalate(
            question=question, eligible=eligible, reason=reason, now=now
        )
    stale = Escalation.objects.filter(
        question__in=recent.filter(created_at__lte=now - retag_after), retag_asked_at__isnull=True
    ).select_related("question")
    for escalation in stale:
        with transaction.atomic():
            if not Escalation.objects.filter(pk=escalation.pk, retag_asked_at__isnull=True).update(
                retag_asked_at=now
            ):
                continue
            question = escalation.question
            notify(
                kind=Notification.Kind.RETAG_ASK,
                recipients=[question.author_id],
                dedupe_key=f"retag:{question.pk}",
                payload={
                    "question_id": question.pk,
                    "title": question.title,
                    "url": question.get_absolute_url(),
                    "excerpt_text": "No mentor has taken your question in a week. A clearer "
                    "title, the exact error or other tags help the right people find it.",
                },
                now=now,
            )
            counts["retag_asked"] += 1
    return counts


# --- Extend, hand off, feedback ---------------------------------------------------------


@transaction.atomic
def claim_extend(*, claim: Claim, by: User) -> Claim:
    """The mentor gets once more the first-reply time, before it runs out."""
    if claim.mentor_id != by.pk:
        raise PermissionDenied("Only the mentor who holds a claim can extend it.")
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    if claim.state != Claim.State.ACTIVE:
        raise ClaimConflict("This claim has already ended.")
    if claim.first_reply_at is not None:
        raise ClaimConflict("You have replied already; there is no first-reply deadline left.")
    if claim.extended:
        raise ClaimConflict("A claim can be extended once; release it if you cannot reply.")
    claim.reply_due_at += dt.timedelta(hours=settings.MENTORING_FIRST_REPLY_HOURS)
    claim.extended = True
    claim.save(update_fields=["reply_due_at", "extended"])
    return claim


@transaction.atomic
def claim_handoff(*, claim: Claim, by: User, to: User, note: str) -> Claim:
    """The mentor hands the thread to another mentor with a note; the new mentor's claim
    is checked like any claim (approved, not excluded, within capacity)."""
    if claim.mentor_id != by.pk:
        raise PermissionDenied("Only the mentor who holds a claim can hand it off.")
    note = note.strip() if isinstance(note, str) else ""
    if not note:
        raise ValidationError({"note": "Leave a note for the next mentor."})
    if to.pk == by.pk:
        raise ValidationError({"mentor": "Hand the thread to another mentor."})
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    if claim.state != Claim.State.ACTIVE:
        raise ClaimConflict("This claim has already ended.")
    _end_claim(claim, Claim.State.HANDED_OFF, f"Handed to {to.username}: {note}")
    try:
        return claim_create(mentor=to, question=claim.question)
    except PermissionDenied:
        raise ClaimConflict(f"{to.username} is not an approved mentor.") from None


@transaction.atomic
def feedback_give(*, claim: Claim, by: User, rating: str, comment: str = "") -> Feedback:
    """The asker rates the mentor's help once the thread is solved, once per claim."""
    from accounts.models import Notification
    from accounts.notifications import notify

    question = Question.objects.select_for_update().get(pk=claim.question_id)
    if question.author_id != by.pk:
        raise PermissionDenied("Only the asker rates the mentoring of their thread.")
    if question.status != Question.Status.SOLVED:
        raise ClaimConflict("Mentoring is rated once the thread is solved.")
    if rating not in Feedback.Rating.values:
        raise ValidationError({"rating": f"Use one of {', '.join(Feedback.Rating.values)}."})
    if Feedback.objects.filter(claim=claim).exists():
        raise ClaimConflict("You already rated this mentoring.")
    feedback = Feedback.objects.create(claim=claim, rating=rating, comment=comment.strip()[:2000])
    if rating == Feedback.Rating.PROBLEMATIC:
        # Matching reads problematic ratings as a block between this mentor and asker.
        notify(
            kind=Notification.Kind.MENTORING_PROBLEM,
            recipients=moderator_ids(),
            dedupe_key=f"problem:{claim.pk}",
            payload={
                "question_id": question.pk,
                "title": question.title,
                "url": question.get_absolute_url(),
                "excerpt_text": feedback.comment or "No comment given.",
            },
        )
    return feedback


# --- Nudges while a claim is running ----------------------------------------------------


def _last_post(question_id: int, author_id: int) -> dt.datetime | None:
    from django.db.models import Max

    from qa.models import Answer, Comment

    times = [
        Answer.objects.filter(question_id=question_id, author_id=author_id),
        Comment.objects.filter(question_id=question_id, author_id=author_id),
        Comment.objects.filter(answer__question_id=question_id, author_id=author_id),
    ]
    found = [at for qs in times if (at := qs.aggregate(at=Max("created_at"))["at"])]
    return max(found, default=None)


def nudges_apply(*, now: dt.datetime | None = None) -> dict[str, int]:
    """After a claim's first reply: when the asker spoke last, the mentor is nudged at 2
    and 4 days and the thread requeued at 7; when the mentor spoke last, the asker is
    nudged at 7 and 14 days. Each nudge is sent once per wait (its dedupe key carries
    the time the wait began)."""
    from accounts.models import Notification
    from accounts.notifications import notify

    now = now or timezone.now()
    counts = {"mentor_nudged": 0, "asker_nudged": 0, "requeued": 0}
    running = Claim.objects.filter(
        state=Claim.State.ACTIVE, first_reply_at__isnull=False
    ).select_related("question")
    for claim in running:
        question = claim.question
        mentor_at = _last_post(question.pk, claim.mentor_id) or claim.first_reply_at
        asker_at = _last_post(question.pk, question.author_id)
        payload = {
            "question_id": question.pk,
            "title": question.title,
            "url": question.get_absolute_url(),
        }
        if asker_at is not None and mentor_at is not None and asker_at > mentor_at:
            waited = now - asker_at
            requeue_days = settings.MENTORING_MENTOR_REQUEUE_DAYS
            if waited >= dt.timedelta(days=requeue_days):
                with transaction.atomic():
                    _end_claim(
                        claim,
                        Claim.State.EXPIRED,
                        f"No reply from the mentor for {requeue_days} days.",
                    )
                    Exclusion.objects.get_or_create(
                        question=question, mentor_id=claim.mentor_id,
                        defaults={"reason": Exclusion.Reason.EXPIRED},
                    )  # fmt: skip
                    offers_make(question=question, wave=1, now=now)
                counts["requeued"] += 1
                continue
            for days in settings.MENTORING_MENTOR_NUDGE_DAYS:
                if waited >= dt.timedelta(days=days):
                    counts["mentor_nudged"] += len(
                        notify(
                            kind=Notification.Kind.MENTOR_NUDGE,
                            recipients=[claim.mentor_id],
                            dedupe_key=f"nudge-mentor:{claim.pk}:{int(asker_at.timestamp())}:{days}",
                            payload=payload,
                            now=now,
                        )
                    )
        elif mentor_at is not None:
            waited = now - mentor_at
            for days in settings.MENTORING_ASKER_NUDGE_DAYS:
                if waited >= dt.timedelta(days=days):
                    counts["asker_nudged"] += len(
                        notify(
                            kind=Notification.Kind.ASKER_NUDGE,
                            recipients=[question.author_id],
                            dedupe_key=f"nudge-asker:{claim.pk}:{int(mentor_at.timestamp())}:{days}",
                            payload=payload,
                            now=now,
                        )
                    )
    return counts


# --- Long-term mentorships --------------------------------------------------------------

GOALS_MIN = 20


def _tell_mentorship(mentorship: Mentorship, *, to: int, title: str, text: str, key: str) -> None:
    from accounts.models import Notification
    from accounts.notifications import notify

    notify(
        kind=Notification.Kind.MENTORSHIP,
        recipients=[to],
        dedupe_key=f"mentorship:{mentorship.pk}:{key}",
        payload={
            "mentorship_id": mentorship.pk,
            "title": title,
            "url": mentorship.get_absolute_url(),
            "excerpt_text": text,
        },
    )


@transaction.atomic
def mentorship_request(*, mentee: User, mentor: User, goals: str) -> Mentorship:
    """A member asks an approved mentor for a long-term mentorship, with their goals."""
    goals = goals.strip() if isinstance(goals, str) else ""
    if len(goals) < GOALS_MIN:
        raise ValidationError(
            {"goals": f"Say what you want to learn or build (at least {GOALS_MIN} characters)."}
        )
    if len(goals) > 2000:
        raise ValidationError({"goals": "Keep the goals under 2000 characters."})
    if mentor.pk == mentee.pk:
        raise ValidationError({"mentor": "Choose a mentor other than yourself."})
    profile = MentorProfile.objects.select_for_update().filter(user=mentor).first()
    if profile is None or profile.status != MentorProfile.Status.APPROVED:
        raise ValidationError({"mentor": f"{mentor.public_name} is not an approved mentor."})
    blocked = Feedback.objects.filter(
        rating=Feedback.Rating.PROBLEMATIC, claim__mentor=mentor, claim__question__author=mentee
    ).exists()
    if blocked:
        raise ClaimConflict("You rated this mentor's help problematic; choose another mentor.")
    if Mentorship.objects.filter(
        mentee=mentee, mentor=mentor, state__in=Mentorship.OPEN_STATES
    ).exists():
        raise ClaimConflict(
            f"You already have a request or a mentorship with {mentor.public_name}."
        )
    try:
        with transaction.atomic():
            mentorship = Mentorship.objects.create(mentee=mentee, mentor=mentor, goals=goals)
    except IntegrityError:  # pragma: no cover - the profile row lock comes first
        raise ClaimConflict("You already asked this mentor.") from None
    _tell_mentorship(
        mentorship,
        to=mentor.pk,
        title=f"{mentee.public_name} asks you for a mentorship",
        text=goals,
        key="requested",
    )
    return mentorship


def _mentorship_for_update(mentorship: Mentorship) -> Mentorship:
    return (
        Mentorship.objects.select_for_update()
        .select_related("mentee", "mentor")
        .get(pk=mentorship.pk)
    )


@transaction.atomic
def mentorship_accept(*, mentorship: Mentorship, by: User) -> Mentorship:
    """The mentor accepts, within their capacity (claims and mentorships together)."""
    if mentorship.mentor_id != by.pk:
        raise PermissionDenied("Only the mentor asked can accept a mentorship.")
    profile = MentorProfile.objects.select_for_update().get(user=by)
    mentorship = _mentorship_for_update(mentorship)
    if mentorship.state != Mentorship.State.REQUESTED:
        raise ClaimConflict(f"This request is {mentorship.get_state_display().lower()}.")
    load = _load(by)
    if load >= profile.capacity:
        raise ClaimConflict(
            f"You hold {load} claims or mentorships, your capacity; finish one first or "
            "raise your capacity."
        )
    mentorship.state = Mentorship.State.ACTIVE
    mentorship.answered_at = timezone.now()
    mentorship.save(update_fields=["state", "answered_at"])
    _tell_mentorship(
        mentorship,
        to=mentorship.mentee_id,
        title=f"{mentorship.mentor.public_name} accepted your mentorship request",
        text=mentorship.goals,
        key="accepted",
    )
    return mentorship


@transaction.atomic
def mentorship_decline(*, mentorship: Mentorship, by: User, note: str = "") -> Mentorship:
    if mentorship.mentor_id != by.pk:
        raise PermissionDenied("Only the mentor asked can decline a mentorship.")
    mentorship = _mentorship_for_update(mentorship)
    if mentorship.state != Mentorship.State.REQUESTED:
        raise ClaimConflict(f"This request is {mentorship.get_state_display().lower()}.")
    mentorship.state = Mentorship.State.DECLINED
    mentorship.answered_at = timezone.now()
    mentorship.note = (note or "").strip()[:500]
    mentorship.save(update_fields=["state", "answered_at", "note"])
    _tell_mentorship(
        mentorship,
        to=mentorship.mentee_id,
        title=f"{mentorship.mentor.public_name} cannot mentor you now",
        text=mentorship.note or "Another mentor may have room: see the mentors of your tags.",
        key="declined",
    )
    return mentorship


@transaction.atomic
def mentorship_end(*, mentorship: Mentorship, by: User, note: str = "") -> Mentorship:
    """Either side ends an active mentorship; the mentee may also withdraw a request."""
    if by.pk not in (mentorship.mentor_id, mentorship.mentee_id):
        raise PermissionDenied("Only the mentor or the mentee can end a mentorship.")
    mentorship = _mentorship_for_update(mentorship)
    withdrawing = mentorship.state == Mentorship.State.REQUESTED and by.pk == mentorship.mentee_id
    if mentorship.state != Mentorship.State.ACTIVE and not withdrawing:
        raise ClaimConflict(f"This mentorship is {mentorship.get_state_display().lower()}.")
    mentorship.state = Mentorship.State.ENDED
    mentorship.ended_at = timezone.now()
    mentorship.ended_by = by
    mentorship.note = (note or "").strip()[:500]
    mentorship.save(update_fields=["state", "ended_at", "ended_by", "note"])
    other = mentorship.mentee if by.pk == mentorship.mentor_id else mentorship.mentor
    _tell_mentorship(
        mentorship,
        to=other.pk,
        title=f"{by.public_name} "
        + ("withdrew the mentorship request" if withdrawing else "ended your mentorship"),
        text=mentorship.note or "No note given.",
        key="ended",
    )
    return mentorship


MENTORSHIP_STEPS = ("accept", "decline", "end")


def mentorship_step(*, mentorship: Mentorship, by: User, step: str, note: str = "") -> Mentorship:
    """One step of a mentorship by name (the pages and the API post them): accept or
    decline by the mentor, end by either side."""
    if step == "accept":
        return mentorship_accept(mentorship=mentorship, by=by)
    if step == "decline":
        return mentorship_decline(mentorship=mentorship, by=by, note=note)
    if step == "end":
        return mentorship_end(mentorship=mentorship, by=by, note=note)
    raise ValidationError(f"Unknown step {step!r}; use one of {', '.join(MENTORSHIP_STEPS)}.")


def mentorships_expire(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Requests unanswered for MENTORING_MENTORSHIP_REQUEST_DAYS expire, with a notice to
    the member who asked; idempotent."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.MENTORING_MENTORSHIP_REQUEST_DAYS)
    expired = 0
    stale = Mentorship.objects.filter(state=Mentorship.State.REQUESTED, created_at__lte=cutoff)
    for mentorship in stale.select_related("mentor"):
        with transaction.atomic():
            if not Mentorship.objects.filter(
                pk=mentorship.pk, state=Mentorship.State.REQUESTED
            ).update(state=Mentorship.State.EXPIRED, ended_at=now):
                continue
            _tell_mentorship(
                mentorship,
                to=mentorship.mentee_id,
                title=f"Your mentorship request to {mentorship.mentor.public_name} expired",
                text=f"No answer came in {settings.MENTORING_MENTORSHIP_REQUEST_DAYS} days. "
                "You may ask another mentor.",
                key="expired",
            )
            expired += 1
    return {"mentorships_expired": expired}
