"""Errors every app's services raise, so each is mapped to a response in one place.

They live in the lowest app because every app depends on accounts and none of the others
may be imported from here.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError


class Conflict(Exception):
    """The write conflicts with the current state: a thread someone else holds, a step
    already taken, a duplicate. The message says why, for the member (HTTP 409)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


# What a service raises to refuse a write. The pages answer each with the status the API
# gives it (community.api maps them there), so a refusal reads the same on both paths.
REFUSALS = (PermissionDenied, ValidationError, Conflict)


def refusal_status(error: Exception) -> int:
    """The HTTP status of a page showing a service's refusal: 409, 403 or 400."""
    if isinstance(error, Conflict):
        return 409
    if isinstance(error, PermissionDenied):
        return 403
    return 400


def refusal_message(error: Exception) -> str:
    """A refusal's message for a page, a ValidationError's messages in one line."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)
