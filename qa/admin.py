from __future__ import annotations

from typing import Any

from django.contrib import admin

from qa.markdown import render_markdown
from qa.models import (
    Answer,
    AskDraft,
    Comment,
    FaqEntry,
    FaqEvidence,
    Question,
    Revision,
    SearchEvidence,
    SimilarShown,
    Tag,
    Vote,
)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "description"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}


class AnswerInline(admin.TabularInline):
    model = Answer
    fields = ["author", "body", "score", "hidden", "created_at"]
    readonly_fields = ["author", "score", "created_at"]
    extra = 0
    show_change_link = True


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = [
        "title", "author", "status", "score", "answer_count", "hidden", "locked", "created_at",
    ]  # fmt: skip
    list_filter = ["status", "hidden", "locked", "tags"]
    list_select_related = ["author"]
    search_fields = ["title", "author__username"]
    autocomplete_fields = ["author", "duplicate_of", "tags"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "score", "answer_count", "view_count", "accepted_answer", "created_at", "updated_at",
        "last_activity_at", "external_id",
    ]  # fmt: skip
    exclude = ["search_vector"]
    inlines = [AnswerInline]
    view_on_site = True


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = ["__str__", "author", "score", "hidden", "created_at"]
    list_filter = ["hidden"]
    list_select_related = ["author", "question"]
    search_fields = ["body", "author__username"]
    autocomplete_fields = ["author", "question"]
    readonly_fields = ["score", "created_at", "updated_at", "external_id"]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "author", "hidden", "created_at"]
    list_filter = ["hidden"]
    list_select_related = ["author"]
    search_fields = ["body", "author__username"]
    raw_id_fields = ["question", "answer"]
    autocomplete_fields = ["author"]


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    list_display = ["user", "value", "question", "answer", "created_at"]
    list_select_related = ["user", "question", "answer"]
    raw_id_fields = ["user", "question", "answer"]


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "author", "question", "answer", "created_at"]
    list_select_related = ["author", "question", "answer"]
    raw_id_fields = ["question", "answer", "author"]
    readonly_fields = ["previous_title", "previous_body", "previous_tags", "created_at"]


@admin.register(FaqEntry)
class FaqEntryAdmin(admin.ModelAdmin):
    list_display = ["title", "order", "published", "updated_at"]
    list_editable = ["order", "published"]
    list_filter = ["published", "tags"]
    search_fields = ["title", "body"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["tags"]
    view_on_site = True

    def save_model(self, request: Any, obj: FaqEntry, form: Any, change: bool) -> None:
        # The stored HTML is always rendered by the one safe renderer.
        obj.body_html = render_markdown(obj.body)
        super().save_model(request, obj, form, change)


@admin.register(SearchEvidence)
class SearchEvidenceAdmin(admin.ModelAdmin):
    list_display = ["user", "query", "source", "created_at"]
    list_filter = ["source"]
    list_select_related = ["user"]
    search_fields = ["query", "user__username"]
    readonly_fields = ["user", "query", "source", "created_at"]


@admin.register(FaqEvidence)
class FaqEvidenceAdmin(admin.ModelAdmin):
    list_display = ["user", "entry", "no_match_query", "created_at"]
    list_select_related = ["user", "entry"]
    search_fields = ["user__username", "no_match_query"]
    readonly_fields = ["user", "entry", "no_match_query", "created_at"]


class SimilarShownInline(admin.TabularInline):
    model = SimilarShown
    fields = ["kind", "question", "solved", "created_at"]
    readonly_fields = ["kind", "question", "solved", "created_at"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(AskDraft)
class AskDraftAdmin(admin.ModelAdmin):
    """Drafts of the ask flow, read-only: what was typed and what it was shown."""

    list_display = ["__str__", "author", "status", "reached", "opened_solved", "updated_at"]
    list_filter = ["status", "opened_solved"]
    list_select_related = ["author"]
    search_fields = ["author__username"]
    date_hierarchy = "started_at"
    readonly_fields = [
        "author", "data", "reached", "status", "opened_solved", "question", "started_at",
        "updated_at",
    ]  # fmt: skip
    inlines = [SimilarShownInline]

    def has_add_permission(self, request: Any) -> bool:
        return False
