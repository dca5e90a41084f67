"""Recording: one outbox row per recipient, in the caller's transaction."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.models import Notification, NotificationPreference
from accounts.notifications import kinds
from accounts.notifications.preferences import Mode, default_mode

log = logging.getLogger(__name__)
Status = Notification.Status

ACCOUNT_EMAIL = kinds.register(
    "account_email",
    label=gettext_lazy("Account emails (address confirmation, password reset)"),
    transactional=True,
)


@dataclass(frozen=True)
class About:
    """The post a notification is about, by id: the thread, and the answer or comment."""

    question: int | None = None
    answer: int | None = None
    comment: int | None = None

    def columns(self) -> dict[str, int | None]:
        return {
            "about_question": self.question,
            "about_answer": self.answer,
            "about_comment": self.comment,
        }


def notify(
    *,
    kind: str,
    recipients: Iterable[int],
    dedupe_key: str,
    payload: dict[str, Any],
    about: About | None = None,
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
    an event on a thread (`thread_key`) that had an email for this member within the
    coalescing window waits for the window to end and goes out with the others. `about`
    names the post, so that hiding it withholds what is still pending. Returns the ids
    of the rows written this time.
    """
    now = now or timezone.now()
    about = about or About()
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
        mode = chosen.get(pk, default_mode(kind))
        row = Notification(
            recipient_id=pk,
            kind=kind,
            payload=payload,
            dedupe_key=keys[pk],
            thread_key=thread_key,
            created_at=now,
            next_attempt_at=now,
            **about.columns(),
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


def account_email_record(
    *, to: str, subject: str, body: str, html: str | None, user_id: int | None = None
) -> int:
    """Put an account email (already rendered) in the outbox, in the caller's
    transaction: sent after commit with the same retries and relay as notifications,
    so a Redis outage delays it but loses none, and a rolled-back sign-up sends none."""
    now = timezone.now()
    row = Notification.objects.create(
        recipient_id=user_id,
        email=to,
        kind=ACCOUNT_EMAIL,
        payload={"subject": subject, "body": body, "html": html},
        dedupe_key=f"{ACCOUNT_EMAIL}:{uuid.uuid4().hex}",
        created_at=now,
        next_attempt_at=now,
    )
    transaction.on_commit(lambda: enqueue([row.pk]))
    return row.pk


def suppress_about(*, about: About, keep_kinds: Iterable[str] = ()) -> int:
    """Withhold what is still pending about a post (a thread takes its answers' and
    comments' notifications with it, an answer its comments'): a hidden post is not
    mailed about, nor put in a digest. Kinds in `keep_kinds` are still sent."""
    pending = Notification.objects.filter(status=Status.PENDING).exclude(kind__in=keep_kinds)
    if about.comment is not None:
        pending = pending.filter(about_comment=about.comment)
    elif about.answer is not None:
        pending = pending.filter(about_answer=about.answer)
    elif about.question is not None:
        pending = pending.filter(about_question=about.question)
    else:
        return 0
    return pending.update(status=Status.SUPPRESSED, last_error="The post was hidden.")


def _over_daily_cap(recipient_id: int, now: dt.datetime) -> bool:
    """Whether the member already had the day's share of immediate emails."""
    emails = (
        Notification.objects.filter(
            recipient_id=recipient_id,
            delivery=Notification.Delivery.IMMEDIATE,
            created_at__gte=now - dt.timedelta(days=1),
        )
        .exclude(status__in=[Status.SUPPRESSED, Status.FAILED])
        .exclude(kind=ACCOUNT_EMAIL)
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
