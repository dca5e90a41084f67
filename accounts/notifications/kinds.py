"""The kinds of notification, declared by the apps that send them.

The outbox knows nothing about events: each app registers its kinds at start-up (in its
AppConfig.ready, from its notification_kinds module), with the label members choose by
in their preferences, the subject of the email and the default mode. A new kind is a
line in its app; the outbox and its tables do not change.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Kind:
    value: str
    # What a member chooses by, in preferences and in the in-app list.
    label: str
    # The email subject; "{title}" is the thread's title.
    subject: str = "{title}"
    default_mode: str = "immediate"
    # Account emails (verification, password reset): sent whatever the preferences,
    # never in a digest, no unsubscribe link, never coalesced or capped.
    transactional: bool = False


_KINDS: dict[str, Kind] = {}


def register(
    value: str,
    *,
    label: str,
    subject: str = "{title}",
    default_mode: str = "immediate",
    transactional: bool = False,
) -> str:
    """Declare a kind; returns its value, for the declaring module's constant."""
    if len(value) > 40 or not value.replace("_", "").isalnum():
        raise ImproperlyConfigured(f"Notification kind {value!r}: use up to 40 letters and _.")
    if default_mode not in {"immediate", "digest", "off"}:
        raise ImproperlyConfigured(f"Notification kind {value!r}: unknown mode {default_mode!r}.")
    kind = Kind(value, label, subject, default_mode, transactional)
    if _KINDS.setdefault(value, kind) != kind:
        raise ImproperlyConfigured(f"Notification kind {value!r} is declared twice.")
    return value


def get(value: str) -> Kind:
    """The declared kind; a kind no app declares any more keeps its name as its label."""
    return _KINDS.get(value) or Kind(value, value.replace("_", " ").capitalize())


def choosable() -> list[Kind]:
    """The kinds a member has a say about, in the order they were declared."""
    return [kind for kind in _KINDS.values() if not kind.transactional]


def choosable_values() -> list[str]:
    return [kind.value for kind in choosable()]
