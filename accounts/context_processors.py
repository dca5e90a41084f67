"""Template context for every page: the signed-in member's unread notification count."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts import selectors


def notifications(request: HttpRequest) -> dict[str, Any]:
    """The count is a callable, so the query runs only when a template shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": lambda: selectors.notifications_unread_count(user=user)}
