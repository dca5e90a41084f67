"""Delivery: claim a row, send it once, retry transient failures, relay what was lost."""

from __future__ import annotations

import datetime as dt
import random
import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Notification, User
from accounts.notifications import kinds
from accounts.notifications.email import build_account_email, build_email
from accounts.notifications.record import enqueue

Status = Notification.Status


def _claim(notification_id: int, now: dt.datetime) -> list[Notification]:
    """pending → sending for the row and the rows coalesced with it; [] when it is not
    (or no longer) due, e.g. because another delivery of the task sent it."""
    with transaction.atomic():
        row = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(
                pk=notification_id,
                status=Status.PENDING,
                delivery=Notification.Delivery.IMMEDIATE,
                next_attempt_at__lte=now,
            )
            .first()
        )
        if row is None:
            return []
        group = [row]
        if row.thread_key:
            group += (
                Notification.objects.select_for_update(skip_locked=True)
                .filter(
                    recipient_id=row.recipient_id,
                    thread_key=row.thread_key,
                    status=Status.PENDING,
                    delivery=Notification.Delivery.IMMEDIATE,
                    next_attempt_at__lte=now,
                )
                .exclude(pk=row.pk)
                .order_by("pk")
            )
        # Row by row with a status condition: on a database without row locks (the
        # embedded SQLite) a row another worker took in between is simply left out.
        claimed = [
            n
            for n in group
            if Notification.objects.filter(pk=n.pk, status=Status.PENDING).update(
                status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
            )
        ]
        return sorted(claimed, key=lambda n: n.pk)


def notification_send(*, notification_id: int, now: dt.datetime | None = None) -> str:
    """Send one notification (with those coalesced with it) as one email, once.

    Returns what happened: "sent", "not due", "suppressed", "retry" or "failed".
    """
    now = now or timezone.now()
    group = _claim(notification_id, now)
    if not group:
        return "not due"
    ids = [n.pk for n in group]
    first = group[0]
    if kinds.get(first.kind).transactional:
        return deliver_email(
            build_account_email(first), ids=ids, recipient=first.recipient,
            first_created=first.created_at,
        )  # fmt: skip
    recipient = User.objects.get(pk=first.recipient_id)
    withheld = undeliverable(recipient, now=now)
    if withheld:
        finish(ids, Status.SUPPRESSED, error=withheld)
        return "suppressed"
    message = build_email(recipient=recipient, notifications=group, digest=False)
    return deliver_email(message, ids=ids, recipient=recipient, first_created=first.created_at)


def undeliverable(recipient: User, *, now: dt.datetime) -> str:
    """Why a member gets no notification email now ("" when they do): deactivated, no
    address, a bouncing address, or suspended (the in-app list keeps the rows)."""
    if not recipient.is_active or not recipient.email or recipient.email_bouncing_since:
        return "No deliverable address."
    if recipient.suspended_until is not None and recipient.suspended_until > now:
        return "The member is suspended."
    return ""


def deliver_email(
    message: EmailMultiAlternatives,
    *,
    ids: list[int],
    recipient: User | None,
    first_created: dt.datetime,
) -> str:
    try:
        message.send()
    except smtplib.SMTPException as error:
        code = _smtp_code(error)
        if code is not None and code >= 500:
            if recipient is not None:
                _bounce(recipient, f"{code} {_smtp_text(error)}")
            finish(ids, Status.FAILED, error=f"Refused for good: {code} {_smtp_text(error)}")
            return "failed"
        return _retry_later(ids, first_created, f"{code or ''} {error}".strip())
    except OSError as error:  # refused connection, timeout, DNS: transient
        return _retry_later(ids, first_created, str(error) or type(error).__name__)
    Notification.objects.filter(pk__in=ids, status=Status.SENDING).update(
        status=Status.SENT, sent_at=timezone.now(), message_id=message.extra_headers["Message-ID"]
    )
    return "sent"


def _smtp_code(error: smtplib.SMTPException) -> int | None:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return min(codes) if codes else None
    return getattr(error, "smtp_code", None)


def _smtp_text(error: smtplib.SMTPException) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        texts = [msg for _, msg in error.recipients.values()]
        raw = texts[0] if texts else b""
    else:
        raw = getattr(error, "smtp_error", b"")
    text = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)
    return text[:200]


def _bounce(recipient: User, reason: str) -> None:
    User.objects.filter(pk=recipient.pk).update(
        email_bouncing_since=timezone.now(), email_bounce_reason=reason[:300]
    )


def finish(ids: list[int], status: str, *, error: str = "") -> None:
    Notification.objects.filter(pk__in=ids, status=Status.SENDING).update(
        status=status, last_error=error[:300]
    )


def _retry_later(ids: list[int], first_created: dt.datetime, error: str) -> str:
    """Back to pending with the next attempt after an exponential, jittered delay; failed
    once the retry period is over."""
    now = timezone.now()
    row = Notification.objects.filter(pk=ids[0]).values_list("attempts", flat=True).first() or 1
    if now - first_created > dt.timedelta(seconds=settings.NOTIFICATIONS_RETRY_FOR_SECONDS):
        finish(ids, Status.FAILED, error=f"Gave up after {row} attempts: {error}")
        return "failed"
    delay = retry_delay(row)
    Notification.objects.filter(pk__in=ids, status=Status.SENDING).update(
        status=Status.PENDING, next_attempt_at=now + dt.timedelta(seconds=delay),
        last_error=error[:300],
    )  # fmt: skip
    enqueue(ids[:1], countdown=delay)
    return "retry"


def retry_delay(attempts: int) -> float:
    """Seconds before attempt `attempts + 1`: 30 s doubling up to 15 minutes, with up to
    a quarter more at random (jitter), so that a mail server coming back is not hit by
    every retry at once."""
    base = min(30 * 2 ** max(attempts - 1, 0), 15 * 60)
    return base + random.uniform(0, base / 4)  # noqa: S311 - jitter, not secrecy


def notifications_relay(*, now: dt.datetime | None = None, limit: int = 2000) -> int:
    """Re-enqueue what is due and unsent: rows stuck in sending (a worker died while
    sending) go back to pending first. Returns how many tasks were published."""
    now = now or timezone.now()
    stuck = now - dt.timedelta(seconds=settings.NOTIFICATIONS_STUCK_AFTER_SECONDS)
    stuck_rows = Notification.objects.filter(status=Status.SENDING, claimed_at__lt=stuck)
    revived = list(stuck_rows.values_list("pk", flat=True)[:limit])
    Notification.objects.filter(pk__in=revived, status=Status.SENDING).update(
        status=Status.PENDING, next_attempt_at=F("claimed_at"), queued_at=None
    )
    grace = now - dt.timedelta(seconds=settings.NOTIFICATIONS_RELAY_GRACE_SECONDS)
    # A row whose task was published recently is probably still in the queue behind
    # others: it is published again only once that is as old as a stuck send.
    due = Notification.objects.filter(
        Q(queued_at__isnull=True) | Q(queued_at__lt=stuck),
        status=Status.PENDING,
        delivery=Notification.Delivery.IMMEDIATE,
        next_attempt_at__lte=grace,
    ).order_by("next_attempt_at", "pk")
    # One task per coalesced batch is enough: its send claims the others.
    ids = list(dict.fromkeys([*revived, *due.values_list("pk", flat=True)[:limit]]))
    return enqueue(ids)
