from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MentoringConfig(AppConfig):
    name = "mentoring"
    verbose_name = _("Mentoring")

    def ready(self) -> None:
        # Declares this app's notification kinds, for the preferences of every member.
        from mentoring import notification_kinds  # noqa: F401
        from mentoring.models import Claim
        from qa import page_cache

        # A claim is on its thread's page (who is helping).
        page_cache.connect(Claim)
