"""The daily digest: each member with digest items gets one email a day, at the digest
hour in their time zone."""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Notification, User
from accounts.notifications.deliver import deliver_email, finish, undeliverable
from accounts.notifications.email import build_email

log = logging.getLogger(__name__)
Status = Notification.Status


def _local_now(user: User, now: dt.datetime) -> dt.datetime:
    try:
        zone = zoneinfo.ZoneInfo(user.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return now.astimezone(zone)


def digests_due(*, now: dt.datetime | None = None) -> list[int]:
    """Members with digest items whose local time is past the digest hour and who had no
    digest on their local today."""
    now = now or timezone.now()
    waiting = (
        Notification.objects.filter(status=Status.PENDING, delivery=Notification.Delivery.DIGEST)
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    due = []
    for user in User.objects.filter(pk__in=waiting).only("pk", "time_zone", "last_digest_on"):
        local = _local_now(user, now)
        if local.hour >= settings.NOTIFICATIONS_DIGEST_HOUR and (
            user.last_digest_on is None or user.last_digest_on < local.date()
        ):
            due.append(user.pk)
    return due


def digests_send(*, now: dt.datetime | None = None) -> int:
    """Queue a digest for every member who is due one (beat, every 10 minutes)."""
    from accounts.tasks import digest_send

    due = digests_due(now=now)
    for pk in due:
        try:
            digest_send.apply_async((pk,), retry=False)
        except Exception as error:
            log.warning("Digest for %s not queued (%s).", pk, error)
            return 0
    return len(due)


def digest_send(*, user_id: int, now: dt.datetime | None = None) -> str:
    """Send one member's daily digest: every pending digest item in one email, once a
    local day; nothing when there is nothing to say."""
    now = now or timezone.now()
    user = User.objects.get(pk=user_id)
    today = _local_now(user, now).date()
    if _local_now(user, now).hour < settings.NOTIFICATIONS_DIGEST_HOUR:
        return "not due"
    with transaction.atomic():
        claimed = (
            User.objects.filter(pk=user_id)
            .filter(Q(last_digest_on__isnull=True) | Q(last_digest_on__lt=today))
            .update(last_digest_on=today)
        )
        if not claimed:
            return "not due"
        items = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(
                recipient_id=user_id,
                status=Status.PENDING,
                delivery=Notification.Delivery.DIGEST,
                created_at__lte=now,
            )
            .order_by("pk")
        )
        if not items:
            return "empty"
        Notification.objects.filter(pk__in=[n.pk for n in items]).update(
            status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    ids = [n.pk for n in items]
    withheld = undeliverable(user, now=now)
    if withheld:
        finish(ids, Status.SUPPRESSED, error=withheld)
        return "suppressed"
    message = build_email(recipient=user, notifications=items, digest=True)
    outcome = deliver_email(message, ids=ids, recipient=user, first_created=items[0].created_at)
    if outcome == "retry":
        # Back to the digest: the next run (10 minutes on) tries again today.
        Notification.objects.filter(pk__in=ids, status=Status.PENDING).update(
            delivery=Notification.Delivery.DIGEST
        )
        User.objects.filter(pk=user_id, last_digest_on=today).update(last_digest_on=None)
    return outcome
