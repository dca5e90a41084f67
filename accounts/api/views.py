from __future__ import annotations

from typing import cast

from allauth.account.adapter import get_adapter
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.api.serializers import MeInput, MeOutput, TokenInput, TokenOutput
from accounts.models import User


class TokenObtainApi(APIView):
    """Exchange a username (or email) and password for an API token.

    Failed attempts count against the same per-address and per-account limits
    as the sign-in page.
    """

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(request=TokenInput, responses={200: TokenOutput})
    def post(self, request: Request) -> Response:
        data = TokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        login = data.validated_data["username"].strip()
        credentials = {"email" if "@" in login else "username": login}
        adapter = get_adapter(request._request)
        try:
            user = adapter.authenticate(
                request._request, password=data.validated_data["password"], **credentials
            )
        except DjangoValidationError:
            return Response(
                {"detail": "Too many failed attempts. Wait a few minutes and try again."},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        if user is None or not user.is_active:
            return Response(
                {"detail": "Wrong username or password."}, status=status.HTTP_401_UNAUTHORIZED
            )
        user = cast(User, user)
        if user.is_suspended:
            return Response(
                {
                    "detail": "This account is suspended.",
                    "suspended_until": user.suspended_until,
                    "reason": user.suspension_reason,
                },
                status=status.HTTP_403_FORBIDDEN,
            )
        if not services.user_is_verified(user=user):
            return Response(
                {"detail": "Verify your email address first; we sent you a link."},
                status=status.HTTP_403_FORBIDDEN,
            )
        token, _ = Token.objects.get_or_create(user=user)
        return Response(TokenOutput({"token": token.key}).data)


class MeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeOutput)
    def get(self, request: Request) -> Response:
        return Response(MeOutput(request.user).data)

    @extend_schema(request=MeInput, responses=MeOutput)
    def patch(self, request: Request) -> Response:
        data = MeInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        user = services.user_update_profile(user=cast(User, request.user), **data.validated_data)
        return Response(MeOutput(user).data)
