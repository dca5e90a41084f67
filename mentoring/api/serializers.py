from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from community.api import StorableJSONField
from mentoring.models import Claim, MentorProfile


class ProfileInput(serializers.Serializer):
    """The editable fields; the service validates their values and names each bad one."""

    bio = StorableJSONField(required=False)
    capacity = StorableJSONField(required=False)
    languages = StorableJSONField(required=False)
    time_zone = StorableJSONField(required=False)
    availability = StorableJSONField(required=False)
    accepting = StorableJSONField(required=False)
    away_until = serializers.DateTimeField(required=False, allow_null=True)
    expertise = StorableJSONField(
        required=False,
        help_text=gettext_lazy('Tag names with levels 1-3, e.g. {"django": 3, "orm": 2}.'),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = set(self.initial_data) - set(self.fields)
        if unknown:
            raise serializers.ValidationError(
                dict.fromkeys(sorted(unknown), _("This field cannot be changed here."))
            )
        return attrs


class ProfileOutput(serializers.ModelSerializer):
    user_id = serializers.IntegerField()
    expertise = serializers.SerializerMethodField()

    class Meta:
        model = MentorProfile
        fields = [
            "user_id", "status", "bio", "capacity", "languages", "time_zone", "availability",
            "accepting", "away_until", "expertise", "approved_at",
        ]  # fmt: skip

    def get_expertise(self, profile: MentorProfile) -> dict[str, int]:
        return {e.tag.name: e.level for e in profile.expertise.all()}


class MatchOutput(serializers.Serializer):
    user_id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    score = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())


class ClaimOutput(serializers.ModelSerializer):
    mentor = serializers.CharField(source="mentor.username")

    class Meta:
        model = Claim
        fields = [
            "id", "question_id", "mentor", "state", "created_at", "reply_due_at",
            "first_reply_at", "extended", "ended_at", "end_reason",
        ]  # fmt: skip


class ReleaseInput(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class QueueItemOutput(serializers.Serializer):
    id = serializers.IntegerField(source="question.id")
    title = serializers.CharField(source="question.title")
    url = serializers.CharField(source="question.get_absolute_url")
    tags = serializers.SerializerMethodField()
    asked_at = serializers.DateTimeField(source="question.created_at")
    waiting_minutes = serializers.SerializerMethodField()
    score = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())
    needs_mentor = serializers.BooleanField()
    evidence = serializers.SerializerMethodField()

    def get_tags(self, item: Any) -> list[str]:
        return [t.name for t in item.question.tags.all()]

    def get_waiting_minutes(self, item: Any) -> int:
        return int(item.waiting.total_seconds() // 60)

    def get_evidence(self, item: Any) -> dict[str, Any]:
        """The checklist at a glance: what the asker searched and tried."""
        q = item.question
        return {
            # Whether the asker searched first; what they searched for is for moderators.
            "searched": bool(q.checklist_evidence.get("search_queries")),
            "faq_entries_opened": len(q.checklist_evidence.get("faq_entries", [])),
            "what_i_tried": q.what_i_tried[:300],
        }


class OfferOutput(serializers.Serializer):
    id = serializers.IntegerField()
    question_id = serializers.IntegerField()
    title = serializers.CharField(source="question.title")
    url = serializers.CharField(source="question.get_absolute_url")
    wave = serializers.IntegerField()
    score = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())
    created_at = serializers.DateTimeField()
    declined = serializers.SerializerMethodField()

    def get_declined(self, offer: Any) -> bool:
        return offer.declined_at is not None


class HandoffInput(serializers.Serializer):
    mentor = serializers.CharField(
        max_length=150, help_text=gettext_lazy("The username of the next mentor.")
    )
    note = serializers.CharField(max_length=2000)


class FeedbackInput(serializers.Serializer):
    rating = serializers.ChoiceField(choices=["great", "good", "acceptable", "problematic"])
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class FeedbackOutput(serializers.Serializer):
    claim_id = serializers.IntegerField()
    rating = serializers.CharField()
    comment = serializers.CharField()
    created_at = serializers.DateTimeField()


class MentorshipInput(serializers.Serializer):
    mentor = serializers.CharField(
        max_length=150, help_text=gettext_lazy("The username of the mentor.")
    )
    goals = serializers.CharField(
        max_length=2000,
        help_text=gettext_lazy("What you want to learn or build, at least 20 characters."),
    )


class MentorshipNoteInput(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class MentorshipOutput(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField(source="get_absolute_url")
    mentee = serializers.CharField(source="mentee.username")
    mentor = serializers.CharField(source="mentor.username")
    goals = serializers.CharField()
    state = serializers.ChoiceField(choices=["requested", "active", "declined", "ended", "expired"])
    created_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    note = serializers.CharField()


class MentorFiguresOutput(serializers.Serializer):
    claims = serializers.IntegerField(help_text=gettext_lazy("Claims ever taken."))
    active = serializers.IntegerField()
    completed = serializers.IntegerField()
    released = serializers.IntegerField()
    handed_off = serializers.IntegerField()
    expired = serializers.IntegerField(
        help_text=gettext_lazy("Claims that ran out without a reply.")
    )
    median_first_reply_minutes = serializers.FloatField(allow_null=True)
    ratings = serializers.DictField(child=serializers.IntegerField())
    offers_30_days = serializers.IntegerField()
    declined_30_days = serializers.IntegerField()
    active_mentorships = serializers.IntegerField()
    capacity = serializers.IntegerField()


class UnservedTagOutput(serializers.Serializer):
    tag = serializers.CharField()
    threads = serializers.IntegerField(
        help_text=gettext_lazy("Threads escalated with no eligible mentor.")
    )
    mentors = serializers.IntegerField(
        help_text=gettext_lazy("Approved mentors with this tag today.")
    )


DAYS_MESSAGE = gettext_lazy("Use a whole number of days from 1 to 365.")


class DaysInput(serializers.Serializer):
    # A serializer field, not str.isdigit(): that accepts digits such as "²" int() refuses.
    days = serializers.IntegerField(
        min_value=1,
        max_value=365,
        default=30,
        help_text=gettext_lazy("How many days back to look."),
        error_messages={
            "invalid": DAYS_MESSAGE,
            "min_value": DAYS_MESSAGE,
            "max_value": DAYS_MESSAGE,
        },
    )
