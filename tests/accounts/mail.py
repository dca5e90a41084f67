"""Helpers for the account emails that are queued for the Celery worker on commit."""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from accounts.tasks import email_send

CONFIRM_LINK_RE = re.compile(r"https?://[^\s]+/accounts/confirm-email/[^\s/]+/")


def queued_emails(callbacks: list[Any]) -> list[dict[str, Any]]:
    """The email payloads that the captured on-commit callbacks would hand to the worker."""
    return [
        cb.args[0] for cb in callbacks if isinstance(cb, partial) and cb.func == email_send.delay
    ]


def confirmation_path(body: str) -> str:
    match = CONFIRM_LINK_RE.search(body)
    assert match, f"no confirmation link in:\n{body}"
    return "/" + match.group(0).split("/", 3)[3]
