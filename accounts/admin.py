from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.admin_forms import ModelAdmin, ValidInitialMixin
from accounts.models import Notification, NotificationPreference, User
from accounts.services import (
    user_ensure_can_suspend,
    user_suspend,
    user_suspension_check,
    user_unsuspend,
)


class SuspendedFilter(admin.SimpleListFilter):
    title = gettext_lazy("suspension")
    parameter_name = "suspended"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [
            ("yes", _("Suspended now")),
            ("ending", _("Ending within 7 days")),
            ("no", _("Not suspended")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> QuerySet[User]:
        now = timezone.now()
        if self.value() == "yes":
            return queryset.filter(suspended_until__gt=now)
        if self.value() == "ending":
            return queryset.filter(
                suspended_until__gt=now, suspended_until__lte=now + dt.timedelta(days=7)
            )
        if self.value() == "no":
            return queryset.exclude(suspended_until__gt=now)
        return queryset


class BouncingFilter(admin.SimpleListFilter):
    title = gettext_lazy("email bouncing")
    parameter_name = "bouncing"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", _("Bouncing")), ("no", _("Delivering"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> QuerySet[User]:
        if self.value() == "yes":
            return queryset.filter(email_bouncing_since__isnull=False)
        if self.value() == "no":
            return queryset.filter(email_bouncing_since__isnull=True)
        return queryset


# The suspension's fields on the member's page, by the names the rules give them.
SUSPENSION_FIELDS = {"until": "suspended_until", "reason": "suspension_reason"}


class MemberChangeForm(UserChangeForm):
    # The staff member editing (set per request by UserAdmin.get_form): whether they may
    # suspend this member is one of the rules.
    editor: User | None = None

    def suspension_changed(self) -> bool:
        return any(name in self.changed_data for name in SUSPENSION_FIELDS.values())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.suspension_changed() and "suspended_until" not in self.errors:
            self._check_suspension(cleaned)
        return cleaned

    def _check_suspension(self, cleaned: dict[str, Any]) -> None:
        """Run the service's own rules (accounts.services.user_suspension_check) before
        anything is saved, so the page refuses what the action and the flag queue refuse,
        in the same words, next to the fields."""
        until = cleaned.get("suspended_until")
        reason = cleaned.get("suspension_reason") or ""
        lifting = until is None and self.initial.get("suspended_until") is not None
        try:
            if lifting:
                if self.editor is not None:
                    user_ensure_can_suspend(by=self.editor, member=self.instance, lifting=True)
            elif until is not None or reason.strip():
                user_suspension_check(
                    by=self.editor, member=self.instance, until=until, reason=reason
                )
        except PermissionDenied as error:
            self.add_error(None, str(error))
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                self.add_error(SUSPENSION_FIELDS.get(key), messages)


@admin.register(User)
class UserAdmin(ValidInitialMixin, BaseUserAdmin):
    form = MemberChangeForm
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
        (gettext_lazy("Profile"), {"fields": ("display_name", "bio", "languages", "time_zone")}),
        (
            gettext_lazy("Suspension"),
            {
                "fields": ("suspended_until", "suspension_reason"),
                "description": gettext_lazy(
                    "A suspended member cannot sign in, use API tokens or post, "
                    "and sees the reason and the end date."
                ),
            },
        ),
        (
            gettext_lazy("Email"),
            {
                "fields": ("email_bouncing_since", "email_bounce_reason", "last_digest_on"),
                "description": gettext_lazy(
                    "Set when the mail server refused the address for good (a 5xx "
                    "reply); notification email is not sent to it. Clear both fields once the "
                    "address is fixed."
                ),
            },
        ),
    )

    # Moderators (staff, not superusers) suspend members; roles, permissions, passwords
    # and superusers stay with admins.
    ADMIN_ONLY_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions", "is_active")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += [*self.ADMIN_ONLY_FIELDS, "password", "last_login", "date_joined"]
            if obj is not None and obj.is_staff:
                # Only admins suspend staff.
                fields += ["suspended_until", "suspension_reason"]
        return fields

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False,
                 **kwargs: Any) -> Any:  # fmt: skip
        form = super().get_form(request, obj, change=change, **kwargs)
        form.editor = request.user  # type: ignore[attr-defined]  # a class made per request
        return form

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """The page saves everything but the suspension; a suspension set or lifted here
        is written by its service (suspension_apply, suspension_lift), which checks the
        rules again, ends sessions and tokens, and keeps whatever record it keeps."""
        fields = tuple(SUSPENSION_FIELDS.values())
        if not change or not form.suspension_changed():
            return super().save_model(request, obj, form, change)
        until, reason = obj.suspended_until, obj.suspension_reason
        obj.suspended_until, obj.suspension_reason = (form.initial.get(name) for name in fields)
        super().save_model(request, obj, form, change)
        if until is not None:
            self.suspension_apply(request, obj, until=until, reason=reason)
        elif obj.suspended_until is not None:
            self.suspension_lift(request, obj, reason=reason)

    def suspension_apply(
        self, request: HttpRequest, member: User, *, until: dt.datetime, reason: str
    ) -> None:
        user_suspend(user=member, until=until, reason=reason, by=request.user)  # type: ignore[arg-type]

    def suspension_lift(self, request: HttpRequest, member: User, *, reason: str) -> None:
        user_ensure_can_suspend(by=request.user, member=member, lifting=True)  # type: ignore[arg-type]
        user_unsuspend(user=member)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser) and super().has_delete_permission(request, obj)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        if not request.user.is_superuser:
            raise PermissionDenied(_("Only admins set passwords."))
        return super().user_change_password(request, id, form_url)


@admin.register(Notification)
class NotificationAdmin(ModelAdmin):
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
    change_related = ("recipient",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(ModelAdmin):
    list_display = ["user", "kind", "mode"]
    list_filter = ["kind", "mode"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user"]
