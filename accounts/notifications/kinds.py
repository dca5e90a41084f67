"""The kinds of notification, declared by the apps that send them.

The outbox knows nothing about events: each app registers its kinds at start-up (in its
AppConfig.ready, from its notification_kinds module), with the label members choose by
in their preferences, the subject of the email and the default mode. A new kind is a
line in its app; the outbox and its tables do not change.

A kind meant for some members only (moderators, say) names its audience: a test of the
member. Only they are offered the choice in their preferences; whoever records the
notification still picks its recipients.

Labels and subjects are lazy translations (gettext_lazy): they are declared once at
start-up and turned into text only when used, in the language active then (the
recipient's, for an email).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from accounts.models import User

    # Whether a member is among those a kind is for.
    Audience = Callable[[User], bool]


@dataclass(frozen=True)
class Kind:
    value: str
    # What a member chooses by, in preferences and in the in-app list.
    label: StrOrPromise
    # The email subject; "{title}" is the thread's title.
    subject: StrOrPromise = "{title}"
    default_mode: str = "immediate"
    # Account emails (verification, password reset): sent whatever the preferences,
    # never in a digest, no unsubscribe link, never coalesced or capped.
    transactional: bool = False
    # Who is offered the choice; None: every member.
    audience: Audience | None = None

    def offered_to(self, user: User) -> bool:
        return self.audience is None or self.audience(user)


_KINDS: dict[str, Kind] = {}


def register(
    value: str,
    *,
    label: StrOrPromise,
    subject: StrOrPromise = "{title}",
    default_mode: str = "immediate",
    transactional: bool = False,
    audience: Audience | None = None,
) -> str:
    """Declare a kind; returns its value, for the declaring module's constant. With an
    `audience`, only the members it accepts see the kind in their preferences."""
    if len(value) > 40 or not value.replace("_", "").isalnum():
        raise ImproperlyConfigured(f"Notification kind {value!r}: use up to 40 letters and _.")
    if default_mode not in {"immediate", "digest", "off"}:
        raise ImproperlyConfigured(f"Notification kind {value!r}: unknown mode {default_mode!r}.")
    kind = Kind(value, label, subject, default_mode, transactional, audience)
    if _KINDS.setdefault(value, kind) != kind:
        raise ImproperlyConfigured(f"Notification kind {value!r} is declared twice.")
    return value


def get(value: str) -> Kind:
    """The declared kind; a kind no app declares any more keeps its name as its label."""
    return _KINDS.get(value) or Kind(value, value.replace("_", " ").capitalize())


def choosable(user: User | None = None) -> list[Kind]:
    """The kinds members have a say about, in the order they were declared; with a
    member, only those offered to them (see Kind.audience)."""
    return [
        kind
        for kind in _KINDS.values()
        if not kind.transactional and (user is None or kind.offered_to(user))
    ]


def choosable_values(user: User | None = None) -> list[str]:
    return [kind.value for kind in choosable(user)]
