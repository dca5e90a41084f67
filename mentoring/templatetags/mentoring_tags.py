"""The mentoring panel of a thread page: who is helping, "I'll take this" for mentors,
and the mentors who may help, for the asker."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils.translation import ngettext

from mentoring import selectors
from mentoring.forms import FeedbackForm
from mentoring.models import Claim

register = template.Library()

ASKER_MATCHES = 3


@register.inclusion_tag("mentoring/panel.html", takes_context=True)
def mentoring_panel(context: dict[str, Any], question: Any) -> dict[str, Any]:
    # The page's viewer: the request's, or the member a cached page is rendered for.
    viewer = context.get("user") or context["request"].user
    claim = selectors.active_claim(question=question)
    is_mentor = selectors.is_approved_mentor(viewer=viewer)
    waiting = question.status == "open" and not question.hidden and claim is None
    asker = viewer.is_authenticated and viewer.pk == question.author_id
    matches, estimate, held, to_rate = [], None, False, None
    if waiting and asker:
        matches = selectors.mentor_matches(question=question)[:ASKER_MATCHES]
        estimate = selectors.wait_estimate(question=question)
        held = question.pk in selectors.held_threads(author_ids=[question.author_id])
    if asker and question.status == "solved":
        to_rate = (
            # The claim completes on the timer's next run; the asker may rate at once.
            Claim.objects.filter(question=question, feedback=None)
            .exclude(state__in=[Claim.State.RELEASED, Claim.State.EXPIRED])
            .select_related("mentor")
            .order_by("-created_at")
            .first()
        )
    history = []
    # Those who may see the matches (asker, mentors, staff) see the history too.
    if is_mentor or asker or (viewer.is_authenticated and viewer.is_staff):
        history = list(
            Claim.objects.filter(question=question)
            .exclude(state=Claim.State.ACTIVE)
            .select_related("mentor")
            .order_by("created_at", "pk")
        )
    return {
        "history": history,
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "question": question,
        "claim": claim,
        "mine": claim is not None and claim.mentor_id == viewer.pk,
        "can_claim": waiting and is_mentor and viewer.pk != question.author_id,
        "matches": matches,
        "estimate": estimate,
        "held": held,
        "to_rate": to_rate,
        "feedback_form": FeedbackForm() if to_rate else None,
        "State": Claim.State,
    }


@register.filter
def duration_words(value: dt.timedelta | None) -> str:
    """A wait in words, rounded as people say it: "25 minutes", "about 3 hours", "2 days"."""
    if value is None:
        return ""
    minutes = max(1, round(value.total_seconds() / 60))
    if minutes < 60:
        return ngettext("%(count)s minute", "%(count)s minutes", minutes) % {"count": minutes}
    hours = round(minutes / 60)
    if hours < 36:
        return ngettext("about %(count)s hour", "about %(count)s hours", hours) % {"count": hours}
    days = round(hours / 24)
    return ngettext("about %(count)s day", "about %(count)s days", days) % {"count": days}
