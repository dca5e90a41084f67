"""The mentoring panel of a thread page: who is helping, "I'll take this" for mentors,
and the mentors who may help, for the asker."""

from __future__ import annotations

from typing import Any

from django import template

from mentoring import selectors
from mentoring.models import Claim, MentorProfile

register = template.Library()

ASKER_MATCHES = 3


@register.inclusion_tag("mentoring/panel.html", takes_context=True)
def mentoring_panel(context: dict[str, Any], question: Any) -> dict[str, Any]:
    viewer = context["request"].user
    claim = selectors.active_claim(question=question)
    is_mentor = (
        viewer.is_authenticated
        and MentorProfile.objects.filter(user=viewer, status=MentorProfile.Status.APPROVED).exists()
    )
    waiting = question.status == "open" and not question.hidden and claim is None
    matches = []
    if waiting and viewer.is_authenticated and viewer.pk == question.author_id:
        matches = selectors.mentor_matches(question=question)[:ASKER_MATCHES]
    return {
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "question": question,
        "claim": claim,
        "mine": claim is not None and claim.mentor_id == viewer.pk,
        "can_claim": waiting and is_mentor and viewer.pk != question.author_id,
        "matches": matches,
        "State": Claim.State,
    }
