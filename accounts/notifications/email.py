"""The emails: notifications and digests from templates/emails/, account emails from
what was rendered when they were recorded."""

from __future__ import annotations

import email.policy
import hashlib
import re
from email.message import Message
from email.policy import Policy
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import iri_to_uri
from django.utils.translation import gettext, ngettext

from accounts.language import language_of
from accounts.models import Notification, User
from accounts.notifications import kinds
from accounts.notifications.preferences import DIGEST, unsubscribe_token, unsubscribe_url


class _UriListHeader(str):
    """A header made of <URI> items (RFC 2369), folded between the items and never
    encoded: the email package folds a long header it cannot break at a space into
    RFC 2047 encoded-words, and mail clients then find no URI to unsubscribe with."""

    name: str

    def __new__(cls, name: str, uris: list[str]) -> _UriListHeader:
        header = super().__new__(cls, ", ".join(f"<{iri_to_uri(uri)}>" for uri in uris))
        header.name = name
        return header

    def fold(self, *, policy: Policy) -> str:
        items = re.findall(r"<[^>]*>", self)
        linesep = getattr(policy, "linesep", "\n")
        return f"{self.name}: " + f",{linesep} ".join(items) + linesep


class NotificationEmail(EmailMultiAlternatives):
    """An email with a one-click List-Unsubscribe header (RFC 2369 and RFC 8058)."""

    def __init__(self, *args: Any, unsubscribe: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unsubscribe = unsubscribe
        self.extra_headers["List-Unsubscribe"] = ", ".join(f"<{uri}>" for uri in unsubscribe)
        self.extra_headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"

    def message(self, *, policy: Policy = email.policy.default) -> Message:  # type: ignore[override]
        msg = super().message(policy=policy)
        del msg["List-Unsubscribe"]
        msg.set_raw("List-Unsubscribe", _UriListHeader("List-Unsubscribe", self.unsubscribe))
        return msg


def message_id_for(notification_id: int) -> str:
    """A Message-ID derived from the row, the same on every attempt."""
    domain = settings.NOTIFICATIONS_MESSAGE_ID_DOMAIN
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{notification_id}".encode()).hexdigest()
    return f"<notification-{notification_id}.{digest[:12]}@{domain}>"


def build_account_email(row: Notification) -> EmailMultiAlternatives:
    """An account email as it was rendered when it was recorded."""
    payload = row.payload
    message = EmailMultiAlternatives(
        subject=payload.get("subject", ""),
        body=payload.get("body", ""),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[row.email],
        headers={"Message-ID": message_id_for(row.pk), "Auto-Submitted": "auto-generated"},
    )
    if payload.get("html"):
        message.attach_alternative(payload["html"], "text/html")
    return message


def build_email(
    *, recipient: User, notifications: list[Notification], digest: bool
) -> NotificationEmail:
    """One email for these notifications: HTML and plain text from templates/emails/,
    the unsubscribe headers, Auto-Submitted, and the Message-ID of the first row.

    Written in the recipient's language (their setting, else the site's default), not
    the language of whatever request or worker happens to send it."""
    with translation.override(language_of(recipient)):
        return _build_email(recipient=recipient, notifications=notifications, digest=digest)


def _build_email(
    *, recipient: User, notifications: list[Notification], digest: bool
) -> NotificationEmail:
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
        "kind_label": gettext("the daily digest")
        if digest
        else str(kinds.get(first.kind).label).lower(),
    }
    mailto = (
        f"mailto:{settings.NOTIFICATIONS_UNSUBSCRIBE_MAILTO}"
        f"?subject=unsubscribe%20{unsubscribe_token(user_id=recipient.pk, kind=kind)}"
    )
    message = NotificationEmail(
        subject=_subject(notifications, digest=digest),
        body=render_to_string("emails/notification.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers={
            "Message-ID": message_id_for(first.pk),
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
        },
        unsubscribe=[context["unsubscribe_url"], mailto],
    )
    message.attach_alternative(render_to_string("emails/notification.html", context), "text/html")
    return message


def _subject(notifications: list[Notification], *, digest: bool) -> str:
    count = len(notifications)
    if digest:
        text = ngettext(
            "Your daily digest: %(count)d update", "Your daily digest: %(count)d updates", count
        ) % {"count": count}
    elif count > 1:
        text = gettext("%(count)d updates: %(title)s") % {
            "count": count,
            "title": notifications[0].payload.get("title", ""),
        }
    else:
        first = notifications[0]
        text = str(kinds.get(first.kind).subject).format(title=first.payload.get("title", ""))
    # No user-controlled line breaks (or other control characters) in a header.
    clean = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return f"[{settings.SITE_NAME}] {clean}"[:200]


def _item(notification: Notification) -> dict[str, Any]:
    payload = notification.payload
    url = payload.get("url", "")
    return {
        "kind": str(kinds.get(notification.kind).label),
        "title": payload.get("title", ""),
        "url": settings.SITE_URL + url if url.startswith("/") else settings.SITE_URL,
        "excerpt_html": payload.get("excerpt_html", ""),
        "excerpt_text": payload.get("excerpt_text", ""),
        "actor": payload.get("actor", ""),
    }
