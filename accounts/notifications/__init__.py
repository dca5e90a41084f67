"""Notifications: the outbox, its delivery by Celery, preferences, digests, unsubscribe.

The module knows nothing about the events: each app declares its kinds (kinds.py) and
calls notify() with the post the event is about.

- record.notify() writes one row per recipient in the caller's transaction, and
  enqueues its sending after commit. Nothing is sent for a rolled-back write; the
  unique dedupe key makes recording an event twice harmless. Account emails are rows
  too (record.account_email_record), with the same guarantees.
- deliver.notification_send() claims the row (pending → sending, with a row lock and a
  status condition), so a task delivered twice sends once; the Message-ID comes from
  the row. Transient SMTP errors retry with exponential backoff and jitter for about an
  hour; permanent (5xx) replies fail the row and mark the address as bouncing. A
  suspended member's notifications are withheld.
- deliver.notifications_relay() (beat, every minute) re-enqueues due pending rows whose
  task was never published (or long ago) and rows stuck in sending, so a Redis outage
  or a killed worker delays mail but loses none.
- Several events on one thread for one member within the coalescing window go out as
  one email; past the daily cap, immediate notifications roll into the digest.
- digest.digests_send() (beat) sends each member with digest items one email a day, at
  07:00 in their time zone.
- record.suppress_about() withholds what is pending about a post that was hidden.
"""

from accounts.notifications.deliver import (
    notification_send,
    notifications_relay,
    retry_delay,
    undeliverable,
)
from accounts.notifications.digest import digest_send, digests_due, digests_send
from accounts.notifications.email import build_email, message_id_for
from accounts.notifications.preferences import (
    DIGEST,
    preference_modes,
    preferences_set,
    unsubscribe_apply,
    unsubscribe_read,
    unsubscribe_token,
    unsubscribe_url,
)
from accounts.notifications.record import (
    ACCOUNT_EMAIL,
    About,
    account_email_record,
    enqueue,
    notify,
    suppress_about,
)

__all__ = [
    "ACCOUNT_EMAIL",
    "DIGEST",
    "About",
    "account_email_record",
    "build_email",
    "digest_send",
    "digests_due",
    "digests_send",
    "enqueue",
    "message_id_for",
    "notification_send",
    "notifications_relay",
    "notify",
    "preference_modes",
    "preferences_set",
    "retry_delay",
    "suppress_about",
    "undeliverable",
    "unsubscribe_apply",
    "unsubscribe_read",
    "unsubscribe_token",
    "unsubscribe_url",
]
