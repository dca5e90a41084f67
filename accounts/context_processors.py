"""Template context for every page: the signed-in member's unread notification count."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts.models import Notification


def notifications(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
    return {"unread_notifications": unread}
