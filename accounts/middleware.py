"""Per-request state taken from the signed-in member: their time zone, and the end of the
session of a member suspended since signing in."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _


def member_time_zone(user: object) -> zoneinfo.ZoneInfo | None:
    """A signed-in member's time zone, or None (a visitor, or a name no longer known to
    the system's time zone database, which validation cannot rule out for old rows)."""
    name = getattr(user, "time_zone", "") if getattr(user, "is_authenticated", False) else ""
    if not name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


class TimeZoneMiddleware:
    """Show times in the signed-in member's time zone for the rest of the request.

    Django stores and compares times in UTC; activating the member's zone makes every
    {{ dt }} and |date in templates (and localtime() in code) local to them. A visitor
    sees UTC, the site's TIME_ZONE. The zone is activated per request and always reset
    afterwards: it lives in the worker thread, and the next request may be someone else's.

    The Django admin stays in UTC: its suspension forms read and show times in UTC, and
    moderators in different zones compare the audit log's times with one another. So does
    the API: a script gets the same times whether it signs in by session or by token (a
    token is only read by the API view, after this middleware).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.utc_prefixes = ("/" + settings.ADMIN_PATH, "/api/")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = member_time_zone(getattr(request, "user", None))
        if zone is None or request.path.startswith(self.utc_prefixes):
            timezone.deactivate()
        else:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class SuspensionMiddleware:
    """Ends the session of a member suspended since signing in; the request goes on anonymous."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and getattr(user, "is_suspended", False):
            # In the member's own time zone, named, since the pages that follow are a
            # visitor's (in UTC).
            zone = member_time_zone(user) or zoneinfo.ZoneInfo("UTC")
            until = timezone.localtime(user.suspended_until, zone)
            reason = user.suspension_reason
            logout(request)
            timezone.deactivate()  # the request goes on as a visitor's
            messages.error(
                request,
                _("Your account is suspended until %(until)s %(zone)s. Reason: %(reason)s")
                % {"until": f"{until:%Y-%m-%d %H:%M}", "zone": zone.key, "reason": reason},
            )
        return self.get_response(request)
