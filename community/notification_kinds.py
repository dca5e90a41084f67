"""The notifications the community site sends (declared to accounts.notifications)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.notifications.kinds import register
from accounts.services import user_is_moderator


def _moderates(user: User) -> bool:
    return user_is_moderator(user=user)


# Moderators get it by email unless they turn it off; no one else is offered it (nor sent
# it: community.digest picks the moderators).
HEALTH_DIGEST = register(
    "health_digest",
    label=gettext_lazy("Weekly community health digest (moderators)"),
    default_mode="immediate",
    audience=_moderates,
)
