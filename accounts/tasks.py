from __future__ import annotations

from smtplib import SMTPException
from typing import Any

from celery import shared_task
from django.core.management import call_command

from accounts import services


@shared_task(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def email_send(payload: dict[str, Any]) -> None:
    """Send a transactional account email (verification, password reset)."""
    services.email_send(payload=payload)


@shared_task
def sessions_clear_expired() -> None:
    call_command("clearsessions")
