from __future__ import annotations

from celery import shared_task

from mentoring import services


@shared_task(ignore_result=True)
def claims_apply_timers() -> dict[str, int]:
    """Apply every claim timer; idempotent, so a late or doubled run is harmless."""
    return {
        **services.claims_apply_timers(),
        **services.offers_apply_timers(),
        **services.escalations_apply(),
        **services.nudges_apply(),
        **services.mentorships_expire(),
    }
