from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Declares the account emails' kind to the outbox.
        from accounts.notifications import record  # noqa: F401
