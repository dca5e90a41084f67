from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = "Moderation"

    def ready(self) -> None:
        # Declares this app's notification kinds, for the preferences of every member.
        from moderation import notification_kinds  # noqa: F401
