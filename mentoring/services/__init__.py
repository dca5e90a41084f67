"""Writes for mentoring, one module per concern; the public names are re-exported here so
callers write `from mentoring import services` and `services.claim_create(...)`.

Modules import one another in one direction only: claims ← profiles, offers,
mentorships ← timers.
"""

from __future__ import annotations

from mentoring.services.claims import (
    ClaimConflict,
    claim_create,
    claim_extend,
    claim_handoff,
    claim_release,
    feedback_give,
    first_claims_refresh,
    thread_removed,
)
from mentoring.services.mentorships import (
    GOALS_MIN,
    MENTORSHIP_STEPS,
    mentorship_accept,
    mentorship_decline,
    mentorship_end,
    mentorship_request,
    mentorship_step,
)
from mentoring.services.offers import offer_decline, offers_make, thread_escalate
from mentoring.services.profiles import mentor_apply, mentor_approve, mentor_update
from mentoring.services.timers import (
    claims_apply_timers,
    escalations_apply,
    mentorships_expire,
    nudges_apply,
    offers_apply_timers,
)

__all__ = [
    "GOALS_MIN",
    "MENTORSHIP_STEPS",
    "ClaimConflict",
    "claim_create",
    "claim_extend",
    "claim_handoff",
    "claim_release",
    "claims_apply_timers",
    "escalations_apply",
    "feedback_give",
    "first_claims_refresh",
    "mentor_apply",
    "mentor_approve",
    "mentor_update",
    "mentorship_accept",
    "mentorship_decline",
    "mentorship_end",
    "mentorship_request",
    "mentorship_step",
    "mentorships_expire",
    "nudges_apply",
    "offer_decline",
    "offers_apply_timers",
    "offers_make",
    "thread_escalate",
    "thread_removed",
]
