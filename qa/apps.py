from django.apps import AppConfig


class QaConfig(AppConfig):
    name = "qa"
    verbose_name = "Questions and answers"

    def ready(self) -> None:
        # Declares this app's notification kinds, for the preferences of every member.
        from qa import notification_kinds  # noqa: F401
