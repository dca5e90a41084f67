from __future__ import annotations

from celery import shared_task

from qa import services


@shared_task
def evidence_purge() -> None:
    """Delete checklist evidence older than 30 days."""
    services.evidence_purge()
