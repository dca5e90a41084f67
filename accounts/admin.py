from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import Notification, User


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


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = [
        "username",
        "email",
        "display_name",
        "is_staff",
        "date_joined",
        "suspended_until",
    ]
    list_filter = [SuspendedFilter, "is_staff", "is_superuser", "is_active", "groups"]
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
    )


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["kind", "recipient", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["recipient"]
    search_fields = ["recipient__username", "recipient__email", "dedupe_key", "message_id"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["recipient"]
    readonly_fields = [
        "recipient", "kind", "payload", "dedupe_key", "status", "attempts",
        "next_attempt_at", "sent_at", "message_id", "read_at", "created_at",
    ]  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
