from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _sees_mentor_panel(member: Any) -> bool:
    """Approved mentors see "I'll take this" and the history in a thread's mentoring panel."""
    from mentoring.selectors import is_approved_mentor

    return is_approved_mentor(viewer=member)


class MentoringConfig(AppConfig):
    name = "mentoring"
    verbose_name = _("Mentoring")

    def ready(self) -> None:
        # Declares this app's notification kinds, for the preferences of every member.
        from mentoring import notification_kinds  # noqa: F401
        from mentoring.models import Claim
        from qa import page_cache

        # A claim is on its thread's page (who is helping); a mentor's panel is their own.
        page_cache.connect(Claim)
        if _sees_mentor_panel not in page_cache.OWN_PANEL:
            page_cache.OWN_PANEL.append(_sees_mentor_panel)
