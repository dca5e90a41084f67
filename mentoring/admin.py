from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from mentoring.models import Claim, Escalation, Exclusion, MentorExpertise, MentorProfile, Offer


class ExpertiseInline(admin.TabularInline):
    model = MentorExpertise
    autocomplete_fields = ["tag"]
    extra = 1


@admin.register(MentorProfile)
class MentorProfileAdmin(admin.ModelAdmin):
    """Approve applications with the "Approve" action or by setting the status."""

    list_display = ["user", "status", "capacity", "accepting", "away_until", "last_offered_at"]
    list_filter = ["status", "accepting"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user"]
    readonly_fields = ["approved_at", "approved_by", "last_offered_at", "created_at"]
    inlines = [ExpertiseInline]
    actions = ["approve"]

    @admin.action(description="Approve the selected applications")
    def approve(self, request: HttpRequest, queryset: Any) -> None:
        from mentoring.services import mentor_approve

        for profile in queryset:
            mentor_approve(profile=profile, by=request.user)  # type: ignore[arg-type]
        self.message_user(request, f"{queryset.count()} mentor(s) approved.")


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ["question", "mentor", "state", "created_at", "first_reply_at", "ended_at"]
    list_filter = ["state"]
    list_select_related = ["question", "mentor"]
    search_fields = ["question__title", "mentor__username"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "question", "mentor", "state", "created_at", "reply_due_at", "first_reply_at",
        "extended", "ended_at", "end_reason",
    ]  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    """Threads that need a mentor."""

    list_display = ["question", "escalated_at", "eligible_mentors", "reason", "retag_asked_at"]
    list_select_related = ["question"]
    search_fields = ["question__title"]
    date_hierarchy = "escalated_at"
    readonly_fields = ["question", "escalated_at", "eligible_mentors", "reason", "retag_asked_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = ["question", "mentor", "wave", "score", "created_at", "declined_at"]
    list_filter = ["wave"]
    list_select_related = ["question", "mentor"]
    search_fields = ["question__title", "mentor__username"]
    readonly_fields = [
        "question", "mentor", "wave", "score", "reasons", "created_at", "declined_at",
    ]  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Exclusion)
class ExclusionAdmin(admin.ModelAdmin):
    list_display = ["question", "mentor", "reason", "created_at"]
    list_filter = ["reason"]
    list_select_related = ["question", "mentor"]
    search_fields = ["question__title", "mentor__username"]
    autocomplete_fields = ["question", "mentor"]
