"""How django-allauth sends mail and decides who may sign in."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.stagekit import clear_login
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from accounts import services
from accounts.models import User


def site() -> SimpleNamespace:
    """The site as allauth's templates name it: our name, and the host of SITE_URL."""
    return SimpleNamespace(name=settings.SITE_NAME, domain=urlsplit(settings.SITE_URL).netloc)


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Render the account email now, in the request, and let a Celery worker send it.

        The message is handed over only after the surrounding transaction commits,
        so a rolled-back sign-up never sends a verification link.
        """
        request = context.get("request") or self.request
        message = self.render_mail(
            template_prefix,
            email,
            {"request": request, "email": email, "current_site": site(), **context},
        )
        services.email_enqueue(message=message)

    def pre_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> HttpResponse | None:
        if isinstance(user, User) and user.is_suspended:
            clear_login(request)
            return TemplateResponse(
                request, "account/suspended.html", {"suspended_user": user}, status=403
            )
        return super().pre_login(request, user, **kwargs)
