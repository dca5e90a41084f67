from __future__ import annotations

from celery import shared_task
from django.core.management import call_command

from accounts import notifications


@shared_task
def sessions_clear_expired() -> None:
    call_command("clearsessions")


@shared_task(ignore_result=True)
def notification_send(notification_id: int) -> str:
    """Send one notification email (and those coalesced with it); a second delivery of
    the same task sends nothing. Retries are scheduled by the service itself."""
    return notifications.notification_send(notification_id=notification_id)


@shared_task(ignore_result=True)
def notifications_relay() -> int:
    """Re-enqueue unsent notifications: due pending rows and rows stuck in sending."""
    return notifications.notifications_relay()


@shared_task(ignore_result=True)
def digests_send() -> int:
    """Queue the daily digest of every member whose 07:00 has come."""
    return notifications.digests_send()


@shared_task(ignore_result=True)
def digest_send(user_id: int) -> str:
    return notifications.digest_send(user_id=user_id)
