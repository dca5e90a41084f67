from __future__ import annotations

from typing import cast

from allauth.account.adapter import get_adapter
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import notifications, selectors, services
from accounts.api.serializers import (
    MeInput,
    MeOutput,
    NotificationOutput,
    NotificationReadInput,
    NotificationReadOutput,
    TokenInput,
    TokenOutput,
)
from accounts.models import User
from community.api_schema import error_response


class TokenObtainApi(APIView):
    """Exchange a username (or email) and password for an API token.

    Failed attempts count against the same per-address and per-account limits
    as the sign-in page.
    """

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    # No authentication runs here, so these are spelled out rather than added by the schema.
    @extend_schema(
        request=TokenInput,
        responses={
            200: TokenOutput,
            401: error_response(401, "Wrong username or password."),
            403: error_response(403, "The account is suspended, or its email is not verified."),
            429: error_response(429, "Too many failed attempts; wait a few minutes."),
        },
    )
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
                {"detail": _("Too many failed attempts. Wait a few minutes and try again.")},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        if user is None or not user.is_active:
            return Response(
                {"detail": _("Wrong username or password.")}, status=status.HTTP_401_UNAUTHORIZED
            )
        user = cast(User, user)
        if user.is_suspended:
            return Response(
                {
                    "detail": _("This account is suspended."),
                    "suspended_until": user.suspended_until,
                    "reason": user.suspension_reason,
                },
                status=status.HTTP_403_FORBIDDEN,
            )
        if not services.user_is_verified(user=user):
            return Response(
                {"detail": _("Verify your email address first; we sent you a link.")},
                status=status.HTTP_403_FORBIDDEN,
            )
        token, _created = Token.objects.get_or_create(user=user)
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


class NotificationListApi(APIView):
    """My notifications, newest first; `?unread=1` for the unread ones only."""

    permission_classes = [IsAuthenticated]
    pagination_class = PageNumberPagination

    @extend_schema(
        parameters=[OpenApiParameter("unread", bool, required=False)],
        responses=NotificationOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        unread = request.query_params.get("unread", "") in ("1", "true")
        rows = selectors.notifications_of(user=cast(User, request.user), unread_only=unread)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(NotificationOutput(page, many=True).data)


class NotificationReadApi(APIView):
    """Mark my notifications as read: the given ids, or all of them."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=NotificationReadInput, responses=NotificationReadOutput)
    def post(self, request: Request) -> Response:
        data = NotificationReadInput(data=request.data)
        data.is_valid(raise_exception=True)
        marked = services.notifications_mark_read(
            user=cast(User, request.user), ids=data.validated_data.get("ids")
        )
        return Response(NotificationReadOutput({"marked": marked}).data)


class NotificationPreferencesApi(APIView):
    """Per kind of notification: "immediate", "digest" or "off". PUT sets the kinds given
    (all or some) and answers with every kind; a bad kind or mode is a 400 naming it and
    changes nothing."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=dict[str, str])
    def get(self, request: Request) -> Response:
        return Response(notifications.preference_modes(user=cast(User, request.user)))

    @extend_schema(request=dict[str, str], responses=dict[str, str])
    def put(self, request: Request) -> Response:
        if not isinstance(request.data, dict) or not request.data:
            raise ValidationError({"detail": _('Give {"kind": "immediate" | "digest" | "off"}.')})
        modes = notifications.preferences_set(
            user=cast(User, request.user), modes=dict(request.data)
        )
        return Response(modes)
