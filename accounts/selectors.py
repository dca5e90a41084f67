"""Reads for accounts."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User


def member_visible(*, username: str) -> QuerySet[User]:
    """The active member with this username, ready for their public profile."""
    return User.objects.filter(username=username, is_active=True)
