"""The moderation figures at the top of the admin index, each linking to its list."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from mentoring.models import Escalation
from mentoring.selectors import escalation_still_waiting
from moderation.models import Flag

register = template.Library()


@register.inclusion_tag("admin/moderation/dashboard.html", takes_context=True)
def moderation_dashboard(context: dict[str, Any]) -> dict[str, Any]:
    now = timezone.now()
    needs_mentor = Escalation.objects.filter(escalation_still_waiting())
    return {
        "figures": [
            (
                _("Open flags"),
                Flag.objects.filter(status=Flag.Status.OPEN).count(),
                reverse("admin:moderation_queue"),
            ),
            (
                _("Threads needing a mentor"),
                needs_mentor.count(),
                reverse("admin:mentoring_escalation_changelist") + "?waiting=yes",
            ),
            (
                _("Suspensions ending within 7 days"),
                User.objects.filter(
                    suspended_until__gt=now, suspended_until__lte=now + dt.timedelta(days=7)
                ).count(),
                reverse("admin:accounts_user_changelist") + "?suspended=ending",
            ),
        ],
        "site_name": settings.SITE_NAME,
    }
