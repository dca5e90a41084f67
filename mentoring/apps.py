from django.apps import AppConfig


class MentoringConfig(AppConfig):
    name = "mentoring"
    verbose_name = "Mentoring"

    def ready(self) -> None:
        # Declares this app's notification kinds, for the preferences of every member.
        from mentoring import notification_kinds  # noqa: F401
