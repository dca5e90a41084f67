"""Staff API: the community health figures of community.metrics."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from community import metrics

DEFAULT_DAYS = 30
MAX_DAYS = 400
# Python's datetimes start at year 1; the default start, 30 days before the end, and the
# 7 days of the unanswered figure must stay within them.
EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)


@extend_schema_field(
    {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]}
)
class MomentField(serializers.Field):
    """An ISO date (midnight UTC) or an ISO datetime (UTC when it has no offset)."""

    default_error_messages = {
        "invalid": gettext_lazy("Give an ISO date (2026-01-31) or datetime (2026-01-31T12:00Z)."),
        "range": gettext_lazy("Give a date from 1900 to 9998."),
    }

    def to_internal_value(self, data: Any) -> dt.datetime:
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            moment = parse_datetime(data)
            if moment is None:
                day = parse_date(data)
                if day is not None:
                    moment = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
        except ValueError:
            moment = None
        if moment is None:
            self.fail("invalid")
        if timezone.is_naive(moment):
            moment = moment.replace(tzinfo=dt.UTC)
        try:
            moment = moment.astimezone(dt.UTC)
        except OverflowError:
            self.fail("range")
        if not EARLIEST <= moment < LATEST:
            self.fail("range")
        return moment

    def to_representation(self, value: dt.datetime) -> str:
        return value.isoformat()


class CommunityMetricsInput(serializers.Serializer):
    since = MomentField(
        required=False,
        help_text=gettext_lazy("Start of the range, included; 30 days before `until` if left out."),
    )
    until = MomentField(
        required=False,
        help_text=gettext_lazy(
            "End of the range, excluded; the start of the current minute if left out (so "
            "that requests in the same minute share the cached figures)."
        ),
    )
    tag = serializers.CharField(
        required=False, max_length=100, help_text=gettext_lazy("Only threads with this tag.")
    )
    asker = serializers.ChoiceField(
        choices=["newcomer", "returning"],
        required=False,
        help_text=gettext_lazy("Only threads whose asker is a newcomer, or returning, as of now."),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        until = attrs.get("until") or timezone.now().replace(second=0, microsecond=0)
        since = attrs.get("since") or until - dt.timedelta(days=DEFAULT_DAYS)
        if since >= until:
            raise serializers.ValidationError(
                {"since": gettext_lazy("The start must be before the end (until).")}
            )
        if until - since > dt.timedelta(days=MAX_DAYS):
            raise serializers.ValidationError(
                {"since": gettext_lazy("The range can be at most 400 days.")}
            )
        return {**attrs, "since": since, "until": until}


UNITS = [
    "seconds",
    "share",
    "threads",
    "claims",
    "offers",
    "ratings",
    "tags",
    "answers",
    "members",
    "drafts",
]


class FigureValue(serializers.FloatField):
    """A number: counts as integers (6, not 6.0), times and shares as floats."""

    def to_representation(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        return super().to_representation(value)


class FigureOutput(serializers.Serializer):
    name = serializers.CharField()
    unit = serializers.ChoiceField(choices=UNITS)
    value = FigureValue(
        allow_null=True,
        help_text="Seconds for times, 0 to 1 for shares, else a count; null for a share or "
        "a percentile over nothing.",
    )
    definition = serializers.CharField()


class WeekOutput(serializers.Serializer):
    week_start = serializers.DateField(help_text="The Monday (UTC) the ISO week starts on.")
    questions = serializers.IntegerField(help_text="Public threads created that week.")
    responded_within_24h = serializers.FloatField(allow_null=True)
    first_response_p50 = serializers.FloatField(allow_null=True)
    first_response_p90 = serializers.FloatField(allow_null=True)
    first_claim_p50 = serializers.FloatField(allow_null=True)
    accepted_answer_p50 = serializers.FloatField(allow_null=True)
    active_mentors = serializers.IntegerField()
    claims_expired = serializers.IntegerField()
    offers_declined = serializers.IntegerField()


class AgeBucketOutput(serializers.Serializer):
    # DRF takes declared fields off the class, so "label" does not replace Field.label.
    label = serializers.CharField()  # type: ignore[assignment]
    min_days = serializers.IntegerField()
    max_days = serializers.IntegerField(allow_null=True)
    threads = serializers.IntegerField()


class HealthUnservedTagOutput(serializers.Serializer):
    tag = serializers.CharField()
    threads = serializers.IntegerField()
    mentors = serializers.IntegerField()


class RatingOutput(serializers.Serializer):
    rating = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    count = serializers.IntegerField()


class CommunityMetricsOutput(serializers.Serializer):
    since = serializers.DateTimeField()
    until = serializers.DateTimeField()
    tag = serializers.CharField(allow_null=True)
    asker = serializers.ChoiceField(choices=["newcomer", "returning"], allow_null=True)
    figures = FigureOutput(many=True)
    weeks = WeekOutput(many=True)
    open_by_age = AgeBucketOutput(many=True)
    unserved_tags = HealthUnservedTagOutput(many=True)
    ratings = RatingOutput(many=True)


class CommunityMetricsApi(APIView):
    """Staff: the community health figures for public threads created in [since, until),
    each with its name, unit and definition (times in seconds, shares from 0 to 1); the
    same per ISO week; open threads by age; unserved tags; mentor ratings. Cached for a
    minute."""

    permission_classes = [IsAdminUser]

    @extend_schema(parameters=[CommunityMetricsInput], responses=CommunityMetricsOutput)
    def get(self, request: Request) -> Response:
        params = CommunityMetricsInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        health = metrics.cached_community_health(
            since=data["since"],
            until=data["until"],
            tag=data.get("tag"),
            asker=data.get("asker"),
        )
        return Response(CommunityMetricsOutput(health).data)
