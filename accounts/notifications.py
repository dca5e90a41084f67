"""Notifications: the outbox, its delivery by Celery, preferences, digests, unsubscribe.

- notify() writes one Notification row per recipient in the caller's transaction, and
  enqueues its sending after commit. Nothing is sent for a rolled-back write; the
  unique dedupe key makes recording an event twice harmless.
- notification_send() claims the row (pending → sending, with a row lock and a status
  condition), so a task delivered twice sends once; the Message-ID comes from the row.
  Transient SMTP errors retry with exponential backoff and jitter for about an hour;
  permanent (5xx) replies fail the row and mark the address as bouncing.
- notifications_relay() (beat, every minute) re-enqueues due pending rows whose task
  was never published (or long ago) and rows stuck in sending, so a Redis outage or a
  killed worker delays mail but loses none.
- Several events on one thread for one member within the coalescing window go out as
  one email; past the daily cap, immediate notifications roll into the digest.
- digests_send() (beat) sends each member with digest items one email a day, at 07:00
  in their time zone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import random
import smtplib
import zoneinfo
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification, NotificationPreference, User

log = logging.getLogger(__name__)

Kind = Notification.Kind
Mode = NotificationPreference.Mode
Status = Notification.Status

# What a member gets for each kind until they choose otherwise.
DEFAULT_MODES: dict[str, str] = dict.fromkeys(Kind.values, Mode.IMMEDIATE)
# The token of a digest email's unsubscribe link turns the digest off (every kind in it).
DIGEST = "digest"
UNSUBSCRIBE_SALT = "accounts.notifications.unsubscribe"


# --- Preferences and unsubscribe --------------------------------------------------------


def preference_modes(*, user: User) -> dict[str, str]:
    """Every kind with the member's mode for it (their choice, else the default)."""
    chosen = dict(user.notification_preferences.values_list("kind", "mode"))
    return {kind: chosen.get(kind, default) for kind, default in DEFAULT_MODES.items()}


@transaction.atomic
def preferences_set(*, user: User, modes: dict[str, str]) -> dict[str, str]:
    """Set the member's mode for the kinds given; unknown kinds or modes are refused."""
    from django.core.exceptions import ValidationError

    errors = {
        kind: f"Unknown kind; use one of {', '.join(Kind.values)}."
        for kind in modes
        if kind not in Kind.values
    }
    errors.update(
        {
            kind: f"Use one of {', '.join(Mode.values)}."
            for kind, mode in modes.items()
            if kind not in errors and mode not in Mode.values
        }
    )
    if errors:
        raise ValidationError(errors)
    for kind, mode in modes.items():
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"mode": mode}
        )
    return preference_modes(user=user)


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    """A signed token for one member and kind (or DIGEST); it does not expire."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object({"u": user_id, "k": kind})


def unsubscribe_read(token: str) -> tuple[User, str]:
    """The member and kind a token names; BadSignature (a ValueError) when it is forged."""
    data = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    kind = data.get("k") if isinstance(data, dict) else None
    if kind not in (*Kind.values, DIGEST):
        raise signing.BadSignature("Unknown kind.")
    user = User.objects.filter(pk=data.get("u")).first()
    if user is None:
        raise signing.BadSignature("Unknown member.")
    return user, kind


@transaction.atomic
def unsubscribe_apply(*, user: User, kind: str) -> list[str]:
    """Turn a kind off for the member (for DIGEST, every kind in digest mode); returns the
    kinds turned off."""
    if kind == DIGEST:
        kinds = [k for k, mode in preference_modes(user=user).items() if mode == Mode.DIGEST]
    else:
        kinds = [kind]
    for name in kinds:
        NotificationPreference.objects.update_or_create(
            user=user, kind=name, defaults={"mode": Mode.OFF}
        )
    # What was waiting for those kinds is not sent either.
    Notification.objects.filter(recipient=user, kind__in=kinds, status=Status.PENDING).update(
        status=Status.SUPPRESSED, last_error="Unsubscribed."
    )
    return kinds


def unsubscribe_url(*, user_id: int, kind: str) -> str:
    token = unsubscribe_token(user_id=user_id, kind=kind)
    return settings.SITE_URL + reverse("notifications-unsubscribe", kwargs={"token": token})


# --- Recording --------------------------------------------------------------------------


def notify(
    *,
    kind: str,
    recipients: Iterable[int],
    dedupe_key: str,
    payload: dict[str, Any],
    thread_key: str = "",
    exclude: Iterable[int] = (),
    now: dt.datetime | None = None,
) -> list[int]:
    """Record one notification per recipient for an event, inside the caller's
    transaction, and send the immediate ones after it commits.

    The row's dedupe key is `<dedupe_key>:<recipient id>` (unique): recording the same
    event twice for a member adds nothing. Members in `exclude` (usually whoever caused
    the event) get nothing. Preferences decide immediate, digest or off (recorded as
    suppressed, still listed in the app); over the daily cap, immediate becomes digest;
    an event on a thread that had an email for this member within the coalescing
    window waits for the window to end and goes out with the others. Returns the ids of
    the rows written this time.
    """
    now = now or timezone.now()
    skip = set(exclude)
    wanted = [pk for pk in dict.fromkeys(recipients) if pk not in skip]
    if not wanted:
        return []
    keys = {pk: f"{dedupe_key}:{pk}"[:200] for pk in wanted}
    existing = set(
        Notification.objects.filter(dedupe_key__in=keys.values()).values_list(
            "dedupe_key", flat=True
        )
    )
    wanted = [pk for pk in wanted if keys[pk] not in existing]
    if not wanted:
        return []
    chosen = dict(
        NotificationPreference.objects.filter(user_id__in=wanted, kind=kind).values_list(
            "user_id", "mode"
        )
    )
    rows = []
    for pk in wanted:
        mode = chosen.get(pk, DEFAULT_MODES.get(kind, Mode.IMMEDIATE))
        row = Notification(
            recipient_id=pk,
            kind=kind,
            payload=payload,
            dedupe_key=keys[pk],
            thread_key=thread_key,
            created_at=now,
            next_attempt_at=now,
        )
        if mode == Mode.OFF:
            row.status, row.last_error = Status.SUPPRESSED, "Off in the member's preferences."
        elif mode == Mode.DIGEST or _over_daily_cap(pk, now):
            row.delivery = Notification.Delivery.DIGEST
        elif thread_key:
            row.next_attempt_at = _coalesced_send_time(pk, thread_key, now)
        rows.append(row)
    # ignore_conflicts settles a race with another transaction recording the same event.
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    written = list(
        Notification.objects.filter(dedupe_key__in=[r.dedupe_key for r in rows]).values_list(
            "pk", "delivery", "status", "next_attempt_at"
        )
    )
    due = [
        pk
        for pk, delivery, status, at in written
        if delivery == Notification.Delivery.IMMEDIATE
        and status == Status.PENDING
        and at is not None
        and at <= now
    ]
    if due:
        transaction.on_commit(lambda: enqueue(due))
    return [pk for pk, *_ in written]


def _over_daily_cap(recipient_id: int, now: dt.datetime) -> bool:
    """Whether the member already had the day's share of immediate emails."""
    emails = (
        Notification.objects.filter(
            recipient_id=recipient_id,
            delivery=Notification.Delivery.IMMEDIATE,
            created_at__gte=now - dt.timedelta(days=1),
        )
        .exclude(status__in=[Status.SUPPRESSED, Status.FAILED])
        .values("next_attempt_at")
        .distinct()
        .count()
    )
    return emails >= settings.NOTIFICATIONS_DAILY_CAP


def _coalesced_send_time(recipient_id: int, thread_key: str, now: dt.datetime) -> dt.datetime:
    """When an event on a thread may go out: with the batch still waiting on that thread
    for this member if there is one; else one window after the email that went out
    within the window; else now."""
    window = dt.timedelta(minutes=settings.NOTIFICATIONS_COALESCE_MINUTES)
    last = (
        Notification.objects.filter(
            recipient_id=recipient_id,
            thread_key=thread_key,
            delivery=Notification.Delivery.IMMEDIATE,
            status__in=[Status.PENDING, Status.SENDING, Status.SENT],
            next_attempt_at__gt=now - window,
        )
        .order_by("-next_attempt_at")
        .values_list("status", "next_attempt_at")
        .first()
    )
    if last is None:
        return now
    status, at = last
    if at is None:  # pragma: no cover - every row written here has a time
        return now
    if status == Status.PENDING:
        return at  # joins the batch waiting (or about to go): one email for both
    return at + window


def enqueue(ids: Iterable[int], *, countdown: float | None = None) -> int:
    """Publish a send task per row; a broker that is down is logged and left to the
    relay. Returns how many were published."""
    from accounts.tasks import notification_send

    published: list[int] = []
    for pk in ids:
        try:
            # No retries here: with the broker down a request must not wait; the row
            # stays pending and the relay publishes it once the broker is back.
            notification_send.apply_async((pk,), countdown=countdown or 0, retry=False)
        except Exception as error:
            log.warning("Notification %s not queued (%s); the relay will send it.", pk, error)
            break
        published.append(pk)
    if published:
        Notification.objects.filter(pk__in=published).update(queued_at=timezone.now())
    return len(published)


# --- Sending ----------------------------------------------------------------------------


def message_id_for(notification_id: int) -> str:
    """A Message-ID derived from the row, the same on every attempt."""
    domain = settings.NOTIFICATIONS_MESSAGE_ID_DOMAIN
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{notification_id}".encode()).hexdigest()
    return f"<notification-{notification_id}.{digest[:12]}@{domain}>"


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
    recipient = User.objects.get(pk=group[0].recipient_id)
    if not recipient.is_active or not recipient.email or recipient.email_bouncing_since:
        _finish(ids, Status.SUPPRESSED, error="No deliverable address.")
        return "suppressed"
    message = build_email(recipient=recipient, notifications=group, digest=False)
    return _deliver(message, ids=ids, recipient=recipient, first_created=group[0].created_at)


def _deliver(
    message: EmailMultiAlternatives, *, ids: list[int], recipient: User, first_created: dt.datetime
) -> str:
    try:
        message.send()
    except smtplib.SMTPException as error:
        code = _smtp_code(error)
        if code is not None and code >= 500:
            _bounce(recipient, f"{code} {_smtp_text(error)}")
            _finish(ids, Status.FAILED, error=f"Refused for good: {code} {_smtp_text(error)}")
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


def _finish(ids: list[int], status: str, *, error: str = "") -> None:
    Notification.objects.filter(pk__in=ids, status=Status.SENDING).update(
        status=status, last_error=error[:300]
    )


def _retry_later(ids: list[int], first_created: dt.datetime, error: str) -> str:
    """Back to pending with the next attempt after an exponential, jittered delay; failed
    once the retry period is over."""
    now = timezone.now()
    row = Notification.objects.filter(pk=ids[0]).values_list("attempts", flat=True).first() or 1
    if now - first_created > dt.timedelta(seconds=settings.NOTIFICATIONS_RETRY_FOR_SECONDS):
        _finish(ids, Status.FAILED, error=f"Gave up after {row} attempts: {error}")
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


# --- The email --------------------------------------------------------------------------


def build_email(
    *, recipient: User, notifications: list[Notification], digest: bool
) -> EmailMultiAlternatives:
    """One email for these notifications: HTML and plain text from templates/emails/,
    the unsubscribe headers, Auto-Submitted, and the Message-ID of the first row."""
    first = notifications[0]
    kind = DIGEST if digest else first.kind
    context = {
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "recipient": recipient,
        "items": [_item(n) for n in notifications],
        "digest": digest,
        "preferences_url": settings.SITE_URL + reverse("notification-preferences"),
        "unsubscribe_url": unsubscribe_url(user_id=recipient.pk, kind=kind),
        "kind_label": "the daily digest" if digest else Kind(first.kind).label.lower(),
    }
    subject = _subject(notifications, digest=digest)
    mailto = (
        f"mailto:{settings.NOTIFICATIONS_UNSUBSCRIBE_MAILTO}"
        f"?subject=unsubscribe%20{unsubscribe_token(user_id=recipient.pk, kind=kind)}"
    )
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("emails/notification.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers={
            "Message-ID": message_id_for(first.pk),
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>, <{mailto}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
        },
    )
    message.attach_alternative(render_to_string("emails/notification.html", context), "text/html")
    return message


SUBJECTS = {
    Kind.NEW_ANSWER: "New answer: {title}",
    Kind.NEW_COMMENT: "New comment: {title}",
    Kind.ANSWER_COMMENT: "Comment on your answer: {title}",
    Kind.ANSWER_ACCEPTED: "Your answer was accepted: {title}",
    Kind.FOLLOWUP_REMINDER: "Did an answer fix it? {title}",
    Kind.MENTOR_OFFER: "A thread for you to mentor: {title}",
    Kind.NEEDS_MENTOR: "Needs a mentor: {title}",
    Kind.RETAG_ASK: "No mentor yet, could you edit or re-tag? {title}",
    Kind.MENTORING_PROBLEM: "Mentoring rated problematic: {title}",
    Kind.MENTOR_NUDGE: "The asker is waiting for you: {title}",
    Kind.ASKER_NUDGE: "Your mentor is waiting for your reply: {title}",
    Kind.MENTOR_CLAIMED: "A mentor is helping you: {title}",
    Kind.MENTORSHIP: "{title}",
    Kind.FLAG_RAISED: "{title}",
}


def _subject(notifications: list[Notification], *, digest: bool) -> str:
    if digest:
        text = f"Your daily digest: {len(notifications)} update{'s' * (len(notifications) > 1)}"
    elif len(notifications) > 1:
        text = f"{len(notifications)} updates: {notifications[0].payload.get('title', '')}"
    else:
        first = notifications[0]
        template = SUBJECTS.get(Kind(first.kind), "{title}")
        text = template.format(title=first.payload.get("title", ""))
    # No user-controlled line breaks (or other control characters) in a header.
    clean = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return f"[{settings.SITE_NAME}] {clean}"[:200]


def _item(notification: Notification) -> dict[str, Any]:
    payload = notification.payload
    url = payload.get("url", "")
    return {
        "kind": Kind(notification.kind).label,
        "title": payload.get("title", ""),
        "url": settings.SITE_URL + url if url.startswith("/") else settings.SITE_URL,
        "excerpt_html": payload.get("excerpt_html", ""),
        "excerpt_text": payload.get("excerpt_text", ""),
        "actor": payload.get("actor", ""),
    }


# --- The relay and the digest -----------------------------------------------------------


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
    if not user.is_active or not user.email or user.email_bouncing_since:
        _finish(ids, Status.SUPPRESSED, error="No deliverable address.")
        return "suppressed"
    message = build_email(recipient=user, notifications=items, digest=True)
    outcome = _deliver(message, ids=ids, recipient=user, first_created=items[0].created_at)
    if outcome == "retry":
        # Back to the digest: the next run (10 minutes on) tries again today.
        Notification.objects.filter(pk__in=ids, status=Status.PENDING).update(
            delivery=Notification.Delivery.DIGEST
        )
        User.objects.filter(pk=user_id, last_digest_on=today).update(last_digest_on=None)
    return outcome
