"""Per-kind preferences (immediate, daily digest, off) and one-click unsubscribe."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from accounts.models import Notification, NotificationPreference, User
from accounts.notifications import kinds

Mode = NotificationPreference.Mode
Status = Notification.Status

# The token of a digest email's unsubscribe link turns the digest off (every kind in it).
DIGEST = "digest"
UNSUBSCRIBE_SALT = "accounts.notifications.unsubscribe"


def default_mode(kind: str) -> str:
    return kinds.get(kind).default_mode


def preference_modes(*, user: User) -> dict[str, str]:
    """Every kind offered to the member, with their mode (their choice, else the
    default)."""
    chosen = dict(user.notification_preferences.values_list("kind", "mode"))
    return {kind.value: chosen.get(kind.value, kind.default_mode) for kind in kinds.choosable(user)}


@transaction.atomic
def preferences_set(*, user: User, modes: dict[str, str]) -> dict[str, str]:
    """Set the member's mode for the kinds given; unknown kinds or modes are refused, and
    so are kinds not offered to the member (Kind.audience), except "off": that is what
    they have already, so it is accepted and nothing is written ("everything off" works
    for every member)."""
    known = kinds.choosable_values(user)
    not_offered = set(kinds.choosable_values()) - set(known)
    modes = {
        kind: mode for kind, mode in modes.items() if not (kind in not_offered and mode == Mode.OFF)
    }
    errors = {
        kind: f"Unknown kind; use one of {', '.join(known)}." for kind in modes if kind not in known
    }
    errors.update(
        {
            kind: f"Use one of {', '.join(Mode.values)}."
            for kind, mode in modes.items()
            if kind not in errors and mode not in Mode.values
        }
    )
    if errors:
        raise ValidationError(errors)
    for kind, mode in modes.items():
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"mode": mode}
        )
    return preference_modes(user=user)


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    """A signed token for one member and kind (or DIGEST); it does not expire."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object({"u": user_id, "k": kind})


def unsubscribe_read(token: str) -> tuple[User, str]:
    """The member and kind a token names; BadSignature (a ValueError) when it is forged."""
    data = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    kind = data.get("k") if isinstance(data, dict) else None
    # Every kind, not only those offered to the member now: a link mailed to a moderator
    # still works once they no longer moderate.
    if kind not in (*kinds.choosable_values(), DIGEST):
        raise signing.BadSignature("Unknown kind.")
    user = User.objects.filter(pk=data.get("u")).first()
    if user is None:
        raise signing.BadSignature("Unknown member.")
    return user, kind


@transaction.atomic
def unsubscribe_apply(*, user: User, kind: str) -> list[str]:
    """Turn a kind off for the member (for DIGEST, every kind in digest mode); returns the
    kinds turned off."""
    if kind == DIGEST:
        chosen = [k for k, mode in preference_modes(user=user).items() if mode == Mode.DIGEST]
    else:
        chosen = [kind]
    for name in chosen:
        NotificationPreference.objects.update_or_create(
            user=user, kind=name, defaults={"mode": Mode.OFF}
        )
    # What was waiting for those kinds is not sent either.
    Notification.objects.filter(recipient=user, kind__in=chosen, status=Status.PENDING).update(
        status=Status.SUPPRESSED, last_error="Unsubscribed."
    )
    return chosen


def unsubscribe_url(*, user_id: int, kind: str) -> str:
    token = unsubscribe_token(user_id=user_id, kind=kind)
    return settings.SITE_URL + reverse("notifications-unsubscribe", kwargs={"token": token})
