from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = _("Moderation")

    def ready(self) -> None:
        # Declares this app's notification kinds, for the preferences of every member.
        from moderation import notification_kinds  # noqa: F401
