from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.admin_forms import ModelAdmin
from mentoring.models import (
    Claim,
    Escalation,
    Exclusion,
    Feedback,
    MentorExpertise,
    MentorProfile,
    Mentorship,
    Offer,
)
from mentoring.selectors import escalation_still_waiting


class ExpertiseInline(admin.TabularInline):
    model = MentorExpertise
    autocomplete_fields = ["tag"]
    extra = 1

    def get_queryset(self, request: HttpRequest) -> QuerySet[MentorExpertise]:
        # Each row is titled by its tag.
        return super().get_queryset(request).select_related("tag")


@admin.register(MentorProfile)
class MentorProfileAdmin(ModelAdmin):
    """Approve applications with the "Approve" action: the status is read-only here, so
    that approval always goes through mentoring.services.mentor_approve (which records
    who approved and when) rather than a bare change of the field."""

    list_display = ["user", "status", "capacity", "accepting", "away_until", "last_offered_at"]
    # "Mentors by tag": only the tags some mentor lists.
    list_filter = ["status", "accepting", ("expertise__tag", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user"]
    readonly_fields = ["status", "approved_at", "approved_by", "last_offered_at", "created_at"]
    change_related = ("user", "approved_by")
    inlines = [ExpertiseInline]
    actions = ["approve"]

    @admin.action(description=gettext_lazy("Approve the selected applications"))
    def approve(self, request: HttpRequest, queryset: Any) -> None:
        from mentoring.services import mentor_approve

        for profile in queryset:
            mentor_approve(profile=profile, by=request.user)  # type: ignore[arg-type]
        approved = queryset.count()
        self.message_user(
            request,
            ngettext("%(count)s mentor approved.", "%(count)s mentors approved.", approved)
            % {"count": approved},
        )


@admin.register(Claim)
class ClaimAdmin(ModelAdmin):
    list_display = ["question", "mentor", "state", "created_at", "first_reply_at", "ended_at"]
    list_filter = ["state"]
    list_select_related = ["question", "mentor"]
    search_fields = ["question__title", "mentor__username"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "question", "mentor", "state", "created_at", "reply_due_at", "first_reply_at",
        "extended", "ended_at", "end_reason",
    ]  # fmt: skip
    change_related = ("question", "mentor")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class StillWaitingFilter(admin.SimpleListFilter):
    title = gettext_lazy("mentor")
    parameter_name = "waiting"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", _("Still needs a mentor")), ("no", _("Taken, solved or closed"))]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        waiting = escalation_still_waiting()
        if self.value() == "yes":
            return queryset.filter(waiting)
        if self.value() == "no":
            return queryset.exclude(waiting)
        return queryset


class UnservedFilter(admin.SimpleListFilter):
    title = gettext_lazy("eligible mentors")
    parameter_name = "unserved"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", _("None (unserved tags)"))]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        return queryset.filter(eligible_mentors=0) if self.value() == "yes" else queryset


@admin.register(Escalation)
class EscalationAdmin(ModelAdmin):
    """Threads that need a mentor ("still needs a mentor" is the live list)."""

    list_display = ["question", "escalated_at", "eligible_mentors", "reason", "retag_asked_at"]
    list_filter = [StillWaitingFilter, UnservedFilter]
    list_select_related = ["question"]
    search_fields = ["question__title"]
    date_hierarchy = "escalated_at"
    readonly_fields = ["question", "escalated_at", "eligible_mentors", "reason", "retag_asked_at"]
    change_related = ("question",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Offer)
class OfferAdmin(ModelAdmin):
    list_display = ["question", "mentor", "wave", "score", "created_at", "declined_at"]
    list_filter = ["wave"]
    list_select_related = ["question", "mentor"]
    search_fields = ["question__title", "mentor__username"]
    readonly_fields = [
        "question", "mentor", "wave", "score", "reasons", "created_at", "declined_at",
    ]  # fmt: skip
    change_related = ("question", "mentor")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Exclusion)
class ExclusionAdmin(ModelAdmin):
    list_display = ["question", "mentor", "reason", "created_at"]
    list_filter = ["reason"]
    list_select_related = ["question", "mentor"]
    search_fields = ["question__title", "mentor__username"]
    autocomplete_fields = ["question", "mentor"]
    change_related = ("mentor",)


@admin.register(Feedback)
class FeedbackAdmin(ModelAdmin):
    """Askers' ratings; "problematic" ones also reached moderators by notification."""

    list_display = ["claim", "rating", "created_at"]
    list_filter = ["rating"]
    list_select_related = ["claim__question", "claim__mentor"]
    search_fields = ["claim__mentor__username", "claim__question__title", "comment"]
    date_hierarchy = "created_at"
    readonly_fields = ["claim", "rating", "comment", "created_at"]
    change_related = ("claim__mentor",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Mentorship)
class MentorshipAdmin(ModelAdmin):
    list_display = ["mentee", "mentor", "state", "created_at", "answered_at", "ended_at"]
    list_filter = ["state"]
    list_select_related = ["mentee", "mentor"]
    search_fields = ["mentee__username", "mentor__username", "goals"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "mentee", "mentor", "goals", "created_at", "answered_at", "ended_at", "ended_by", "note",
    ]  # fmt: skip
    change_related = ("mentee", "mentor", "ended_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
