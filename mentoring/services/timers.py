"""The periodic work of mentoring: claim, offer, escalation, nudge and mentorship
timers. Each function is idempotent, so the one periodic task may run it any number of
times."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from mentoring import notification_kinds as mentoring_kinds
from mentoring.models import Claim, Escalation, Exclusion, Mentorship, Offer
from mentoring.services.claims import _end_claim
from mentoring.services.mentorships import _tell_mentorship
from mentoring.services.offers import offers_make, thread_escalate
from qa.models import Question, public


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
    for claim in (
        Claim.objects.filter(state=Claim.State.ACTIVE).select_related("question").order_by("pk")
    ):
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


def offers_apply_timers(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Wave 1 for newcomers' threads waiting for a mentor (posted within the offer window,
    at most MENTORING_NEWCOMER_WAITING_MAX per newcomer at once), wave 2 some hours after
    wave 1; idempotent (a mentor is offered a thread once)."""
    from mentoring.selectors import mentoring_threads, threads_waiting

    now = now or timezone.now()
    window = now - dt.timedelta(hours=settings.MENTORING_OFFER_WINDOW_HOURS)
    waiting = threads_waiting().filter(created_at__gte=window).order_by("created_at", "pk")
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


def escalations_apply(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Escalate newcomers' threads nobody claimed within 12 hours (at once when fewer than
    3 mentors are eligible), and after 7 days ask the asker once to edit or re-tag (the
    defaults of the MENTORING_* settings). Only threads of the last 8 days are looked at,
    so an imported archive does not flood moderators."""
    from accounts.notifications import About, notify
    from mentoring.selectors import mentor_matches, mentoring_threads

    now = now or timezone.now()
    counts = {"escalated": 0, "retag_asked": 0}
    retag_after = dt.timedelta(days=settings.MENTORING_RETAG_AFTER_DAYS)
    escalate_after = dt.timedelta(hours=settings.MENTORING_ESCALATE_AFTER_HOURS)
    recent = (
        Question.objects.filter(
            public(),
            status=Question.Status.OPEN,
            created_at__gte=now - retag_after - dt.timedelta(days=1),
        )
        .exclude(claims__isnull=False)
        .select_related("author")
    )
    fresh = recent.filter(mentoring_escalation__isnull=True).order_by("created_at", "pk")
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
    stale = (
        Escalation.objects.filter(
            question__in=recent.filter(created_at__lte=now - retag_after),
            retag_asked_at__isnull=True,
        )
        .select_related("question")
        .order_by("pk")
    )
    for escalation in stale:
        with transaction.atomic():
            if not Escalation.objects.filter(pk=escalation.pk, retag_asked_at__isnull=True).update(
                retag_asked_at=now
            ):
                continue
            question = escalation.question
            notify(
                kind=mentoring_kinds.RETAG_ASK,
                recipients=[question.author_id],
                dedupe_key=f"retag:{question.pk}",
                about=About(question=question.pk),
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
    from accounts.notifications import About, notify

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
                            kind=mentoring_kinds.MENTOR_NUDGE,
                            recipients=[claim.mentor_id],
                            dedupe_key=f"nudge-mentor:{claim.pk}:{int(asker_at.timestamp())}:{days}",
                            about=About(question=question.pk),
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
                            kind=mentoring_kinds.ASKER_NUDGE,
                            recipients=[question.author_id],
                            dedupe_key=f"nudge-asker:{claim.pk}:{int(mentor_at.timestamp())}:{days}",
                            about=About(question=question.pk),
                            payload=payload,
                            now=now,
                        )
                    )
    return counts


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
