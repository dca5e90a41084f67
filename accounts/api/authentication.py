from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


class ActiveTokenAuthentication(TokenAuthentication):
    """Token authentication that stops working the moment a member is suspended."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        user, token = super().authenticate_credentials(key)
        if getattr(user, "is_suspended", False):
            raise exceptions.AuthenticationFailed("This account is suspended.")
        return user, token
