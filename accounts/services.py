"""Writes for accounts: profiles, suspensions, and handing mail to the worker."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import User

PROFILE_FIELDS = ("display_name", "bio", "languages", "time_zone")


def email_to_payload(message: EmailMessage) -> dict[str, Any]:
    """A JSON-safe form of an email, for a Celery task argument."""
    html = None
    if isinstance(message, EmailMultiAlternatives):
        html = next(
            (content for content, mimetype in message.alternatives if mimetype == "text/html"),
            None,
        )
    return {
        "subject": message.subject,
        "body": message.body,
        "html": html,
        "from_email": message.from_email,
        "to": list(message.to),
        "headers": dict(message.extra_headers),
    }


def email_from_payload(payload: dict[str, Any]) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["body"],
        from_email=payload["from_email"],
        to=payload["to"],
        headers=payload.get("headers") or {},
    )
    if payload.get("html"):
        message.attach_alternative(payload["html"], "text/html")
    return message


def email_enqueue(*, message: EmailMessage) -> None:
    """Queue a transactional email for the worker once the current transaction commits."""
    from accounts.tasks import email_send

    transaction.on_commit(partial(email_send.delay, email_to_payload(message)))


def email_send(*, payload: dict[str, Any]) -> None:
    """Send one queued email through the configured backend."""
    email_from_payload(payload).send()


MODERATORS_GROUP = "Moderators"


def user_is_moderator(*, user: User) -> bool:
    """Superusers, and staff in the group "Moderators"; cached on the instance per request."""
    cached = getattr(user, "_is_moderator", None)
    if cached is None:
        cached = user.is_active and (
            user.is_superuser
            or (user.is_staff and user.groups.filter(name=MODERATORS_GROUP).exists())
        )
        user._is_moderator = cached  # type: ignore[attr-defined]
    return cached


def user_ensure_can_post(*, user: User) -> None:
    """Refuse a write by a suspended or deactivated member, saying until when and why."""
    if not user.is_active:
        raise PermissionDenied("This account is deactivated.")
    if user.is_suspended:
        raise PermissionDenied(
            f"Your account is suspended until {user.suspended_until:%Y-%m-%d %H:%M} UTC: "
            f"{user.suspension_reason}"
        )


def user_is_verified(*, user: User) -> bool:
    return EmailAddress.objects.filter(user=user, verified=True).exists()


@transaction.atomic
def user_update_profile(*, user: User, **fields: Any) -> User:
    """Change a member's own profile fields; validates before writing."""
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be changed here."))
    for name, value in fields.items():
        setattr(user, name, value)
    user.full_clean(exclude=[f.name for f in User._meta.fields if f.name not in fields])
    user.save(update_fields=[*fields])
    return user


@transaction.atomic
def user_suspend(*, user: User, until: dt.datetime, reason: str) -> User:
    """Suspend a member until a time, with a reason they see; ends their sessions and tokens."""
    if until <= timezone.now():
        raise ValidationError({"until": "A suspension must end in the future."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why the member is suspended; they will see it."})
    User.objects.filter(pk=user.pk).update(suspended_until=until, suspension_reason=reason.strip())
    user.refresh_from_db(fields=["suspended_until", "suspension_reason"])
    user_end_sessions(user=user)
    return user


@transaction.atomic
def user_unsuspend(*, user: User) -> User:
    """Lift a suspension."""
    User.objects.filter(pk=user.pk).update(suspended_until=None, suspension_reason="")
    user.refresh_from_db(fields=["suspended_until", "suspension_reason"])
    return user


def user_end_sessions(*, user: User) -> None:
    """Sign a member out everywhere.

    API tokens are deleted here. Browser sessions are ended by SuspensionMiddleware
    on their next request, which works for every session backend without scanning
    the whole session table.
    """
    Token.objects.filter(user=user).delete()


def notifications_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    """Mark the member's own notifications read (the given ids, or all); returns how many
    changed."""
    from accounts.models import Notification

    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    return rows.update(read_at=timezone.now())
