from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

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


class VisibilityFilter(admin.SimpleListFilter):
    """Public, hidden (by a moderator or by flags), deleted, or merged away."""

    title = "visibility"
    parameter_name = "visibility"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        choices = [("public", "Public"), ("hidden", "Hidden"), ("deleted", "Deleted")]
        if model_admin.model is Question:
            choices.append(("merged", "Merged away"))
        return choices

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value == "public":
            return queryset.filter(hidden=False)
        if value == "hidden":
            queryset = queryset.filter(hidden=True, deleted_at__isnull=True)
            if queryset.model is Question:
                queryset = queryset.filter(merged_into__isnull=True)
            return queryset
        if value == "deleted":
            return queryset.filter(deleted_at__isnull=False)
        if value == "merged":
            return queryset.filter(merged_into__isnull=False)
        return queryset


class PublicLinkMixin:
    @admin.display(description="Public page")
    def public_link(self, post: Any) -> str:
        return format_html('<a href="{}">view</a>', post.get_absolute_url())


# What moderators change through the actions (with a reason and an audit record) only.
MODERATED_FIELDS = ["hidden", "deleted_at"]


class AnswerInline(admin.TabularInline):
    model = Answer
    fields = ["author", "body", "score", "hidden", "deleted_at", "created_at"]
    readonly_fields = ["author", "score", *MODERATED_FIELDS, "created_at"]
    extra = 0
    show_change_link = True


class CommentInline(admin.TabularInline):
    model = Comment
    fields = ["author", "body", "hidden", "deleted_at", "created_at"]
    readonly_fields = ["author", *MODERATED_FIELDS, "created_at"]
    extra = 0
    show_change_link = True


class QuestionCommentInline(CommentInline):
    fk_name = "question"
    verbose_name_plural = "Comments on the question"


class AnswerCommentInline(CommentInline):
    fk_name = "answer"
    verbose_name_plural = "Comments on the answer"


@admin.register(Question)
class QuestionAdmin(PublicLinkMixin, admin.ModelAdmin):
    list_display = [
        "title", "author", "status", "score", "answer_count", "hidden", "locked", "created_at",
        "public_link",
    ]  # fmt: skip
    list_filter = ["status", VisibilityFilter, "locked", "tags"]
    list_select_related = ["author"]
    search_fields = ["title", "author__username"]
    autocomplete_fields = ["author", "tags"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "status", "closed_reason", "duplicate_of", "locked", *MODERATED_FIELDS, "merged_into",
        "score", "answer_count", "view_count", "accepted_answer", "created_at", "updated_at",
        "last_activity_at", "external_id",
    ]  # fmt: skip
    exclude = ["search_vector"]
    inlines = [AnswerInline, QuestionCommentInline]
    view_on_site = True


@admin.register(Answer)
class AnswerAdmin(PublicLinkMixin, admin.ModelAdmin):
    list_display = ["__str__", "question", "author", "score", "hidden", "created_at", "public_link"]
    list_filter = [VisibilityFilter]
    list_select_related = ["author", "question"]
    search_fields = ["body", "author__username"]
    autocomplete_fields = ["author", "question"]
    readonly_fields = [*MODERATED_FIELDS, "score", "created_at", "updated_at", "external_id"]
    date_hierarchy = "created_at"
    inlines = [AnswerCommentInline]
    view_on_site = True


@admin.register(Comment)
class CommentAdmin(PublicLinkMixin, admin.ModelAdmin):
    list_display = ["__str__", "author", "hidden", "created_at", "public_link"]
    list_filter = [VisibilityFilter]
    list_select_related = ["author", "answer"]
    search_fields = ["body", "author__username"]
    raw_id_fields = ["question", "answer"]
    autocomplete_fields = ["author"]
    readonly_fields = [*MODERATED_FIELDS, "created_at"]
    date_hierarchy = "created_at"
    view_on_site = True


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the site keeps (votes behind scores, edit history): read, never edited."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Vote)
class VoteAdmin(ReadOnlyAdmin):
    list_display = ["user", "value", "question", "answer", "created_at"]
    list_filter = ["value"]
    list_select_related = ["user", "question", "answer"]
    search_fields = ["user__username", "question__title"]
    date_hierarchy = "created_at"


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "author", "question", "answer", "created_at"]
    list_select_related = ["author", "question", "answer"]
    search_fields = ["author__username", "previous_title", "previous_body"]
    date_hierarchy = "created_at"


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
