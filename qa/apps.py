from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QaConfig(AppConfig):
    name = "qa"
    verbose_name = _("Questions and answers")

    def ready(self) -> None:
        # Declares this app's notification kinds, for the preferences of every member;
        # the page cache renders a thread afresh when its rows change.
        from qa import notification_kinds, page_cache  # noqa: F401

        page_cache.connect_qa()
