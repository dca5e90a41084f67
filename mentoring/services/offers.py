"""Offers of a waiting thread to the best mentors, a mentor declining one, and the
escalation of a thread nobody takes to the moderators."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import moderator_ids
from mentoring import notification_kinds as mentoring_kinds
from mentoring.models import Claim, Escalation, Exclusion, MentorProfile, Offer
from mentoring.services.claims import ClaimConflict
from qa.models import Question


def _wave_size(wave: int) -> int:
    return settings.MENTORING_WAVE1_SIZE if wave == 1 else settings.MENTORING_WAVE2_SIZE


@transaction.atomic
def offers_make(*, question: Question, wave: int, now: dt.datetime | None = None) -> list[Offer]:
    """Offer a waiting thread to the next best mentors who have not had it: wave 1 the
    top 3 with its primary tag, wave 2 the next 5 with any of its tags. Each mentor is
    notified with the reasons they were picked."""
    from accounts.notifications import About, notify
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
            kind=mentoring_kinds.MENTOR_OFFER,
            recipients=[match.user_id],
            dedupe_key=f"offer:{thread.pk}",
            about=About(question=thread.pk),
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
        raise PermissionDenied(_("Only the mentor it was made to can decline an offer."))
    offer = (
        Offer.objects.select_for_update(of=("self",)).select_related("question").get(pk=offer.pk)
    )
    if offer.declined_at is not None:
        raise ClaimConflict(_("You already declined this offer."))
    offer.declined_at = timezone.now()
    offer.save(update_fields=["declined_at"])
    Exclusion.objects.get_or_create(
        question_id=offer.question_id,
        mentor_id=offer.mentor_id,
        defaults={"reason": Exclusion.Reason.DECLINED},
    )
    return offer


@transaction.atomic
def thread_escalate(*, question: Question, eligible: int, reason: str, now: dt.datetime) -> bool:
    """Mark a thread "needs a mentor" and tell the moderators, once."""
    from accounts.notifications import About, notify

    _escalation, created = Escalation.objects.get_or_create(
        question=question,
        defaults={"escalated_at": now, "eligible_mentors": eligible, "reason": reason},
    )
    if created:
        notify(
            kind=mentoring_kinds.NEEDS_MENTOR,
            recipients=moderator_ids(),
            dedupe_key=f"needs-mentor:{question.pk}",
            about=About(question=question.pk),
            payload={
                "question_id": question.pk,
                "title": question.title,
                "url": question.get_absolute_url(),
                "excerpt_text": reason,
            },
            now=now,
        )
    return created
