"""Long-term mentorships: a member's request, the mentor's answer, and its end."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from mentoring import notification_kinds as mentoring_kinds
from mentoring.models import Feedback, MentorProfile, Mentorship
from mentoring.services.claims import ClaimConflict, _load

GOALS_MIN = 20


def _tell_mentorship(mentorship: Mentorship, *, to: int, title: str, text: str, key: str) -> None:
    from accounts.notifications import notify

    notify(
        kind=mentoring_kinds.MENTORSHIP,
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
            {
                "goals": _("Say what you want to learn or build (at least %(count)s characters).")
                % {"count": GOALS_MIN}
            }
        )
    if len(goals) > 2000:
        raise ValidationError({"goals": _("Keep the goals under 2000 characters.")})
    if mentor.pk == mentee.pk:
        raise ValidationError({"mentor": _("Choose a mentor other than yourself.")})
    profile = MentorProfile.objects.select_for_update().filter(user=mentor).first()
    if profile is None or profile.status != MentorProfile.Status.APPROVED:
        raise ValidationError(
            {"mentor": _("%(mentor)s is not an approved mentor.") % {"mentor": mentor.public_name}}
        )
    blocked = Feedback.objects.filter(
        rating=Feedback.Rating.PROBLEMATIC, claim__mentor=mentor, claim__question__author=mentee
    ).exists()
    if blocked:
        raise ClaimConflict(_("You rated this mentor's help problematic; choose another mentor."))
    if Mentorship.objects.filter(
        mentee=mentee, mentor=mentor, state__in=Mentorship.OPEN_STATES
    ).exists():
        raise ClaimConflict(
            _("You already have a request or a mentorship with %(mentor)s.")
            % {"mentor": mentor.public_name}
        )
    try:
        with transaction.atomic():
            mentorship = Mentorship.objects.create(mentee=mentee, mentor=mentor, goals=goals)
    except IntegrityError:  # pragma: no cover - the profile row lock comes first
        raise ClaimConflict(_("You already asked this mentor.")) from None
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
        raise PermissionDenied(_("Only the mentor asked can accept a mentorship."))
    profile = MentorProfile.objects.select_for_update().get(user=by)
    mentorship = _mentorship_for_update(mentorship)
    if mentorship.state != Mentorship.State.REQUESTED:
        raise ClaimConflict(_request_is(mentorship))
    load = _load(by)
    if load >= profile.capacity:
        raise ClaimConflict(
            ngettext(
                "You hold %(load)s claim or mentorships, your capacity; finish one first or "
                "raise your capacity.",
                "You hold %(load)s claims or mentorships, your capacity; finish one first or "
                "raise your capacity.",
                load,
            )
            % {"load": load}
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
        raise PermissionDenied(_("Only the mentor asked can decline a mentorship."))
    mentorship = _mentorship_for_update(mentorship)
    if mentorship.state != Mentorship.State.REQUESTED:
        raise ClaimConflict(_request_is(mentorship))
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
        raise PermissionDenied(_("Only the mentor or the mentee can end a mentorship."))
    mentorship = _mentorship_for_update(mentorship)
    withdrawing = mentorship.state == Mentorship.State.REQUESTED and by.pk == mentorship.mentee_id
    if mentorship.state != Mentorship.State.ACTIVE and not withdrawing:
        raise ClaimConflict(
            _("This mentorship is %(state)s.") % {"state": mentorship.get_state_display().lower()}
        )
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
    raise ValidationError(
        _("Unknown step %(step)s; use one of %(steps)s.")
        % {"step": repr(step), "steps": ", ".join(MENTORSHIP_STEPS)}
    )


def _request_is(mentorship: Mentorship) -> str:
    """Why a request can no longer be answered: the state it is in."""
    return _("This request is %(state)s.") % {"state": mentorship.get_state_display().lower()}
