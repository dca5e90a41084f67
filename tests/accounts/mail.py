"""Helpers for the account emails, which wait in the notification outbox for the worker."""

from __future__ import annotations

import re
from typing import Any

from accounts.models import Notification
from accounts.notifications import ACCOUNT_EMAIL

CONFIRM_LINK_RE = re.compile(r"https?://[^\s]+/accounts/confirm-email/[^\s/]+/")


def queued_emails() -> list[dict[str, Any]]:
    """The account emails in the outbox, oldest first, as the worker will send them."""
    rows = Notification.objects.filter(kind=ACCOUNT_EMAIL).order_by("pk")
    return [{"to": [row.email], **row.payload} for row in rows]


def confirmation_path(body: str) -> str:
    match = CONFIRM_LINK_RE.search(body)
    assert match, f"no confirmation link in:\n{body}"
    return "/" + match.group(0).split("/", 3)[3]
