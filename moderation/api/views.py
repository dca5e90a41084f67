"""Flagging through the API: the same service and rules as the page."""

from __future__ import annotations

from typing import cast

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from community.api_schema import error_response
from moderation import services
from moderation.models import Flag
from moderation.views import duplicate_target, visible_post


class FlagInput(serializers.Serializer):
    question = serializers.IntegerField(required=False, min_value=1)
    answer = serializers.IntegerField(required=False, min_value=1)
    comment = serializers.IntegerField(required=False, min_value=1)
    reason = serializers.ChoiceField(choices=Flag.Reason.values)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)
    duplicate_of = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=gettext_lazy("For a duplicate: the original thread's id."),
    )

    def validate(self, data: dict) -> dict:
        given = [name for name in ("question", "answer", "comment") if name in data]
        if len(given) != 1:
            raise ValidationError(_("Flag exactly one of question, answer or comment (its id)."))
        return data


class FlagOutput(serializers.Serializer):
    id = serializers.IntegerField()
    reason = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()


class FlagCreateApi(APIView):
    """Flag a question, answer or comment with a reason; 409 for a second open flag on
    the same post or a post already hidden."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=FlagInput, responses={201: FlagOutput, 409: error_response(409)})
    def post(self, request: Request) -> Response:
        data = FlagInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = cast(User, request.user)
        kind = next(n for n in ("question", "answer", "comment") if n in data.validated_data)
        try:
            post = visible_post(kind, data.validated_data[kind], user)
        except Http404:
            raise ValidationError({kind: _no_such_post(kind, data.validated_data[kind])}) from None
        flag = services.flag_create(
            flagger=user,
            post=post,
            reason=data.validated_data["reason"],
            note=data.validated_data.get("note", ""),
            duplicate_of=duplicate_target(data.validated_data.get("duplicate_of"), user),
        )
        return Response(FlagOutput(flag).data, status=status.HTTP_201_CREATED)


def _no_such_post(kind: str, pk: int) -> str:
    """The 400 for a post id that names nothing this member may see, in the request's
    language (one sentence per kind, as the kinds read differently in translation)."""
    texts = {
        "question": _("There is no question %(number)s."),
        "answer": _("There is no answer %(number)s."),
        "comment": _("There is no comment %(number)s."),
    }
    return texts[kind] % {"number": pk}
