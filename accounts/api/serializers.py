from __future__ import annotations

import zoneinfo
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from accounts.models import LANGUAGE_CODE_RE, MAX_LANGUAGES, User


class MeOutput(serializers.ModelSerializer):
    url = serializers.CharField(source="get_absolute_url", read_only=True)
    language = serializers.CharField(
        read_only=True,
        help_text="The interface language (en or zh-hans); empty follows the browser.",
    )

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "display_name",
            "bio",
            "languages",
            "time_zone",
            "language",
            "date_joined",
            "url",
        ]
        read_only_fields = fields


class MeInput(serializers.Serializer):
    display_name = serializers.CharField(max_length=80, allow_blank=True, required=False)
    bio = serializers.CharField(max_length=2000, allow_blank=True, required=False)
    languages = serializers.ListField(
        child=serializers.RegexField(
            LANGUAGE_CODE_RE,
            max_length=12,
            error_messages={
                "invalid": gettext_lazy("Use language codes such as 'en', 'de' or 'pt-BR'.")
            },
        ),
        max_length=MAX_LANGUAGES,
        required=False,
    )
    time_zone = serializers.CharField(max_length=64, required=False)
    # The interface language; "" follows the browser.
    language = serializers.ChoiceField(choices=settings.LANGUAGES, allow_blank=True, required=False)

    def validate_time_zone(self, value: str) -> str:
        if value not in zoneinfo.available_timezones():
            raise serializers.ValidationError(
                _("%(zone)s is not a known time zone; use a name such as 'Europe/Berlin'.")
                % {"zone": repr(value)}
            )
        return value

    def validate_languages(self, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


class TokenInput(serializers.Serializer):
    username = serializers.CharField(
        max_length=254, help_text=gettext_lazy("Username or email address.")
    )
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


class TokenOutput(serializers.Serializer):
    token = serializers.CharField()


class NotificationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    title = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    read = serializers.SerializerMethodField()

    def get_title(self, note: Any) -> str:
        return str(note.payload.get("title", ""))

    def get_url(self, note: Any) -> str:
        return str(note.payload.get("url", ""))

    def get_read(self, note: Any) -> bool:
        return note.read_at is not None


class NotificationReadInput(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=1000,
        help_text=gettext_lazy("The notifications to mark as read; all of them when left out."),
    )


class NotificationReadOutput(serializers.Serializer):
    marked = serializers.IntegerField()
