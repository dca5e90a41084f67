from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MentoringConfig(AppConfig):
    name = "mentoring"
    verbose_name = _("Mentoring")

    def ready(self) -> None:
        # Declares this app's notification kinds, for the preferences of every member.
        from mentoring import notification_kinds  # noqa: F401
