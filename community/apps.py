from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Community site")

    def ready(self) -> None:
        # Declares this app's notification kinds, for the preferences of moderators.
        from community import notification_kinds  # noqa: F401
