from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse


class SuspensionMiddleware:
    """Ends the session of a member suspended since signing in; the request goes on anonymous."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and getattr(user, "is_suspended", False):
            until = user.suspended_until
            reason = user.suspension_reason
            logout(request)
            messages.error(
                request,
                f"Your account is suspended until {until:%Y-%m-%d %H:%M} UTC. Reason: {reason}",
            )
        return self.get_response(request)
