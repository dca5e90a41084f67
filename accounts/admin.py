from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import Notification, NotificationPreference, User


class SuspendedFilter(admin.SimpleListFilter):
    title = "suspension"
    parameter_name = "suspended"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "Suspended now"), ("no", "Not suspended")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> QuerySet[User]:
        now = timezone.now()
        if self.value() == "yes":
            return queryset.filter(suspended_until__gt=now)
        if self.value() == "no":
            return queryset.exclude(suspended_until__gt=now)
        return queryset


class BouncingFilter(admin.SimpleListFilter):
    title = "email bouncing"
    parameter_name = "bouncing"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "Bouncing"), ("no", "Delivering")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> QuerySet[User]:
        if self.value() == "yes":
            return queryset.filter(email_bouncing_since__isnull=False)
        if self.value() == "no":
            return queryset.filter(email_bouncing_since__isnull=True)
        return queryset


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = [
        "username",
        "email",
        "display_name",
        "is_staff",
        "date_joined",
        "suspended_until",
        "email_bouncing_since",
    ]
    list_filter = [
        SuspendedFilter, BouncingFilter, "is_staff", "is_superuser", "is_active", "groups",
    ]  # fmt: skip
    search_fields = ["username", "email", "display_name"]
    date_hierarchy = "date_joined"
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("Profile", {"fields": ("display_name", "bio", "languages", "time_zone")}),
        (
            "Suspension",
            {
                "fields": ("suspended_until", "suspension_reason"),
                "description": "A suspended member cannot sign in, use API tokens or post, "
                "and sees the reason and the end date.",
            },
        ),
        (
            "Email",
            {
                "fields": ("email_bouncing_since", "email_bounce_reason", "last_digest_on"),
                "description": "Set when the mail server refused the address for good (a 5xx "
                "reply); notification email is not sent to it. Clear both fields once the "
                "address is fixed.",
            },
        ),
    )


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "kind", "recipient", "status", "delivery", "attempts", "created_at", "sent_at",
    ]  # fmt: skip
    list_filter = ["status", "delivery", "kind"]
    list_select_related = ["recipient"]
    search_fields = ["recipient__username", "recipient__email", "dedupe_key", "message_id"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["recipient"]
    readonly_fields = [
        "recipient", "kind", "payload", "dedupe_key", "thread_key", "delivery", "status",
        "attempts", "next_attempt_at", "claimed_at", "sent_at", "message_id", "last_error",
        "read_at", "created_at",
    ]  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "mode"]
    list_filter = ["kind", "mode"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user"]
