"""How django-allauth sends mail and decides who may sign in."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from allauth.account import auth_backends
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.stagekit import clear_login
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import translation

from accounts import services
from accounts.models import User


def site() -> SimpleNamespace:
    """The site as allauth's templates name it: our name, and the host of SITE_URL."""
    return SimpleNamespace(name=settings.SITE_NAME, domain=urlsplit(settings.SITE_URL).netloc)


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Render the account email now, in the request, and let a Celery worker send it.

        The message is handed over only after the surrounding transaction commits,
        so a rolled-back sign-up never sends a verification link. It is written in the
        member's chosen language when there is a member who chose one (a password reset
        asked for from someone else's browser), else in the language of the request.
        """
        request = context.get("request") or self.request
        user = context.get("user")
        chosen = user.language if isinstance(user, User) else ""
        with translation.override(chosen or translation.get_language()):
            message = self.render_mail(
                template_prefix,
                email,
                {"request": request, "email": email, "current_site": site(), **context},
            )
        services.email_enqueue(message=message, user=user if isinstance(user, User) else None)

    def send_confirmation_mail(
        self, request: HttpRequest, emailconfirmation: Any, signup: bool
    ) -> None:
        address = emailconfirmation.email_address
        if address.user_id is not None and not EmailAddress.user.is_cached(address):
            # allauth finds the address of a member signing up or in by user_id alone, then
            # names its owner in the mail: the owner is fetched here, in one query, rather
            # than lazily inside allauth.
            address.user = User.objects.get(pk=address.user_id)
        super().send_confirmation_mail(request, emailconfirmation, signup)

    def pre_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> HttpResponse | None:
        if isinstance(user, User) and user.is_suspended:
            clear_login(request)
            return TemplateResponse(
                request, "account/suspended.html", {"suspended_user": user}, status=403
            )
        return super().pre_login(request, user, **kwargs)


class AuthenticationBackend(auth_backends.AuthenticationBackend):
    """allauth's backend (sign-in by username or email), hashing the password exactly
    once per attempt, so that a wrong password costs the same for a known account as for
    an unknown one.

    For "ada@example.org" allauth checks the owner of that address, then a member with
    that text as username, then the address again: two Argon2 runs for a known address,
    one dummy run for an unknown one (and ModelBackend, listed first, added one to each),
    so a failed sign-in took measurably longer for an address that has an account. Here
    the first account found is the only one checked, and with none allauth hashes a dummy
    once. A username that is someone else's email address therefore cannot sign in by
    that username (its member still can by their own address).
    """

    def authenticate(
        self, request: HttpRequest | None, **credentials: Any
    ) -> AbstractBaseUser | None:
        user = super().authenticate(request, **credentials)
        if user is None and credentials.get("password"):
            # End the attempt here: the backends listed after this one (kept so that
            # sessions they signed in stay valid) would hash the password once more.
            raise PermissionDenied
        return user

    def _check_password(
        self, user: AbstractBaseUser | None, password: str
    ) -> AbstractBaseUser | None:
        if user is not None and self._did_check_password:
            return None
        return super()._check_password(user, password)
