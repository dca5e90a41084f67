"""Claims: "I'll take this", the mentor's release, extension and hand-off, the asker's
rating, and the release of a thread moderators removed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.errors import Conflict
from accounts.models import User
from accounts.selectors import moderator_ids
from mentoring import notification_kinds as mentoring_kinds
from mentoring.models import Claim, Exclusion, Feedback, MentorProfile, Mentorship
from qa import page_cache
from qa.models import Question, first_created
from qa.services import moment_advanced


class ClaimConflict(Conflict):
    """A claim, offer or mentorship step the state of the thread or the mentor does not
    allow (HTTP 409, like every Conflict)."""


def _end_claim(claim: Claim, state: str, reason: str) -> None:
    Claim.objects.filter(pk=claim.pk, state=Claim.State.ACTIVE).update(
        state=state, ended_at=timezone.now(), end_reason=reason[:500]
    )
    page_cache.thread_changed(claim.question_id)


def _locked(claim: Claim) -> Claim:
    """The claim again, its row locked, with the mentor and the thread it is shown with."""
    claims = Claim.objects.select_for_update(of=("self",)).select_related("mentor", "question")
    return claims.get(pk=claim.pk)


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
        raise PermissionDenied(_("Only approved mentors can claim threads."))
    thread = Question.objects.select_for_update().get(pk=question.pk)
    if thread.author_id == mentor.pk:
        raise ClaimConflict(_("This is your own thread; another mentor will take it."))
    if thread.hidden or thread.status != Question.Status.OPEN:
        raise ClaimConflict(_("This thread is closed, solved or hidden and needs no mentor."))
    if Exclusion.objects.filter(question=thread, mentor=mentor).exists():
        raise ClaimConflict(_("You declined this thread or let a claim on it expire."))
    holder = (
        Claim.objects.filter(question=thread, state=Claim.State.ACTIVE)
        .select_related("mentor")
        .first()
    )
    if holder is not None:
        raise ClaimConflict(
            _("%(mentor)s is already helping on this thread (since %(since)s UTC).")
            % {"mentor": holder.mentor.public_name, "since": f"{holder.created_at:%H:%M}"}
        )
    held = _load(mentor)
    if held >= profile.capacity:
        raise ClaimConflict(
            ngettext(
                "You already hold %(held)s claim or mentorships, your capacity; "
                "release or finish one first, or raise your capacity.",
                "You already hold %(held)s claims or mentorships, your capacity; "
                "release or finish one first, or raise your capacity.",
                held,
            )
            % {"held": held}
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
        raise ClaimConflict(_("Another mentor claimed this thread a moment ago.")) from None
    if mentor.pk != thread.author_id:
        # The thread's first human response may be this claim (claims are never removed).
        Question.objects.filter(pk=thread.pk).update(
            first_claim_at=moment_advanced("first_claim_at", now)
        )
    _tell_asker_claimed(claim, thread, mentor)
    return claim


def first_claims_refresh(*, question_ids: Sequence[int] | None = None) -> int:
    """Set Question.first_claim_at of these threads (all for None) from their claims: the
    earliest claim by someone other than the asker. claim_create moves it forward as it
    claims; this recomputes it, for data written around the services. Returns the number
    of threads updated."""
    others = Claim.objects.filter(question=OuterRef("pk")).exclude(mentor=OuterRef("author"))
    threads = Question.objects.all()
    if question_ids is not None:
        threads = threads.filter(pk__in=question_ids)
    return threads.update(first_claim_at=first_created(others, "question"))


def _load(mentor: User) -> int:
    """What counts against a mentor's capacity: active claims and active mentorships."""
    return (
        Claim.objects.filter(mentor=mentor, state=Claim.State.ACTIVE).count()
        + Mentorship.objects.filter(mentor=mentor, state=Mentorship.State.ACTIVE).count()
    )


def _tell_asker_claimed(claim: Claim, thread: Question, mentor: User) -> None:
    from accounts.notifications import About, notify

    notify(
        kind=mentoring_kinds.MENTOR_CLAIMED,
        recipients=[thread.author_id],
        dedupe_key=f"claimed:{claim.pk}",
        about=About(question=thread.pk),
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
        raise PermissionDenied(_("Only the mentor who holds a claim can release it."))
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason:
        raise ValidationError({"reason": _("Say why, for the next mentor.")})
    claim = _locked(claim)
    if claim.state != Claim.State.ACTIVE:
        raise ClaimConflict(_("This claim has already ended."))
    _end_claim(claim, Claim.State.RELEASED, reason)
    claim.refresh_from_db(fields=["state", "ended_at", "end_reason"])
    return claim


@transaction.atomic
def claim_extend(*, claim: Claim, by: User) -> Claim:
    """The mentor gets once more the first-reply time, before it runs out."""
    if claim.mentor_id != by.pk:
        raise PermissionDenied(_("Only the mentor who holds a claim can extend it."))
    claim = _locked(claim)
    if claim.state != Claim.State.ACTIVE:
        raise ClaimConflict(_("This claim has already ended."))
    if claim.first_reply_at is not None:
        raise ClaimConflict(_("You have replied already; there is no first-reply deadline left."))
    if claim.extended:
        raise ClaimConflict(_("A claim can be extended once; release it if you cannot reply."))
    claim.reply_due_at += dt.timedelta(hours=settings.MENTORING_FIRST_REPLY_HOURS)
    claim.extended = True
    claim.save(update_fields=["reply_due_at", "extended"])
    return claim


@transaction.atomic
def claim_handoff(*, claim: Claim, by: User, to: User, note: str) -> Claim:
    """The mentor hands the thread to another mentor with a note; the new mentor's claim
    is checked like any claim (approved, not excluded, within capacity)."""
    if claim.mentor_id != by.pk:
        raise PermissionDenied(_("Only the mentor who holds a claim can hand it off."))
    note = note.strip() if isinstance(note, str) else ""
    if not note:
        raise ValidationError({"note": _("Leave a note for the next mentor.")})
    if to.pk == by.pk:
        raise ValidationError({"mentor": _("Hand the thread to another mentor.")})
    claim = _locked(claim)
    if claim.state != Claim.State.ACTIVE:
        raise ClaimConflict(_("This claim has already ended."))
    _end_claim(claim, Claim.State.HANDED_OFF, f"Handed to {to.username}: {note}")
    try:
        return claim_create(mentor=to, question=claim.question)
    except PermissionDenied:
        raise ClaimConflict(
            _("%(mentor)s is not an approved mentor.") % {"mentor": to.username}
        ) from None


@transaction.atomic
def feedback_give(*, claim: Claim, by: User, rating: str, comment: str = "") -> Feedback:
    """The asker rates the mentor's help once the thread is solved, once per claim."""
    from accounts.notifications import About, notify

    question = Question.objects.select_for_update().get(pk=claim.question_id)
    if question.author_id != by.pk:
        raise PermissionDenied(_("Only the asker rates the mentoring of their thread."))
    if question.status != Question.Status.SOLVED:
        raise ClaimConflict(_("Mentoring is rated once the thread is solved."))
    if rating not in Feedback.Rating.values:
        raise ValidationError(
            {
                "rating": _("Use one of %(ratings)s.")
                % {"ratings": ", ".join(Feedback.Rating.values)}
            }
        )
    if Feedback.objects.filter(claim=claim).exists():
        raise ClaimConflict(_("You already rated this mentoring."))
    feedback = Feedback.objects.create(claim=claim, rating=rating, comment=comment.strip()[:2000])
    if rating == Feedback.Rating.PROBLEMATIC:
        # Matching reads problematic ratings as a block between this mentor and asker.
        notify(
            kind=mentoring_kinds.MENTORING_PROBLEM,
            recipients=moderator_ids(),
            dedupe_key=f"problem:{claim.pk}",
            about=About(question=question.pk),
            payload={
                "question_id": question.pk,
                "title": question.title,
                "url": question.get_absolute_url(),
                "excerpt_text": feedback.comment or "No comment given.",
            },
        )
    return feedback
