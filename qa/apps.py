from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QaConfig(AppConfig):
    name = "qa"
    verbose_name = _("Questions and answers")

    def ready(self) -> None:
        # Declares this app's notification kinds, for the preferences of every member.
        from qa import notification_kinds  # noqa: F401
