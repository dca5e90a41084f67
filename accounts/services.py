"""Writes for accounts: profiles, suspensions, and handing mail to the worker."""

from __future__ import annotations

import datetime as dt
from typing import Any

from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from accounts.models import User
from accounts.notifications import account_email_record

PROFILE_FIELDS = ("display_name", "bio", "languages", "time_zone", "language")


def email_enqueue(*, message: EmailMessage, user: User | None = None) -> list[int]:
    """Put a rendered account email (verification, password reset) in the notification
    outbox, in the current transaction: the worker sends it after commit, retried and
    relayed like every notification, and never for a rolled-back write."""
    html = None
    if isinstance(message, EmailMultiAlternatives):
        html = next(
            (str(content) for content, mimetype in message.alternatives if mimetype == "text/html"),
            None,
        )
    return [
        account_email_record(
            to=address,
            subject=str(message.subject),
            body=str(message.body),
            html=html,
            user_id=user.pk if user is not None else None,
        )
        for address in message.to
    ]


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
        raise PermissionDenied(_("This account is deactivated."))
    if user.is_suspended:
        raise PermissionDenied(
            _("Your account is suspended until %(until)s UTC: %(reason)s")
            % {"until": f"{user.suspended_until:%Y-%m-%d %H:%M}", "reason": user.suspension_reason}
        )


def user_is_verified(*, user: User) -> bool:
    return EmailAddress.objects.filter(user=user, verified=True).exists()


@transaction.atomic
def user_update_profile(*, user: User, **fields: Any) -> User:
    """Change a member's own profile fields; validates before writing."""
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, _("This field cannot be changed here.")))
    for name, value in fields.items():
        setattr(user, name, value)
    user.full_clean(exclude=[f.name for f in User._meta.fields if f.name not in fields])
    user.save(update_fields=[*fields])
    return user


SUSPENSION_REASON_MAX = 2000


def user_ensure_can_suspend(*, by: User, member: User, lifting: bool = False) -> None:
    """Who may suspend whom, or lift a suspension: a moderator, never on themself, and
    only an admin when the member is staff or an admin."""
    if not user_is_moderator(user=by):
        raise PermissionDenied(_("Only moderators can do this."))
    if member.pk == by.pk and not lifting:
        raise PermissionDenied(_("You cannot suspend yourself."))
    if (member.is_superuser or member.is_staff) and not by.is_superuser:
        raise PermissionDenied(
            _("Only admins can change the suspension of staff or admins.")
            if lifting
            else _("Only admins can suspend staff or admins.")
        )


def user_suspension_check(
    *, by: User | None, member: User, until: dt.datetime | None, reason: str
) -> tuple[dt.datetime, str]:
    """Every rule of a suspension, in this one place: the member's admin page, the admin
    action, the flag queue and the services all come through here, so each refuses the
    same input with the same message.

    `by` is the moderator acting (user_ensure_can_suspend); None only for a caller that
    acts for the site itself, such as a script. The end must be in the future (a time
    without a zone is UTC, as the admin forms say) and a reason given, which the member
    sees. Refusals: PermissionDenied for who may act, then one ValidationError naming
    "until" and "reason" together, so that a form shows both at once.

    Returns the end and the reason as they are stored.
    """
    if by is not None:
        user_ensure_can_suspend(by=by, member=member)
    errors: dict[str, str] = {}
    ends = None
    if not isinstance(until, dt.datetime):
        errors["until"] = _("Say when the suspension ends.")
    else:
        ends = timezone.make_aware(until, dt.UTC) if timezone.is_naive(until) else until
        if ends <= timezone.now():
            errors["until"] = _("A suspension must end in the future.")
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason:
        errors["reason"] = _("Say why; the member will see it.")
    elif len(reason) > SUSPENSION_REASON_MAX:
        errors["reason"] = _("Keep the reason to %(limit)s characters (it has %(length)s).") % {
            "limit": f"{SUSPENSION_REASON_MAX:,}",
            "length": f"{len(reason):,}",
        }
    if errors or ends is None:
        raise ValidationError(errors)
    return ends, reason


@transaction.atomic
def user_suspend(
    *, user: User, until: dt.datetime | None, reason: str, by: User | None = None
) -> User:
    """Suspend a member until a time, with a reason they see; ends their sessions and
    tokens. The rules are user_suspension_check's; moderators go through
    moderation.services.member_suspend, which also keeps the audit record."""
    until, reason = user_suspension_check(by=by, member=user, until=until, reason=reason)
    User.objects.filter(pk=user.pk).update(suspended_until=until, suspension_reason=reason)
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
