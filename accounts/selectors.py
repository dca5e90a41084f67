"""Reads for accounts."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import Notification, User


def member_visible(*, username: str) -> QuerySet[User]:
    """The active member with this username, ready for their public profile."""
    return User.objects.filter(username=username, is_active=True)


def notifications_of(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    """A member's own notifications, newest first."""
    rows = Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")
    return rows.filter(read_at__isnull=True) if unread_only else rows


def notifications_unread_count(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def moderator_ids() -> list[int]:
    """Who moderates: active superusers, and active staff in the group "Moderators"."""
    from accounts.services import MODERATORS_GROUP

    return list(
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(is_staff=True, groups__name=MODERATORS_GROUP))
        .values_list("pk", flat=True)
        .distinct()
    )
