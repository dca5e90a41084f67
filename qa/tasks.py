from __future__ import annotations

from celery import shared_task

from qa import services


@shared_task
def evidence_purge() -> None:
    """Delete checklist evidence older than 30 days."""
    services.evidence_purge()


@shared_task
def followup_remind() -> None:
    """Remind askers whose answered threads have no accepted answer after a few days."""
    services.followup_reminders_send()


@shared_task(ignore_result=True)
def view_counts_flush() -> int:
    """Add the thread views counted in Redis to the threads (beat, every 30 seconds)."""
    return services.view_counts_flush()
